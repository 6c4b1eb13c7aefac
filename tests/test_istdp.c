/* tests/test_istdp: the inhibitory STDP rule of Vogels et al. 2011 (synapses/istdp): the pair
 * window and the depression per presynaptic spike in closed form, the bounds and the sign of
 * w_max, random trains against an event-driven reference (the rule's hook alone, and inside
 * the engine with delays and spikes it produced), bad parameters, and configs/vogels2011.cfg
 * scaled down: the excitatory rate converges to the target. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "io/cfg.h"
#include "synapses/istdp.h"
#include "synapses/rules.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

/* ---- the reference: the rule as events in time, traces summed over every earlier spike ---- */

struct ref_rule {
    double tau, eta, alpha, w_max, dt;
};

/* The weight after the last presynaptic spike of pre (stamps, increasing), from w0, for one
 * synapse with delay d (steps) onto a neuron that spiked at post (stamps, increasing). A
 * postsynaptic spike P reaches the synapse at P + d; at the same time a postsynaptic arrival
 * comes before the presynaptic spike, and neither sees the other in its trace. */
static double ref_weight(const struct ref_rule *u, double w0, const int64_t *pre, int npre,
                         const int64_t *post, int npost, int64_t d)
{
    const double sign = u->w_max < 0 ? -1 : 1, amax = fabs(u->w_max);
    double a = sign * w0;
    int j = 0;
    for (int i = 0; i < npre; i++) {
        const int64_t S = pre[i];
        for (; j < npost && post[j] + d <= S; j++) { /* arrivals up to and at S */
            const int64_t T = post[j] + d;
            double x = 0;
            for (int k = 0; k < npre && pre[k] < T; k++)
                x += exp(-(double)(T - pre[k]) * u->dt / u->tau);
            a = fmin(a + u->eta * x, amax);
        }
        double x = 0;
        for (int k = 0; k < npost && post[k] + d < S; k++)
            x += exp(-(double)(S - post[k] - d) * u->dt / u->tau);
        a = fmin(a + u->eta * x, amax);
        a = fmax(a - u->eta * u->alpha, 0);
    }
    return sign * a;
}

/* ---- the rule's hook alone ---- */

struct rig {
    const struct pl_rule *rule;
    double params[PL_MAX_PARAMS];
    unsigned char derived[256];
    struct pl_needs needs;
};

static int rig_param(const struct pl_rule *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (!strcmp(r->params[i].name, name)) return i;
    return -1;
}

/* istdp with its defaults, then the given (name, value) pairs; 0 or prepare's error */
static int rig_init(struct rig *g, const char *const *names, const double *values, int n,
                    struct err *e)
{
    memset(g, 0, sizeof *g);
    g->rule = &istdp_rule;
    CU_ASSERT_PTR_EQUAL_FATAL(pl_find("istdp"), &istdp_rule); /* listed in synapses/rules */
    CU_ASSERT_FATAL(g->rule->derived_size <= sizeof g->derived);
    for (int i = 0; i < g->rule->nparams; i++) g->params[i] = g->rule->params[i].def;
    for (int i = 0; i < n; i++) {
        const int k = rig_param(g->rule, names[i]);
        CU_ASSERT_FATAL(k >= 0);
        g->params[k] = values[i];
    }
    return g->rule->prepare(g->params, 0.1, g->derived, &g->needs, e);
}

static struct rig rig_make(double tau, double eta, double target_rate, double w_max)
{
    static const char *const names[] = {"tau", "eta", "target_rate", "w_max"};
    const double values[] = {tau, eta, target_rate, w_max};
    struct rig g;
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(rig_init(&g, names, values, 4, &e), 0);
    return g;
}

/* A neuron's history holding the spikes at stamps post[0..n) (the engine's job: stamps and the
 * all-to-all trace just after each spike). */
struct hist_buf {
    int64_t stamp[256];
    double val[256];
    struct pl_hist h;
};

