/* tests/test_transpose: rule "transpose" (synapses/proj: proj_transpose), feedback tied to a
 * forward projection's live weights. Truths: the reversed projection's synapses, as (source,
 * target, weight) triples, are the forward one's with source and target swapped, multapses
 * included, for 1 and 3 threads; a spike of a feedback source adds to each target's current
 * exactly gain x the sum of the forward weights from that target to the source's partner, as
 * those weights are at that step (the test changes them mid-run); bad settings exit 2 named. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "neurons/lif.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

/* h (5 lif) -> b (4 lif) forward, drawn with multapses; c (4 sources) -> h reversed, gain 0.5.
 * c's neuron 2 spikes at 10 ms and 30 ms; the feedback lands on h's excitatory current. */
static const char *const cfg =
    "simulation = { dt = 0.1; duration = 40.0; seed = 7; };\n"
    "populations = (\n"
    "  { name = \"h\"; size = 5; model = \"lif\"; tau_syn_ex = 1000.0; tau_syn_in = 1000.0; },\n"
    "  { name = \"b\"; size = 4; model = \"lif\"; },\n"
    "  { name = \"c\"; size = 4; model = \"spike_source\";\n"
    "    spike_times = ( [], [], [10.0, 30.0], [] ); } );\n"
    "projections = (\n"
    "  { name = \"fwd\"; from = \"h\"; to = \"b\"; rule = \"fixed_indegree\"; k = 7;\n"
    "    weight = { dist = \"normal\"; mean = 0.0; std = 3.0; }; },\n"
    "  { name = \"fb\"; from = \"c\"; to = \"h\"; rule = \"transpose\"; of = \"fwd\";\n"
    "    weight = 0.5; delay = 1.0; } );\n";

struct probe {
    int checked;
    double worst;   /* largest |current jump - expected| */
    double jump[5]; /* h's current just after each arrival */
    double before[5];
};

/* the forward weights from h's neuron i to b's neuron k, summed */
static double fwd_sum(const struct net *n, uint32_t i, uint32_t k)
{
    const struct proj *q = &n->projs[0];
    double s = 0;
    for (int part = 0; part < q->nparts; part++) {
        const uint64_t c = (uint64_t)i * q->nparts + part;
        for (uint64_t x = q->row[c]; x < q->row[c + 1]; x++)
            if (q->tgt[x] == k) s += proj_weight(q, x);
    }
    return s;
}

static int on_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct probe *p = self;
    const double *iex = n->pops[0].state[LIF_I_EX];
    /* the spike of update 99 (stamp 100, 10 ms) is delivered with delay 10 steps: it enters
     * the current at the end of update 109; at 20 ms the forward weights change, and the
     * second spike (update 299) arrives at the end of update 309 */
    if (step == 108 || step == 308)
        for (int i = 0; i < 5; i++) p->before[i] = iex[i];
    if (step == 109 || step == 309) {
        const double decay = exp(-0.1 / 1000.0); /* one step of tau_syn_ex */
        for (uint32_t i = 0; i < 5; i++) {
            const double want = 0.5 * fwd_sum(n, i, 2);
            const double got = iex[i] - p->before[i] * decay;
            p->worst = fmax(p->worst, fabs(got - want));
            p->jump[i] = got;
        }
        p->checked++;
    }
    if (step == 200) { /* the forward weights change: the feedback must follow */
        struct proj *q = (struct proj *)&n->projs[0];
        for (uint64_t x = 0; x < q->nsyn; x++) q->w[x] = q->w[x] * -2.0f + 1.0f;
    }
    return 0;
}

static int cmp_triple(const void *a, const void *b)
{
    const double *x = a, *y = b;
    for (int k = 0; k < 3; k++)
        if (x[k] != y[k]) return x[k] < y[k] ? -1 : 1;
    return 0;
}

/* (source, target, weight) of projection j, sources and targets swapped when swap, sorted */
static double *triples(const struct net *n, int j, int swap, uint64_t *count)
{
    const struct proj *p = &n->projs[j];
    double *t = malloc((p->nsyn ? p->nsyn : 1) * 3 * sizeof *t);
    uint64_t m = 0;
    for (uint64_t c = 0; c < (uint64_t)p->nsrc * p->nparts; c++)
        for (uint64_t x = p->row[c]; x < p->row[c + 1]; x++) {
            const double s = (double)(c / (uint64_t)p->nparts), g = p->tgt[x];
            t[3 * m] = swap ? g : s;
            t[3 * m + 1] = swap ? s : g;
            t[3 * m + 2] = proj_weight(p, x) * (j == 1 ? 2.0 : 1.0); /* undo the gain 0.5 */
            m++;
        }
    qsort(t, m, 3 * sizeof *t, cmp_triple);
    *count = m;
    return t;
}

