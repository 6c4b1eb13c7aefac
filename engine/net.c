/* engine/net: building the network and the time loop. The step, for every step:
 *   1. stimuli add this step's input into the ring slot due now (owning thread);
 *   2. update: each neuron advances by dt, consumes its due input, and spikes (owning thread);
 *      then the step's one barrier;
 *   3. communicate: each thread walks every spike of the step in ascending (population, id)
 *      order and adds weights into its own targets' ring slots `delay` steps ahead;
 *   4. record: thread 0 hands the step's spikes to the recorders while the others go on to the
 *      next step (a second barrier only for recorders that read state).
 * Sums into a target happen in an order fixed by (step, projection, source id, synapse), never
 * by thread count, so results are bit-identical for any number of threads. Where few inputs
 * arrive, the update reads only the listed ones (step 2), to the same bits. With several MPI
 * ranks (engine/xchg) the parts are every rank's threads': after the barrier of step 2 thread
 * 0 exchanges the step's spikes with the other ranks while its own threads wait, then every
 * rank delivers to its own parts' targets from the same lists in the same order. */
#include "engine/net.h"

#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <omp.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/cpus.h"
#include "core/part.h"
#include "core/relax.h"
#include "core/rng.h"
#include "core/soa.h"
#include "core/team.h"
#include "core/dist.h"
#include "engine/xchg.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* A delay no synapse of the projection exceeds, in ms (six standard deviations for the
 * unbounded distributions, within the distribution's bounds and the longest storable delay). */
static double delay_upper(const struct proj_spec *p, double dt_ms)
{
    const struct dist *d = &p->delay;
    double u;
    if (p->rule == CONN_LIST && p->list_d) {
        u = 0;
        for (size_t i = 0; i < p->nlist; i++)
            if (p->list_d[i] > u) u = p->list_d[i];
    } else {
        switch (d->kind) {
        case DIST_CONST: u = d->a; break;
        case DIST_UNIFORM: u = d->b; break;
        case DIST_NORMAL: u = d->a + 6 * d->b; break;
        case DIST_LOGNORMAL: u = exp(d->a + 6 * d->b); break;
        default: u = d->hi;
        }
        if (d->kind != DIST_CONST && u > d->hi) u = d->hi;
    }
    double cap = PROJ_MAX_DELAY_STEPS * dt_ms;
    return isfinite(u) && u < cap ? u : cap;
}

/* What rule r of projection p keeps when it reads its target every step (pl_rule.bind): per
 * source and thread, per synapse, per target neuron (and the target's scratch); 0 for others
 * or a rule the target refuses (net_build says why). */
static double step_rule_bytes(const struct net_spec *s, const struct proj_spec *p, int r,
                              double nsyn, int T)
{
    const struct pl_rule *rule = p->plast[r].rule;
    if (!rule->bind) return 0;
    void *d = calloc(1, rule->derived_size ? rule->derived_size : 1);
    if (!d) return 0;
    const struct pop_spec *tgt = &s->pops[p->to];
    const struct pl_target t = {.model = tgt->model,
                                .params = tgt->params,
                                .shape = &tgt->shape,
                                .port = p->port,
                                .dt_ms = s->dt_ms,
                                .delay = proj_delay_steps(p->delay.a, s->dt_ms)};
    struct pl_needs nd = {0};
    struct err e = {0};
    double b = 0;
    if (!rule->prepare(p->plast[r].params, s->dt_ms, d, &nd, &e) && !rule->bind(d, &t, &nd, &e))
        b = 8.0 * T * s->pops[p->from].size * nd.npre + 8.0 * nsyn * nd.nsynd +
            8.0 * tgt->size * (nd.npost + 2);
    free(d);
    return b;
}

void net_estimate(const struct net_spec *s, uint64_t *neurons, double *synapses, double *bytes)
{
    uint64_t nn = 0;
    double syn = 0, b = 0;
    for (int i = 0; i < s->npops; i++) {
        const struct pop_spec *p = &s->pops[i];
        nn += p->size;
        /* state, ISI statistics, refractory count, spikes */
        b += (double)p->size * (8.0 * nrn_nstate(p->model, &p->shape) + 8 + 4 + 16 + 4 + 4);
        /* the input ring: every port, as many slots as the longest incoming delay */
        double dmax = 0;
        for (int j = 0; j < s->nprojs; j++)
            if (s->projs[j].to == i && delay_upper(&s->projs[j], s->dt_ms) > dmax)
                dmax = delay_upper(&s->projs[j], s->dt_ms);
        double ring =
            p->size * nrn_nports(p->model, &p->shape) * (floor(dmax / s->dt_ms + 0.5) + 1);
        int one_delay = 1; /* input lists only where every projection has one delay */
        for (int j = 0; j < s->nprojs; j++) {
            const struct proj_spec *q = &s->projs[j];
            if (q->to == i &&
                (q->rule == CONN_LIST ? q->list_d != NULL : q->delay.kind != DIST_CONST))
                one_delay = 0;
        }
        b += 8.0 * ring + (p->model->port_state && one_delay ? ring / 4.0 : 0);
    }
    for (int j = 0; j < s->nprojs; j++) {
        const struct proj_spec *p = &s->projs[j];
        const struct proj_spec *cp = p->rule == CONN_TRANSPOSE ? &s->projs[p->of] : p;
        double c = proj_expected_count(cp, s->pops[cp->from].size, s->pops[cp->to].size,
                                       cp->from == cp->to);
        syn += c;
        /* target; weight and delay only when they vary (synapses/proj); row offsets */
        int list = p->rule == CONN_LIST;
        b += c * (4.0 + ((list ? p->list_w != NULL : p->weight.kind != DIST_CONST) ? 4 : 0) +
                  ((list ? p->list_d != NULL : p->delay.kind != DIST_CONST) ? 2 : 0));
        b += 8.0 * s->pops[p->from].size * (s->threads > 0 ? s->threads : 1);
        if (p->nplast) { /* a weight per synapse, the rules' per-synapse and per-source state */
            int T = s->threads > 0 ? s->threads : 1;
            b += c * (list ? (p->list_w ? 0 : 4) : (p->weight.kind == DIST_CONST ? 4 : 0));
            b += 8.0 * s->pops[p->from].size * T;
            for (int r = 0; r < p->nplast; r++) {
                b += c * 4 + 16.0 * s->pops[p->from].size * T;
                b += step_rule_bytes(s, p, r, c, T);
            }
        }
        if (p->rule == CONN_TRANSPOSE) b += 8.0 * c; /* the index into the reversed weights */
    }
    *neurons = nn;
    *synapses = syn;
    *bytes = b;
}

static int alloc_pop(struct pop *p, const struct pop_spec *ps, double dt, struct err *e)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", ps->name);
    p->n = ps->size;
    p->ops = ps->model;
    p->shape = &ps->shape;
    p->nstate = nrn_nstate(p->ops, p->shape);
    p->nports = nrn_nports(p->ops, p->shape);
    size_t n = p->n ? p->n : 1;
    p->derived = calloc(1, p->ops->derived_size ? p->ops->derived_size : 1);
    p->refr = calloc(n, sizeof *p->refr);
    p->spk_buf[0] = malloc(2 * n * sizeof *p->spk_buf[0]);
    p->spk_buf[1] = p->spk_buf[0] ? p->spk_buf[0] + n : NULL;
    p->last_stamp = malloc(n * sizeof *p->last_stamp);
    p->isi_n = calloc(n, sizeof *p->isi_n);
    p->isi_sum = calloc(n, sizeof *p->isi_sum);
    p->isi_sq = calloc(n, sizeof *p->isi_sq);
    int bad = !p->derived || !p->refr || !p->spk_buf[0] || !p->last_stamp || !p->isi_n ||
              !p->isi_sum || !p->isi_sq;
    size_t stride = 0;
    if (!bad) bad = !(p->state_block = soa_alloc((size_t)p->nstate, n, &stride));
    for (int v = 0; v < p->nstate && !bad; v++) p->state[v] = p->state_block + v * stride;
    if (bad) return err_set(e, ERR_NOMEM, NULL, 0, ps->name, "out of memory for the population");
    for (uint32_t i = 0; i < p->n; i++) p->last_stamp[i] = -1;
    if (p->ops->prepare) {
        struct err pe = {0};
        if (p->ops->prepare(ps->params, p->shape, dt, p->derived, &pe) != 0)
            return err_set(e, ERR_INPUT, NULL, 0, ps->name, "%s: %s", pe.path, pe.msg);
    }
    return 0;
}

/* Initial state: the model's defaults, then any per-variable distribution, drawn per neuron
 * from its own counter so the result does not depend on threads. */
static void init_state(struct pop *p, const struct pop_spec *ps, int index, uint64_t seed)
{
    double s0[NRN_MAX_STATE] = {0};
    if (p->ops->initial) p->ops->initial(ps->params, p->shape, s0);
    for (int v = 0; v < p->nstate; v++) {
        for (uint32_t i = 0; i < p->n; i++) {
            if (ps->has_init[v]) {
                struct rng r;
                rng_init(&r, seed, RNG_STREAM_INIT + (uint32_t)index, i, (uint32_t)v);
                p->state[v][i] = dist_draw(&ps->init[v], &r);
            } else {
                p->state[v][i] = s0[v];
            }
        }
    }
}