static void hist_fill(struct hist_buf *b, const int64_t *post, int n, double tau, double dt)
{
    CU_ASSERT_FATAL(n <= 256);
    for (int e = 0; e < n; e++) {
        b->stamp[e] = post[e];
        b->val[e] = 1 + (e ? b->val[e - 1] * exp(-(double)(post[e] - post[e - 1]) * dt / tau) : 0);
    }
    b->h = (struct pl_hist){
        .stamp = b->stamp, .val = b->val, .cap = 256, .start = 0, .len = (uint32_t)n};
}

/* A row of synapses q = 0..n-1 onto targets tgt[q] with delays delay[q], fed one spike. */
struct row_state {
    double pre[PL_MAX_PRE];
    int64_t last;
};

static void row_spike(const struct rig *g, struct row_state *s, int64_t stamp, float *w,
                      const uint32_t *tgt, const uint16_t *delay, int n, const struct pl_hist *hist)
{
    static const int trace0[PL_MAX_TRACES] = {0};
    struct pl_row r = {.derived = g->derived,
                       .dt_ms = 0.1,
                       .stamp = stamp,
                       .last = s->last,
                       .pre = s->pre,
                       .lo = 0,
                       .hi = (uint64_t)n,
                       .tgt = tgt,
                       .w = w,
                       .syn = NULL,
                       .delay = delay,
                       .delay_const = 0,
                       .hist = hist,
                       .ntraces = 1,
                       .trace = trace0};
    CU_ASSERT_EQUAL(g->rule->on_pre(&r), 1.0);
    s->last = stamp;
}

/* Truth: the closed-form window. One presynaptic spike at S1, one postsynaptic spike reaching
 * the synapse dt_pair = (P + d - S1) dt later (-100 to +100 ms, both orders), and a second
 * presynaptic spike 400 ms after the first:
 *   w = w0 + eta (e^{-|dt_pair|/tau} [dt_pair != 0] + e^{-(S2 - d - P) dt/tau}) - 2 eta alpha,
 * alpha = 2 target_rate tau; after S1 alone, only a postsynaptic spike before it counts. */
static void test_pair_window(void)
{
    const double tau = 20, eta = 0.25, rate = 7.5, w_max = 10, w0 = 4, dt = 0.1;
    const double alpha = 2 * rate * 1e-3 * tau;
    const struct rig g = rig_make(tau, eta, rate, w_max);
    static const uint16_t delays[] = {1, 15, 200};
    int checked = 0;
    for (unsigned di = 0; di < sizeof delays / sizeof delays[0]; di++) {
        const int64_t d = delays[di];
        for (int k = -1000; k <= 1000; k += 50) {
            for (int off = 0; off < 2; off++) { /* also an odd offset, and 0 and +-1 steps */
                const int steps = k + (off ? (k == 0 ? 1 : 7) : 0);
                const int64_t S1 = 5000, S2 = S1 + 4000, P = S1 + steps - d;
                struct hist_buf hb;
                hist_fill(&hb, &P, 1, tau, dt);
                struct row_state s = {.last = PL_NEVER};
                float w = (float)w0;
                const uint32_t tgt = 0;
                row_spike(&g, &s, S1, &w, &tgt, &delays[di], 1, &hb.h);
                const double pair = steps * dt;
                const double w1 = w0 + (steps < 0 ? eta * exp(pair / tau) : 0) - eta * alpha;
                EXPECT(fabs(w - w1) < 1e-5, "after the first presynaptic spike", NULL);
                row_spike(&g, &s, S2, &w, &tgt, &delays[di], 1, &hb.h);
                const double w2 = w0 +
                                  eta * ((steps ? exp(-fabs(pair) / tau) : 0) +
                                         exp(-(double)(S2 - d - P) * dt / tau)) -
                                  2 * eta * alpha;
                if (fabs(w - w2) >= 1e-5)
                    fprintf(stderr, "d %d steps %d: w %.7f, closed form %.7f\n", (int)d, steps,
                            (double)w, w2);
                CU_ASSERT(fabs(w - w2) < 1e-5);
                checked++;
            }
        }
    }
    CU_ASSERT_EQUAL(checked, 3 * 41 * 2);
}

