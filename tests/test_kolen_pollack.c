/* tests/test_kolen_pollack: the learned-feedback rule (synapses/kolen_pollack) in the engine.
 * Truth: the weight written out by hand from the spikes the run produced: at every
 * presynaptic event S, w <- (1 - decay) w + eta x_post(S - d), x_post the sum of
 * e^{-(S - d - P) dt / tau} over the target's spikes P < S - d; for delays of 1 and 30 steps,
 * 1 and 2 threads; bad settings exit 2 named. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT
#define MAXS 400

static const char *const cfg =
    "simulation = { dt = 0.1; duration = 600.0; seed = 5; };\n"
    "populations = (\n"
    "  { name = \"err\"; size = 1; model = \"poisson_source\"; rate = 60.0; },\n"
    "  { name = \"kick\"; size = 2; model = \"poisson_source\"; rate = 40.0; },\n"
    "  { name = \"hid\"; size = 2; model = \"lif\"; tau_syn_ex = 0.1; } );\n"
    "projections = (\n"
    "  { name = \"drive\"; from = \"kick\"; to = \"hid\"; rule = \"one_to_one\";\n"
    "    weight = 1000000.0; },\n"
    "  { name = \"fb\"; from = \"err\"; to = \"hid\"; rule = \"all_to_all\"; weight = 2.0;\n"
    "    delay = 0.1;\n"
    "    plasticity = { rule = \"kolen_pollack\"; eta = 0.3; tau = 8.0; decay = 0.01;\n"
    "                   w_min = -50.0; w_max = 50.0; }; } );\n";

struct rec {
    int64_t pre[MAXS], post[2][MAXS];
    int npre, npost[2];
    float w[2];
    int done;
};

static int on_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct rec *r = self;
    for (int k = 0; k < n->nthreads; k++) {
        const uint32_t *ids;
        uint32_t m = net_part_spikes(n, 0, k, step, &ids);
        for (uint32_t a = 0; a < m && r->npre < MAXS; a++) r->pre[r->npre++] = step + 1;
        m = net_part_spikes(n, 2, k, step, &ids);
        for (uint32_t a = 0; a < m; a++)
            if (r->npost[ids[a]] < MAXS) r->post[ids[a]][r->npost[ids[a]]++] = step + 1;
    }
    if (step + 1 == n->nsteps) {
        const struct proj *p = &n->projs[1];
        for (int part = 0; part < p->nparts; part++)
            for (uint64_t q = p->row[part]; q < p->row[part + 1]; q++) r->w[p->tgt[q]] = p->w[q];
        r->done = 1;
    }
    return 0;
}

/* the weight after every event reached the synapse (the last ones: none after the end) */
static double by_hand(const struct rec *r, int t, int64_t d, int64_t end)
{
    double w = 2.0;
    for (int i = 0; i < r->npre; i++) {
        const int64_t S = r->pre[i];
        if (S > end) break; /* delivered after the last step */
        double x = 0;
        for (int j = 0; j < r->npost[t] && r->post[t][j] < S - d; j++)
            x += exp(-(double)(S - d - r->post[t][j]) * 0.1 / 8.0);
        w = fmin(50.0, fmax(-50.0, 0.99 * w + 0.3 * x));
    }
    return w;
}

/* Truth: the rule written out from the run's own spikes. */
static void test_by_hand(void)
{
    for (int delay = 1; delay <= 30; delay += 29)
        for (int threads = 1; threads <= 2; threads++) {
            char d[64], th[64];
            snprintf(d, sizeof d, "projections.fb.delay = %.1f", delay * 0.1);
            snprintf(th, sizeof th, "simulation.threads = %d", threads);
            const char *sets[] = {d, th};
            struct rec *r = calloc(1, sizeof *r);
            CU_ASSERT_PTR_NOT_NULL_FATAL(r);
            CU_ASSERT_EQUAL_FATAL(harness_run_net("kp.cfg", cfg, sets, 2, on_step, r), 0);
            CU_ASSERT_FATAL(r->done);
            CU_ASSERT(r->npre > 20 && r->npost[0] > 10 && r->npost[1] > 10);
            for (int t = 0; t < 2; t++) {
                /* an event stamped S is delivered in update S (step S - 1 + 1) */
                const double want = by_hand(r, t, delay, 6000);
                if (fabs(r->w[t] - want) > 1e-4 * fmax(1.0, fabs(want)))
                    fprintf(stderr, "\n  delay %d threads %d target %d: w %.7g, by hand %.7g\n",
                            delay, threads, t, (double)r->w[t], want);
                CU_ASSERT(fabs(r->w[t] - want) <= 1e-4 * fmax(1.0, fabs(want)));
                CU_ASSERT(fabs(want - 2.0) > 0.5); /* it moved */
            }
            free(r);
        }
}

/* Truth: the documented error format, exit 2, naming the setting. */
static void test_refusals(void)
{
    static const struct {
        const char *set, *want;
    } cases[] = {
        {"projections.fb.plasticity.decay = 1.5", "projections.fb.plasticity.decay"},
        {"projections.fb.plasticity.tau = 0.0", "projections.fb.plasticity.tau"},
        {"projections.fb.plasticity.w_min = 60.0", "projections.fb.plasticity.w_min"},
        {"projections.fb.weight = 70.0", "projections.fb.weight"},
    };
    const char *path = harness_write("kp_bad.cfg", cfg);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[8192];
        int rc = harness_apicalf(out, sizeof out, "check %s --set '%s'", path, cases[i].set);
        EXPECT(rc == 2, cases[i].set, out);
        EXPECT(strstr(out, cases[i].want) != NULL, cases[i].set, out);
    }
}

static int kolen_pollack_suite(void)
{
    CU_pSuite s = CU_add_suite("kolen_pollack", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "the weight written out from the run's spikes", test_by_hand) ||
        !CU_add_test(s, "bad settings exit 2 named", test_refusals))
        return -1;
    return 0;
}

TEST_SUITE(kolen_pollack_suite)
