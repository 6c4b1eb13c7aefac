/* engine/xchg: see xchg.h. Two collectives a step: every rank's counts (fixed size), then the
 * ids (MPI_Allgatherv, sized by the counts). A rank's block is its parts in order, each part's
 * populations in order, so that unpacking puts every id where the part's own thread would have
 * put it. (Exchanging once per minimum delay instead, as NEST does, is the next step: the
 * counts would then carry a stamp per step.) The state that record.traces reads rides along:
 * at the steps it samples, each rank appends the traced variables of its own neurons, and the
 * others write them into their copies of those neurons (which they never update), so the
 * recorder on rank 0 reads what one process holds. */
#include "engine/xchg.h"

#include <stdlib.h>

#include "engine/net.h"

#ifdef APICAL_MPI

#include <limits.h>
#include <mpi.h>
#include <string.h>

#include "core/part.h"

enum { HDR = 2, FIN = 10 }; /* the counts' header: halt, fault; xchg_finish's fields */

struct xchg {
    size_t hdr;                    /* uint32 per rank in the counts: HDR, then T x npops */
    uint32_t *cnt_send, *cnt_recv; /* hdr, nranks x hdr */
    uint32_t *ids_send, *ids_recv; /* this rank's neurons, every neuron */
    int *rcount, *displ;           /* per rank: ids sent, and where they go in ids_recv */
    int64_t *fin;                  /* nranks x FIN: xchg_finish */
    /* traced state: entries by owning rank (in record.traces' order), rank r's from
     * wbegin[r]; sent after the ids at the steps the recorder samples (stamp % every == 0) */
    struct watch {
        int pop, var;
        uint32_t id;
    } *watch;
    int *wbegin;
    int64_t every;
};

/* record.traces' entries, grouped by the rank owning the neuron; -1: out of memory or too many. */
static int watch_open(struct net *n, struct xchg *x)
{
    const struct net_spec *s = n->spec;
    const int R = n->nranks;
    size_t nw = 0;
    x->every = 0;
    for (int j = 0; j < s->ntraces; j++) {
        nw += s->traces[j].nneurons * (size_t)s->traces[j].nvars;
        int64_t ev = (int64_t)(s->traces[j].interval_ms / n->dt_ms + 0.5);
        if (ev < 1) ev = 1;
        if (!x->every || ev < x->every) x->every = ev; /* the recorder's: the finest */
    }
    x->wbegin = calloc((size_t)R + 1, sizeof *x->wbegin);
    x->watch = malloc((nw ? nw : 1) * sizeof *x->watch);
    if (!x->wbegin || !x->watch || nw > INT_MAX / 4) return -1;
    size_t w = 0;
    for (int r = 0; r < R; r++) {
        x->wbegin[r] = (int)w;
        for (int j = 0; j < s->ntraces; j++) {
            const struct trace_spec *ts = &s->traces[j];
            const uint32_t size = n->pops[ts->pop].n;
            for (size_t i = 0; i < ts->nneurons; i++) {
                if (part_owner(size, n->nparts, ts->neurons[i]) / n->nthreads != r) continue;
                for (int v = 0; v < ts->nvars; v++)
                    x->watch[w++] = (struct watch){ts->pop, ts->vars[v], ts->neurons[i]};
            }
        }
    }
    x->wbegin[R] = (int)w;
    return 0;
}

