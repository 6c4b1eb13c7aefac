/* tests/test_stdp: the stdp rule (synapses/stdp.c) and the engine's plasticity scheme
 * (engine/net.c), each against a truth computed here: the pair window's closed form at every
 * Δt, for every delay, pairing and weight dependence; triplets and quadruplets derived by hand
 * from the definitions of Morrison, Diesmann & Gerstner (2008, Fig. 7); an all-pairs sum over
 * the recorded spikes (history pruning); the static network (lambda = 0); the same network on
 * 1 to 4 threads; the bounds; and the config errors.
 *
 * NEST's scheme, with the whole delay d dendritic: a postsynaptic spike at t_post reaches the
 * synapse at t_post + d, a presynaptic one at t_pre; the pair counts with
 * Δt = t_post + d - t_pre. With x = w / w_max, potentiation x += lambda (1 - x)^mu_plus K+ and
 * depression x -= alpha lambda x^mu_minus K-, each clipped to [0, 1], are applied when a
 * presynaptic spike is delivered: first the postsynaptic spikes that reached the synapse since
 * the previous presynaptic spike (potentiation), then the postsynaptic trace (depression). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plast.h"
#include "engine/net.h"
#include "io/cfg.h"
#include "tests/harness.h"

#define DT 0.1 /* ms, every network here */

/* ---- text of configs ---- */

struct txt {
    char *s;
    size_t len, cap;
};

static void tx(struct txt *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tx(struct txt *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (t->len + (size_t)n + 1 > cap) cap *= 2;
        char *s = realloc(t->s, cap);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        t->s = s;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* A stamp as spike time in ms (stamp / 10, exactly the decimal; the loader rounds it back). */
static void tx_time(struct txt *t, int64_t stamp)
{
    tx(t, "%lld.%lld", (long long)(stamp / 10), (long long)(stamp % 10));
}

/* A postsynaptic neuron that spikes once, at the end of the step after a drive spike arrives
 * (a 1e6 pA input that decays in 0.01 ms: a 40 mV jump, nothing left a step later), and that
 * the plastic synapses' 1 pA inputs leave far below threshold. */
#define POST_MODEL                                                                                 \
    "model = \"lif\"; c_m = 250.0; tau_m = 10.0; e_l = -70.0; v_th = -55.0; v_reset = -70.0; "     \
    "t_ref = 0.5; tau_syn_ex = 0.01;"

struct stdp_p {
    double tau_plus, tau_minus, lambda, alpha, mu_plus, mu_minus, w_max;
    int pairing;
};
enum { ALL, SYMM, PRE };
static const char *const pairing_name[] = {"all_to_all", "nearest_symmetric",
                                           "nearest_presynaptic"};

static void tx_stdp(struct txt *t, const struct stdp_p *p)
{
    tx(t,
       "plasticity = { rule = \"stdp\"; tau_plus = %.17g; tau_minus = %.17g; lambda = %.17g; "
       "alpha = %.17g; mu_plus = %.17g; mu_minus = %.17g; w_max = %.17g; pairing = \"%s\"; };",
       p->tau_plus, p->tau_minus, p->lambda, p->alpha, p->mu_plus, p->mu_minus, p->w_max,
       pairing_name[p->pairing]);
}

/* ---- the truth: NEST stdp_synapse's update (Gütig et al. 2003) on x = w / w_max ---- */

static double fac(const struct stdp_p *p, double x, double k)
{
    x += p->lambda * pow(1 - x, p->mu_plus) * k;
    return x > 1 ? 1 : x;
}

static double dep(const struct stdp_p *p, double x, double k)
{
    x -= p->alpha * p->lambda * pow(x, p->mu_minus) * k;
    return x < 0 ? 0 : x;
}

/* |got - want| within rel of |want| (and 1e-12 absolute near 0) */
static int close_rel(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want) + 1e-12;
}

/* ---- running a network in-process, keeping it for inspection ---- */

struct spk {
    int64_t stamp;
    int32_t pop;
    uint32_t id;
};

struct rec {
    struct spk *v;
    size_t n, cap;
    /* every step: weights of these projections outside [lo, hi] (as floats) are counted */
    int nchk;
    int chk[16];
    float lo[16], hi[16];
    uint64_t outside, checked;
};

static int rec_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    struct rec *r = self;
    for (int p = 0; p < n->npops; p++)
        for (int k = 0; k < n->nthreads; k++) {
            const uint32_t *ids;
            const uint32_t m = net_part_spikes(n, p, k, step, &ids);
            for (uint32_t a = 0; a < m; a++) {
                if (r->n == r->cap) {
                    size_t cap = r->cap ? 2 * r->cap : 1024;
                    struct spk *v = realloc(r->v, cap * sizeof *v);
                    if (!v) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
                    r->v = v;
                    r->cap = cap;
                }
                r->v[r->n++] = (struct spk){step + 1, p, ids[a]};
            }
        }
    for (int c = 0; c < r->nchk; c++) {
        const struct proj *pr = &n->projs[r->chk[c]];
        for (uint64_t q = 0; q < pr->nsyn; q++) {
            const float w = proj_weight(pr, q);
            r->outside += !(w >= r->lo[c] && w <= r->hi[c]);
        }
        r->checked += pr->nsyn;
    }
    return 0;
}