struct shape {
    double *fwd, *fb;
    uint64_t nf, nb;
};

static int shape_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct shape *s = self;
    if (step == 0) {
        s->fwd = triples(n, 0, 1, &s->nf);
        s->fb = triples(n, 1, 0, &s->nb);
    }
    return 0;
}

/* Truth: the forward projection's synapses, swapped, counted one by one. */
static void test_structure(void)
{
    for (int t = 1; t <= 3; t += 2) {
        char set[64];
        snprintf(set, sizeof set, "simulation.threads = %d", t);
        const char *sets[] = {set};
        struct shape s = {0};
        CU_ASSERT_EQUAL_FATAL(harness_run_net("transpose.cfg", cfg, sets, 1, shape_step, &s), 0);
        CU_ASSERT_EQUAL(s.nf, 4 * 7);
        CU_ASSERT_EQUAL(s.nb, s.nf);
        CU_ASSERT(s.fwd && s.fb && memcmp(s.fwd, s.fb, s.nf * 3 * sizeof(double)) == 0);
        free(s.fwd);
        free(s.fb);
    }
}

/* Truth: the current jump of every target, from the forward weights at that moment. */
static void test_live_weights(void)
{
    double jumps[2][2][5];
    for (int t = 1; t <= 3; t += 2) {
        char set[64];
        snprintf(set, sizeof set, "simulation.threads = %d", t);
        const char *sets[] = {set};
        struct probe p = {0};
        CU_ASSERT_EQUAL_FATAL(harness_run_net("transpose.cfg", cfg, sets, 1, on_step, &p), 0);
        CU_ASSERT_EQUAL(p.checked, 2);
        if (p.worst >= 1e-9) fprintf(stderr, "\n  threads %d: off by %g pA\n", t, p.worst);
        CU_ASSERT(p.worst < 1e-9);
        memcpy(jumps[t / 2][1], p.jump, sizeof p.jump);
    }
    (void)jumps;
}

/* Truth: one thread's weights. The forward rule writes its weights in the update phase while
 * another thread may still deliver through the transpose (tests/transpose_race.cfg, found by
 * review: without the barrier net_build asks for, 2 and 4 threads gave other weights). */
static void test_no_race(void)
{
    char cfg[1100], out[8192];
    snprintf(cfg, sizeof cfg, "%s/tests/transpose_race.cfg", harness_root());
    static const int threads[] = {1, 2, 2, 3, 4, 4};
    char *w0 = NULL;
    size_t n0 = 0;
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        char name[32], p[1200];
        snprintf(name, sizeof name, "race%zu", i);
        const char *dir = harness_path(name);
        int rc = harness_apicalf(out, sizeof out, "run %s -o %s --quiet --threads %d", cfg, dir,
                                 threads[i]);
        EXPECT(rc == 0, name, out);
        snprintf(p, sizeof p, "%s/weights.bin", dir);
        size_t n = 0;
        char *w = harness_slurp(p, &n);
        CU_ASSERT_PTR_NOT_NULL_FATAL(w);
        if (!w0) {
            w0 = w, n0 = n;
            continue;
        }
        CU_ASSERT(n == n0 && memcmp(w, w0, n) == 0);
        free(w);
    }
    free(w0);
}

/* Truth: the documented error format, exit 2, naming the setting. */
static void test_refusals(void)
{
    static const struct {
        const char *set, *want;
    } cases[] = {
        {"projections.fb.of = \"nope\"", "projections.fb.of"},
        {"projections.fb.of = \"fb\"", "projections.fb.of"},
        {"projections.fb.to = \"b\"", "projections.fb.of"},
        {"projections.fb.k = 3", "projections.fb.k"},
        {"projections.fwd.plasticity = { rule = \"stdp\"; w_max = 100.0; }", "stdp"},
        {"projections.fwd.of = \"fb\"", "projections.fwd.of"},
        {"projections.fb.delay = { dist = \"uniform\"; low = 1.0; high = 2.0; }",
         "projections.fb.delay"},
    };
    const char *path = harness_write("transpose_bad.cfg", cfg);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[8192];
        int rc = harness_apicalf(out, sizeof out, "check %s --set '%s'", path, cases[i].set);
        EXPECT(rc == 2, cases[i].set, out);
        EXPECT(strstr(out, cases[i].want) != NULL, cases[i].set, out);
    }
}

static int transpose_suite(void)
{
    CU_pSuite s = CU_add_suite("transpose", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "the reversed synapses, 1 and 3 threads", test_structure) ||
        !CU_add_test(s, "spikes deliver the live forward weights", test_live_weights) ||
        !CU_add_test(s, "tied to an apical rule: the same weights on 1-4 threads", test_no_race) ||
        !CU_add_test(s, "bad settings exit 2 named", test_refusals))
        return -1;
    return 0;
}

TEST_SUITE(transpose_suite)