int xchg_world(int *rank)
{
    int init = 0, fin = 0, n = 1;
    *rank = 0;
    MPI_Initialized(&init);
    if (init) MPI_Finalized(&fin);
    if (!init || fin) return 1;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

int xchg_min(int v)
{
    int m = v;
    MPI_Allreduce(&v, &m, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return m;
}

int xchg_open(struct net *n, struct err *e)
{
    const size_t T = (size_t)n->nthreads, R = (size_t)n->nranks;
    size_t all = 0, mine = 0;
    for (int i = 0; i < n->npops; i++) {
        const uint32_t sz = n->pops[i].n;
        all += sz;
        mine += part_begin(sz, n->nparts, n->part0 + n->nthreads) - part_begin(sz, n->nparts, n->part0);
    }
    if (all > INT_MAX) /* MPI counts are ints */
        return err_set(e, ERR_INPUT, NULL, 0, "populations", "%zu neurons: more than %d cannot "
                       "run on several MPI ranks yet", all, INT_MAX);
    struct xchg *x = n->xchg = calloc(1, sizeof *x);
    if (!x) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for the exchange");
    if (watch_open(n, x))
        return err_set(e, ERR_NOMEM, NULL, 0, "record.traces", "out of memory for the exchange");
    const size_t nw = (size_t)x->wbegin[R];
    mine += 2 * (size_t)(x->wbegin[n->rank + 1] - x->wbegin[n->rank]);
    all += 2 * nw; /* doubles as two words */
    if (all > INT_MAX)
        return err_set(e, ERR_INPUT, NULL, 0, "record.traces", "too many traced values for "
                       "several MPI ranks");
    x->hdr = HDR + T * (size_t)n->npops;
    x->cnt_send = malloc(x->hdr * sizeof *x->cnt_send);
    x->cnt_recv = malloc(R * x->hdr * sizeof *x->cnt_recv);
    x->ids_send = malloc((mine ? mine : 1) * sizeof *x->ids_send);
    x->ids_recv = malloc((all ? all : 1) * sizeof *x->ids_recv);
    x->rcount = malloc(R * sizeof *x->rcount);
    x->displ = malloc(R * sizeof *x->displ);
    x->fin = malloc(R * FIN * sizeof *x->fin);
    if (!x->cnt_send || !x->cnt_recv || !x->ids_send || !x->ids_recv || !x->rcount || !x->displ ||
        !x->fin)
        return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for the exchange");
    return 0;
}

void xchg_step(struct net *n, int64_t step)
{
    struct xchg *x = n->xchg;
    const int T = n->nthreads, P = n->nparts, np = n->npops, R = n->nranks;
    struct net_post *first = net_post(n, step, n->part0);
    uint32_t *c = x->cnt_send, fault = 0;
    size_t m = 0;
    for (int k = 0; k < T; k++) {
        fault |= net_post(n, step, n->part0 + k)->fault;
        for (int pi = 0; pi < np; pi++) {
            const uint32_t *ids;
            const uint32_t cnt = net_part_spikes(n, pi, n->part0 + k, step, &ids);
            c[HDR + (size_t)k * np + pi] = cnt;
            memcpy(x->ids_send + m, ids, cnt * sizeof *ids);
            m += cnt;
        }
    }
    /* traced state, at the steps the recorder samples */
    const int traced = x->every && (step + 1) % x->every == 0;
    for (int w = x->wbegin[n->rank]; traced && w < x->wbegin[n->rank + 1]; w++) {
        const struct watch *wa = &x->watch[w];
        memcpy(x->ids_send + m, &n->pops[wa->pop].state[wa->var][wa->id], sizeof(double));
        m += 2;
    }
    c[0] = first->halt;
    c[1] = fault;
    MPI_Allgather(c, (int)x->hdr, MPI_UINT32_T, x->cnt_recv, (int)x->hdr, MPI_UINT32_T,
                  MPI_COMM_WORLD);
    int off = 0;
    for (int r = 0; r < R; r++) {
        const uint32_t *h = x->cnt_recv + (size_t)r * x->hdr;
        int sum = traced ? 2 * (x->wbegin[r + 1] - x->wbegin[r]) : 0;
        for (size_t j = HDR; j < x->hdr; j++) sum += (int)h[j];
        x->rcount[r] = sum;
        x->displ[r] = off;
        off += sum;
    }
    MPI_Allgatherv(x->ids_send, (int)m, MPI_UINT32_T, x->ids_recv, x->rcount, x->displ,
                   MPI_UINT32_T, MPI_COMM_WORLD);
    uint32_t halt = 0;
    for (int r = 0; r < R; r++) {
        const uint32_t *h = x->cnt_recv + (size_t)r * x->hdr;
        if (h[0] > halt) halt = h[0];
        if (r == n->rank) continue;
        const uint32_t *from = x->ids_recv + x->displ[r];
        for (int k = 0; k < T; k++) {
            const int g = r * T + k;
            struct net_post *po = net_post(n, step, g);
            po->fault = h[1];
            for (int pi = 0; pi < np; pi++) {
                const uint32_t cnt = h[HDR + (size_t)k * np + pi];
                struct pop *p = &n->pops[pi];
                uint32_t *to = p->spk_buf[step & 1] + part_begin(p->n, P, g);
                po->nspk[pi] = cnt;
                memcpy(to, from, cnt * sizeof *to);
                net_count_spikes(n, pi, g, step + 1, to, cnt);
                from += cnt;
            }
        }
        for (int w = x->wbegin[r]; traced && w < x->wbegin[r + 1]; w++, from += 2) {
            const struct watch *wa = &x->watch[w];
            memcpy(&n->pops[wa->pop].state[wa->var][wa->id], from, sizeof(double));
        }
    }
    first->halt = halt;
}

int xchg_finish(struct net *n, int rec_failed, int *oom)
{
    struct xchg *x = n->xchg;
    const int R = n->nranks;
    int64_t mine[FIN] = {0};
    for (int k = n->part0; k < n->part0 + n->nthreads; k++) mine[0] += (int64_t)n->ctr[k].events;
    mine[1] = n->fault_pop;
    mine[2] = n->fault_neuron;
    mine[3] = n->fault_step;
    mine[4] = n->wfault_proj;
    mine[5] = n->wfault_src;
    mine[6] = n->wfault_tgt;
    mine[7] = n->wfault_step;
    mine[8] = *oom;
    mine[9] = rec_failed;
    MPI_Allgather(mine, FIN, MPI_INT64_T, x->fin, FIN, MPI_INT64_T, MPI_COMM_WORLD);
    int failed = -1, fr = -1, wr = -1;
    n->events_other = 0;
    for (int r = 0; r < R; r++) {
        const int64_t *f = x->fin + (size_t)r * FIN;
        if (r != n->rank) n->events_other += (uint64_t)f[0];
        /* the first neuron by (population, id), the first weight by (step, projection), the
         * way one process's threads settle it */
        if (f[1] >= 0 && (fr < 0 || f[1] < x->fin[fr * FIN + 1] ||
                          (f[1] == x->fin[fr * FIN + 1] && f[2] < x->fin[fr * FIN + 2])))
            fr = r;
        if (f[4] >= 0 && (wr < 0 || f[7] < x->fin[wr * FIN + 7] ||
                          (f[7] == x->fin[wr * FIN + 7] && f[4] < x->fin[wr * FIN + 4])))
            wr = r;
        *oom |= f[8] != 0;
        if (f[9] && r != n->rank && failed < 0) failed = r;
    }
    if (fr >= 0) {
        const int64_t *f = x->fin + (size_t)fr * FIN;
        n->fault_pop = (int)f[1];
        n->fault_neuron = (uint32_t)f[2];
        n->fault_step = f[3];
    }
    if (wr >= 0) {
        const int64_t *f = x->fin + (size_t)wr * FIN;
        n->wfault_proj = (int)f[4];
        n->wfault_src = (uint32_t)f[5];
        n->wfault_tgt = (uint32_t)f[6];
        n->wfault_step = f[7];
    }
    return failed;
}

void xchg_free(struct xchg *x)
{
    if (!x) return;
    free(x->cnt_send);
    free(x->cnt_recv);
    free(x->ids_send);
    free(x->ids_recv);
    free(x->rcount);
    free(x->displ);
    free(x->fin);
    free(x->watch);
    free(x->wbegin);
    free(x);
}

#else /* one process */

int xchg_world(int *rank)
{
    *rank = 0;
    return 1;
}

int xchg_min(int v) { return v; }

int xchg_open(struct net *n, struct err *e)
{
    (void)n;
    return err_set(e, ERR_INPUT, NULL, 0, NULL, "several MPI ranks need the MPI build (make MPI=1)");
}

void xchg_step(struct net *n, int64_t step)
{
    (void)n;
    (void)step;
}

int xchg_finish(struct net *n, int rec_failed, int *oom)
{
    (void)n;
    (void)rec_failed;
    (void)oom;
    return -1;
}

void xchg_free(struct xchg *x) { free(x); }

#endif
