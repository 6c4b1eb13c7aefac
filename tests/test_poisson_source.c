/* tests/test_poisson_source: neurons/poisson_source against the statistics of independent
 * Bernoulli trials of probability p = 1 - exp(-rate dt) per neuron and step (binomial counts,
 * geometric intervals, no correlation between neurons), computed in the test; and the engine:
 * the same spikes for 1 to 4 threads, other spikes for another seed, the start/stop window,
 * spikes through a projection, and the configs it refuses. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "engine/net.h"
#include "neurons/poisson_source.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

/* The model driven directly: params, derived constants, and a context for one step. */
struct src {
    double params[POIS_NPARAMS];
    char derived[256];
    uint64_t seed;
    uint32_t stream;
};

static int src_prepare(struct src *s, double rate, double start, double stop, double dt,
                       struct err *e)
{
    memset(s->derived, 0, sizeof s->derived);
    s->params[POIS_RATE] = rate;
    s->params[POIS_START] = start;
    s->params[POIS_STOP] = stop;
    return poisson_source_ops.prepare(s->params, NULL, dt, s->derived, e);
}

/* Spikes of neurons [b, e) in step `step`, ascending, into out; returns how many. */
static uint32_t src_step(const struct src *s, int64_t step, uint32_t b, uint32_t e, uint32_t *out)
{
    struct nrn_ctx c = {.derived = s->derived, .seed = s->seed, .stream = s->stream, .step = step};
    return poisson_source_ops.update(&c, b, e, out);
}

enum { N = 2048, STEPS = 5000 };

/* Truth: each neuron's count over S steps is binomial (S, p), the pooled count within five
 * standard deviations of N S p; intervals are geometric in steps (mean 1/p, CV sqrt(1 - p), for
 * those seen whole in the window the moments summed in the test);
 * the count variance across neurons is S p (1 - p); every position in a block of 256 is
 * equally likely (chi-square, 255 degrees of freedom). */
static void test_rate_cv_and_counts(void)
{
    const double rate = 50.0, dt = 0.1, p = -expm1(-rate * dt * 1e-3);
    struct src s = {.seed = 11, .stream = RNG_STREAM_NEURON};
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(src_prepare(&s, rate, 0, -1, dt, &e), 0);
    uint32_t *out = malloc(N * sizeof *out), *count = calloc(N, sizeof *count);
    int64_t *last = malloc(N * sizeof *last);
    double pos[POISSON_BLOCK] = {0};
    CU_ASSERT_FATAL(out && count && last);
    for (int i = 0; i < N; i++) last[i] = -1;
    double isi_n = 0, isi_sum = 0, isi_sq = 0, total = 0;
    for (int64_t t = 0; t < STEPS; t++) {
        uint32_t m = src_step(&s, t, 0, N, out);
        for (uint32_t j = 0; j < m; j++) {
            uint32_t i = out[j];
            CU_ASSERT(i < N && (j == 0 || out[j - 1] < i));
            if (last[i] >= 0) {
                double d = (double)(t - last[i]);
                isi_n++;
                isi_sum += d;
                isi_sq += d * d;
            }
            last[i] = t;
            count[i]++;
            pos[i % POISSON_BLOCK]++;
            total++;
        }
    }
    const double mean = (double)N * STEPS * p, sd = sqrt(mean * (1 - p));
    char ctx[256];
    snprintf(ctx, sizeof ctx, "spikes %.0f, expected %.1f +- %.1f", total, mean, sd);
    EXPECT(fabs(total - mean) < 5 * sd, ctx, NULL);

    /* Intervals of d steps seen whole in the window: N (S - d) p^2 (1 - p)^(d - 1) of them on
     * average, which favours short ones: their mean is below the process's 1/p. */
    double e0 = 0, e1 = 0, e2 = 0;
    for (int d = 1; d < STEPS; d++) {
        const double w = (double)N * (STEPS - d) * p * p * pow(1 - p, d - 1);
        e0 += w;
        e1 += w * d;
        e2 += w * d * d;
    }
    const double mean_true = e1 / e0, cv_true = sqrt(e2 / e0 - mean_true * mean_true) / mean_true;
    const double m_isi = isi_sum / isi_n, v_isi = (isi_sq - isi_n * m_isi * m_isi) / (isi_n - 1);
    const double cv = sqrt(v_isi) / m_isi;
    /* the estimated CV of n near-exponential intervals has a standard error of 1 / sqrt(n) (delta
     * method with the exponential's moments); the mean one of sd / sqrt(n) */
    snprintf(ctx, sizeof ctx, "ISI mean %.3f steps (truth %.3f), CV %.4f (truth %.4f), n %.0f",
             m_isi, mean_true, cv, cv_true, isi_n);
    EXPECT(fabs(m_isi - mean_true) < 5 * cv_true * mean_true / sqrt(isi_n), ctx, NULL);
    EXPECT(fabs(cv - cv_true) < 5 / sqrt(isi_n), ctx, NULL);

    double cm = 0, cv2 = 0;
    for (int i = 0; i < N; i++) cm += count[i];
    cm /= N;
    for (int i = 0; i < N; i++) cv2 += (count[i] - cm) * (count[i] - cm);
    cv2 /= N - 1;
    const double var_true = STEPS * p * (1 - p);
    snprintf(ctx, sizeof ctx, "count variance %.3f, truth %.3f", cv2, var_true);
    /* the sample variance of N near-normal counts: standard error var sqrt(2 / (N - 1)) */
    EXPECT(fabs(cv2 - var_true) < 5 * var_true * sqrt(2.0 / (N - 1)), ctx, NULL);

    double chi2 = 0, want = total / POISSON_BLOCK;
    for (int k = 0; k < POISSON_BLOCK; k++) chi2 += (pos[k] - want) * (pos[k] - want) / want;
    snprintf(ctx, sizeof ctx, "chi-square over positions in a block %.1f (255 dof)", chi2);
    EXPECT(chi2 < 255 + 5 * sqrt(2 * 255.0), ctx, NULL);
    free(out);
    free(count);
    free(last);
}

