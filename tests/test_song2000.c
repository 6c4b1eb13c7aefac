/* tests/test_song2000: configs/stdp_song2000.cfg against the published figure (Song, Miller &
 * Abbott 2000, Fig. 2): additive STDP from 1000 Poisson inputs drives the excitatory weights,
 * all at g_max at the start, to a bimodal distribution (most weights near 0 or near g_max, few
 * in between), and the neuron, at about 170 Hz at the start, settles to a low, irregular rate.
 * The config runs as shipped but for dt = 0.5 ms instead of 0.1 ms (a fifth of the cost; the
 * same figures within a few percent, measured): 3000 simulated seconds, about 4 s. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "io/cfg.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

/* The target's spikes in steps [from, to): count and interspike intervals. */
struct window {
    int pop;
    int64_t from, to;
    int64_t last; /* stamp of the previous spike in the window, or -1 */
    double n, isi_n, isi_sum, isi_sq;
};

static void window_add(struct window *w, const struct net *n, int64_t step)
{
    if (step < w->from || step >= w->to) return;
    for (int k = 0; k < n->nthreads; k++) {
        const uint32_t *ids;
        uint32_t m = net_part_spikes(n, w->pop, k, step, &ids);
        for (uint32_t a = 0; a < m; a++) {
            const int64_t stamp = step + 1;
            if (w->last >= 0) {
                const double d = (double)(stamp - w->last) * n->dt_ms;
                w->isi_n++;
                w->isi_sum += d;
                w->isi_sq += d * d;
            }
            w->last = stamp;
            w->n++;
        }
    }
}

static double window_rate(const struct window *w, double dt_ms)
{
    return w->n / ((double)(w->to - w->from) * dt_ms * 1e-3);
}

static double window_cv(const struct window *w)
{
    const double m = w->isi_sum / w->isi_n;
    return sqrt((w->isi_sq - w->isi_n * m * m) / (w->isi_n - 1)) / m;
}

/* The first and the last stretch of the run. */
struct windows {
    struct window first, last;
};

static int windows_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct windows *ws = self;
    window_add(&ws->first, n, step);
    window_add(&ws->last, n, step);
    return 0;
}

static int find_pop(const struct net *n, const char *name)
{
    for (int i = 0; i < n->npops; i++)
        if (!strcmp(n->pops[i].name, name)) return i;
    return -1;
}

/* Truth: the published figure. Bimodal: above 25 % of the weights within 10 % of each bound and
 * above 70 % within 10 % of either (a uniform spread would give 10 % and 20 %), below 10 % in
 * the middle band [0.3, 0.7] g_max (uniform: 40 %). Firing: from regular and fast with every
 * synapse at g_max (above 100 Hz, CV below 0.4, in the first 10 s) to balanced, slow and
 * irregular: 5 to 20 Hz, CV 0.7 to 1.2 over the last 1000 s (seeds 1 to 8 gave 8.0 to 10.3 Hz,
 * CV 0.83 to 0.87, 74 to 79 % of the weights near a bound). */
static void test_bimodal_and_rate(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/configs/stdp_song2000.cfg", harness_root());
    const char *sets[] = {"simulation.dt=0.5", "projections.ex_post.delay=0.5",
                          "projections.in_post.delay=0.5", "simulation.threads=1"};
    struct net_spec s;
    char *resolved = NULL;
    struct err e = {0};
    int rc = cfg_load(path, sets, 4, &s, &resolved, &e);
    if (rc) fprintf(stderr, "%s:%d: %s: %s\n", e.file, e.line, e.path, e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    struct net n;
    rc = net_build(&n, &s, &e);
    if (rc) fprintf(stderr, "build: %s: %s\n", e.path, e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    int j = -1;
    for (int q = 0; q < n.nprojs; q++)
        if (!strcmp(s.projs[q].name, "ex_post")) j = q;
    CU_ASSERT_FATAL(j >= 0 && n.plast[j] != NULL);
    const double wmax = n.plast[j]->hi;
    CU_ASSERT(fabs(wmax - 0.15) < 1e-12);
    CU_ASSERT_EQUAL(n.projs[j].nsyn, 1000);

    const int post = find_pop(&n, "post");
    CU_ASSERT_FATAL(post >= 0);
    const int64_t ten_s = (int64_t)floor(1e4 / n.dt_ms + 0.5);
    struct windows win = {{post, 0, ten_s, -1, 0, 0, 0, 0},
                          {post, n.nsteps - 100 * ten_s, n.nsteps, -1, 0, 0, 0, 0}};
    CU_ASSERT_FATAL(win.last.from > ten_s);
    struct recorder rec = {windows_step, &win, 0};
    rc = net_run(&n, &rec, 1, NULL, &e);
    if (rc) fprintf(stderr, "run: %s: %s\n", e.path, e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);

    double lo = 0, hi = 0, mid = 0, sum = 0;
    const struct proj *p = &n.projs[j];
    for (uint64_t q = 0; q < p->nsyn; q++) {
        const double x = p->w[q] / wmax;
        CU_ASSERT(x >= 0 && x <= 1 + 1e-7);
        sum += x;
        lo += x <= 0.1;
        hi += x >= 0.9;
        mid += x >= 0.3 && x <= 0.7;
    }
    const double ns = (double)p->nsyn;
    const double r0 = window_rate(&win.first, n.dt_ms), cv0 = window_cv(&win.first);
    const double r1 = window_rate(&win.last, n.dt_ms), cv1 = window_cv(&win.last);
    char ctx[320];
    snprintf(ctx, sizeof ctx,
             "weights within 10 %% of 0: %.3f, of w_max: %.3f, in [0.3, 0.7]: "
             "%.3f, mean %.3f w_max; rate %.2f Hz, CV %.3f in the first 10 s; %.2f Hz, CV %.3f "
             "in the last 1000 s",
             lo / ns, hi / ns, mid / ns, sum / ns, r0, cv0, r1, cv1);
    if (getenv("APICAL_TEST_VERBOSE")) fprintf(stderr, "song2000: %s\n", ctx);
    EXPECT(lo / ns > 0.25 && hi / ns > 0.25, ctx, NULL);
    EXPECT((lo + hi) / ns > 0.70, ctx, NULL);
    EXPECT(mid / ns < 0.10, ctx, NULL);
    EXPECT(r0 > 100 && cv0 < 0.4, ctx, NULL);
    EXPECT(r1 >= 5 && r1 <= 20, ctx, NULL);
    EXPECT(cv1 >= 0.7 && cv1 <= 1.2, ctx, NULL);

    /* the engine's own statistics agree with the weights read here */
    struct net_wstats ws;
    CU_ASSERT_EQUAL(net_weight_stats(&n, j, &ws, &e), 0);
    CU_ASSERT(fabs(ws.mean / wmax - sum / ns) < 1e-6);
    CU_ASSERT(ws.at_lo <= lo / ns && ws.at_hi <= hi / ns);
    net_free(&n);
    spec_free(&s);
    free(resolved);
}

static int suite_song2000(void)
{
    CU_pSuite s = CU_add_suite("song2000", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "bimodal weights, low irregular rate", test_bimodal_and_rate);
    return 0;
}
TEST_SUITE(suite_song2000)
