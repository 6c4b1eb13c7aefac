/* tests/test_feed: spike sources fed by the caller (net_set_feed), graded spikes, and the
 * periodic return to rest (net_set_reset) that presents samples one after another. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "io/cfg.h"
#include "tests/harness.h"

/* Two inputs onto one never-firing lif (tau_m 10 ms, tau_syn 2 ms), 3 ms delay. */
static const char feed_cfg[] =
    "simulation = { dt = 1.0; duration = 120.0; };\n"
    "populations = ( { name = \"in\"; size = 2; model = \"spike_source\"; spike_times = ( [], [] ); },\n"
    "  { name = \"n\"; size = 1; model = \"lif\"; v_th = 9000.0; c_m = 250.0; tau_m = 10.0;\n"
    "    e_l = -70.0; t_ref = 0.0; } );\n"
    "projections = ( { name = \"p\"; from = \"in\"; to = \"n\"; rule = \"all_to_all\";\n"
    "                  weight = 30.0; delay = 3.0; } );\n"
    "record = { spikes = \"none\"; raster = false; };\n";

/* Fires unit 0 at step a and unit 1 at step b of every period (0: no period), with
 * amplitudes amp0, amp1. */
struct pattern {
    int64_t period, a, b;
    double amp0, amp1;
};

static uint32_t pattern_fire(void *self, int k, int64_t step, uint32_t begin, uint32_t end,
                             uint32_t *ids, double *amp)
{
    (void)k;
    const struct pattern *p = self;
    int64_t t = p->period ? step % p->period : step;
    uint32_t m = 0;
    if (t == p->a && begin <= 0 && 0 < end) {
        if (amp) amp[m] = p->amp0;
        ids[m++] = 0;
    }
    if (t == p->b && begin <= 1 && 1 < end) {
        if (amp) amp[m] = p->amp1;
        ids[m++] = 1;
    }
    return m;
}

struct trace {
    double v[200];
};

static int trace_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    ((struct trace *)self)->v[step] = n->pops[1].state[0][0];
    return 0;
}

/* Runs feed_cfg with the pattern fed to "in" (graded or not), resetting every `reset` steps. */
static int run_fed(const struct pattern *pat, int graded, int64_t reset, int threads,
                   struct trace *tr)
{
    char tset[64];
    snprintf(tset, sizeof tset, "simulation.threads=%d", threads);
    const char *sets[] = {tset};
    struct net_spec s;
    char *resolved = NULL;
    struct err e = {0};
    int rc = cfg_load(harness_write("feed.cfg", feed_cfg), sets, 1, &s, &resolved, &e);
    free(resolved);
    if (rc) return rc;
    struct net n;
    rc = net_build(&n, &s, &e);
    struct net_feed f = {.fire = pattern_fire, .self = (void *)pat, .graded = graded};
    if (!rc) rc = net_set_feed(&n, 0, &f, &e);
    net_set_reset(&n, reset);
    struct recorder r = {.on_step = trace_step, .self = tr, .reads_state = 1};
    if (!rc) rc = net_run(&n, &r, 1, NULL, &e);
    if (rc) fprintf(stderr, "%s: %s\n", e.path, e.msg);
    net_free(&n);
    spec_free(&s);
    return rc;
}

/* Truth: the target is linear, so an amplitude a scales its response by a (to rounding), and
 * amplitude 1 is a plain spike to the bit; the same for any thread count. */
static void test_graded(void)
{
    static struct trace plain, one, scaled, three;
    struct pattern p = {0, 10, 20, 1.0, 1.0};
    CU_ASSERT_EQUAL_FATAL(run_fed(&p, 0, 0, 1, &plain), 0);
    CU_ASSERT_EQUAL_FATAL(run_fed(&p, 1, 0, 1, &one), 0);
    CU_ASSERT(memcmp(plain.v, one.v, sizeof plain.v) == 0);
    p.amp0 = 2.5, p.amp1 = -0.75;
    CU_ASSERT_EQUAL_FATAL(run_fed(&p, 1, 0, 1, &scaled), 0);
    CU_ASSERT_EQUAL_FATAL(run_fed(&p, 1, 0, 2, &three), 0);
    CU_ASSERT(memcmp(scaled.v, three.v, sizeof scaled.v) == 0);
    /* unit 0's response alone until unit 1's spike arrives (step 20 + 3 delay) */
    double err = 0, peak = 0;
    for (int k = 0; k < 120; k++) {
        double u1 = plain.v[k] + 70, us = scaled.v[k] + 70;
        if (k <= 23) err = fmax(err, fabs(us - 2.5 * u1)), peak = fmax(peak, fabs(u1));
    }
    CU_ASSERT(peak > 0.1);
    CU_ASSERT(err < 1e-12 * peak);
    /* the arrival: nothing before step 10 + 3 + 1 (the current needs a step to move v) */
    CU_ASSERT(plain.v[13] == -70.0 && plain.v[14] > -70.0);
}

/* Truth: the same input from rest gives the same response, so with a reset every period each
 * period repeats the first to the bit; spikes still in flight at a reset are dropped (unit 1
 * fires 2 steps before the period ends, its spike would arrive 1 step into the next). */
static void test_reset(void)
{
    static struct trace r, free_run;
    struct pattern p = {30, 5, 28, 1.0, 1.0};
    CU_ASSERT_EQUAL_FATAL(run_fed(&p, 0, 30, 2, &r), 0);
    for (int per = 1; per < 4; per++)
        CU_ASSERT(memcmp(r.v + 30 * per, r.v, 30 * sizeof r.v[0]) == 0);
    for (int k = 0; k < 9; k++) CU_ASSERT(r.v[k] == -70.0);
    /* without the reset the periods differ (the state and the spike in flight carry over) */
    CU_ASSERT_EQUAL_FATAL(run_fed(&p, 0, 0, 2, &free_run), 0);
    CU_ASSERT(memcmp(free_run.v + 30, free_run.v, 30 * sizeof free_run.v[0]) != 0);
    CU_ASSERT(free_run.v[31] > -70.0);
}

/* A population with dynamics cannot be fed. */
static void test_feed_refused(void)
{
    struct net_spec s;
    char *resolved = NULL;
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(
        cfg_load(harness_write("feed2.cfg", feed_cfg), NULL, 0, &s, &resolved, &e), 0);
    free(resolved);
    struct net n;
    CU_ASSERT_EQUAL_FATAL(net_build(&n, &s, &e), 0);
    struct pattern p = {0};
    struct net_feed f = {.fire = pattern_fire, .self = &p};
    CU_ASSERT_EQUAL(net_set_feed(&n, 1, &f, &e), ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "only spike sources") != NULL);
    net_free(&n);
    spec_free(&s);
}

static int suite_feed(void)
{
    CU_pSuite s = CU_add_suite("feed", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "graded spikes scale their weights", test_graded);
    CU_add_test(s, "reset every period: from rest, nothing in flight", test_reset);
    CU_add_test(s, "only spike sources are fed", test_feed_refused);
    return 0;
}
TEST_SUITE(suite_feed)