/* Truth: independent neurons. Neighbours i, i + 1 (drawn from one block's chain of gaps) spike
 * in the same step (N - 1) S p^2 times on average (Poisson, sd its square root), and the
 * Pearson correlation of their counts in 10 ms bins averages 0 within 5 / sqrt(pairs x bins). */
static void test_neurons_independent(void)
{
    const double rate = 50.0, dt = 0.1, p = -expm1(-rate * dt * 1e-3);
    enum { BIN = 100, NB = STEPS / BIN };
    struct src s = {.seed = 5, .stream = RNG_STREAM_NEURON + 3};
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(src_prepare(&s, rate, 0, -1, dt, &e), 0);
    uint32_t *out = malloc(N * sizeof *out);
    unsigned char *hit = calloc(N, 1);
    float *bins = calloc((size_t)N * NB, sizeof *bins);
    CU_ASSERT_FATAL(out && hit && bins);
    double coinc = 0;
    for (int64_t t = 0; t < STEPS; t++) {
        uint32_t m = src_step(&s, t, 0, N, out);
        for (uint32_t j = 0; j < m; j++) {
            hit[out[j]] = 1;
            bins[(size_t)out[j] * NB + (size_t)(t / BIN)]++;
        }
        for (uint32_t j = 0; j < m; j++) coinc += out[j] + 1 < N && hit[out[j] + 1];
        for (uint32_t j = 0; j < m; j++) hit[out[j]] = 0;
    }
    const double want = (N - 1.0) * STEPS * p * p;
    char ctx[160];
    snprintf(ctx, sizeof ctx, "neighbours in one step %.0f, expected %.1f", coinc, want);
    EXPECT(fabs(coinc - want) < 5 * sqrt(want), ctx, NULL);

    double rsum = 0;
    int pairs = 0;
    for (int i = 0; i + 1 < N; i++) {
        const float *a = bins + (size_t)i * NB, *b = a + NB;
        double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
        for (int k = 0; k < NB; k++) ma += a[k], mb += b[k];
        ma /= NB;
        mb /= NB;
        for (int k = 0; k < NB; k++) {
            sab += (a[k] - ma) * (b[k] - mb);
            saa += (a[k] - ma) * (a[k] - ma);
            sbb += (b[k] - mb) * (b[k] - mb);
        }
        if (saa > 0 && sbb > 0) {
            rsum += sab / sqrt(saa * sbb);
            pairs++;
        }
    }
    snprintf(ctx, sizeof ctx, "mean correlation of neighbours %.5f over %d pairs", rsum / pairs,
             pairs);
    EXPECT(fabs(rsum / pairs) < 5 / sqrt((double)pairs * NB), ctx, NULL);
    free(out);
    free(hit);
    free(bins);
}

/* Truth: the spikes of [0, N) drawn whole equal those drawn in parts cut anywhere (inside
 * blocks too), in order; another seed or stream gives other spikes. */