/* Truth: each presynaptic spike with no postsynaptic spike around lowers |w| by exactly
 * eta alpha, alpha = 2 target_rate tau (or alpha as given), until |w| reaches 0 and stays. */
static void test_depression_per_spike(void)
{
    const double tau = 15, eta = 0.05, rate = 12; /* alpha = 0.36 */
    const double step = eta * 2 * rate * 1e-3 * tau;
    const struct rig g = rig_make(tau, eta, rate, 3.0);
    struct hist_buf hb;
    hist_fill(&hb, NULL, 0, tau, 0.1);
    struct row_state s = {.last = PL_NEVER};
    float w = 0.1f;
    const uint32_t tgt = 0;
    const uint16_t d = 5;
    int n = 0;
    for (int64_t S = 10; w > 0; S += 37, n++) {
        const double before = w;
        row_spike(&g, &s, S, &w, &tgt, &d, 1, &hb.h);
        CU_ASSERT(fabs(w - fmax(before - step, 0)) < 1e-7);
        CU_ASSERT_FATAL(n < 100);
    }
    CU_ASSERT_EQUAL(n, (int)ceil(0.1 / step)); /* 0.1 / 0.018 = 5.6: 6 spikes */
    row_spike(&g, &s, 5000, &w, &tgt, &d, 1, &hb.h);
    CU_ASSERT_EQUAL(w, 0.0f);
    /* alpha given directly instead: the same step */
    static const char *const names[] = {"tau", "eta", "alpha", "w_max"};
    const double values[] = {tau, eta, 2 * rate * 1e-3 * tau, 3.0};
    struct rig ga;
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(rig_init(&ga, names, values, 4, &e), 0);
    struct row_state sa = {.last = PL_NEVER};
    float wa = 1.0f;
    row_spike(&ga, &sa, 10, &wa, &tgt, &d, 1, &hb.h);
    CU_ASSERT(fabs(wa - (1.0 - step)) < 1e-7);
}

/* Truth: |w| stays in [0, |w_max|] and w keeps w_max's sign: a negative w_max (current-based
 * inhibition) makes potentiation more negative, capped at w_max, and depression stops at 0. */
static void test_bounds_and_sign(void)
{
    const double tau = 20, dt = 0.1;
    /* a burst of 20 postsynaptic spikes 1 ms apart, reached by presynaptic spikes every 1 ms:
     * with eta 1 each one adds far more than |w_max| */
    int64_t post[20];
    for (int i = 0; i < 20; i++) post[i] = 100 + 10 * i;
    struct hist_buf hb;
    hist_fill(&hb, post, 20, tau, dt);
    const uint32_t tgt = 0;
    const uint16_t d = 1;
    for (int neg = 0; neg < 2; neg++) {
        const double w_max = neg ? -2.5 : 2.5;
        const struct rig g = rig_make(tau, 1.0, 1.0, w_max); /* alpha = 0.04 */
        double lo, hi;
        g.rule->bounds(g.derived, &lo, &hi);
        CU_ASSERT_EQUAL(lo, neg ? -2.5 : 0.0);
        CU_ASSERT_EQUAL(hi, neg ? 0.0 : 2.5);
        struct row_state s = {.last = PL_NEVER};
        float w = (float)(neg ? -1.0 : 1.0);
        for (int64_t S = 95; S < 300; S += 10) {
            row_spike(&g, &s, S, &w, &tgt, &d, 1, &hb.h);
            CU_ASSERT(neg ? w <= 0 : w >= 0);
            CU_ASSERT(fabs(w) <= 2.5);
        }
        /* the cap holds after the potentiation, then one depression: |w_max| - eta alpha */
        CU_ASSERT(fabs(fabs(w) - (2.5 - 0.04)) < 1e-6);
        /* far from any postsynaptic spike, depression alone walks it down to 0, not past */
        for (int64_t S = 100000; S < 100000 + 100 * 1000; S += 1000)
            row_spike(&g, &s, S, &w, &tgt, &d, 1, &hb.h);
        CU_ASSERT_EQUAL(w, 0.0f);
        CU_ASSERT(!signbit(w)); /* 0, not -0 */
    }
}