static int cmp_spk(const void *a, const void *b)
{
    const struct spk *x = a, *y = b;
    if (x->stamp != y->stamp) return x->stamp < y->stamp ? -1 : 1;
    if (x->pop != y->pop) return x->pop < y->pop ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

struct sim {
    struct net_spec s;
    struct net n;
    char *resolved;
    int loaded, built;
};

/* Loads path with the overrides, builds and runs it (rec, if not NULL, sees every step, on one
 * thread while the others deliver: it checks weights only with threads = 1), sorts the spikes;
 * 0 or the error, printed. The network stays for inspection until sim_free. */
static int sim_run(struct sim *m, const char *path, const char *const *sets, int nsets,
                   struct rec *rec)
{
    memset(m, 0, sizeof *m);
    struct err e = {0};
    int rc = cfg_load(path, sets, nsets, &m->s, &m->resolved, &e);
    if (rc) {
        fprintf(stderr, "cfg: %s:%d: %s: %s\n", e.file, e.line, e.path, e.msg);
        return rc;
    }
    m->loaded = 1;
    rc = net_build(&m->n, &m->s, &e);
    m->built = 1;
    if (!rc) {
        struct recorder r = {rec_step, rec, 0};
        rc = net_run(&m->n, &r, rec ? 1 : 0, NULL, &e);
    }
    if (rc) fprintf(stderr, "run: %s: %s\n", e.path, e.msg);
    if (rec && rec->n) qsort(rec->v, rec->n, sizeof *rec->v, cmp_spk);
    return rc;
}

static int sim_text(struct sim *m, const char *name, const char *text, struct rec *rec)
{
    return sim_run(m, harness_write(name, text), NULL, 0, rec);
}

static void sim_free(struct sim *m)
{
    if (m->built) net_free(&m->n);
    if (m->loaded) spec_free(&m->s);
    free(m->resolved);
    memset(m, 0, sizeof *m);
}

static int pop_index(const struct sim *m, const char *name)
{
    for (int i = 0; i < m->s.npops; i++)
        if (!strcmp(m->s.pops[i].name, name)) return i;
    CU_FAIL_FATAL("no such population");
    return -1;
}

static int proj_index(const struct sim *m, const char *name)
{
    for (int j = 0; j < m->s.nprojs; j++)
        if (!strcmp(m->s.projs[j].name, name)) return j;
    CU_FAIL_FATAL("no such projection");
    return -1;
}

/* Where the synapse s -> t of projection j is stored (the first one). */
static uint64_t syn_at(const struct net *n, int j, uint32_t s, uint32_t t)
{
    const struct proj *pr = &n->projs[j];
    const uint64_t T = (uint64_t)pr->nparts;
    for (uint64_t q = pr->row[s * T]; q < pr->row[(s + 1) * T]; q++)
        if (pr->tgt[q] == t) return q;
    CU_FAIL_FATAL("no such synapse");
    return 0;
}

static int64_t delay_of(const struct proj *pr, uint64_t q)
{
    return pr->delay ? pr->delay[q] : pr->delay_steps;
}

/* The stamps of neuron id of population pop, in order; returns how many (at most max). */
static int spikes_of(const struct rec *r, int pop, uint32_t id, int64_t *out, int max)
{
    int c = 0;
    for (size_t a = 0; a < r->n; a++)
        if (r->v[a].pop == pop && r->v[a].id == id) {
            if (c < max) out[c] = r->v[a].stamp;
            c++;
        }
    return c;
}

/* Steps from a drive spike's stamp to the post neuron's spike (delay 0.1 ms): measured once. */
static int64_t drive_lag(void)
{
    static int64_t lag = -1;
    if (lag >= 0) return lag;
    const char *text = "simulation = { dt = 0.1; duration = 50.0; threads = 1; };\n"
                       "populations = (\n"
                       "  { name = \"post\"; size = 1; " POST_MODEL " },\n"
                       "  { name = \"drive\"; size = 1; model = \"spike_source\";\n"
                       "    spike_times = ( [20.0] ); } );\n"
                       "projections = ( { name = \"dr\"; from = \"drive\"; to = \"post\";\n"
                       "  rule = \"all_to_all\"; weight = 1e6; delay = 0.1; } );\n"
                       "record = { spikes = \"none\"; raster = false; };\n";
    struct sim m;
    struct rec r = {0};
    CU_ASSERT_EQUAL_FATAL(sim_text(&m, "lag.cfg", text, &r), 0);
    int64_t p[4];
    const int np = spikes_of(&r, pop_index(&m, "post"), 0, p, 4);
    CU_ASSERT_EQUAL_FATAL(np, 1); /* one spike per drive spike */
    lag = p[0] - 200;
    CU_ASSERT_FATAL(lag >= 1 && lag <= 3);
    free(r.v);
    sim_free(&m);
    return lag;
}

/* ---- 1. one pair, every Δt ---- */

static const double mus[][2] = {{0, 0}, {0.4, 0.4}, {1, 1}, {0.4, 1}};
enum { NMU = 4 };
static const int64_t delays[] = {1, 10, 50}; /* steps: 0.1, 1 and 5 ms */
enum { NDELAY = 3 };

static struct stdp_p rule_at(const struct stdp_p *base, int mu, int pairing)
{
    struct stdp_p p = *base;
    p.mu_plus = mus[mu][0];
    p.mu_minus = mus[mu][1];
    p.pairing = pairing;
    return p;
}

/* Truth: x after the pair Δt = delta steps (t_post + d - t_pre) and the second presynaptic
 * spike, gap2 steps after the postsynaptic spike reached the synapse. Δt > 0: potentiation
 * lambda (1 - x)^mu+ e^{-Δt/tau+}, applied when the second presynaptic spike arrives; Δt < 0:
 * depression alpha lambda x^mu- e^{Δt/tau-}, at once; Δt = 0: nothing. Then the second spike's
 * own depression by the postsynaptic spike, e^{-gap2/tau-} (every pairing: it is the nearest). */
static double pair_truth(const struct stdp_p *p, double x, int64_t delta, int64_t gap2)
{
    if (delta < 0) x = dep(p, x, exp((double)delta * DT / p->tau_minus));
    if (delta > 0) x = fac(p, x, exp(-(double)delta * DT / p->tau_plus));
    return dep(p, x, exp(-(double)gap2 * DT / p->tau_minus));
}

static void test_pair_window(void)
{
    const int64_t lag = drive_lag();
    const struct stdp_p base = {16.8, 33.7, 0.05, 1.3, 0, 0, 2.5, ALL};
    const double w0 = 0.75;      /* x = 0.3 */
    const int64_t P = 1500;      /* the post spike: 150 ms */
    const int64_t second = 3000; /* the second presynaptic spike, 300 ms after the first */
    enum { NPAIR = 201 };        /* Δt = -100 ... 100 ms by 1 ms */
    struct txt t = {0};
    tx(&t, "simulation = { dt = 0.1; duration = 600.0; threads = 1; };\npopulations = (\n");
    tx(&t, "  { name = \"post\"; size = 1; " POST_MODEL " },\n");
    tx(&t, "  { name = \"drive\"; size = 1; model = \"spike_source\"; spike_times = ( [");
    tx_time(&t, P - lag);
    tx(&t, "] ); }");
    for (int di = 0; di < NDELAY; di++) {
        tx(&t, ",\n  { name = \"pre%d\"; size = %d; model = \"spike_source\"; spike_times = (", di,
           NPAIR);
        for (int i = 0; i < NPAIR; i++) {
            const int64_t S1 = P + delays[di] - ((int64_t)i - 100) * 10;
            tx(&t, "%s[", i ? ", " : " ");
            tx_time(&t, S1);
            tx(&t, ", ");
            tx_time(&t, S1 + second);
            tx(&t, "]");
        }
        tx(&t, " ); }");
    }
    tx(&t, "\n);\nprojections = (\n  { name = \"dr\"; from = \"drive\"; to = \"post\"; "
           "rule = \"all_to_all\"; weight = 1e6; delay = 0.1; }");
    for (int di = 0; di < NDELAY; di++)
        for (int mu = 0; mu < NMU; mu++)
            for (int pa = 0; pa < 3; pa++) {
                const struct stdp_p p = rule_at(&base, mu, pa);
                tx(&t,
                   ",\n  { name = \"p%d_%d_%d\"; from = \"pre%d\"; to = \"post\"; "
                   "rule = \"all_to_all\"; weight = %g; delay = %lld.%lld; ",
                   di, mu, pa, di, w0, (long long)(delays[di] / 10), (long long)(delays[di] % 10));
                tx_stdp(&t, &p);
                tx(&t, " }");
            }
    tx(&t, "\n);\nrecord = { spikes = \"none\"; raster = false; };\n");
    struct sim m;
    struct rec r = {0};
    CU_ASSERT_EQUAL_FATAL(sim_text(&m, "pair.cfg", t.s, &r), 0);
    int64_t post[4];
    CU_ASSERT_EQUAL_FATAL(spikes_of(&r, pop_index(&m, "post"), 0, post, 4), 1);
    CU_ASSERT_EQUAL_FATAL(post[0], P);
    int bad = 0, moved = 0;
    for (int di = 0; di < NDELAY; di++)
        for (int mu = 0; mu < NMU; mu++)
            for (int pa = 0; pa < 3; pa++) {
                char name[48];
                snprintf(name, sizeof name, "p%d_%d_%d", di, mu, pa);
                const int j = proj_index(&m, name);
                const struct stdp_p p = rule_at(&base, mu, pa);
                const struct proj *pr = &m.n.projs[j];
                for (uint32_t i = 0; i < NPAIR; i++) {
                    const uint64_t q = syn_at(&m.n, j, i, 0);
                    const int64_t d = delay_of(pr, q);
                    CU_ASSERT_EQUAL_FATAL(d, delays[di]);
                    const int64_t S1 = P + d - ((int64_t)i - 100) * 10;
                    const int64_t delta = P + d - S1, gap2 = S1 + second - d - P;
                    const double want = pair_truth(&p, w0 / p.w_max, delta, gap2) * p.w_max;
                    const double got = pr->w[q];
                    if (!close_rel(got, want, 1e-6) && bad++ < 10)
                        fprintf(stderr,
                                "\n  %s (d %lld steps, mu %g/%g, %s) Δt %g ms: w %.9g, "
                                "closed form %.9g",
                                name, (long long)d, p.mu_plus, p.mu_minus, pairing_name[pa],
                                delta * DT, got, want);
                    if (delta == 10 || delta == -10) moved += fabs(got - w0) > 1e-3;
                }
            }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(moved, 2 * NDELAY * NMU * 3); /* the window is not flat */
    free(r.v);
    free(t.s);
    sim_free(&m);
}

/* ---- 2. triplets and quadruplets by hand ---- */

#define F 120.0 /* the last presynaptic spike of every case, which applies what is pending */
#define EP(t) exp(-(t) / p->tau_plus)
#define EM(t) exp(-(t) / p->tau_minus)

/* Times are where spikes reach the synapse, in ms after the case's start: presynaptic spikes
 * as they are, postsynaptic ones at t_post + d. Symmetric nearest-spike: each spike pairs with
 * the nearest earlier spike of the other side. Presynaptic-centred: each presynaptic spike
 * pairs with the nearest postsynaptic spike before it and the first one after it. */

/* pre 10, pre 20, post 25 */
static double pre_pre_post(const struct stdp_p *p, int pr, double x)
{
    /* at F: post 25 with pre 20, and with pre 10 too, except for the symmetric scheme (not the
     * nearest earlier pre) */
    x = fac(p, x, pr == SYMM ? EP(5) : EP(5) + EP(15));
    return dep(p, x, EM(F - 25)); /* F with post 25 */
}

/* pre 10, post 15, post 22 */
static double pre_post_post(const struct stdp_p *p, int pr, double x)
{
    /* at F: post 15 and post 22 each with pre 10 (the nearest earlier pre of both); but pre 10
     * pairs only with its first post after, in the presynaptic-centred scheme */
    x = fac(p, x, EP(5));
    if (pr != PRE) x = fac(p, x, EP(12));
    return dep(p, x, pr == ALL ? EM(F - 15) + EM(F - 22) : EM(F - 22));
}

/* post 10, pre 15, pre 22 */
static double post_pre_pre(const struct stdp_p *p, int pr, double x)
{
    (void)pr; /* post 10 is the nearest earlier post of every pre: all schemes agree */
    x = dep(p, x, EM(5));
    x = dep(p, x, EM(12));
    return dep(p, x, EM(F - 10));
}

/* pre 10, post 14, pre 20, post 27 */
static double pre_post_pre_post(const struct stdp_p *p, int pr, double x)
{
    x = fac(p, x, EP(4)); /* at pre 20: post 14 with pre 10 */
    x = dep(p, x, EM(6)); /* pre 20 with post 14 */
    /* at F: post 27 with pre 20, and with pre 10 in all-to-all only (presynaptic-centred:
     * pre 10 had its first post after, 14) */
    x = fac(p, x, pr == ALL ? EP(7) + EP(17) : EP(7));
    return dep(p, x, pr == ALL ? EM(F - 14) + EM(F - 27) : EM(F - 27));
}

/* pre 10, pre 13, post 18, post 24 */
static double pre_pre_post_post(const struct stdp_p *p, int pr, double x)
{
    /* post 18 with pre 13 (and pre 10 unless symmetric); post 24 with pre 13 (symmetric), both
     * pres (all-to-all), none (presynaptic-centred: both had post 18 first) */
    x = fac(p, x, pr == SYMM ? EP(5) : EP(5) + EP(8));
    if (pr == ALL) x = fac(p, x, EP(11) + EP(14));
    if (pr == SYMM) x = fac(p, x, EP(11));
    return dep(p, x, pr == ALL ? EM(F - 18) + EM(F - 24) : EM(F - 24));
}

/* post 10, post 16, pre 20 */
static double post_post_pre(const struct stdp_p *p, int pr, double x)
{
    x = dep(p, x, pr == ALL ? EM(10) + EM(4) : EM(4));
    return dep(p, x, pr == ALL ? EM(F - 10) + EM(F - 16) : EM(F - 16));
}

/* pre 10, post 20, pre 20: the post and the second pre reach the synapse together (Δt = 0) */
static double tie(const struct stdp_p *p, int pr, double x)
{
    (void)pr;
    x = fac(p, x, EP(10)); /* at pre 20: post 20 with pre 10; no depression (post 20 not before) */
    return dep(p, x, EM(F - 20));
}

/* post 10, pre 14, post 19, pre 25 */
static double post_pre_post_pre(const struct stdp_p *p, int pr, double x)
{
    x = dep(p, x, EM(4));                              /* pre 14 with post 10 */
    x = fac(p, x, EP(5));                              /* at pre 25: post 19 with pre 14 */
    x = dep(p, x, pr == ALL ? EM(15) + EM(6) : EM(6)); /* pre 25 with post 19 (and 10) */
    return dep(p, x, pr == ALL ? EM(F - 10) + EM(F - 19) : EM(F - 19));
}

/* pre 10, post 15, pre 18, post 22, post 26 */
static double pre_post_pre_post_post(const struct stdp_p *p, int pr, double x)
{
    x = fac(p, x, EP(5)); /* at pre 18: post 15 with pre 10 */
    x = dep(p, x, EM(3)); /* pre 18 with post 15 */
    /* at F: post 22 with pre 18 (every scheme) and pre 10 (all-to-all); post 26 with pre 18
     * (symmetric), both pres (all-to-all), none (presynaptic-centred: pre 18 paired with 22) */
    x = fac(p, x, pr == ALL ? EP(4) + EP(12) : EP(4));
    if (pr == ALL) x = fac(p, x, EP(8) + EP(16));
    if (pr == SYMM) x = fac(p, x, EP(8));
    return dep(p, x, pr == ALL ? EM(F - 15) + EM(F - 22) + EM(F - 26) : EM(F - 26));
}

struct hcase {
    const char *name;
    double pre[6], post[6]; /* ms after the case's start, F appended to pre */
    double (*truth)(const struct stdp_p *, int, double);
};

static const struct hcase hcases[] = {
    {"pre-pre-post", {10, 20, -1}, {25, -1}, pre_pre_post},
    {"pre-post-post", {10, -1}, {15, 22, -1}, pre_post_post},
    {"post-pre-pre", {15, 22, -1}, {10, -1}, post_pre_pre},
    {"pre-post-pre-post", {10, 20, -1}, {14, 27, -1}, pre_post_pre_post},
    {"pre-pre-post-post", {10, 13, -1}, {18, 24, -1}, pre_pre_post_post},
    {"post-post-pre", {20, -1}, {10, 16, -1}, post_post_pre},
    {"pre-post|pre (tie)", {10, 20, -1}, {20, -1}, tie},
    {"post-pre-post-pre", {14, 25, -1}, {10, 19, -1}, post_pre_post_pre},
    {"pre-post-pre-post-post", {10, 18, -1}, {15, 22, 26, -1}, pre_post_pre_post_post},
};
enum { NCASE = (int)(sizeof hcases / sizeof hcases[0]) };

static void test_triplets_by_hand(void)
{
    const int64_t lag = drive_lag(), start = 500; /* cases start at 50 ms */
    const struct stdp_p base = {16.8, 33.7, 0.2, 1.3, 0, 0, 2.5, ALL};
    const double w0 = 1.0; /* x = 0.4 */
    int bad = 0;
    for (int di = 0; di < NDELAY; di++) {
        const int64_t d = delays[di];
        struct txt t = {0};
        tx(&t, "simulation = { dt = 0.1; duration = 200.0; threads = 1; };\npopulations = (\n");
        tx(&t, "  { name = \"post\"; size = %d; " POST_MODEL " },\n", NCASE);
        for (int side = 0; side < 2; side++) {
            tx(&t, "  { name = \"%s\"; size = %d; model = \"spike_source\"; spike_times = (",
               side ? "pre" : "drive", NCASE);
            for (int c = 0; c < NCASE; c++) {
                const double *ts = side ? hcases[c].pre : hcases[c].post;
                tx(&t, "%s[", c ? ", " : " ");
                for (int a = 0; ts[a] >= 0; a++) {
                    const int64_t at = start + (int64_t)llround(ts[a] * 10);
                    tx(&t, "%s", a ? ", " : "");
                    tx_time(&t, side ? at : at - d - lag); /* drive: post spike at at - d */
                }
                if (side) {
                    tx(&t, ", ");
                    tx_time(&t, start + (int64_t)llround(F * 10));
                }
                tx(&t, "]");
            }
            tx(&t, " ) }%s\n", side ? "" : ",");
        }
        tx(&t, ");\nprojections = (\n  { name = \"dr\"; from = \"drive\"; to = \"post\"; "
               "rule = \"one_to_one\"; weight = 1e6; delay = 0.1; }");
        for (int mu = 0; mu < NMU; mu++)
            for (int pa = 0; pa < 3; pa++) {
                const struct stdp_p p = rule_at(&base, mu, pa);
                tx(&t,
                   ",\n  { name = \"p%d_%d\"; from = \"pre\"; to = \"post\"; "
                   "rule = \"one_to_one\"; weight = %g; delay = %lld.%lld; ",
                   mu, pa, w0, (long long)(d / 10), (long long)(d % 10));
                tx_stdp(&t, &p);
                tx(&t, " }");
            }
        tx(&t, "\n);\nrecord = { spikes = \"none\"; raster = false; };\n");
        struct sim m;
        struct rec r = {0};
        CU_ASSERT_EQUAL_FATAL(sim_text(&m, "hand.cfg", t.s, &r), 0);
        /* the post spikes are where the cases put them */
        for (int c = 0; c < NCASE; c++) {
            int64_t got[8];
            int np = 0;
            while (hcases[c].post[np] >= 0) np++;
            CU_ASSERT_EQUAL_FATAL(spikes_of(&r, pop_index(&m, "post"), (uint32_t)c, got, 8), np);
            for (int a = 0; a < np; a++)
                CU_ASSERT_EQUAL_FATAL(got[a], start + llround(hcases[c].post[a] * 10) - d);
        }
        for (int mu = 0; mu < NMU; mu++)
            for (int pa = 0; pa < 3; pa++) {
                char name[48];
                snprintf(name, sizeof name, "p%d_%d", mu, pa);
                const int j = proj_index(&m, name);
                const struct stdp_p p = rule_at(&base, mu, pa);
                for (int c = 0; c < NCASE; c++) {
                    const uint64_t q = syn_at(&m.n, j, (uint32_t)c, (uint32_t)c);
                    const double want = hcases[c].truth(&p, pa, w0 / p.w_max) * p.w_max;
                    const double got = m.n.projs[j].w[q];
                    if (!close_rel(got, want, 1e-6) && bad++ < 10)
                        fprintf(stderr, "\n  %s, d %g ms, mu %g/%g, %s: w %.9g, by hand %.9g",
                                hcases[c].name, d * DT, p.mu_plus, p.mu_minus, pairing_name[pa],
                                got, want);
                }
            }
        free(r.v);
        free(t.s);
        sim_free(&m);
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* and the cases tell the schemes apart: the hand values differ where the text says so */
    const struct stdp_p p = base;
    struct stdp_p q = base, s = base;
    q.pairing = SYMM;
    s.pairing = PRE;
    CU_ASSERT(pre_post_post(&p, ALL, 0.4) != pre_post_post(&q, SYMM, 0.4));
    CU_ASSERT(pre_post_post(&q, SYMM, 0.4) != pre_post_post(&s, PRE, 0.4));
    CU_ASSERT(pre_pre_post_post(&q, SYMM, 0.4) != pre_pre_post_post(&s, PRE, 0.4));
}

/* ---- 3 and 4. threads, and lambda = 0 against the static network ---- */

/* CUBA at a quarter of its size with the same in-degree, 300 ms */
static const char *const cuba_sets[] = {
    "populations.exc.size=800",  "populations.inh.size=200", "projections.ee.p=0.08",
    "projections.ei.p=0.08",     "projections.ie.p=0.08",    "projections.ii.p=0.08",
    "simulation.duration=300.0",
};
enum { NCUBA = (int)(sizeof cuba_sets / sizeof cuba_sets[0]) };

static int run_cuba(struct sim *m, struct rec *r, int threads, const char *const *more, int nmore)
{
    const char *sets[NCUBA + 8];
    char tset[64];
    int n = 0;
    for (int i = 0; i < NCUBA; i++) sets[n++] = cuba_sets[i];
    snprintf(tset, sizeof tset, "simulation.threads=%d", threads);
    sets[n++] = tset;
    for (int i = 0; i < nmore && n < NCUBA + 8; i++) sets[n++] = more[i];
    char path[1200];
    snprintf(path, sizeof path, "%s/configs/cuba.cfg", harness_root());
    return sim_run(m, path, sets, n, r);
}

/* Projection j's weights in canonical order, with their sources and targets (caller frees). */
static float *canonical(const struct net *n, int j, uint32_t **src, uint32_t **tgt)
{
    const struct proj *pr = &n->projs[j];
    uint64_t *q = malloc(pr->nsyn * sizeof *q);
    float *w = malloc(pr->nsyn * sizeof *w);
    *src = malloc(pr->nsyn * sizeof **src);
    *tgt = malloc(pr->nsyn * sizeof **tgt);
    struct err e = {0};
    CU_ASSERT_FATAL(q && w && *src && *tgt);
    CU_ASSERT_EQUAL_FATAL(net_proj_order(n, j, q, *src, *tgt, &e), 0);
    for (uint64_t c = 0; c < pr->nsyn; c++) w[c] = proj_weight(pr, q[c]);
    free(q);
    return w;
}

/* Truth: the 1-thread run. Every plastic weight (compared in canonical order) and every spike
 * are the same bits for 2, 3 and 4 threads. */
static void test_threads_bit_identical(void)
{
    const char *plast[] = {
        "projections.ee.plasticity = { rule = \"stdp\"; w_max = 3.0; mu_plus = 0.0; "
        "mu_minus = 0.0; lambda = 0.01; alpha = 1.05; }",
        "projections.ei.plasticity = { rule = \"stdp\"; w_max = 3.0; mu_plus = 0.4; "
        "mu_minus = 1.0; lambda = 0.05; pairing = \"nearest_symmetric\"; }",
        "projections.ie.plasticity = { rule = \"stdp\"; w_max = -20.0; lambda = 0.05; "
        "tau_plus = 15.0; pairing = \"nearest_presynaptic\"; }"};
    const char *names[] = {"ee", "ei", "ie"};
    float *w1[3] = {0};
    uint32_t *s1[3] = {0}, *t1[3] = {0};
    uint64_t nsyn[3] = {0};
    struct net_wstats stats1[3];
    struct rec r1 = {0};
    for (int threads = 1; threads <= 4; threads++) {
        struct sim m;
        struct rec r = {0};
        CU_ASSERT_EQUAL_FATAL(run_cuba(&m, &r, threads, plast, 3), 0);
        CU_ASSERT(r.n > 1000);
        for (int c = 0; c < 3; c++) {
            const int j = proj_index(&m, names[c]);
            uint32_t *s, *t;
            float *w = canonical(&m.n, j, &s, &t);
            if (threads == 1) {
                w1[c] = w;
                s1[c] = s;
                t1[c] = t;
                nsyn[c] = m.n.projs[j].nsyn;
                /* the weights did move, and stayed within the bounds */
                const float init = m.s.projs[j].weight.a;
                uint64_t moved = 0, inside = 0;
                const double hi = c < 2 ? 3.0 : 0, lo = c < 2 ? 0 : -20.0;
                for (uint64_t q = 0; q < nsyn[c]; q++) {
                    moved += w[q] != init;
                    inside += w[q] >= lo && w[q] <= hi;
                }
                CU_ASSERT(moved > nsyn[c] / 4);
                CU_ASSERT_EQUAL(inside, nsyn[c]);
                /* net_weight_stats: the moments and the fractions at the bounds (within 1e-6
                 * of the span), from the canonical weights */
                double sum = 0, sq = 0, at_lo = 0, at_hi = 0;
                for (uint64_t q = 0; q < nsyn[c]; q++) {
                    sum += w[q];
                    at_lo += w[q] <= lo + 1e-6 * (hi - lo);
                    at_hi += w[q] >= hi - 1e-6 * (hi - lo);
                }
                const double mean = sum / (double)nsyn[c];
                for (uint64_t q = 0; q < nsyn[c]; q++) sq += (w[q] - mean) * (w[q] - mean);
                struct net_wstats st;
                struct err e = {0};
                CU_ASSERT_EQUAL_FATAL(net_weight_stats(&m.n, j, &st, &e), 0);
                CU_ASSERT(close_rel(st.mean, mean, 1e-12));
                CU_ASSERT(close_rel(st.std, sqrt(sq / (double)nsyn[c]), 1e-9));
                CU_ASSERT_EQUAL(st.at_lo, at_lo / (double)nsyn[c]);
                CU_ASSERT_EQUAL(st.at_hi, at_hi / (double)nsyn[c]);
                CU_ASSERT(st.lo == lo && st.hi == hi);
                stats1[c] = st;
            } else {
                CU_ASSERT_EQUAL_FATAL(m.n.projs[j].nsyn, nsyn[c]);
                CU_ASSERT(memcmp(s, s1[c], nsyn[c] * sizeof *s) == 0);
                CU_ASSERT(memcmp(t, t1[c], nsyn[c] * sizeof *t) == 0);
                CU_ASSERT(memcmp(w, w1[c], nsyn[c] * sizeof *w) == 0);
                struct net_wstats st;
                struct err e = {0};
                CU_ASSERT_EQUAL_FATAL(net_weight_stats(&m.n, j, &st, &e), 0);
                CU_ASSERT(memcmp(&st, &stats1[c], sizeof st) == 0);
                free(w);
                free(s);
                free(t);
            }
        }
        if (threads == 1) {
            r1 = r;
        } else {
            CU_ASSERT_EQUAL(r.n, r1.n);
            CU_ASSERT(r.n == r1.n && memcmp(r.v, r1.v, r.n * sizeof *r.v) == 0);
            free(r.v);
        }
        sim_free(&m);
    }
    for (int c = 0; c < 3; c++) {
        free(w1[c]);
        free(s1[c]);
        free(t1[c]);
    }
    free(r1.v);
}

/* Truth: the static network. With lambda = 0 no weight changes (each stays the same float
 * through x = w / w_max and back), so every spike is the static run's. */
static void test_lambda_zero_is_static(void)
{
    struct sim m;
    struct rec stat = {0}, plas = {0};
    CU_ASSERT_EQUAL_FATAL(run_cuba(&m, &stat, 2, NULL, 0), 0);
    CU_ASSERT(stat.n > 1000);
    sim_free(&m);
    const char *plast[] = {
        "projections.ee.plasticity = { rule = \"stdp\"; w_max = 3.0; lambda = 0.0; "
        "mu_plus = 0.4; mu_minus = 0.4; }",
        "projections.ie.plasticity = { rule = \"stdp\"; w_max = -9.0; lambda = 0.0; "
        "pairing = \"nearest_presynaptic\"; }"};
    CU_ASSERT_EQUAL_FATAL(run_cuba(&m, &plas, 2, plast, 2), 0);
    CU_ASSERT_EQUAL(plas.n, stat.n);
    CU_ASSERT(plas.n == stat.n && memcmp(plas.v, stat.v, stat.n * sizeof *stat.v) == 0);
    const char *names[] = {"ee", "ie"};
    for (int c = 0; c < 2; c++) {
        const struct proj *pr = &m.n.projs[proj_index(&m, names[c])];
        const float init = c ? -9.0f : 1.62f;
        uint64_t same = 0;
        for (uint64_t q = 0; q < pr->nsyn; q++) same += pr->w[q] == init;
        CU_ASSERT_EQUAL(same, pr->nsyn);
    }
    sim_free(&m);
    free(stat.v);
    free(plas.v);
}

/* ---- 5. bounds ---- */

/* Patterns (times where spikes reach the synapse, ms) whose last update saturates, with
 * lambda = 1, alpha = 100, tau- = 1 ms: a pair at Δt = +1 ms gives x += 0.95 (to 1), at
 * Δt = -1 ms x -= 36.8 x^mu- (to 0), and 700 ms later e^{-700} = 0 exactly in double. */
struct bcase {
    double pre[6], post[6];
    int up; /* ends at w_max (else 0) */
};
static const struct bcase bcases[] = {
    {{10, 900, -1}, {11, -1}, 1},                   /* pre-post: up */
    {{11, 900, -1}, {10, -1}, 0},                   /* post-pre: down */
    {{10, 11.5, 12, 900, -1}, {11, 13, 14, -1}, 1}, /* up, down, up */
    {{11, 13, 900, -1}, {10, 12, -1}, 0},           /* down, (up), down */
    {{10, 11, 12, 900, -1}, {13, 14, -1}, 1},       /* many pairs up */
    {{13, 14, 900, -1}, {10, 11, 12, -1}, 0},       /* many pairs down */
};
enum { NBCASE = (int)(sizeof bcases / sizeof bcases[0]) };

/* Builds the bounds network: projections b<i>_<pairing> for the given (w0, w_max) pairs. */
static void bounds_text(struct txt *t, const double (*w)[2], int nw, int64_t lag, int64_t d)
{
    const int64_t start = 500;
    tx(t, "simulation = { dt = 0.1; duration = 1000.0; threads = 1; };\npopulations = (\n");
    tx(t, "  { name = \"post\"; size = %d; " POST_MODEL " },\n", NBCASE);
    for (int side = 0; side < 2; side++) {
        tx(t, "  { name = \"%s\"; size = %d; model = \"spike_source\"; spike_times = (",
           side ? "pre" : "drive", NBCASE);
        for (int c = 0; c < NBCASE; c++) {
            const double *ts = side ? bcases[c].pre : bcases[c].post;
            tx(t, "%s[", c ? ", " : " ");
            for (int a = 0; ts[a] >= 0; a++) {
                const int64_t at = start + (int64_t)llround(ts[a] * 10);
                tx(t, "%s", a ? ", " : "");
                tx_time(t, side ? at : at - d - lag);
            }
            tx(t, "]");
        }
        tx(t, " ) }%s\n", side ? "" : ",");
    }
    tx(t, ");\nprojections = (\n  { name = \"dr\"; from = \"drive\"; to = \"post\"; "
          "rule = \"one_to_one\"; weight = 1e6; delay = 0.1; }");
    for (int i = 0; i < nw; i++)
        for (int mu = 0; mu < 2; mu++)
            for (int pa = 0; pa < 3; pa++) {
                const struct stdp_p p = {20, 1, 1, 100, mu ? 0.4 : 0, mu ? 1 : 0, w[i][1], pa};
                tx(t,
                   ",\n  { name = \"b%d_%d_%d\"; from = \"pre\"; to = \"post\"; "
                   "rule = \"one_to_one\"; weight = %.17g; delay = %lld.%lld; ",
                   i, mu, pa, w[i][0], (long long)(d / 10), (long long)(d % 10));
                tx_stdp(t, &p);
                tx(t, " }");
            }
    tx(t, "\n);\nrecord = { spikes = \"none\"; raster = false; };\n");
}

/* Truth: every weight ends exactly at 0 or at w_max (the float the weights hold), as the
 * pattern says, and no weight is outside [0, w_max] (or [w_max, 0]) after any step. */
static void check_bounds(const double (*w)[2], int nw)
{
    const int64_t lag = drive_lag(), d = 10;
    struct txt t = {0};
    bounds_text(&t, w, nw, lag, d);
    struct sim m;
    struct rec r = {0};
    /* the projections to check: all but the drive (0) */
    const int nproj = nw * 2 * 3;
    CU_ASSERT_FATAL(nproj <= 16);
    r.nchk = nproj;
    for (int c = 0; c < nproj; c++) {
        r.chk[c] = c + 1;
        const float wm = (float)w[c / 6][1];
        r.lo[c] = wm < 0 ? wm : 0;
        r.hi[c] = wm < 0 ? 0 : wm;
    }
    CU_ASSERT_EQUAL_FATAL(sim_text(&m, "bounds.cfg", t.s, &r), 0);
    CU_ASSERT_EQUAL(r.outside, 0);
    CU_ASSERT(r.checked >= 10000ull * nproj * NBCASE);
    for (int c = 0; c < NBCASE; c++) {
        int64_t got[8];
        int np = 0;
        while (bcases[c].post[np] >= 0) np++;
        CU_ASSERT_EQUAL(spikes_of(&r, pop_index(&m, "post"), (uint32_t)c, got, 8), np);
    }
    for (int i = 0; i < nw; i++)
        for (int mu = 0; mu < 2; mu++)
            for (int pa = 0; pa < 3; pa++) {
                char name[48];
                snprintf(name, sizeof name, "b%d_%d_%d", i, mu, pa);
                const int j = proj_index(&m, name);
                for (int c = 0; c < NBCASE; c++) {
                    const float got = m.n.projs[j].w[syn_at(&m.n, j, (uint32_t)c, (uint32_t)c)];
                    const float want = bcases[c].up ? (float)w[i][1] : 0.0f;
                    if (got != want)
                        fprintf(stderr, "\n  w_max %g, mu %d, %s, case %d: w %.9g, bound %.9g",
                                w[i][1], mu, pairing_name[pa], c, got, want);
                    CU_ASSERT(got == want);
                }
            }
    free(r.v);
    free(t.s);
    sim_free(&m);
}

static void test_bounds_exact(void)
{
    const double w[][2] = {{1.0, 2.0}, {-1.0, -2.0}}; /* (initial weight, w_max) */
    check_bounds(w, 2);
}

/* A w_max that no float holds (0.3, -0.7): the weights are floats, so the bound they reach is
 * the float nearest w_max; a weight set to w_max itself must load, build and run. */
static void test_bounds_not_a_float(void)
{
    const double w[][2] = {{0.3, 0.3}, {-0.7, -0.7}};
    check_bounds(w, 2);
}

/* Truth: with lambda = 1 in the recurrent network, weights never leave the bounds, after any
 * step, and many end exactly on them. */
static void test_bounds_recurrent(void)
{
    const char *plast[] = {
        "projections.ee.plasticity = { rule = \"stdp\"; w_max = 3.0; mu_plus = 0.0; "
        "mu_minus = 0.0; lambda = 1.0; alpha = 1.05; }",
        "projections.ie.plasticity = { rule = \"stdp\"; w_max = -20.0; mu_plus = 0.0; "
        "mu_minus = 0.0; lambda = 1.0; pairing = \"nearest_symmetric\"; }"};
    struct sim m;
    struct rec r = {0};
    /* projections 0 (ee) and 2 (ie) in cuba.cfg's order */
    r.nchk = 2;
    r.chk[0] = 0;
    r.lo[0] = 0;
    r.hi[0] = 3;
    r.chk[1] = 2;
    r.lo[1] = -20;
    r.hi[1] = 0;
    CU_ASSERT_EQUAL_FATAL(run_cuba(&m, &r, 1, plast, 2), 0);
    CU_ASSERT_EQUAL(proj_index(&m, "ee"), 0);
    CU_ASSERT_EQUAL(proj_index(&m, "ie"), 2);
    CU_ASSERT_EQUAL(r.outside, 0);
    CU_ASSERT(r.checked > 3000ull * 50000);
    for (int c = 0; c < 2; c++) {
        const struct proj *pr = &m.n.projs[r.chk[c]];
        uint64_t at = 0;
        for (uint64_t q = 0; q < pr->nsyn; q++) at += pr->w[q] == r.lo[c] || pr->w[q] == r.hi[c];
        struct net_wstats st;
        struct err e = {0};
        CU_ASSERT_EQUAL_FATAL(net_weight_stats(&m.n, r.chk[c], &st, &e), 0);
        CU_ASSERT_EQUAL(st.lo, r.lo[c]);
        CU_ASSERT_EQUAL(st.hi, r.hi[c]);
        fprintf(stderr, " [%s: %.3f exactly at a bound, stats %.3f + %.3f]",
                m.s.projs[r.chk[c]].name, (double)at / (double)pr->nsyn, st.at_lo, st.at_hi);
        CU_ASSERT(at > pr->nsyn / 5); /* many at a bound: the case is exercised */
        /* the statistics count within 1e-6 of the span: at least the exact ones */
        CU_ASSERT(st.at_lo + st.at_hi >= (double)at / (double)pr->nsyn - 1e-12);
    }
    free(r.v);
    sim_free(&m);
}

/* ---- 6. history pruning against brute force ---- */

/* Truth for additive stdp (mu = 0) while no bound is reached: the change of x is lambda times
 * a sum over pairs, in any order. S: presynaptic stamps; A: stamps where postsynaptic spikes
 * reach the synapse (t_post + d). A postsynaptic spike's potentiation is applied only when a
 * later presynaptic spike arrives (S >= A). */
/* The engine flushes a source silent for more than 8192 steps at the next multiple of 128
 * steps, and again every 8320 steps (engine/net.c, plast_flush): the postsynaptic arrivals up
 * to the last flush of a run of `end` steps are paired too, as its next spike would pair them. */
static int64_t flushed_upto(int64_t last, int64_t end)
{
    int64_t upto = last;
    for (int64_t f = (last + 8192) / 128 * 128 + 128; f < end; f += 8320) upto = f;
    return upto;
}

static double pairs_truth(const struct stdp_p *p, const int64_t *S, int m, const int64_t *A, int np,
                          int64_t end)
{
    double sum = 0;
    const int64_t last = m ? flushed_upto(S[m - 1], end) : INT64_MIN;
    for (int j = 0; j < np; j++) { /* potentiation, by postsynaptic spike */
        if (A[j] > last) continue;
        for (int i = m - 1; i >= 0; i--) {
            if (S[i] >= A[j]) continue;
            if (p->pairing == PRE) { /* only if A[j] is the first post after S[i] */
                int first = 1;
                for (int jj = 0; jj < j; jj++) first &= !(A[jj] > S[i]);
                if (!first) continue;
            }
            sum += exp(-(double)(A[j] - S[i]) * DT / p->tau_plus);
            if (p->pairing == SYMM) break; /* the nearest earlier pre only */
        }
    }
    for (int i = 0; i < m; i++) /* depression, by presynaptic spike */
        for (int j = np - 1; j >= 0; j--) {
            if (A[j] >= S[i]) continue;
            sum -= p->alpha * exp(-(double)(S[i] - A[j]) * DT / p->tau_minus);
            if (p->pairing != ALL) break; /* the nearest earlier post only */
        }
    return p->lambda * sum;
}

static uint64_t xs_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Presynaptic trains (stamps, sorted, in [lo, hi), about rate Hz) into t, as one array. */
static int train(uint64_t *seed, int64_t lo, int64_t hi, double rate_hz, int64_t *out, int max)
{
    int n = 0;
    for (int64_t s = lo; s < hi && n < max; s++)
        if ((double)(xs_next(seed) >> 11) * 0x1p-53 < rate_hz * DT * 1e-3) out[n++] = s;
    return n;
}

/* Truth: pairs_truth over the recorded postsynaptic spikes. Two postsynaptic populations:
 * pa's sources are an active one, one silent until 2.5 s and one that never spikes; pb's are an
 * active one, one that spikes at 50 ms and then not until 2.8 s, and one active only in the
 * first 300 ms (flushed while silent, so that pb's histories are pruned as well). */
static void test_pruning_brute_force(void)
{
    enum { NS = 3, MAXS = 200 };
    const int64_t end = 30000; /* 3 s */
    int64_t S[2][NS][MAXS];
    int m[2][NS];
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    m[0][0] = train(&seed, 10, end, 12, S[0][0], MAXS);
    m[0][1] = train(&seed, 25000, end, 15, S[0][1], MAXS);
    m[0][2] = 0;
    m[1][0] = train(&seed, 10, end, 12, S[1][0], MAXS);
    m[1][1] = 1 + train(&seed, 28000, end, 15, S[1][1] + 1, MAXS - 1);
    S[1][1][0] = 500;
    m[1][2] = train(&seed, 10, 3000, 30, S[1][2], MAXS);
    const struct stdp_p base = {16.8, 33.7, 0.0005, 1.2, 0, 0, 1.0, ALL};
    const double w0 = 0.5;
    struct txt t = {0};
    tx(&t, "simulation = { dt = 0.1; duration = 3000.0; threads = 2; seed = 5; };\n"
           "populations = (\n");
    for (int g = 0; g < 2; g++) {
        tx(&t, "  { name = \"p%c\"; size = 2; " POST_MODEL " },\n", 'a' + g);
        tx(&t, "  { name = \"s%c\"; size = %d; model = \"spike_source\"; spike_times = (", 'a' + g,
           NS);
        for (int i = 0; i < NS; i++) {
            tx(&t, "%s[", i ? ", " : " ");
            for (int a = 0; a < m[g][i]; a++) {
                tx(&t, "%s", a ? ", " : "");
                tx_time(&t, S[g][i][a]);
            }
            tx(&t, "]");
        }
        tx(&t, " ) }%s\n", g ? "" : ",");
    }
    tx(&t, ");\nstimuli = (\n"
           "  { type = \"poisson\"; target = \"pa\"; rate = 200.0; weight = 1e6; },\n"
           "  { type = \"poisson\"; target = \"pb\"; rate = 200.0; weight = 1e6; } );\n"
           "projections = (\n");
    const char *delay[] = {"1.0", "{ dist = \"uniform\"; low = 0.1; high = 5.0; }"};
    for (int g = 0; g < 2; g++)
        for (int dl = 0; dl < 2; dl++)
            for (int pa = 0; pa < 3; pa++) {
                struct stdp_p p = base;
                p.pairing = pa;
                tx(&t,
                   "%s  { name = \"%c%d%d\"; from = \"s%c\"; to = \"p%c\"; "
                   "rule = \"all_to_all\"; weight = %g; delay = %s; ",
                   g + dl + pa ? ",\n" : "", 'a' + g, dl, pa, 'a' + g, 'a' + g, w0, delay[dl]);
                tx_stdp(&t, &p);
                tx(&t, " }");
            }
    tx(&t, "\n);\nrecord = { spikes = \"none\"; raster = false; };\n");
    struct sim sm;
    struct rec r = {0};
    CU_ASSERT_EQUAL_FATAL(sim_text(&sm, "prune.cfg", t.s, &r), 0);
    int bad = 0;
    for (int g = 0; g < 2; g++) {
        char pn[4] = {'p', (char)('a' + g), 0};
        const int pi = pop_index(&sm, pn);
        for (uint32_t post = 0; post < 2; post++) {
            int64_t P[2000];
            const int np = spikes_of(&r, pi, post, P, 2000);
            CU_ASSERT_FATAL(np > 100 && np <= 2000);
            /* silent sources are flushed: neither population's histories are held back
             * (without flushing, pb's would hold every spike since 50 ms) */
            const uint32_t len = sm.n.pops[pi].hist[post].len;
            CU_ASSERT(len < (uint32_t)np / 4);
            for (int dl = 0; dl < 2; dl++)
                for (int pa = 0; pa < 3; pa++) {
                    char name[48];
                    snprintf(name, sizeof name, "%c%d%d", 'a' + g, dl, pa);
                    const int j = proj_index(&sm, name);
                    struct stdp_p p = base;
                    p.pairing = pa;
                    for (uint32_t i = 0; i < NS; i++) {
                        const uint64_t q = syn_at(&sm.n, j, i, post);
                        const int64_t d = delay_of(&sm.n.projs[j], q);
                        int64_t A[2000];
                        for (int a = 0; a < np; a++) A[a] = P[a] + d;
                        const double x = w0 / p.w_max + pairs_truth(&p, S[g][i], m[g][i], A, np, end);
                        CU_ASSERT(x > 0.05 && x < 0.95); /* no bound reached: the sum holds */
                        const double want = x * p.w_max, got = sm.n.projs[j].w[q];
                        /* each stored weight is rounded to a float: at most half an ulp */
                        const double tol = (m[g][i] + 1) * 0x1p-24 * fabs(p.w_max);
                        if (!(fabs(got - want) <= tol) && bad++ < 10)
                            fprintf(stderr, "\n  %s src %u post %u (d %lld): w %.9g, pairs %.9g",
                                    name, i, post, (long long)d, got, want);
                        if (m[g][i] == 0) CU_ASSERT(got == w0);
                    }
                }
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    free(r.v);
    free(t.s);
    sim_free(&sm);
}

/* ---- 6. bad input ---- */

/* Truth: each bad setting is refused by cfg_load as ERR_INPUT, naming the file, the line
 * where it is written and its path. */
static void test_bad_input(void)
{
    static const struct {
        const char *weight, *rule, *extra, *path_end;
        int line;
    } cases[] = {
        {"1.0", "stpd", "", "plasticity.rule", 9},
        {"1.0", "stdp", "tau_pluss = 5.0;", "plasticity.tau_pluss", 10},
        {"1.0", "stdp", "tau_plus = -5.0;", "plasticity.tau_plus", 10},
        {"1.0", "stdp", "tau_minus = 0.0;", "plasticity.tau_minus", 10},
        {"1.0", "stdp", "w_max = 0.0;", "plasticity.w_max", 10},
        {"1.0", "stdp", "lambda = 1.5;", "plasticity.lambda", 10},
        {"1.0", "stdp", "alpha = -1.0;", "plasticity.alpha", 10},
        {"1.0", "stdp", "mu_plus = 2.0;", "plasticity.mu_plus", 10},
        {"1.0", "stdp", "pairing = \"nearest\";", "plasticity.pairing", 10},
        {"5.0", "stdp", "w_max = 3.0;", ".weight", 7},
        {"-1.0", "stdp", "w_max = 3.0;", ".weight", 7},
        {"1.0", "stdp", "w_max = -3.0;", ".weight", 7},
        {"{ dist = \"uniform\"; low = 0.5; high = 3.5; }", "stdp", "w_max = 3.0;", ".weight", 7},
    };
    for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "simulation = { dt = 0.1; duration = 10.0; };\n"
                 "populations = (\n"
                 "  { name = \"src\"; size = 2; model = \"spike_source\"; "
                 "spike_times = ( [1.0], [] ); },\n"
                 "  { name = \"dst\"; size = 2; model = \"lif\"; }\n"
                 ");\n"
                 "projections = (\n"
                 "  { name = \"p\"; from = \"src\"; to = \"dst\"; rule = \"all_to_all\"; "
                 "weight = %s; delay = 1.0;\n"
                 "    plasticity = {\n"
                 "      rule = \"%s\";\n"
                 "      %s\n"
                 "    }; }\n"
                 ");\n",
                 cases[c].weight, cases[c].rule, cases[c].extra);
        const char *path = harness_write("bad_stdp.cfg", text);
        struct net_spec s;
        char *resolved = NULL;
        struct err e = {0};
        const int rc = cfg_load(path, NULL, 0, &s, &resolved, &e);
        char ctx[2048];
        snprintf(ctx, sizeof ctx, "case %u (%s %s): %s:%d: %s: %s", c, cases[c].weight,
                 cases[c].extra, e.file, e.line, e.path, e.msg);
        HARNESS_EXPECT(rc == ERR_INPUT && e.code == ERR_INPUT, ctx, NULL);
        HARNESS_EXPECT(e.line == cases[c].line, ctx, NULL);
        HARNESS_EXPECT(strstr(e.file, "bad_stdp.cfg") != NULL, ctx, NULL);
        const size_t pl = strlen(e.path), el = strlen(cases[c].path_end);
        HARNESS_EXPECT(!strncmp(e.path, "projections.", 12) && pl >= el &&
                           !strcmp(e.path + pl - el, cases[c].path_end),
                       ctx, NULL);
        if (rc == 0) spec_free(&s);
        free(resolved);
    }
}

static int suite_stdp(void)
{
    CU_pSuite s = CU_add_suite("stdp", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "one pair, every dt, delay, pairing and mu", test_pair_window);
    CU_add_test(s, "triplets and quadruplets by hand", test_triplets_by_hand);
    CU_add_test(s, "weights and spikes bit-identical for 1-4 threads", test_threads_bit_identical);
    CU_add_test(s, "lambda = 0 gives the static network's spikes", test_lambda_zero_is_static);
    CU_add_test(s, "bounds exact, also for a negative w_max", test_bounds_exact);
    CU_add_test(s, "bounds: a w_max no float holds", test_bounds_not_a_float);
    CU_add_test(s, "bounds: recurrent network with lambda = 1", test_bounds_recurrent);
    CU_add_test(s, "history pruning against all pairs", test_pruning_brute_force);
    CU_add_test(s, "bad input: file, line, setting", test_bad_input);
    return 0;
}
TEST_SUITE(suite_stdp)