static void test_parts_and_seeds(void)
{
    struct src s = {.seed = 1, .stream = RNG_STREAM_NEURON}, s2 = s, s3 = s;
    s2.seed = 2;
    s3.stream++;
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(src_prepare(&s, 200.0, 0, -1, 0.1, &e), 0);
    memcpy(&s2.derived, &s.derived, sizeof s.derived);
    memcpy(&s3.derived, &s.derived, sizeof s.derived);
    const uint32_t cuts[] = {0, 1, 255, 256, 257, 700, 1023, 1500, N};
    uint32_t whole[N], part[N], other[N];
    int same = 1, differ2 = 0, differ3 = 0;
    for (int64_t t = 0; t < 500; t++) {
        uint32_t m = src_step(&s, t, 0, N, whole), k = 0;
        for (size_t c = 0; c + 1 < sizeof cuts / sizeof cuts[0]; c++)
            k += src_step(&s, t, cuts[c], cuts[c + 1], part + k);
        same &= k == m && !memcmp(whole, part, m * sizeof *whole);
        uint32_t m2 = src_step(&s2, t, 0, N, other);
        differ2 |= m2 != m || memcmp(whole, other, m * sizeof *whole);
        uint32_t m3 = src_step(&s3, t, 0, N, other);
        differ3 |= m3 != m || memcmp(whole, other, m * sizeof *whole);
    }
    CU_ASSERT(same);
    CU_ASSERT(differ2);
    CU_ASSERT(differ3);
}

/* Truth: no spike in a step starting before start or at/after stop; rate 0 never spikes; a
 * rate far above 1/dt spikes every neuron in every step; stop before start is refused naming
 * stop. */
static void test_window_and_limits(void)
{
    struct src s = {.seed = 3, .stream = RNG_STREAM_NEURON};
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(src_prepare(&s, 1e5, 20.0, 30.0, 0.1, &e), 0);
    uint32_t out[N];
    int inside = 1, outside = 0;
    for (int64_t t = 0; t < 500; t++) {
        uint32_t m = src_step(&s, t, 0, 300, out);
        if (t >= 200 && t < 300)
            inside &= m > 250; /* p = 1 - e^-10 */
        else
            outside += m != 0;
    }
    CU_ASSERT(inside);
    CU_ASSERT_EQUAL(outside, 0);
    CU_ASSERT_EQUAL_FATAL(src_prepare(&s, 1e9, 0, -1, 0.1, &e), 0);
    uint32_t m = src_step(&s, 7, 3, 600, out), all = m == 597;
    for (uint32_t j = 0; all && j < m; j++) all = out[j] == 3 + j;
    CU_ASSERT(all);
    CU_ASSERT_EQUAL_FATAL(src_prepare(&s, 0, 0, -1, 0.1, &e), 0);
    CU_ASSERT_EQUAL(src_step(&s, 7, 0, N, out), 0);
    CU_ASSERT_EQUAL(src_prepare(&s, 10, 50.0, 40.0, 0.1, &e), ERR_INPUT);
    CU_ASSERT_STRING_EQUAL(e.path, "stop");
}

/* ---- through the engine ---- */

/* 1000 sources (parts of 2 and 3 threads start inside blocks) onto 10 lif neurons. */
static const char net_cfg[] =
    "simulation = { dt = 0.1; duration = 300.0; seed = 21; };\n"
    "populations = (\n"
    "  { name = \"src\"; size = 1000; model = \"poisson_source\"; rate = 40.0; start = 50.0;\n"
    "    stop = 250.0; },\n"
    "  { name = \"post\"; size = 10; model = \"lif\"; }\n"
    ");\n"
    "projections = ( { name = \"in\"; from = \"src\"; to = \"post\"; rule = \"fixed_indegree\";\n"
    "                  k = 100; weight = 120.0; delay = 1.0; } );\n"
    "record = { spikes = \"none\"; raster = false; };\n";

struct trace {
    uint64_t hash[2]; /* FNV-1a per population over (stamp, id) */
    uint64_t spikes[2];
    int64_t first, last; /* stamps of the sources' first and last spikes */
    int mismatch;        /* steps where the engine's sources differ from direct draws */
    struct src direct;
};

static int trace_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct trace *tr = self;
    uint32_t want[1000], got = 0, mw = src_step(&tr->direct, step, 0, 1000, want);
    for (int pi = 0; pi < 2; pi++)
        for (int k = 0; k < n->nthreads; k++) {
            const uint32_t *ids;
            uint32_t m = net_part_spikes(n, pi, k, step, &ids);
            for (uint32_t a = 0; a < m; a++) {
                uint64_t rec[2] = {(uint64_t)step + 1, ids[a]};
                const unsigned char *b = (const unsigned char *)rec;
                for (size_t i = 0; i < sizeof rec; i++)
                    tr->hash[pi] = (tr->hash[pi] ^ b[i]) * 0x100000001b3ULL;
                tr->spikes[pi]++;
                if (pi == 0) {
                    if (tr->first < 0) tr->first = step + 1;
                    tr->last = step + 1;
                    tr->mismatch += got >= mw || want[got] != ids[a];
                    got++;
                }
            }
        }
    tr->mismatch += got != mw;
    return 0;
}