static int cmp_event(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* A spike source's schedule as events (stamp, id) sorted per part. */
static int build_schedule(struct pop *p, const struct pop_spec *ps, int nparts, double dt,
                          int64_t nsteps, struct err *e)
{
    size_t total = ps->src_offset ? ps->src_offset[p->n] : 0;
    int64_t(*ev)[2] = malloc((total ? total : 1) * sizeof *ev);
    p->src_begin = calloc((size_t)nparts + 1, sizeof *p->src_begin);
    p->src_cursor = calloc((size_t)nparts, sizeof *p->src_cursor);
    p->src_stamp = malloc((total ? total : 1) * sizeof *p->src_stamp);
    p->src_id = malloc((total ? total : 1) * sizeof *p->src_id);
    if (!ev || !p->src_begin || !p->src_cursor || !p->src_stamp || !p->src_id) {
        free(ev);
        return err_set(e, ERR_NOMEM, NULL, 0, ps->name, "out of memory for the schedule");
    }
    size_t m = 0;
    for (uint32_t i = 0; ps->src_offset && i < p->n; i++) /* none: fed (net_set_feed) */
        for (size_t j = ps->src_offset[i]; j < ps->src_offset[i + 1]; j++) {
            int64_t st = (int64_t)floor(ps->src_times_ms[j] / dt + 0.5);
            if (st < 1 || st > nsteps) continue; /* outside the run */
            ev[m][0] = st;
            ev[m][1] = i;
            m++;
        }
    qsort(ev, m, sizeof *ev, cmp_event);
    /* group by owning part, dropping duplicates (one spike per neuron and step) */
    size_t w = 0;
    for (int k = 0; k < nparts; k++) {
        p->src_begin[k] = w;
        uint32_t b = part_begin(p->n, nparts, k), en = part_begin(p->n, nparts, k + 1);
        for (size_t j = 0; j < m; j++) {
            if (ev[j][1] < b || ev[j][1] >= en) continue;
            if (w > p->src_begin[k] && p->src_stamp[w - 1] == ev[j][0] &&
                p->src_id[w - 1] == (uint32_t)ev[j][1])
                continue;
            p->src_stamp[w] = ev[j][0];
            p->src_id[w] = (uint32_t)ev[j][1];
            w++;
        }
        p->src_cursor[k] = p->src_begin[k];
    }
    p->src_begin[nparts] = w;
    free(ev);
    return 0;
}

/* Lists of touched input entries: a sixteenth of each part's neurons per (port, slot). Past
 * about that fraction, reading the whole slot costs less than visiting the listed entries in
 * random order (measured on CUBA and COBA, N = 4000 and 64000). */
static int alloc_touch(struct pop *p, int T, struct err *e)
{
    p->toff = calloc((size_t)T, sizeof *p->toff);
    p->tcap = calloc((size_t)T, sizeof *p->tcap);
    if (!p->toff || !p->tcap) return err_set(e, ERR_NOMEM, NULL, 0, p->name, "out of memory");
    size_t off = 0;
    for (int k = 0; k < T; k++) {
        p->toff[k] = (uint32_t)off;
        p->tcap[k] = (part_begin(p->n, T, k + 1) - part_begin(p->n, T, k)) / 16;
        off += p->tcap[k];
    }
    size_t lists = (size_t)p->nports * p->nslots;
    p->tstride = off ? off : 1;
    p->tcount_stride = (lists + 1 + 15) / 16 * 16; /* and a run length; whole cache lines */
    p->touch = malloc(lists * p->tstride * sizeof *p->touch);
    p->tcount = aligned_alloc(64, (size_t)T * p->tcount_stride * sizeof *p->tcount);
    if (!p->touch || !p->tcount)
        return err_set(e, ERR_NOMEM, NULL, 0, p->name, "out of memory for input");
    memset(p->tcount, 0, (size_t)T * p->tcount_stride * sizeof *p->tcount);
    return 0;
}

/* Adds w to a ring entry; a first non-zero value is listed, until the list is full (then the
 * count goes one past the capacity and stays there). */
static inline void ring_add(double *buf, uint32_t t, double w, uint32_t *list, uint32_t cap,
                            uint32_t *count)
{
    const double old = buf[t];
    uint32_t c = *count;
    if (old == 0.0 && c <= cap) {
        if (c < cap) list[c] = t;
        *count = c + 1;
    }
    buf[t] = old + w;
}

/* A postsynaptic trace of population p, shared by every rule that asks for the same one. */
static int trace_slot(struct pop *p, const struct pl_trace *t)
{
    for (int i = 0; i < p->ntraces; i++)
        if (p->traces[i].tau_ms == t->tau_ms && p->traces[i].nearest == t->nearest) return i;
    if (p->ntraces == NET_MAX_TRACES) return -1;
    p->traces[p->ntraces] = *t;
    return p->ntraces++;
}

/* Projection j's rules: their constants, state, and the target's spike histories. */
static int build_plast(struct net *n, int j, struct err *e)
{
    const struct proj_spec *ps = &n->spec->projs[j];
    struct proj *pr = &n->projs[j];
    struct pop *tgt = &n->pops[pr->tgt_pop];
    const size_t T = (size_t)n->nparts, cells = (size_t)pr->nsrc * T;
    char path[SPEC_NAME + 32];
    snprintf(path, sizeof path, "projections.%s", ps->name);
    struct net_plast *pl = n->plast[j] = calloc(1, sizeof *pl);
    if (!pl) return err_set(e, ERR_NOMEM, NULL, 0, path, "out of memory for plasticity");
    pl->nrules = ps->nplast;
    pl->lo = -INFINITY;
    pl->hi = INFINITY;
    pl->last = malloc((cells ? cells : 1) * sizeof *pl->last);
    pl->seen = malloc((cells ? cells : 1) * sizeof *pl->seen);
    if (!pl->last || !pl->seen)
        return err_set(e, ERR_NOMEM, NULL, 0, path, "out of memory for plasticity");
    for (size_t c = 0; c < cells; c++) pl->last[c] = pl->seen[c] = PL_NEVER;
    pl->flushes = 1;
    if (!pr->w) { /* a constant weight becomes one per synapse */
        pr->w = malloc((pr->nsyn ? pr->nsyn : 1) * sizeof *pr->w);
        if (!pr->w) return err_set(e, ERR_NOMEM, NULL, 0, path, "out of memory for weights");
        for (uint64_t q = 0; q < pr->nsyn; q++) pr->w[q] = pr->w_const;
        pr->bytes += pr->nsyn * sizeof *pr->w;
    }
    for (int r = 0; r < pl->nrules; r++) {
        const struct pl_rule *rule = pl->rule[r] = ps->plast[r].rule;
        struct pl_needs *nd = &pl->needs[r];
        pl->derived[r] = calloc(1, rule->derived_size ? rule->derived_size : 1);
        if (!pl->derived[r]) return err_set(e, ERR_NOMEM, NULL, 0, path, "out of memory");
        struct err pe = {0};
        if (rule->prepare(ps->plast[r].params, n->dt_ms, pl->derived[r], nd, &pe))
            return err_set(e, ERR_INPUT, NULL, 0, path, "plasticity.%s: %s", pe.path, pe.msg);
        pl->flushes &= nd->flushes || !nd->ntraces;
        if (nd->changes_weight && rule->bounds) {
            double lo, hi;
            rule->bounds(pl->derived[r], &lo, &hi);
            pl->lo = fmax(pl->lo, lo);
            pl->hi = fmin(pl->hi, hi);
            pl->changes_weight = 1;
        }
        for (int t = 0; t < nd->ntraces; t++)
            if ((pl->trace[r][t] = trace_slot(tgt, &nd->traces[t])) < 0)
                return err_set(e, ERR_INPUT, NULL, 0, path,
                               "population %s would need more than %d postsynaptic traces",
                               tgt->name, NET_MAX_TRACES);
        if (rule->bind) {
            const struct pop_spec *tps = &n->spec->pops[pr->tgt_pop];
            const struct pl_target t = {.model = tgt->ops,
                                        .params = tps->params,
                                        .shape = tgt->shape,
                                        .port = pr->port,
                                        .dt_ms = n->dt_ms,
                                        .delay = pr->delay_steps};
            if (pr->delay) /* io/cfg refuses it first */
                return err_set(e, ERR_INPUT, NULL, 0, path, "plasticity rule %s needs one delay "
                               "for every synapse", rule->name);
            if (rule->bind(pl->derived[r], &t, nd, &pe))
                return err_set(e, ERR_INPUT, NULL, 0, path, "plasticity.%s: %s", pe.path, pe.msg);
            pl->steps = 1;
            if (nd->nsynd) {
                pl->synd[r] = malloc((pr->nsyn ? pr->nsyn : 1) * (size_t)nd->nsynd * sizeof(double));
                if (!pl->synd[r]) return err_set(e, ERR_NOMEM, NULL, 0, path, "out of memory");
                for (uint64_t q = 0; q < pr->nsyn; q++)
                    rule->init_synd(pl->derived[r], pr->w[q], pl->synd[r] + q * nd->nsynd);
            }
            if (!tgt->rule_scratch &&
                (!(tgt->rule_scratch = calloc(tgt->n ? tgt->n : 1, sizeof *tgt->rule_scratch)) ||
                 !(tgt->v_spike = calloc(tgt->n ? tgt->n : 1, sizeof *tgt->v_spike))))
                return err_set(e, ERR_NOMEM, NULL, 0, path, "out of memory");
            if (nd->npost) {
                pl->post[r] = calloc((size_t)(tgt->n ? tgt->n : 1) * (size_t)nd->npost, sizeof(double));
                if (!pl->post[r]) return err_set(e, ERR_NOMEM, NULL, 0, path, "out of memory");
            }
        }
        pl->pre[r] = calloc((cells ? cells : 1) * (size_t)(nd->npre ? nd->npre : 1), sizeof(double));
        if (!pl->pre[r]) return err_set(e, ERR_NOMEM, NULL, 0, path, "out of memory");
        if (nd->nsyn) {
            pl->syn[r] = malloc((pr->nsyn ? pr->nsyn : 1) * (size_t)nd->nsyn * sizeof(float));
            if (!pl->syn[r]) return err_set(e, ERR_NOMEM, NULL, 0, path, "out of memory");
            for (uint64_t q = 0; q < pr->nsyn; q++) rule->init_syn(pl->derived[r], pl->syn[r] + q * nd->nsyn);
        }
    }
    if (pl->lo > pl->hi)
        return err_set(e, ERR_INPUT, NULL, 0, path, "plasticity: the rules' weight bounds do "
                       "not overlap ([%g, %g])", pl->lo, pl->hi);
    /* weights are floats: a bound no float holds (w_max = 0.3) is stored, and reached, as the
     * float nearest it; rounding keeps order, so a weight within [lo, hi] is within these */
    const float flo = (float)pl->lo, fhi = (float)pl->hi;
    for (uint64_t q = 0; q < pr->nsyn; q++)
        if (!(pr->w[q] >= flo && pr->w[q] <= fhi))
            return err_set(e, ERR_INPUT, NULL, 0, path, "weight %g of a synapse lies outside "
                           "the plasticity bounds [%g, %g]", pr->w[q], pl->lo, pl->hi);
    int reads_post = 0; /* stp alone reads no postsynaptic spikes: no histories for it */
    for (int r = 0; r < pl->nrules; r++) reads_post |= pl->needs[r].ntraces > 0;
    if (reads_post && !tgt->hist) {
        tgt->hist = aligned_alloc(64, (tgt->n ? tgt->n : 1) * sizeof *tgt->hist);
        if (tgt->hist) memset(tgt->hist, 0, (tgt->n ? tgt->n : 1) * sizeof *tgt->hist);
        tgt->hist_horizon = malloc(T * sizeof *tgt->hist_horizon);
        if (!tgt->hist || !tgt->hist_horizon)
            return err_set(e, ERR_NOMEM, NULL, 0, tgt->name, "out of memory for spike histories");
        for (size_t k = 0; k < T; k++) tgt->hist_horizon[k] = PL_NEVER;
    }
    return 0;
}

int net_build(struct net *n, const struct net_spec *s, struct err *e)
{
    double t0 = now_s();
    memset(n, 0, sizeof *n);
    n->spec = s;
    n->dt_ms = s->dt_ms;
    n->nsteps = (int64_t)floor(s->duration_ms / s->dt_ms + 0.5);
    n->seed = s->seed;
    n->nthreads = s->threads > 0 ? s->threads : cpus_default_threads();
    n->nranks = xchg_world(&n->rank);
    /* every rank must split alike: threads = 0 (all CPUs) may differ between machines */
    if (n->nranks > 1) n->nthreads = xchg_min(n->nthreads);
    n->nparts = n->nranks * n->nthreads;
    n->part0 = n->rank * n->nthreads;
    n->npops = s->npops;
    n->nprojs = s->nprojs;
    n->fault_pop = -1;
    /* T: the parts, of every rank; the threads (zeros, lanes) are this rank's nthreads */
    int T = n->nparts;
    n->pops = calloc((size_t)s->npops, sizeof *n->pops);
    n->projs = calloc((size_t)(s->nprojs ? s->nprojs : 1), sizeof *n->projs);
    /* per-thread rows, each on cache lines of its own */
    n->ctr = aligned_alloc(64, (size_t)T * sizeof *n->ctr);
    if (n->ctr) memset(n->ctr, 0, (size_t)T * sizeof *n->ctr);
    n->pop_stride = ((size_t)s->npops + 7) / 8 * 8; /* whole cache lines per thread */
    n->part_nspk = aligned_alloc(64, n->pop_stride * T * 8);
    n->pop_spikes = aligned_alloc(64, n->pop_stride * T * sizeof *n->pop_spikes);
    if (n->pop_spikes) memset(n->pop_spikes, 0, n->pop_stride * T * sizeof *n->pop_spikes);
    n->pois = calloc((size_t)(s->nstims ? s->nstims : 1), sizeof *n->pois);
    n->plast = calloc((size_t)(s->nprojs ? s->nprojs : 1), sizeof *n->plast);
    n->wfault = calloc((size_t)T, sizeof *n->wfault);
    n->wfault_proj = -1;
    const size_t TL = (size_t)n->nthreads;
    n->zeros = aligned_alloc(64, TL * NRN_MAX_PORTS * NRN_ZERO_BLOCK * sizeof(double));
    if (n->zeros) memset(n->zeros, 0, TL * NRN_MAX_PORTS * NRN_ZERO_BLOCK * sizeof(double));
    n->post_bytes = (sizeof(struct net_post) + 4 * (size_t)s->npops + 63) / 64 * 64;
    n->post = aligned_alloc(64, 2 * (size_t)T * n->post_bytes);
    n->lanes = aligned_alloc(64, TL * sizeof *n->lanes);
    if (n->lanes) memset(n->lanes, 0, TL * sizeof *n->lanes);
    n->adapt = 1;
    if (n->post) memset(n->post, 0, 2 * (size_t)T * n->post_bytes);
    for (int j = 0; n->pois && j < s->nstims; j++)
        rng_poisson_prepare(&n->pois[j], s->stims[j].rate_hz * s->dt_ms * 1e-3);
    if (!n->pops || !n->projs || !n->ctr || !n->pop_spikes || !n->pois || !n->post ||
        !n->plast || !n->wfault ||
        !n->part_nspk || !n->zeros || !n->lanes)
        return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    int rc;
    for (int i = 0; i < s->npops; i++) {
        if ((rc = alloc_pop(&n->pops[i], &s->pops[i], s->dt_ms, e))) return rc;
        init_state(&n->pops[i], &s->pops[i], i, s->seed);
        if (!n->pops[i].ops->update &&
            (rc = build_schedule(&n->pops[i], &s->pops[i], T, s->dt_ms, n->nsteps, e)))
            return rc;
    }
    for (int j = 0; j < s->nprojs; j++) {
        const struct proj_spec *ps = &s->projs[j];
        rc = ps->rule == CONN_TRANSPOSE
                 ? proj_transpose(&n->projs[j], ps, &n->projs[ps->of], s->dt_ms, T, e)
                 : proj_build(&n->projs[j], ps, j, s->pops[ps->from].size, s->pops[ps->to].size,
                              ps->from == ps->to, s->dt_ms, s->seed, T, e);
        if (rc) return rc;
    }
    for (int j = 0; j < s->nprojs; j++)
        if (s->projs[j].nplast && (rc = build_plast(n, j, e))) return rc;
    /* transposes read the weights they reverse where they now live (plastic ones per synapse) */
    for (int j = 0; j < s->nprojs; j++)
        if (s->projs[j].rule == CONN_TRANSPOSE) {
            const struct proj *q = &n->projs[s->projs[j].of];
            n->projs[j].tie_w = q->w;
            n->projs[j].tie_const = q->w_const;
            /* q's rule writes those weights in the update phase, another thread may still be
             * delivering through the transpose then: a barrier after delivery (net_run) */
            if (n->plast[s->projs[j].of] && n->plast[s->projs[j].of]->steps) n->tied_steps = 1;
        }
    for (int i = 0; i < s->npops; i++) {
        struct pop *p = &n->pops[i];
        uint32_t dmax = 0;
        for (int j = 0; j < s->nprojs; j++)
            if (n->projs[j].tgt_pop == i && n->projs[j].max_delay > dmax)
                dmax = n->projs[j].max_delay;
        p->nslots = dmax + 1;
        p->ring = soa_alloc((size_t)p->nports * p->nslots, p->n, &p->stride);
        if (!p->ring) return err_set(e, ERR_NOMEM, NULL, 0, p->name, "out of memory for input");
        /* Listing pays where inputs are sparse and every projection into the population has
         * one delay (the check then runs once per spike row). With delays that vary, as in the
         * cortical microcircuit, its per-synapse bookkeeping doubled the time of a full-scale
         * second (5.1 s -> 10.6 s with the dc background), whose inputs are dense anyway. */
        int one_delay = 1;
        for (int j = 0; j < s->nprojs; j++)
            if (n->projs[j].tgt_pop == i && n->projs[j].delay) one_delay = 0;
        if (p->ops->port_state && one_delay && (rc = alloc_touch(p, T, e))) return rc;
    }
    if (n->nranks > 1 && (rc = xchg_open(n, e))) return rc;
    n->build_s = now_s() - t0;
    return 0;
}

/* ---- the step, as seen by thread k ---- */

static void stimulate(struct net *n, int pi, int k, int64_t step, double *i_ext)
{
    const struct net_spec *s = n->spec;
    struct pop *p = &n->pops[pi];
    double t = step * n->dt_ms; /* the step covers [t, t + dt) */
    uint32_t b = part_begin(p->n, n->nparts, k), en = part_begin(p->n, n->nparts, k + 1);
    size_t slot = (size_t)(step % p->nslots);
    *i_ext = 0;
    for (int j = 0; j < s->nstims; j++) {
        const struct stim_spec *st = &s->stims[j];
        if (st->target != pi || t < st->start_ms - 1e-9 * n->dt_ms) continue;
        if (st->stop_ms >= 0 && t >= st->stop_ms - 1e-9 * n->dt_ms) continue;
        if (st->kind == STIM_DC) {
            *i_ext += st->amplitude_pa;
            continue;
        }
        double *in = p->ring + ((size_t)st->port * p->nslots + slot) * p->stride;
        const size_t list = (size_t)st->port * p->nslots + slot;
        uint32_t *touch = p->touch ? p->touch + list * p->tstride + p->toff[k] : NULL;
        uint32_t *count = p->touch ? p->tcount + k * p->tcount_stride + list : NULL;
        uint32_t cnt[256];
        for (uint32_t i0 = b; i0 < en; i0 += 256) {
            uint32_t i1 = en - i0 < 256 ? en : i0 + 256;
            rng_poisson_run(&n->pois[j], n->seed, RNG_STREAM_STIM + (uint32_t)j, (uint32_t)step, i0,
                            i1, cnt);
            for (uint32_t i = i0; i < i1; i++)
                if (cnt[i - i0]) {
                    if (p->touch)
                        ring_add(in, i, cnt[i - i0] * st->weight, touch, p->tcap[k], count);
                    else
                        in[i] += cnt[i - i0] * st->weight;
                }
        }
    }
}

static uint32_t play_schedule(struct pop *p, int k, int64_t stamp, uint32_t *out)
{
    uint32_t m = 0;
    size_t c = p->src_cursor[k];
    while (c < p->src_begin[k + 1] && p->src_stamp[c] == stamp) out[m++] = p->src_id[c++];
    p->src_cursor[k] = c;
    return m;
}

/* After a model's update on zeros: adds part k's listed inputs of this slot into their state
 * variables (the same sum, in the same order, as the model's own `decay + input`, since adding
 * 0.0 changes no value the model produces) and clears them. After a dense update the model
 * has consumed the slot already: only the lists are reset. */
static void add_listed(struct pop *p, int k, int64_t step, size_t slot, double *const *in,
                       int sparse)
{
    /* Where inputs are dense (say 0.1 per neuron and step), listing is pure cost: after 4
     * dense updates in a row the slot's list starts full, so that delivery skips it, and
     * every 32nd step it is tried again. */
    uint32_t *dense_run = p->tcount + k * p->tcount_stride + (size_t)p->nports * p->nslots;
    *dense_run = sparse ? 0 : *dense_run + 1;
    const uint32_t reopen = *dense_run >= 4 && step % 32 ? p->tcap[k] + 1 : 0;
    for (int q = 0; q < p->nports; q++) {
        const size_t list = (size_t)q * p->nslots + slot;
        uint32_t *count = p->tcount + k * p->tcount_stride + list;
        if (sparse) {
            const uint32_t *touch = p->touch + list * p->tstride + p->toff[k];
            double *x = p->state[p->ops->port_state[q]], *inq = in[q];
            for (uint32_t j = 0; j < *count; j++) {
                const uint32_t i = touch[j];
                x[i] += inq[i];
                inq[i] = 0.0;
            }
        }
        *count = reopen;
    }
}

/* Where every incoming plastic synapse of part k's neurons has seen their spikes: below the
 * oldest last spike of a source (a source yet to spike counts as now, its first spike will be
 * later) minus the projection's longest delay. Recomputed every HIST_EVERY steps; between,
 * it lags, which keeps more than needed, never less. */
enum { HIST_EVERY = 128 };

static void hist_horizon(struct net *n, int pi, int k, int64_t step)
{
    const int T = n->nparts;
    int64_t h = INT64_MAX;
    for (int j = 0; j < n->nprojs; j++) {
        const struct net_plast *pl = n->plast[j];
        const struct proj *pr = &n->projs[j];
        if (!pl || pr->tgt_pop != pi) continue;
        int64_t m = step;
        for (uint32_t s = 0; s < pr->nsrc; s++) {
            const int64_t l = pl->seen[(size_t)s * T + k];
            if (l != PL_NEVER && l < m) m = l;
        }
        if (m - pr->max_delay < h) h = m - pr->max_delay;
    }
    n->pops[pi].hist_horizon[k] = h;
}

/* Neuron i's spike at stamp: its traces, then the entries every synapse has seen go (all but
 * the newest of them, which carries the traces forward). */
static int hist_append(struct pop *p, uint32_t i, int64_t stamp, double dt, int64_t horizon)
{
    struct pl_hist *h = &p->hist[i];
    const int nt = p->ntraces;
    if (h->len == h->cap) {
        uint32_t cap = h->cap ? 2 * h->cap : 4;
        int64_t *st = malloc(cap * sizeof *st);
        double *val = malloc((size_t)cap * (size_t)(nt ? nt : 1) * sizeof *val);
        if (!st || !val) {
            free(st);
            free(val);
            return -1;
        }
        for (uint32_t e = 0; e < h->len; e++) {
            st[e] = pl_hist_stamp(h, e);
            for (int t = 0; t < nt; t++) val[(size_t)e * nt + t] = pl_hist_val(h, nt, e, t);
        }
        free(h->stamp);
        free(h->val);
        h->stamp = st;
        h->val = val;
        h->cap = cap;
        h->start = 0;
    }
    const uint32_t at = (h->start + h->len) & (h->cap - 1);
    for (int t = 0; t < nt; t++) {
        double x = 1;
        if (h->len && !p->traces[t].nearest) {
            const int64_t prev = pl_hist_stamp(h, h->len - 1);
            x += pl_hist_val(h, nt, h->len - 1, t) *
                 exp(-(double)(stamp - prev) * dt / p->traces[t].tau_ms);
        }
        h->val[(size_t)at * nt + t] = x;
    }
    h->stamp[at] = stamp;
    h->len++;
    h->prev = h->newest;
    h->newest = stamp;
    for (int t = 0; t < nt && t < PL_HIST_INLINE; t++) {
        h->prev_val[t] = h->newest_val[t];
        h->newest_val[t] = h->val[(size_t)at * nt + t];
    }
    while (h->len >= 2 && pl_hist_stamp(h, 1) <= horizon) {
        h->start = (h->start + 1) & (h->cap - 1);
        h->len--;
    }
    return 0;
}

/* Projection j's rules on the synapses of one (source, part) cell: a spike stamped `stamp`, or
 * a flush up to it (core/plast.h); the product of their factors. */
static double plast_rules(struct net *n, int j, size_t cell, int64_t stamp, int flush, double amp)
{
    struct net_plast *pl = n->plast[j];
    struct proj *pr = &n->projs[j];
    const struct pop *tgt = &n->pops[pr->tgt_pop];
    struct pl_row r = {.dt_ms = n->dt_ms,
                       .stamp = stamp,
                       .last = pl->last[cell],
                       .seen = pl->seen[cell],
                       .flush = flush,
                       .lo = pr->row[cell],
                       .hi = pr->row[cell + 1],
                       .tgt = pr->tgt,
                       .w = pr->w,
                       .delay = pr->delay,
                       .delay_const = pr->delay_steps,
                       .hist = tgt->hist,
                       .ntraces = tgt->ntraces,
                       .amp = amp};
    double f = 1.0;
    for (int i = 0; i < pl->nrules; i++) {
        r.derived = pl->derived[i];
        r.pre = pl->pre[i] + cell * (size_t)pl->needs[i].npre;
        r.syn = pl->syn[i];
        r.trace = pl->trace[i];
        f *= pl->rule[i]->on_pre(&r);
    }
    return f;
}

/* Sources of plastic projections into population pi that have been silent for FLUSH_AGE
 * steps: their synapses onto part k take the postsynaptic spikes so far (pl_row.flush), the
 * same updates in the same order as their next spike would make, so that a silent source does
 * not keep its targets' histories growing. Every part flushes the same sources at the same
 * steps: results do not depend on threads. */
enum { FLUSH_AGE = 64 * HIST_EVERY }; /* 8192 steps: rarely a spiking source, so cheap */

static void plast_flush(struct net *n, int pi, int k, int64_t step)
{
    const size_t T = (size_t)n->nparts;
    for (int j = 0; j < n->nprojs; j++) {
        struct net_plast *pl = n->plast[j];
        struct proj *pr = &n->projs[j];
        if (!pl || pr->tgt_pop != pi || !pl->flushes) continue;
        for (uint32_t s = 0; s < pr->nsrc; s++) {
            const size_t cell = (size_t)s * T + (size_t)k;
            if (pl->last[cell] == PL_NEVER || pl->seen[cell] >= step - FLUSH_AGE) continue;
            if (pr->row[cell] < pr->row[cell + 1]) plast_rules(n, j, cell, step, 1, 1.0);
            pl->seen[cell] = step;
        }
    }
}

/* net_set_reset: part k's neurons [b, e) of population pi back at rest, with nothing in their
 * input ring (and so nothing listed in it). Only part k's thread touches these entries. */
static void reset_part(struct net *n, int pi, int k, uint32_t b, uint32_t e)
{
    struct pop *p = &n->pops[pi];
    double s0[NRN_MAX_STATE] = {0};
    if (p->ops->initial) p->ops->initial(n->spec->pops[pi].params, p->shape, s0);
    for (int v = 0; v < p->nstate; v++)
        for (uint32_t i = b; i < e; i++) p->state[v][i] = s0[v];
    memset(p->refr + b, 0, (size_t)(e - b) * sizeof *p->refr);
    for (size_t q = 0; p->ring && q < (size_t)p->nports * p->nslots; q++)
        memset(p->ring + q * p->stride + b, 0, (size_t)(e - b) * sizeof *p->ring);
    if (p->touch) memset(p->tcount + (size_t)k * p->tcount_stride, 0,
                         (size_t)p->nports * p->nslots * sizeof *p->tcount);
    /* rules that follow the targets step by step (traces of their PSPs, arrivals on the way,
     * their own past) start again with them; weights and sums stay */
    for (int j = 0; j < n->nprojs; j++) {
        struct net_plast *pl = n->plast[j];
        const struct proj *pr = &n->projs[j];
        if (!pl || !pl->steps || pr->tgt_pop != pi) continue;
        for (int r = 0; r < pl->nrules; r++) {
            if (!pl->rule[r]->on_step) continue;
            const size_t np = (size_t)pl->needs[r].npre, npost = (size_t)pl->needs[r].npost;
            for (uint32_t s = 0; s < pr->nsrc; s++)
                memset(pl->pre[r] + ((size_t)s * n->nparts + k) * np, 0, np * sizeof(double));
            if (npost) memset(pl->post[r] + b * npost, 0, (size_t)(e - b) * npost * sizeof(double));
        }
    }
}

/* The rules with on_step of every plastic projection into population pi, on part k's
 * synapses, after the population's update of `step` (spikes: the part's, ascending). */
static void plast_steps(struct net *n, int pi, int k, int64_t step, uint32_t b, uint32_t en,
                        const uint32_t *spikes, uint32_t m)
{
    struct pop *p = &n->pops[pi];
    for (int j = 0; j < n->nprojs; j++) {
        struct net_plast *pl = n->plast[j];
        struct proj *pr = &n->projs[j];
        if (!pl || !pl->steps || pr->tgt_pop != pi) continue;
        for (int r = 0; r < pl->nrules; r++) {
            if (!pl->rule[r]->on_step) continue;
            const struct pl_step st = {.derived = pl->derived[r],
                                       .dt_ms = n->dt_ms,
                                       .step = step,
                                       .part = k,
                                       .nparts = n->nparts,
                                       .nsrc = pr->nsrc,
                                       .row = pr->row,
                                       .tgt = pr->tgt,
                                       .w = pr->w,
                                       .synd = pl->synd[r],
                                       .pre = pl->pre[r],
                                       .post = pl->post[r],
                                       .begin = b,
                                       .end = en,
                                       .model = p->ops,
                                       .model_derived = p->derived,
                                       .state = p->state,
                                       .spikes = spikes,
                                       .nspikes = m,
                                       .v_spike = p->v_spike,
                                       .scratch = p->rule_scratch + b};
            pl->rule[r]->on_step(&st);
        }
    }
}

static inline void count_spikes(struct net *n, int pi, int k, int64_t stamp, const uint32_t *ids,
                                uint32_t m)
{
    struct pop *p = &n->pops[pi];
    n->pop_spikes[k * n->pop_stride + pi] += m;
    n->ctr[k].spikes += m;
    for (uint32_t j = 0; j < m; j++) {
        uint32_t i = ids[j];
        if (p->last_stamp[i] >= 0) {
            double isi = (double)(stamp - p->last_stamp[i]) * n->dt_ms;
            p->isi_n[i]++;
            p->isi_sum[i] += isi;
            p->isi_sq[i] += isi * isi;
        }
        p->last_stamp[i] = stamp;
    }
}

void net_count_spikes(struct net *n, int pi, int k, int64_t stamp, const uint32_t *ids, uint32_t m)
{
    count_spikes(n, pi, k, stamp, ids, m);
}

static void update_part(struct net *n, int k, int64_t step)
{
    /* counts and the fault flag go to the post once, at the end: other threads spin on its
     * line, and every store to it while they do costs a round trip between cores */
    uint32_t *nspk = n->part_nspk + (size_t)k * 2 * n->pop_stride, fault = 0;
    for (int pi = 0; pi < n->npops; pi++) {
        struct pop *p = &n->pops[pi];
        uint32_t b = part_begin(p->n, n->nparts, k), en = part_begin(p->n, n->nparts, k + 1);
        uint32_t *out = p->spk_buf[step & 1] + b;
        uint32_t m;
        double i_ext = 0;
        if (n->reset_every && step % n->reset_every == 0) reset_part(n, pi, k, b, en);
        stimulate(n, pi, k, step, &i_ext);
        if (p->ops->update) {
            size_t slot = (size_t)(step % p->nslots);
            double *in[NRN_MAX_PORTS];
            for (int q = 0; q < p->nports; q++)
                in[q] = p->ring + ((size_t)q * p->nslots + slot) * p->stride;
            uint32_t bad = UINT32_MAX, *count = NULL;
            int sparse = 0;
            if (p->touch) {
                count = p->tcount + k * p->tcount_stride + slot;
                sparse = 1;
                for (int q = 0; q < p->nports; q++) sparse &= count[q * p->nslots] <= p->tcap[k];
            }
            struct nrn_ctx c = {
                .derived = p->derived,
                .state = p->state,
                .refr = p->refr,
                .input = in,
                .zeros = sparse ? n->zeros + (size_t)(k - n->part0) * NRN_MAX_PORTS * NRN_ZERO_BLOCK
                         : NULL,
                .i_ext = i_ext,
                .nonfinite = &bad,
                .seed = n->seed,
                .stream = RNG_STREAM_NEURON + (uint32_t)pi,
                .step = step,
                .v_spike = p->v_spike};
            m = p->ops->update(&c, b, en, out);
            if (p->touch) add_listed(p, k, step, slot, in, sparse);
            n->ctr[k].sparse_updates += (uint64_t)sparse;
            if (bad != UINT32_MAX) {
                fault = 1;
#pragma omp critical(apical_fault)
                {
                    if (n->fault_pop < 0 || pi < n->fault_pop ||
                        (pi == n->fault_pop && bad < n->fault_neuron)) {
                        n->fault_pop = pi;
                        n->fault_neuron = bad;
                        n->fault_step = step;
                    }
                }
            }
        } else if (p->feed.fire) {
            m = p->feed.fire(p->feed.self, k, step, b, en, out,
                             p->spk_amp[0] ? p->spk_amp[step & 1] + b : NULL);
        } else {
            m = play_schedule(p, k, step + 1, out);
        }
        if (p->rule_scratch) plast_steps(n, pi, k, step, b, en, out, m);
        nspk[pi] = m;
        int64_t stamp = step + 1;
        count_spikes(n, pi, k, stamp, out, m);
        if (p->hist) {
            if (step % HIST_EVERY == 0) {
                plast_flush(n, pi, k, step);
                hist_horizon(n, pi, k, step);
            }
            for (uint32_t j = 0; j < m; j++)
                if (hist_append(p, out[j], stamp, n->dt_ms, p->hist_horizon[k])) {
                    /* out of memory for a history: stops the run as a fault does */
                    fault = 1;
                    n->wfault[k] = 2;
                }
        }
    }
    fault |= n->wfault[k] != 0;
    struct net_post *post = net_post(n, step, k);
    memcpy(post->nspk, nspk, (size_t)n->npops * sizeof *nspk);
    post->fault = fault;
}

/* A spike of source s (stamp) reaches part k's synapses [lo, hi) of plastic projection j:
 * the rules update them; returns the factor their weights are delivered with. */
static double plast_row(struct net *n, int j, int k, uint32_t s, uint64_t lo, uint64_t hi,
                        int64_t stamp, double amp)
{
    struct net_plast *pl = n->plast[j];
    struct proj *pr = &n->projs[j];
    const size_t cell = (size_t)s * (size_t)n->nparts + (size_t)k;
    const double f = plast_rules(n, j, cell, stamp, 0, amp);
    pl->last[cell] = pl->seen[cell] = stamp;
    int bad = !isfinite(f);
    for (uint64_t q = lo; q < hi && pl->changes_weight && !bad; q++) bad = !isfinite(pr->w[q]);
    if (bad && !n->wfault[k]) {
        uint64_t q = lo;
        while (q + 1 < hi && isfinite(pr->w[q]) && isfinite(f)) q++;
        n->wfault[k] = 1;
#pragma omp critical(apical_fault)
        {
            if (n->wfault_proj < 0 || stamp - 1 < n->wfault_step ||
                (stamp - 1 == n->wfault_step && j < n->wfault_proj)) {
                n->wfault_proj = j;
                n->wfault_src = s;
                n->wfault_tgt = hi > lo ? pr->tgt[q] : 0;
                n->wfault_step = stamp - 1;
            }
        }
    }
    return f;
}

static void deliver_part(struct net *n, int k, int64_t step)
{
    const int T = n->nparts;
    uint64_t events = 0;
    for (int j = 0; j < n->nprojs; j++) {
        const struct proj *pr = &n->projs[j];
        const struct net_plast *pl = n->plast[j];
        const struct pop *src = &n->pops[pr->src_pop];
        struct pop *tgt = &n->pops[pr->tgt_pop];
        const uint32_t ns = tgt->nslots;
        const size_t nt = tgt->stride;
        const uint32_t now = (uint32_t)(step % ns);
        double *port = tgt->ring + (size_t)pr->port * ns * nt;
        uint32_t *tcount = tgt->touch ? tgt->tcount + k * tgt->tcount_stride : NULL;
        const uint32_t tcap = tgt->touch ? tgt->tcap[k] : 0;
        for (int kk = 0; kk < T; kk++) {
            const uint32_t *ids = src->spk_buf[step & 1] + part_begin(src->n, T, kk);
            const double *amp =
                src->spk_amp[0] ? src->spk_amp[step & 1] + part_begin(src->n, T, kk) : NULL;
            const uint32_t m = net_post(n, step, kk)->nspk[pr->src_pop];
            for (uint32_t a = 0; a < m; a++) {
                uint64_t cell = (uint64_t)ids[a] * T + k;
                uint64_t lo = pr->row[cell], hi = pr->row[cell + 1];
                events += hi - lo;
                if (a + 1 < m) {
                    /* the next spike's row: its targets (and weights) are somewhere in arrays of
                     * megabytes, so fetch their first lines while this row is delivered */
                    const uint64_t ncell = (uint64_t)ids[a + 1] * T + k;
                    const uint64_t nlo = pr->row[ncell], nhi = pr->row[ncell + 1];
                    for (uint64_t q = nlo; q < nhi && q < nlo + 64; q += 16) {
                        __builtin_prefetch(pr->tgt + q);
                        if (pr->w) __builtin_prefetch(pr->w + q);
                        if (pr->delay) __builtin_prefetch(pr->delay + q);
                    }
                }
                if (pl || amp || pr->tie) {
                    /* weights scaled: by the rules (short-term plasticity) and the amplitude;
                     * or read through a transpose */
                    double f =
                        pl ? plast_row(n, j, k, ids[a], lo, hi, step + 1, amp ? amp[a] : 1.0) : 1.0;
                    if (amp) f = pl ? f * amp[a] : amp[a];
                    if (f != 1.0 || amp || pr->tie) {
                        for (uint64_t q = lo; q < hi; q++) {
                            uint32_t slot = now + (pr->delay ? pr->delay[q] : pr->delay_steps);
                            if (slot >= ns) slot -= ns;
                            const size_t list = (size_t)pr->port * ns + slot;
                            const double x = proj_weight(pr, q) * f;
                            if (tcount && tcount[list] <= tcap)
                                ring_add(port + (size_t)slot * nt, pr->tgt[q], x,
                                         tgt->touch + list * tgt->tstride + tgt->toff[k], tcap,
                                         tcount + list);
                            else
                                port[(size_t)slot * nt + pr->tgt[q]] += x;
                        }
                        continue;
                    }
                }
                if (!pr->delay) {
                    uint32_t slot = now + pr->delay_steps;
                    if (slot >= ns) slot -= ns;
                    double *buf = port + (size_t)slot * nt;
                    const size_t list = (size_t)pr->port * ns + slot;
                    if (tcount && tcount[list] <= tcap) {
                        uint32_t *touch = tgt->touch + list * tgt->tstride + tgt->toff[k];
                        for (uint64_t q = lo; q < hi; q++)
                            ring_add(buf, pr->tgt[q], proj_weight(pr, q), touch, tcap,
                                     tcount + list);
                    } else if (pr->w) {
                        for (uint64_t q = lo; q < hi; q++) buf[pr->tgt[q]] += pr->w[q];
                    } else {
                        const double w = pr->w_const;
                        for (uint64_t q = lo; q < hi; q++) buf[pr->tgt[q]] += w;
                    }
                } else {
                    for (uint64_t q = lo; q < hi; q++) {
                        uint32_t slot = now + pr->delay[q];
                        if (slot >= ns) slot -= ns;
                        port[(size_t)slot * nt + pr->tgt[q]] += proj_weight(pr, q);
                    }
                }
            }
        }
    }
    n->ctr[k].events += events;
    if (n->nprobe && (step + 1) % n->probe_every == 0) {
        float *val = n->probe_val[step & 1];
        for (uint32_t i = n->probe_begin[k]; i < n->probe_begin[k + 1]; i++)
            val[i] = proj_weight(&n->projs[n->probe_proj[i]], n->probe_q[i]);
    }
}

/* A part's arrival at the step's barrier (seq) or at its second barrier (seq2), published by
 * whichever thread ran the part. */
static void sync_post(struct net_post *p, int64_t step, int second)
{
    atomic_store_explicit(second ? &p->seq2 : &p->seq, step + 1, memory_order_release);
}

/* Waits until every part has arrived: `pause` while spinning, then yield the core, so that a
 * run on an oversubscribed machine does not burn the time the late thread needs. (256 pauses
 * are a few microseconds, longer than a balanced step waits; with 4 threads on these 2 cores
 * CUBA takes 0.25 s this way, 1.7 s spinning 4096 times, 1.0 s with libgomp's barrier.) Parts
 * rather than threads: when fewer threads are active, one runs several parts. */
static void sync_wait(const struct net *n, int k, int m, int64_t step, int second)
{
    for (int kk = 0; kk < n->nthreads; kk++) {
        if (kk % m == k) continue;
        struct net_post *p = net_post(n, step, n->part0 + kk);
        _Atomic int64_t *seq = second ? &p->seq2 : &p->seq;
        for (unsigned spin = 0; atomic_load_explicit(seq, memory_order_acquire) < step + 1;
             spin++) {
            if (spin < 256)
                cpu_relax();
            else
                sched_yield();
        }
    }
}

/* Threads 1..: spins, then yields, until thread 0 has the other ranks' spikes of `step`. */
static void wait_exchange(const struct net *n, int64_t step)
{
    _Atomic int64_t *x = &net_lane(n, 0)->exchanged;
    for (unsigned spin = 0; atomic_load_explicit(x, memory_order_acquire) < step + 1; spin++) {
        if (spin < 256)
            cpu_relax();
        else
            sched_yield();
    }
}

/* Spins, then yields, until part kk's step `step - 1` is delivered (and recorded). */
static void wait_handoff(const struct net *n, int kk, int64_t step)
{
    _Atomic int64_t *h = &net_lane(n, kk)->handoff;
    for (unsigned spin = 0; atomic_load_explicit(h, memory_order_acquire) < step; spin++) {
        if (spin < 256)
            cpu_relax();
        else
            sched_yield();
    }
}

static void futex_wait(_Atomic int *word, int seen)
{
    syscall(SYS_futex, (int *)word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic int *word)
{
    syscall(SYS_futex, (int *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Thread 0 tells the parked threads: from `step`, m threads are active (m = 0: leave). */
static void team_call(struct net *n, int64_t step, int m)
{
    atomic_store_explicit(&n->ctl, m ? step * NET_MAX_TEAM + m : -1, memory_order_release);
    atomic_fetch_add_explicit(&n->ctl_gen, 1, memory_order_release);
    futex_wake_all(&n->ctl_gen);
}

/* A parked thread k (parked after step `parked`) sleeps until it is called back; returns the
 * step to go on from and sets *m, or -1 when the run is over. */
static int64_t team_park(struct net *n, int k, int64_t parked, int *m)
{
    for (;;) {
        int g = atomic_load_explicit(&n->ctl_gen, memory_order_acquire);
        int64_t c = atomic_load_explicit(&n->ctl, memory_order_acquire);
        if (c < 0) return -1;
        int64_t from = c / NET_MAX_TEAM;
        int mm = (int)(c % NET_MAX_TEAM);
        if (from > parked && k < mm) {
            *m = mm;
            return from;
        }
        futex_wait(&n->ctl_gen, g);
    }
}

/* How many threads run the parts: thread 0 asks core/team every block of steps, with the
 * switches every active thread publishes at the block's start. */
enum { TEAM_BLOCK = 128 };

/* Thread 0, before it posts step `step`: how many threads run the parts from step + 1. */
static int team_next(struct team *team, const struct net *n, int64_t step)
{
    if (team->test) return team_decide(team, 0, 0);
    if (step % TEAM_BLOCK) return team->m;
    long sw = 0;
    for (int k = 0; k < team->m; k++)
        sw += atomic_load_explicit(&net_lane(n, k)->switches, memory_order_relaxed);
    return team_decide(team, sw, now_s());
}

/* One barrier per step: after it, every active thread delivers the step's spikes into the
 * targets of its parts and thread 0 records them, and each goes on to the next update without
 * waiting; the spike lists and posts alternate between two buffers, so that update cannot
 * overwrite what another thread is still reading. (A part's post for step s + 2 is written only
 * after every part has arrived at step s + 1, that is, after all are done with step s.) A
 * second barrier is added only when a recorder reads state: it must see the state before
 * anyone updates it again. Thread k runs parts k, k + m, k + 2m, ... of the m active threads;
 * when m changes after step s, a part's new thread waits for its handoff (the old thread's
 * step s delivered), and threads k >= m park on a futex until thread 0 calls them back. */
int net_run(struct net *n, struct recorder *recs, int nrecs, const volatile sig_atomic_t *stop,
            struct err *e)
{
    if (n->failed)
        return err_set(e, ERR_INPUT, NULL, 0, NULL,
                       "the network's last run failed; it cannot be run further");
    double t0 = now_s();
    int rc = 0, short_team = 0, state_rec = 0;
    int64_t done = n->step;
    struct err rec_err = {0};
    for (int r = 0; r < nrecs; r++) state_rec |= recs[r].reads_state;
    state_rec |= n->tied_steps; /* the second barrier (net_build: transposes) */
    memset(n->post, 0, 2 * (size_t)n->nparts * n->post_bytes);
    for (int kk = 0; kk < n->nthreads; kk++) {
        atomic_store_explicit(&net_lane(n, kk)->handoff, n->step, memory_order_relaxed);
        atomic_store_explicit(&net_lane(n, kk)->exchanged, n->step, memory_order_relaxed);
    }
    atomic_store_explicit(&n->ctl, 0, memory_order_relaxed);
#pragma omp parallel num_threads(n->nthreads)
    {
        /* Everything the loop reads goes into this thread's own variables first: shared ones
         * live in thread 0's stack frame, on lines that thread 0 keeps writing, and reading
         * them in the loop cost the other threads a cache miss per step. Thread 0's results
         * are copied out at the end. */
        struct net *const nn = n;
        struct recorder *const rr = recs;
        const int nrec = nrecs, k = omp_get_thread_num(), T = nn->nthreads, P = nn->nparts;
        const int p0 = nn->part0, ranks = nn->nranks > 1;
        const volatile sig_atomic_t *const sig = stop;
        int my_rc = 0, m = T, adapt = nn->adapt && T > 1 && !nn->adapt_test;
        int64_t my_done = nn->step;
        struct err my_err = {0};
        struct team team;
        if (k == 0) team_init(&team, T, nn->adapt_test);
        if (omp_get_num_threads() != T) {
#pragma omp atomic write
            short_team = 1;
        }
#pragma omp barrier
        int run;
#pragma omp atomic read
        run = short_team;
        run = !run;
        const int two = state_rec;
        int64_t step = nn->step;
        while (step < nn->nsteps && run) {
            struct net_post *first = net_post(nn, step, p0);
            if (adapt && step % TEAM_BLOCK == 0)
                atomic_store_explicit(&net_lane(nn, k)->switches, team_switches(),
                                      memory_order_relaxed);
            for (int kk = k; kk < T; kk += m) update_part(nn, p0 + kk, step);
            if (k == 0) {
                first->halt = my_rc ? 2 : (sig && *sig) ? 1 : 0;
                first->next_m = (uint32_t)(adapt || nn->adapt_test ? team_next(&team, nn, step) : T);
            }
            for (int kk = k; kk < T; kk += m) sync_post(net_post(nn, step, p0 + kk), step, 0);
            sync_wait(nn, k, m, step, 0);
            if (ranks) {
                /* the other ranks' spikes, faults and stops of this step (first->halt becomes
                 * the greatest of every rank's) */
                if (k == 0) {
                    xchg_step(nn, step);
                    atomic_store_explicit(&net_lane(nn, 0)->exchanged, step + 1,
                                          memory_order_release);
                } else {
                    wait_exchange(nn, step);
                }
            }
            int fault = 0;
            for (int kk = 0; kk < P; kk++) fault |= net_post(nn, step, kk)->fault;
            if (fault || first->halt == 2) break;
            const int next_m = (int)first->next_m;
            for (int kk = k; kk < T; kk += m) deliver_part(nn, p0 + kk, step);
            if (k == 0) {
                for (int r = 0; r < nrec && !my_rc; r++)
                    my_rc = rr[r].on_step(rr[r].self, nn, step, &my_err);
                my_done = step + 1;
            }
            if (two) {
                for (int kk = k; kk < T; kk += m) sync_post(net_post(nn, step, p0 + kk), step, 1);
                sync_wait(nn, k, m, step, 1);
            }
            if (first->halt) break;
            step++;
            if (next_m == m) continue;
            /* the team changes: hand the parts over, park, or call parked threads back */
            for (int kk = k; kk < T; kk += m)
                atomic_store_explicit(&net_lane(nn, kk)->handoff, step, memory_order_release);
            if (k == 0 && next_m > m) team_call(nn, step, next_m);
            if (k >= next_m) {
                step = team_park(nn, k, step - 1, &m);
                if (step < 0) break;
            } else {
                m = next_m;
            }
            for (int kk = k; kk < T; kk += m) wait_handoff(nn, kk, step);
        }
        if (k == 0) {
            if (T > 1) team_call(nn, 0, 0); /* parked threads leave */
            rc = my_rc;
            done = my_done;
            rec_err = my_err;
        }
    }
    n->step = done;
    n->sim_s += now_s() - t0;
    if (short_team)
        return err_set(e, ERR_INPUT, NULL, 0, "simulation.threads",
                       "OpenMP gave fewer than %d threads", n->nthreads);
    int oom = 0, failed_rank = -1;
    for (int k = 0; k < n->nparts; k++) oom |= n->wfault[k] == 2;
    /* every rank ended at the same step: what went wrong where, and the events, made known to
     * all, so that every rank reports the same fault as one process would */
    if (n->nranks > 1) failed_rank = xchg_finish(n, rc != 0, &oom);
    if (oom) {
        n->failed = 1;
        return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for spike histories");
    }
    if (n->wfault_proj >= 0) {
        const struct proj *pr = &n->projs[n->wfault_proj];
        n->failed = 1;
        return err_set(e, ERR_NONFINITE, NULL, 0, n->spec->projs[n->wfault_proj].name,
                       "non-finite weight of synapse %u -> %u (%s -> %s) at step %lld "
                       "(t = %g ms)", n->wfault_src, n->wfault_tgt, n->pops[pr->src_pop].name,
                       n->pops[pr->tgt_pop].name, (long long)n->wfault_step,
                       (double)(n->wfault_step + 1) * n->dt_ms);
    }
    if (n->fault_pop >= 0) {
        const struct pop *p = &n->pops[n->fault_pop];
        n->failed = 1;
        return err_set(e, ERR_NONFINITE, NULL, 0, p->name,
                       "non-finite membrane potential in neuron %u at step %lld (t = %g ms)",
                       n->fault_neuron, (long long)n->fault_step,
                       (double)(n->fault_step + 1) * n->dt_ms);
    }
    if (rc) {
        /* the other threads have already updated the next step: the state is one step past
         * n->step, so the network cannot go on */
        n->failed = 1;
        *e = rec_err;
        return rc;
    }
    if (failed_rank >= 0) {
        n->failed = 1;
        return err_set(e, ERR_IO, NULL, 0, NULL, "stopped at t = %g ms: a recorder of rank %d "
                       "failed", n->step * n->dt_ms, failed_rank);
    }
    n->interrupted = n->step < n->nsteps;
    if (n->step < n->nsteps) {
        return err_set(e, ERR_INTERRUPTED, NULL, 0, NULL, "interrupted at t = %g ms",
                       n->step * n->dt_ms);
    }
    return 0;
}

int net_resume_at(struct net *n, int64_t step, const uint64_t *pop_spikes, uint64_t spikes,
                  uint64_t events, struct err *e)
{
    if (step < 0 || step > n->nsteps)
        return err_set(e, ERR_INPUT, NULL, 0, "step", "step %lld is outside the run (0 to %lld)",
                       (long long)step, (long long)n->nsteps);
    const int T = n->nparts;
    n->step = step;
    n->interrupted = n->failed = 0;
    n->fault_pop = -1;
    memset(n->ctr, 0, (size_t)T * sizeof *n->ctr);
    n->ctr[0].spikes = spikes;
    n->ctr[0].events = events;
    memset(n->pop_spikes, 0, n->pop_stride * T * sizeof *n->pop_spikes);
    for (int i = 0; i < n->npops; i++) {
        struct pop *p = &n->pops[i];
        n->pop_spikes[i] = pop_spikes[i];
        /* a source's next event is its first one stamped after the step */
        for (int k = 0; p->src_cursor && k < T; k++) {
            size_t c = p->src_begin[k];
            while (c < p->src_begin[k + 1] && p->src_stamp[c] <= step) c++;
            p->src_cursor[k] = c;
        }
        /* histories keep everything until the next horizon is known */
        for (int k = 0; p->hist_horizon && k < T; k++) p->hist_horizon[k] = PL_NEVER;
        /* lists of touched inputs are the threads' own: every slot starts unlisted (a count
         * past the capacity), so the update reads it whole, which gives the same bits */
        for (int k = 0; p->touch && k < T; k++) {
            uint32_t *count = p->tcount + (size_t)k * p->tcount_stride;
            for (size_t q = 0; q < (size_t)p->nports * p->nslots; q++) count[q] = p->tcap[k] + 1;
            count[(size_t)p->nports * p->nslots] = 0;
        }
    }
    return 0;
}

int net_set_feed(struct net *n, int pi, const struct net_feed *f, struct err *e)
{
    struct pop *p = &n->pops[pi];
    if (n->nranks > 1) /* feeds and their amplitudes are not exchanged yet */
        return err_set(e, ERR_INPUT, NULL, 0, p->name,
                       "%s: a fed population cannot run on several MPI ranks yet", p->name);
    if (p->ops->update)
        return err_set(e, ERR_INPUT, NULL, 0, p->name,
                       "%s is a %s population: only spike sources can be fed", p->name,
                       p->ops->name);
    free(p->spk_amp[0]);
    p->spk_amp[0] = p->spk_amp[1] = NULL;
    if (f->graded) {
        size_t m = p->n ? p->n : 1;
        if (!(p->spk_amp[0] = malloc(2 * m * sizeof *p->spk_amp[0])))
            return err_set(e, ERR_NOMEM, NULL, 0, p->name, "out of memory");
        p->spk_amp[1] = p->spk_amp[0] + m;
    }
    p->feed = *f;
    return 0;
}

void net_set_reset(struct net *n, int64_t every) { n->reset_every = every > 0 ? every : 0; }

void net_pop_stats(const struct net *n, int pi, struct pop_stats *st)
{
    const struct pop *p = &n->pops[pi];
    memset(st, 0, sizeof *st);
    for (int k = 0; k < n->nparts; k++) st->spikes += n->pop_spikes[k * n->pop_stride + pi];
    double t_s = n->step * n->dt_ms * 1e-3;
    st->rate_hz = p->n && t_s > 0 ? st->spikes / (p->n * t_s) : 0;
    double cv = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        if (p->isi_n[i] < 2) continue;
        double m = p->isi_sum[i] / p->isi_n[i];
        double var = p->isi_sq[i] / p->isi_n[i] - m * m;
        cv += sqrt(var > 0 ? var : 0) / m;
        st->cv_neurons++;
    }
    st->cv_isi = st->cv_neurons ? cv / st->cv_neurons : NAN;
    for (int j = 0; j < n->nprojs; j++)
        if (n->projs[j].tgt_pop == pi) st->synapses_in += n->projs[j].nsyn;
}

uint64_t net_synapses(const struct net *n)
{
    uint64_t s = 0;
    for (int j = 0; j < n->nprojs; j++) s += n->projs[j].nsyn;
    return s;
}

size_t net_bytes(const struct net *n)
{
    size_t b = 0;
    for (int j = 0; j < n->nprojs; j++) b += n->projs[j].bytes;
    for (int i = 0; i < n->npops; i++) {
        const struct pop *p = &n->pops[i];
        b += (size_t)p->n * (8 * (size_t)p->nstate + 4 + 4 + 8 + 4 + 16);
        b += (size_t)p->nports * p->nslots * p->stride * 8;
        if (p->touch) b += (size_t)p->nports * p->nslots * p->tstride * 4;
    }
    return b;
}

uint64_t net_events(const struct net *n)
{
    uint64_t s = n->events_other;
    for (int k = 0; k < n->nparts; k++) s += n->ctr[k].events;
    return s;
}

void net_free(struct net *n)
{
    for (int i = 0; n->pops && i < n->npops; i++) {
        struct pop *p = &n->pops[i];
        free(p->state_block);
        free(p->derived);
        free(p->refr);
        free(p->ring);
        free(p->touch);
        free(p->tcount);
        free(p->toff);
        free(p->tcap);
        free(p->spk_buf[0]);
        free(p->spk_amp[0]);
        free(p->last_stamp);
        free(p->isi_n);
        free(p->isi_sum);
        free(p->isi_sq);
        for (uint32_t i = 0; p->hist && i < p->n; i++) {
            free(p->hist[i].stamp);
            free(p->hist[i].val);
        }
        free(p->hist);
        free(p->hist_horizon);
        free(p->rule_scratch);
        free(p->v_spike);
        free(p->src_begin);
        free(p->src_cursor);
        free(p->src_stamp);
        free(p->src_id);
    }
    for (int j = 0; n->projs && j < n->nprojs; j++) proj_free(&n->projs[j]);
    for (int j = 0; n->plast && j < n->nprojs; j++) {
        struct net_plast *pl = n->plast[j];
        if (!pl) continue;
        for (int r = 0; r < PL_MAX_RULES; r++) {
            free(pl->derived[r]);
            free(pl->pre[r]);
            free(pl->syn[r]);
            free(pl->synd[r]);
            free(pl->post[r]);
        }
        free(pl->last);
        free(pl->seen);
        free(pl);
    }
    free(n->plast);
    free(n->wfault);
    free(n->probe_begin);
    free(n->probe_slot);
    free(n->probe_proj);
    free(n->probe_q);
    free(n->probe_val[0]);
    free(n->pops);
    free(n->projs);
    free(n->ctr);
    free(n->pop_spikes);
    free(n->pois);
    free(n->post);
    free(n->lanes);
    free(n->part_nspk);
    free(n->zeros);
    xchg_free(n->xchg);
    memset(n, 0, sizeof *n);
}

int net_probe_weights(struct net *n, uint32_t nprobe, const int *proj, const uint64_t *q,
                      int64_t every, struct err *e)
{
    const int T = n->nparts;
    free(n->probe_begin);
    free(n->probe_slot);
    free(n->probe_proj);
    free(n->probe_q);
    free(n->probe_val[0]);
    n->probe_begin = n->probe_slot = NULL;
    n->probe_proj = NULL;
    n->probe_q = NULL;
    n->probe_val[0] = n->probe_val[1] = NULL;
    n->nprobe = 0;
    if (!nprobe) return 0;
    if (every < 1) return err_set(e, ERR_INPUT, NULL, 0, NULL, "probe interval below one step");
    int *owner = malloc(nprobe * sizeof *owner);
    n->probe_begin = calloc((size_t)T + 1, sizeof *n->probe_begin);
    n->probe_slot = malloc(nprobe * sizeof *n->probe_slot);
    n->probe_proj = malloc(nprobe * sizeof *n->probe_proj);
    n->probe_q = malloc(nprobe * sizeof *n->probe_q);
    n->probe_val[0] = calloc(2 * (size_t)nprobe, sizeof(float));
    if (!owner || !n->probe_begin || !n->probe_slot || !n->probe_proj || !n->probe_q ||
        !n->probe_val[0]) {
        free(owner);
        return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for weight probes");
    }
    n->probe_val[1] = n->probe_val[0] + nprobe;
    for (uint32_t i = 0; i < nprobe; i++) {
        if (proj[i] < 0 || proj[i] >= n->nprojs || q[i] >= n->projs[proj[i]].nsyn) {
            free(owner);
            return err_set(e, ERR_INPUT, NULL, 0, NULL, "weight probe %u names no synapse", i);
        }
        const struct proj *pr = &n->projs[proj[i]];
        owner[i] = part_owner(pr->ntgt, T, pr->tgt[q[i]]);
        n->probe_begin[owner[i] + 1]++;
    }
    for (int k = 0; k < T; k++) n->probe_begin[k + 1] += n->probe_begin[k];
    uint32_t *fill = calloc((size_t)T, sizeof *fill);
    if (!fill) {
        free(owner);
        return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for weight probes");
    }
    for (uint32_t i = 0; i < nprobe; i++) {
        uint32_t at = n->probe_begin[owner[i]] + fill[owner[i]]++;
        n->probe_slot[i] = at;
        n->probe_proj[at] = proj[i];
        n->probe_q[at] = q[i];
    }
    free(fill);
    free(owner);
    n->nprobe = nprobe;
    n->probe_every = every;
    return 0;
}

struct order_key {
    uint32_t tgt;
    uint64_t q;
};

static int cmp_order(const void *a, const void *b)
{
    const struct order_key *x = a, *y = b;
    if (x->tgt != y->tgt) return x->tgt < y->tgt ? -1 : 1;
    return (x->q > y->q) - (x->q < y->q);
}

uint64_t net_proj_span(const struct net *n, int j, uint32_t s0, uint32_t s1)
{
    const struct proj *pr = &n->projs[j];
    return pr->row[(uint64_t)s1 * pr->nparts] - pr->row[(uint64_t)s0 * pr->nparts];
}

int net_proj_order_range(const struct net *n, int j, uint32_t s0, uint32_t s1, uint64_t *q,
                         uint32_t *src, uint32_t *tgt, struct err *e)
{
    const struct proj *pr = &n->projs[j];
    const int T = pr->nparts;
    uint64_t most = 0;
    for (uint32_t s = s0; s < s1; s++) {
        uint64_t c = pr->row[(uint64_t)(s + 1) * T] - pr->row[(uint64_t)s * T];
        if (c > most) most = c;
    }
    struct order_key *key = malloc((most ? most : 1) * sizeof *key);
    if (!key) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    uint64_t c = 0;
    /* a target's synapses all live in its part, in the order they were made */
    for (uint32_t s = s0; s < s1; s++) {
        uint64_t m = 0;
        for (uint64_t x = pr->row[(uint64_t)s * T]; x < pr->row[(uint64_t)(s + 1) * T]; x++)
            key[m++] = (struct order_key){pr->tgt[x], x};
        qsort(key, m, sizeof *key, cmp_order);
        for (uint64_t x = 0; x < m; x++, c++) {
            q[c] = key[x].q;
            if (src) src[c] = s;
            if (tgt) tgt[c] = key[x].tgt;
        }
    }
    free(key);
    return 0;
}

int net_proj_order(const struct net *n, int j, uint64_t *q, uint32_t *src, uint32_t *tgt,
                   struct err *e)
{
    return net_proj_order_range(n, j, 0, n->projs[j].nsrc, q, src, tgt, e);
}

int net_weight_stats(const struct net *n, int j, struct net_wstats *st, struct err *e)
{
    const struct proj *pr = &n->projs[j];
    const struct net_plast *pl = n->plast[j];
    memset(st, 0, sizeof *st);
    st->lo = pl && pl->changes_weight ? pl->lo : NAN;
    st->hi = pl && pl->changes_weight ? pl->hi : NAN;
    if (!pr->nsyn) {
        st->mean = st->std = NAN;
        return 0;
    }
    /* sums in canonical order: the same bits for any thread count */
    uint64_t *order = malloc(pr->nsyn * sizeof *order);
    if (!order) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    int rc = net_proj_order(n, j, order, NULL, NULL, e);
    if (rc) {
        free(order);
        return rc;
    }
    const double tol = isfinite(st->hi - st->lo) ? 1e-6 * (st->hi - st->lo) : 0;
    double sum = 0, sq = 0;
    uint64_t lo = 0, hi = 0;
    for (uint64_t c = 0; c < pr->nsyn; c++) {
        const double w = proj_weight(pr, order[c]);
        sum += w;
        lo += w <= st->lo + tol;
        hi += w >= st->hi - tol;
    }
    st->mean = sum / (double)pr->nsyn;
    for (uint64_t c = 0; c < pr->nsyn; c++) {
        const double d = proj_weight(pr, order[c]) - st->mean;
        sq += d * d;
    }
    free(order);
    st->std = sqrt(sq / (double)pr->nsyn);
    st->at_lo = (double)lo / (double)pr->nsyn;
    st->at_hi = (double)hi / (double)pr->nsyn;
    return 0;
}