/* Deterministic pseudo-random stamps: n increasing stamps, gaps uniform in [lo, hi] steps. */
static int make_train(uint64_t *state, int64_t start, int lo, int hi, int n, int64_t *out)
{
    int64_t t = start;
    for (int i = 0; i < n; i++) {
        *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
        t += lo + (int64_t)((*state >> 33) % (uint64_t)(hi - lo + 1));
        out[i] = t;
    }
    return n;
}

/* Truth: ref_weight (events in time, traces as sums) after every presynaptic spike of a
 * random train, for three synapses of one row onto two neurons with different delays, near
 * enough in time that both bounds are met. */
static void test_random_trains_hook(void)
{
    const struct ref_rule u = {
        .tau = 20, .eta = 0.3, .alpha = 2 * 8e-3 * 20, .w_max = -3, .dt = 0.1};
    const struct rig g = rig_make(u.tau, u.eta, 8.0, u.w_max);
    uint64_t st = 42;
    int64_t pre[60], post[2][120];
    make_train(&st, 0, 20, 600, 60, pre);
    make_train(&st, 0, 30, 400, 120, post[0]);
    make_train(&st, 0, 1000, 3000, 120, post[1]); /* sparse: depression wins */
    struct hist_buf hb[2];
    hist_fill(&hb[0], post[0], 120, u.tau, u.dt);
    hist_fill(&hb[1], post[1], 120, u.tau, u.dt);
    const struct pl_hist hist[2] = {hb[0].h, hb[1].h};
    const uint32_t tgt[3] = {0, 1, 0};
    const uint16_t delay[3] = {1, 25, 130};
    const float w0[3] = {-1.5f, -0.2f, -2.9f};
    float w[3] = {w0[0], w0[1], w0[2]};
    struct row_state s = {.last = PL_NEVER};
    int at_lo = 0, at_hi = 0;
    double worst = 0;
    for (int i = 0; i < 60; i++) {
        row_spike(&g, &s, pre[i], w, tgt, delay, 3, hist);
        for (int q = 0; q < 3; q++) {
            const double want = ref_weight(&u, w0[q], pre, i + 1, post[tgt[q]], 120, delay[q]);
            worst = fmax(worst, fabs(w[q] - want));
            at_lo += w[q] == 0.0f;
            at_hi += fabs(w[q] + (3.0 - u.eta * u.alpha)) < 1e-6; /* capped, then depressed */
        }
    }
    CU_ASSERT(worst < 2e-5);
    CU_ASSERT(at_lo > 0);
    CU_ASSERT(at_hi > 0);
    if (!(worst < 2e-5 && at_lo && at_hi))
        fprintf(stderr, "worst %g, at 0: %d, at w_max: %d\n", worst, at_lo, at_hi);
}

/* ---- inside the engine ---- */

/* Two spike sources (pre) onto two lif neurons (post) that spike once each time one of two
 * other sources kicks them (a charge far above threshold, gone within the refractory time): a list
 * of five plastic synapses with delays 0.1 to 10 ms, weights negative under a negative w_max
 * (current-based inhibition), and the same pairs again with a positive w_max and a target rate of
 * 100 Hz, whose depression takes weights to 0. */
struct eng {
    int64_t pre[2][200], post[2][200];
    int npre[2], npost[2];
    int64_t nsteps;
    int done;
    float w[2][5];
    uint32_t src[2][5], tgt[2][5];
    uint16_t delay[2][5];
};

static int eng_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    struct eng *r = self;
    for (int k = 0; k < n->nthreads; k++) {
        const uint32_t *ids;
        uint32_t m = net_part_spikes(n, 0, k, step, &ids);
        for (uint32_t a = 0; a < m; a++)
            if (r->npre[ids[a]] < 200) r->pre[ids[a]][r->npre[ids[a]]++] = step + 1;
        m = net_part_spikes(n, 2, k, step, &ids);
        for (uint32_t a = 0; a < m; a++)
            if (r->npost[ids[a]] < 200) r->post[ids[a]][r->npost[ids[a]]++] = step + 1;
    }
    if (step + 1 == n->nsteps) { /* every presynaptic spike has long been delivered */
        for (int j = 0; j < 2; j++) {
            const struct proj *pr = &n->projs[1 + j];
            if (pr->nsyn != 5) return err_set(e, ERR_INPUT, NULL, 0, "test", "not 5 synapses");
            uint64_t q[5];
            if (net_proj_order(n, 1 + j, q, r->src[j], r->tgt[j], e)) return -1;
            for (int c = 0; c < 5; c++) {
                r->w[j][c] = pr->w[q[c]];
                r->delay[j][c] = pr->delay ? pr->delay[q[c]] : (uint16_t)pr->delay_steps;
            }
        }
        r->done = 1;
    }
    return 0;
}