static int run_traced(struct trace *tr, int threads, int seed)
{
    memset(tr, 0, sizeof *tr);
    tr->hash[0] = tr->hash[1] = 0xcbf29ce484222325ULL;
    tr->first = -1;
    tr->direct.seed = (uint64_t)seed;
    tr->direct.stream = RNG_STREAM_NEURON; /* population 0 */
    struct err e = {0};
    if (src_prepare(&tr->direct, 40.0, 50.0, 250.0, 0.1, &e)) return -1;
    char tset[64], sset[64];
    snprintf(tset, sizeof tset, "simulation.threads=%d", threads);
    snprintf(sset, sizeof sset, "simulation.seed=%d", seed);
    const char *sets[] = {tset, sset};
    return harness_run_net("pois.cfg", net_cfg, sets, 2, trace_step, tr);
}

/* Truth: the engine's sources are the model's draws keyed by (seed, population, neuron, step),
 * whatever the threads: the same spikes (and so the same targets' spikes) for 1, 2, 3 and 4
 * threads, other ones for another seed; only in steps starting in [50, 250) ms. */
static void test_engine_threads_and_seed(void)
{
    struct trace one, tr;
    CU_ASSERT_EQUAL_FATAL(run_traced(&one, 1, 21), 0);
    CU_ASSERT_EQUAL(one.mismatch, 0);
    CU_ASSERT(one.spikes[0] > 7000 && one.spikes[1] > 0);
    CU_ASSERT(one.first >= 501 && one.last <= 2500);
    for (int t = 2; t <= 4; t++) {
        CU_ASSERT_EQUAL_FATAL(run_traced(&tr, t, 21), 0);
        CU_ASSERT_EQUAL(tr.mismatch, 0);
        CU_ASSERT_EQUAL(tr.hash[0], one.hash[0]);
        CU_ASSERT_EQUAL(tr.hash[1], one.hash[1]);
        CU_ASSERT_EQUAL(tr.spikes[1], one.spikes[1]);
    }
    CU_ASSERT_EQUAL_FATAL(run_traced(&tr, 2, 22), 0);
    CU_ASSERT_EQUAL(tr.mismatch, 0);
    CU_ASSERT_NOT_EQUAL(tr.hash[0], one.hash[0]);
}

/* Truth: a poisson_source has no ports: a projection or a dc stimulus into it is refused with
 * exit 2, as is stop before start (file, line and setting named). */
static void test_refused(void)
{
    static const char *const cases[][2] = {
        {"projections = ( { name = \"x\"; from = \"post\"; to = \"src\"; rule = \"all_to_all\";\n"
         "  weight = 1.0; } );\n",
         "receives no input"},
        {"stimuli = ( { name = \"d\"; type = \"dc\"; target = \"src\"; amplitude = 5.0; } );\n",
         "takes no current"},
        {"", "populations.src.stop"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char text[1024], args[1200], out[4096];
        snprintf(text, sizeof text,
                 "simulation = { dt = 0.1; duration = 10.0; };\n"
                 "populations = (\n"
                 "  { name = \"src\"; size = 5; model = \"poisson_source\"; rate = 10.0;%s },\n"
                 "  { name = \"post\"; size = 1; model = \"lif\"; } );\n%s",
                 c == 2 ? "\n    start = 5.0; stop = 2.0;" : "", cases[c][0]);
        const char *path = harness_write("refused.cfg", text);
        snprintf(args, sizeof args, "run %s -o %s --quiet", path, harness_path("refused_out"));
        int rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 2, cases[c][1], out);
        EXPECT(strstr(out, cases[c][1]) != NULL, cases[c][1], out);
        EXPECT(strstr(out, "refused.cfg:") != NULL, cases[c][1], out);
    }
}

static int suite_poisson_source(void)
{
    CU_pSuite s = CU_add_suite("poisson_source", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "rate_cv_and_counts", test_rate_cv_and_counts);
    CU_add_test(s, "neurons_independent", test_neurons_independent);
    CU_add_test(s, "parts_and_seeds", test_parts_and_seeds);
    CU_add_test(s, "window_and_limits", test_window_and_limits);
    CU_add_test(s, "engine_threads_and_seed", test_engine_threads_and_seed);
    CU_add_test(s, "refused", test_refused);
    return 0;
}
TEST_SUITE(suite_poisson_source)