static void times_text(char *buf, size_t n, uint64_t *st, int lo, int hi, int count)
{
    int64_t t[200];
    make_train(st, 20, lo, hi, count, t);
    size_t len = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < count; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%.1f", i ? ", " : "", t[i] * 0.1);
    snprintf(buf + len, n - len, "]");
}

/* Truth: ref_weight on the spikes the run produced (recorded stamps), for each synapse with
 * its own delay; the run is the engine's own (delivery, histories and their pruning). */
static void test_engine_against_reference(void)
{
    static char text[16384];
    char trains[4][2400];
    uint64_t st = 7;
    times_text(trains[0], sizeof trains[0], &st, 150, 600, 40); /* pre 0 */
    times_text(trains[1], sizeof trains[1], &st, 200, 500, 40); /* pre 1 */
    times_text(trains[2], sizeof trains[2], &st, 40, 400, 60);  /* kicks of post 0 */
    times_text(trains[3], sizeof trains[3], &st, 60, 300, 60);  /* kicks of post 1 */
    static const char pairs[] =
        "rule = \"list\"; sources = [0, 0, 1, 1, 0]; targets = [0, 1, 0, 1, 1];\n"
        "    delays = [0.1, 1.5, 3.0, 0.7, 10.0];";
    snprintf(
        text, sizeof text,
        "simulation = { dt = 0.1; duration = 3000.0; seed = 3; };\n"
        "populations = (\n"
        "  { name = \"pre\"; size = 2; model = \"spike_source\"; spike_times = ( %s, %s ); },\n"
        "  { name = \"kick\"; size = 2; model = \"spike_source\"; spike_times = ( %s, %s ); },\n"
        "  { name = \"post\"; size = 2; model = \"lif\"; tau_syn_ex = 0.1; } );\n"
        "projections = (\n"
        "  { name = \"drive\"; from = \"kick\"; to = \"post\"; rule = \"one_to_one\";\n"
        "    weight = 1000000.0; },\n"
        "  { name = \"neg\"; from = \"pre\"; to = \"post\"; receptor = \"in\"; %s\n"
        "    weights = [-5.0, -1.0, -7.5, -3.0, -0.5];\n"
        "    plasticity = { rule = \"istdp\"; tau = 20.0; eta = 0.4; target_rate = 10.0;\n"
        "                   w_max = -8.0; }; },\n"
        "  { name = \"pos\"; from = \"pre\"; to = \"post\"; %s\n"
        "    weights = [2.0, 0.5, 3.0, 1.0, 0.1];\n"
        "    plasticity = { rule = \"istdp\"; tau = 10.0; eta = 0.2; alpha = 2.0;\n"
        "                   w_max = 4.0; }; } );\n",
        trains[0], trains[1], trains[2], trains[3], pairs, pairs);
    static const float w0[2][5] = {{-5.0f, -1.0f, -7.5f, -3.0f, -0.5f},
                                   {2.0f, 0.5f, 3.0f, 1.0f, 0.1f}};
    const struct ref_rule u[2] = {{.tau = 20, .eta = 0.4, .alpha = 0.4, .w_max = -8, .dt = 0.1},
                                  {.tau = 10, .eta = 0.2, .alpha = 2.0, .w_max = 4, .dt = 0.1}};
    for (int threads = 1; threads <= 2; threads++) {
        struct eng *r = calloc(1, sizeof *r);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        char tset[64];
        snprintf(tset, sizeof tset, "simulation.threads=%d", threads);
        const char *sets[] = {tset};
        CU_ASSERT_EQUAL_FATAL(harness_run_net("istdp_engine.cfg", text, sets, 1, eng_step, r), 0);
        CU_ASSERT_FATAL(r->done);
        CU_ASSERT(r->npre[0] == 40 && r->npre[1] == 40);
        CU_ASSERT(r->npost[0] == 60 && r->npost[1] == 60); /* one spike per kick */
        int at_lo = 0, at_hi = 0;
        for (int j = 0; j < 2; j++)
            for (int c = 0; c < 5; c++) {
                /* canonical order: by source, then target, then list entry */
                static const uint32_t cs[5] = {0, 0, 0, 1, 1}, ct[5] = {0, 1, 1, 0, 1};
                static const int entry[5] = {0, 1, 4, 2, 3}; /* list entry of canonical c */
                CU_ASSERT(r->src[j][c] == cs[c] && r->tgt[j][c] == ct[c]);
                const uint32_t s = r->src[j][c], t = r->tgt[j][c];
                const double want = ref_weight(&u[j], w0[j][entry[c]], r->pre[s], r->npre[s],
                                               r->post[t], r->npost[t], r->delay[j][c]);
                if (fabs(r->w[j][c] - want) >= 2e-5)
                    fprintf(stderr,
                            "threads %d proj %d synapse %u->%u d %u: w %.7f, reference %.7f\n",
                            threads, j, s, t, r->delay[j][c], (double)r->w[j][c], want);
                CU_ASSERT(fabs(r->w[j][c] - want) < 2e-5);
                at_lo += r->w[j][c] == 0.0f;
                at_hi += fabs(r->w[j][c] + (8.0 - 0.4 * 0.4)) < 1e-6; /* capped, depressed */
            }
        CU_ASSERT(at_lo > 0); /* the positive projection's weights reach 0 */
        CU_ASSERT(at_hi > 0); /* and some negative one met w_max at its last update */
        free(r);
    }
}

/* Truth: the documented error format (file, line, setting; exit 2) for parameters the schema
 * or the rule's own check refuses. */
static void test_bad_parameters(void)
{
    static const struct {
        const char *plast, *path, *want;
    } cases[] = {
        {"alpha = 0.2; target_rate = 5.0;", "plasticity.target_rate", "not both"},
        {"eta = 0.1;", "plasticity.target_rate", "is required"},
        {"target_rate = 5.0; w_max = 0.0;", "plasticity.w_max", "must not be 0"},
        {"target_rate = 5.0; tau = 0.0;", "plasticity.tau", "out of range"},
        {"target_rate = 5.0; eta = -0.1;", "plasticity.eta", "out of range"},
        {"target_rate = -1.0;", "plasticity.target_rate", "out of range"},
        {"target_rate = 5.0; w_max = 0.5;", "projections.ie.weight", "outside the bounds"},
        {"target_rate = 5.0; w_max = -5.0;", "projections.ie.weight", "outside the bounds"},
        {"target_rate = 5.0; rho = 5.0;", "plasticity.rho", "unknown"},
    };
    char text[1024], args[1024], out[4096], name[64];
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text,
                 "populations = ( { name = \"e\"; size = 4; model = \"lif_cond\"; },\n"
                 "  { name = \"i\"; size = 2; model = \"lif_cond\"; } );\n"
                 "projections = ( { name = \"ie\"; from = \"i\"; to = \"e\"; receptor = \"in\";\n"
                 "  rule = \"all_to_all\"; weight = 1.0;\n"
                 "  plasticity = { rule = \"istdp\"; %s }; } );\n",
                 cases[i].plast);
        snprintf(name, sizeof name, "istdp_bad%u.cfg", i);
        const char *path = harness_write(name, text);
        snprintf(args, sizeof args, "check %s", path);
        const int rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 2, cases[i].plast, out);
        EXPECT(strstr(out, cases[i].path) != NULL, cases[i].plast, out);
        EXPECT(strstr(out, cases[i].want) != NULL, cases[i].plast, out);
        snprintf(name, sizeof name, "istdp_bad%u.cfg:", i);
        EXPECT(strstr(out, name) != NULL, cases[i].plast, out);
    }
}

/* ---- Vogels et al. 2011 ---- */

struct rates {
    int64_t from;   /* count excitatory spikes from this step on */
    uint64_t first; /* excitatory spikes in the first 100 ms */
    uint64_t last;  /* and from `from` on */
    double w_mean;  /* of the I->E weights at the end */
};

static int rates_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    struct rates *r = self;
    for (int k = 0; k < n->nthreads; k++) {
        const uint32_t *ids;
        const uint32_t m = net_part_spikes(n, 0, k, step, &ids);
        if (step < 1000) r->first += m;
        if (step >= r->from) r->last += m;
    }
    if (step + 1 == n->nsteps) {
        struct net_wstats ws;
        if (net_weight_stats(n, 2, &ws, e)) return -1;
        r->w_mean = ws.mean;
    }
    return 0;
}

/* Truth: the paper's claim, inhibitory plasticity sets the excitatory rate to the target
 * (rho0 = 5 Hz, here within 10 % over the last second). configs/vogels2011.cfg at half its
 * size with the same in-degrees (4000 + 1000 neurons, p = 0.04), 6 s: the excitatory neurons
 * start far above the target (no inhibition onto them yet), then settle. */
static void test_vogels2011_converges(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/configs/vogels2011.cfg", harness_root());
    const char *sets[] = {"populations.exc.size=4000",  "populations.inh.size=1000",
                          "projections.ee.p=0.04",      "projections.ei.p=0.04",
                          "projections.ie.p=0.04",      "projections.ii.p=0.04",
                          "simulation.duration=6000.0", "simulation.threads=1"};
    struct net_spec s;
    char *resolved = NULL;
    struct err e = {0};
    int rc = cfg_load(path, sets, (int)(sizeof sets / sizeof sets[0]), &s, &resolved, &e);
    if (rc) fprintf(stderr, "%s:%d: %s: %s\n", e.file, e.line, e.path, e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(s.pops[0].name, "exc");
    CU_ASSERT_STRING_EQUAL(s.projs[2].name, "ie");
    struct net n;
    rc = net_build(&n, &s, &e);
    struct rates r = {.from = n.nsteps - (int64_t)floor(1000.0 / n.dt_ms + 0.5)};
    struct recorder rec = {rates_step, &r, 0};
    if (!rc) rc = net_run(&n, &rec, 1, NULL, &e);
    if (rc) fprintf(stderr, "%s: %s\n", e.path, e.msg);
    CU_ASSERT_EQUAL(rc, 0);
    const double ne = n.pops[0].n;
    const double first = r.first / ne / 0.1, last = r.last / ne / 1.0;
    fprintf(stderr,
            "\n  vogels2011 at half size: exc %.2f Hz in the first 100 ms, %.2f Hz in "
            "the last second (target 5 Hz); mean I->E weight %.3f nS\n",
            first, last, r.w_mean);
    CU_ASSERT(first > 50);
    CU_ASSERT(fabs(last - 5.0) < 0.5);
    CU_ASSERT(r.w_mean > 0);
    net_free(&n);
    spec_free(&s);
    free(resolved);
}

static int suite_istdp(void)
{
    CU_pSuite s = CU_add_suite("istdp", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "pair window, both orders and delays: closed form", test_pair_window);
    CU_add_test(s, "depression per presynaptic spike: eta alpha", test_depression_per_spike);
    CU_add_test(s, "bounds and the sign of w_max", test_bounds_and_sign);
    CU_add_test(s, "random trains: hook against event-driven reference", test_random_trains_hook);
    CU_add_test(s, "engine: recorded spikes against reference, 1 and 2 threads",
                test_engine_against_reference);
    CU_add_test(s, "bad parameters: exit 2 with file, line and setting", test_bad_parameters);
    CU_add_test(s, "Vogels et al. 2011: excitatory rate converges to 5 Hz",
                test_vogels2011_converges);
    return 0;
}
TEST_SUITE(suite_istdp)
