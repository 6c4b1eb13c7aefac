/* tests/test_net: the engine as a whole: bit-identical results for any thread count, Poisson
 * input statistics, DC stimulus windows and spike sources read from a file. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "core/part.h"
#include "io/cfg.h"
#include "neurons/lif.h"
#include "tests/harness.h"

/* The CUBA network at a quarter of its size, with the same in-degree (p = 0.08). */
static const char *cuba_small_sets =
    "--set populations.exc.size=800 --set populations.inh.size=200 "
    "--set projections.ee.p=0.08 --set projections.ei.p=0.08 "
    "--set projections.ie.p=0.08 --set projections.ii.p=0.08 "
    "--set simulation.duration=300.0 --quiet";

/* summary.json without the fields that may differ between runs: timing, threads, memory
 * (synapse rows are grouped per thread, so their bookkeeping grows with threads) */
static char *stable_summary(const char *path)
{
    char *text = harness_slurp(path, NULL);
    if (!text) return NULL;
    cJSON *j = cJSON_Parse(text);
    free(text);
    if (!j) return NULL;
    const char *drop[] = {"threads",          "wall_s",         "events_per_s",
                          "real_time_factor", "peak_rss_bytes", "projection_bytes",
                          "bytes_per_synapse"};
    for (unsigned i = 0; i < sizeof drop / sizeof drop[0]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(j, drop[i]);
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return out;
}

/* Truth: the same config and seed must give byte-identical spike files (CSV and binary),
 * traces and summaries (less timing) for 1, 2, 3 and 4 threads. */
static void check_thread_determinism(const char *config, const char *sets)
{
    const char *files[] = {"spikes.csv", "spikes.bin", "traces.csv"};
    char *ref[3] = {NULL, NULL, NULL}, *ref_sum = NULL;
    size_t ref_len[3] = {0, 0, 0};
    char args[2048], out[8192], path[1200];
    for (int t = 1; t <= 4; t++) {
        snprintf(args, sizeof args, "run %s/configs/%s %s --threads %d -o %s/det_%s%d",
                 harness_root(), config, sets, t, harness_tmpdir(), config, t);
        int rc = harness_apical(args, out, sizeof out);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        for (int f = 0; f < 3; f++) {
            snprintf(path, sizeof path, "%s/det_%s%d/%s", harness_tmpdir(), config, t, files[f]);
            size_t len = 0;
            char *data = harness_slurp(path, &len);
            CU_ASSERT_PTR_NOT_NULL_FATAL(data);
            if (t == 1) {
                ref[f] = data;
                ref_len[f] = len;
                CU_ASSERT(len > 1000);
            } else {
                CU_ASSERT_EQUAL(len, ref_len[f]);
                CU_ASSERT(len == ref_len[f] && memcmp(data, ref[f], len) == 0);
                free(data);
            }
        }
        snprintf(path, sizeof path, "%s/det_%s%d/summary.json", harness_tmpdir(), config, t);
        char *sum = stable_summary(path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(sum);
        if (t == 1) {
            ref_sum = sum;
        } else {
            CU_ASSERT_STRING_EQUAL(sum, ref_sum);
            free(sum);
        }
    }
    /* and a different seed gives a different network */
    snprintf(args, sizeof args, "run %s/configs/%s %s --seed 2 -o %s/det_seed2_%s", harness_root(),
             config, sets, harness_tmpdir(), config);
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 0);
    snprintf(path, sizeof path, "%s/det_seed2_%s/spikes.csv", harness_tmpdir(), config);
    size_t len = 0;
    char *other = harness_slurp(path, &len);
    CU_ASSERT(other && (len != ref_len[0] || memcmp(other, ref[0], len) != 0));
    free(other);
    for (int f = 0; f < 3; f++) free(ref[f]);
    free(ref_sum);
}

static void test_thread_determinism(void) { check_thread_determinism("cuba.cfg", cuba_small_sets); }

/* the multi-compartment example, smaller and shorter, with its top-down window inside */
static void test_thread_determinism_mc(void)
{
    check_thread_determinism("pyramidal.cfg",
                             "--set populations.pyr.size=60 --set populations.top.size=30 "
                             "--set simulation.duration=600.0 --quiet");
}

/* ---- in-process runs ---- */

typedef int (*step_fn)(void *, const struct net *, int64_t, struct err *);

static int run_cfg(const char *text, step_fn fn, void *self, int threads)
{
    char tset[64];
    snprintf(tset, sizeof tset, "simulation.threads=%d", threads);
    const char *sets[] = {tset};
    return harness_run_net("net.cfg", text, sets, 1, fn, self);
}

/* Loads the config file at path with simulation.threads set; 0 or cfg_load's error (printed). */
static int load_threads(const char *path, int threads, struct net_spec *s, char **resolved)
{
    char tset[64];
    snprintf(tset, sizeof tset, "simulation.threads=%d", threads);
    const char *sets[] = {tset};
    struct err e = {0};
    int rc = cfg_load(path, sets, 1, s, resolved, &e);
    if (rc) fprintf(stderr, "%s:%d: %s: %s\n", e.file, e.line, e.path, e.msg);
    return rc;
}

/* Poisson input onto a non-decaying, never-firing lif: i_ex counts the input events. */
static const char poisson_cfg[] =
    "simulation = { dt = 0.1; duration = 1000.0; seed = 9; };\n"
    "populations = ( { name = \"n\"; size = 2000; model = \"lif\"; v_th = 9000.0;\n"
    "                  tau_syn_ex = 1e9; } );\n"
    "stimuli = ( { name = \"bg\"; type = \"poisson\"; target = \"n\"; rate = 80.0;\n"
    "              weight = 1.0; start = 200.0; stop = 700.0; } );\n"
    "record = { spikes = \"none\"; raster = false; };\n";

struct counts {
    double final[2000];
    double at_start[2000];
};

static int counts_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct counts *c = self;
    const double *ie = n->pops[0].state[LIF_I_EX];
    if (step + 1 == 2000) memcpy(c->at_start, ie, sizeof c->at_start);
    if (step + 1 == n->nsteps) memcpy(c->final, ie, sizeof c->final);
    return 0;
}

/* Truth: a Poisson process of rate r over T has count mean and variance r T; nothing arrives
 * outside [start, stop); the result does not depend on threads. */
static void test_poisson_counts(void)
{
    static struct counts a, b;
    CU_ASSERT_EQUAL_FATAL(run_cfg(poisson_cfg, counts_step, &a, 1), 0);
    CU_ASSERT_EQUAL_FATAL(run_cfg(poisson_cfg, counts_step, &b, 3), 0);
    CU_ASSERT(memcmp(a.final, b.final, sizeof a.final) == 0);
    const double mu = 80.0 * 0.5; /* 500 ms at 80 Hz */
    double s = 0, s2 = 0, before = 0;
    for (int i = 0; i < 2000; i++) {
        double k = round(a.final[i]);
        CU_ASSERT(fabs(a.final[i] - k) < 1e-3);
        s += k;
        s2 += k * k;
        before += a.at_start[i];
    }
    double m = s / 2000, v = s2 / 2000 - m * m;
    CU_ASSERT_EQUAL(before, 0.0);
    CU_ASSERT(fabs(m - mu) < 5 * sqrt(mu / 2000));
    CU_ASSERT(fabs(v - mu) < 6 * sqrt((2 * mu * mu + mu) / 2000));
}

/* DC step into a lif: v follows the closed form inside the window and relaxes after it. */
static const char dc_cfg[] =
    "simulation = { dt = 0.1; duration = 100.0; };\n"
    "populations = ( { name = \"n\"; size = 3; model = \"lif\"; v_th = 9000.0; c_m = 250.0;\n"
    "                  tau_m = 10.0; e_l = -70.0; } );\n"
    "stimuli = ( { type = \"dc\"; target = \"n\"; amplitude = 250.0; start = 10.0;\n"
    "              stop = 50.0; } );\n"
    "record = { spikes = \"none\"; raster = false; };\n";

struct vtrace {
    double v[1000];
};

static int vtrace_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    ((struct vtrace *)self)->v[step] = n->pops[0].state[0][2];
    return 0;
}

/* Truth: v = e_l + R I (1 - e^{-(t - 10)/tau}) for 10 <= t <= 50, then exponential decay. */
static void test_dc_window(void)
{
    static struct vtrace tr;
    CU_ASSERT_EQUAL_FATAL(run_cfg(dc_cfg, vtrace_step, &tr, 2), 0);
    const double ri = 250.0 * 10.0 / 250.0;
    double maxerr = 0;
    double v50 = -70 + ri * (1 - exp(-40.0 / 10.0));
    for (int k = 0; k < 1000; k++) {
        double t = (k + 1) * 0.1, truth;
        if (t <= 10.0 + 1e-9)
            truth = -70;
        else if (t <= 50.0 + 1e-9)
            truth = -70 + ri * (1 - exp(-(t - 10.0) / 10.0));
        else
            truth = -70 + (v50 + 70) * exp(-(t - 50.0) / 10.0);
        maxerr = fmax(maxerr, fabs(tr.v[k] - truth));
    }
    CU_ASSERT(maxerr < 1e-9);
}

/* Spike source from a bmtk CSV file, relayed one-to-one with a 1.5 ms delay and a weight that
 * makes every input spike a target spike. */
struct relay {
    int n;
    int64_t stamp[64];
    uint32_t id[64];
};

static int relay_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct relay *r = self;
    for (int k = 0; k < n->nthreads; k++) {
        const uint32_t *ids;
        uint32_t m = net_part_spikes(n, 1, k, step, &ids);
        for (uint32_t j = 0; j < m; j++)
            if (r->n < 64) {
                r->stamp[r->n] = step + 1;
                r->id[r->n++] = ids[j];
            }
    }
    return 0;
}

/* Truth: each listed input spike at t gives exactly one target spike at t + delay + one step
 * (the current needs a step to move v), in time order. */
static void test_spike_source_file(void)
{
    harness_write("input.csv", "timestamps population node_ids\n"
                               "1.0 in 0\n2.5 in 2\n2.5 in 1\n7.0 in 0\n");
    char text[1024];
    snprintf(text, sizeof text,
             "simulation = { dt = 0.1; duration = 20.0; };\n"
             "populations = ( { name = \"in\"; size = 3; model = \"spike_source\";\n"
             "                  spike_file = \"input.csv\"; },\n"
             "  { name = \"out\"; size = 3; model = \"lif\"; tau_syn_ex = 0.5; t_ref = 5.0; } );\n"
             "projections = ( { from = \"in\"; to = \"out\"; rule = \"one_to_one\";\n"
             "                  weight = 200000.0; delay = 1.5; } );\n"
             "record = { spikes = \"none\"; raster = false; };\n");
    static struct relay r;
    memset(&r, 0, sizeof r);
    CU_ASSERT_EQUAL_FATAL(run_cfg(text, relay_step, &r, 2), 0);
    CU_ASSERT_EQUAL_FATAL(r.n, 4);
    const int64_t want_stamp[] = {26, 41, 41, 86};
    const uint32_t want_id[] = {0, 1, 2, 0};
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(r.stamp[i], want_stamp[i]);
        CU_ASSERT_EQUAL(r.id[i], want_id[i]);
    }
}

/* Truth: summary.json's rates (spike counts over neurons and time). The raster's rate histogram
 * drawn from a CSV, which lists populations in the order they first spike, must average to the
 * same rate for each population. Excitatory neurons start far from threshold so that the
 * inhibitory population is the first in the file. */
static void test_raster_rates_from_csv(void)
{
    char args[1024], out[8192], path[1200];
    snprintf(args, sizeof args,
             "run %s/configs/cuba.cfg --set 'record.formats=[\"csv\"]' --quiet "
             "--set populations.exc.init.v.high=-59.0 -o %s/raster_csv",
             harness_root(), harness_tmpdir());
    CU_ASSERT_EQUAL_FATAL(harness_apical(args, out, sizeof out), 0);
    snprintf(path, sizeof path, "%s/raster_csv/summary.json", harness_tmpdir());
    char *text = harness_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    cJSON *j = cJSON_Parse(text);
    free(text);
    cJSON *pops = cJSON_GetObjectItemCaseSensitive(j, "populations");
    double rate[2];
    for (int i = 0; i < 2; i++)
        rate[i] =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(pops, i), "rate_hz")->valuedouble;
    cJSON_Delete(j);
    snprintf(path, sizeof path, "%s/raster_csv/raster.svg", harness_tmpdir());
    char *svg = harness_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(svg);
    int found = 0;
    for (char *q = strstr(svg, "data-rates=\""); q; q = strstr(q + 1, "data-rates=\"")) {
        char *c = q + strlen("data-rates=\""), *stop;
        double sum = 0;
        int bins = 0;
        for (double x = strtod(c, &stop); stop != c; x = strtod(c, &stop)) {
            sum += x;
            bins++;
            c = stop;
        }
        CU_ASSERT_FATAL(bins > 0);
        double mean = sum / bins;
        CU_ASSERT(fabs(mean - rate[0]) < 1e-6 * rate[0] || fabs(mean - rate[1]) < 1e-6 * rate[1]);
        found++;
    }
    CU_ASSERT_EQUAL(found, 2);
    free(svg);
}

/* ---- golden raster ---- */

struct golden {
    uint64_t hash, spikes;
};

/* FNV-1a over (stamp, population, neuron) of every spike, in the engine's order */
static int golden_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct golden *g = self;
    for (int pi = 0; pi < n->npops; pi++) {
        for (int k = 0; k < n->nthreads; k++) {
            const uint32_t *ids;
            uint32_t m = net_part_spikes(n, pi, k, step, &ids);
            for (uint32_t a = 0; a < m; a++) {
                uint64_t rec[3] = {(uint64_t)step + 1, (uint64_t)pi, ids[a]};
                const unsigned char *b = (const unsigned char *)rec;
                for (size_t i = 0; i < sizeof rec; i++)
                    g->hash = (g->hash ^ b[i]) * 0x100000001b3ULL;
                g->spikes++;
            }
        }
    }
    return 0;
}

/* Truth: tests/golden/cuba.txt, the spikes of configs/cuba.cfg (seed 1, 1 s) when the golden
 * file was made. An optimisation must leave every spike where it was; a change that moves
 * spikes on purpose (new dynamics, new random streams) regenerates the file and says why. */
static void test_golden_cuba(void)
{
    char path[1200], *text;
    snprintf(path, sizeof path, "%s/tests/golden/cuba.txt", harness_root());
    text = harness_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    unsigned long long want_spikes = 0, want_hash = 0;
    CU_ASSERT_EQUAL_FATAL(sscanf(text, "spikes %llu fnv1a64 %llx", &want_spikes, &want_hash), 2);
    free(text);
    /* one barrier per step (a spike recorder), and two (a recorder that reads state); then
     * with a team of threads that shrinks and grows at random steps (net_run's adaptation to
     * a busy machine: which thread runs a part must not move a spike) */
    for (int run = 0; run < 14; run++) {
        int threads = run < 8 ? 1 + run / 2 : 2 + (run - 8) / 2, reads_state = run % 2;
        snprintf(path, sizeof path, "%s/configs/cuba.cfg", harness_root());
        struct net_spec s;
        char *resolved = NULL;
        struct err e = {0};
        CU_ASSERT_EQUAL_FATAL(load_threads(path, threads, &s, &resolved), 0);
        struct net n;
        struct golden g = {0xcbf29ce484222325ULL, 0};
        struct recorder rec = {golden_step, &g, reads_state};
        CU_ASSERT_EQUAL(net_build(&n, &s, &e), 0);
        n.adapt_test = run < 8 ? 0 : 0x9e3779b97f4a7c15ULL * (uint64_t)run;
        CU_ASSERT_EQUAL(net_run(&n, &rec, 1, NULL, &e), 0);
        net_free(&n);
        spec_free(&s);
        free(resolved);
        if (g.spikes != want_spikes || g.hash != want_hash)
            fprintf(stderr, "\n  golden CUBA (%d threads): got spikes %llu fnv1a64 %016llx\n",
                    threads, (unsigned long long)g.spikes, (unsigned long long)g.hash);
        CU_ASSERT_EQUAL(g.spikes, want_spikes);
        CU_ASSERT_EQUAL(g.hash, want_hash);
    }
}

/* Stops the run as a signal would (at step `at`) or fails (at step `fail`), and counts what it
 * saw. */
struct stopper {
    volatile sig_atomic_t flag;
    int64_t at, fail, last, calls;
    uint64_t spikes;
};

static int stopper_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    struct stopper *st = self;
    st->calls++;
    st->last = step;
    for (int pi = 0; pi < n->npops; pi++)
        for (int k = 0; k < n->nthreads; k++) {
            const uint32_t *ids;
            st->spikes += net_part_spikes(n, pi, k, step, &ids);
        }
    if (step == st->at) st->flag = 1;
    if (step == st->fail) return err_set(e, ERR_IO, NULL, 0, "recorder", "disk full");
    return 0;
}

/* Truth: a stop requested while step s is recorded ends the run after step s + 1 (the flag is
 * read once per step, before the step's barrier, by thread 0), with every step up to there
 * recorded and the spike counts of the summary equal to the recorded spikes; resumed, the run
 * gives the golden raster's spike count. A recorder's failure ends it before any further step
 * is recorded, and the network refuses to go on. For 1 to 4 threads, one barrier and two. */
static void test_stop_and_fail(void)
{
    char path[1200], *text;
    unsigned long long golden_spikes = 0, golden_hash = 0;
    snprintf(path, sizeof path, "%s/tests/golden/cuba.txt", harness_root());
    CU_ASSERT_PTR_NOT_NULL_FATAL(text = harness_slurp(path, NULL));
    CU_ASSERT_EQUAL_FATAL(sscanf(text, "spikes %llu fnv1a64 %llx", &golden_spikes, &golden_hash),
                          2);
    free(text);
    snprintf(path, sizeof path, "%s/configs/cuba.cfg", harness_root());
    for (int run = 0; run < 28; run++) {
        /* runs 16-27: 2-4 threads whose team changes at random steps */
        int threads = run < 16 ? 1 + run / 4 : 2 + (run - 16) / 4, reads_state = run % 2,
            fail = (run / 2) % 2;
        struct net_spec s;
        char *resolved = NULL;
        struct err e = {0};
        CU_ASSERT_EQUAL_FATAL(load_threads(path, threads, &s, &resolved), 0);
        struct net n;
        struct stopper st = {0, fail ? -1 : 300, fail ? 200 : -1, -1, 0, 0};
        struct recorder rec = {stopper_step, &st, reads_state};
        CU_ASSERT_EQUAL_FATAL(net_build(&n, &s, &e), 0);
        n.adapt_test = run < 16 ? 0 : 0x2545f4914f6cdd1dULL * (uint64_t)run;
        int rc = net_run(&n, &rec, 1, &st.flag, &e);
        if (fail) {
            CU_ASSERT_EQUAL(rc, ERR_IO);
            CU_ASSERT_EQUAL(st.last, 200);
            CU_ASSERT_EQUAL(st.calls, 201);
            /* the state is past the last recorded step: no resuming */
            CU_ASSERT_EQUAL(net_run(&n, &rec, 1, &st.flag, &e), ERR_INPUT);
            CU_ASSERT_EQUAL(st.calls, 201);
        } else {
            CU_ASSERT_EQUAL(rc, ERR_INTERRUPTED);
            CU_ASSERT_EQUAL(st.last, 301);
            CU_ASSERT_EQUAL(st.calls, st.last + 1);
            CU_ASSERT_EQUAL(n.step, st.last + 1);
            uint64_t counted = 0;
            for (int pi = 0; pi < n.npops; pi++) {
                struct pop_stats ps;
                net_pop_stats(&n, pi, &ps);
                counted += ps.spikes;
            }
            CU_ASSERT_EQUAL(counted, st.spikes);
            CU_ASSERT(st.spikes > 0);
            /* resumed, the run ends with the golden raster's spike count */
            st.flag = 0;
            st.at = -1;
            CU_ASSERT_EQUAL(net_run(&n, &rec, 1, &st.flag, &e), 0);
            CU_ASSERT_EQUAL(st.calls, n.nsteps);
            CU_ASSERT_EQUAL(st.spikes, golden_spikes);
        }
        net_free(&n);
        spec_free(&s);
        free(resolved);
    }
}

/* A network with both regimes: a strong Poisson drive for the first 100 ms (inputs on most
 * neurons every step) and a weak one after; weights of both signs on one receptor, equal and
 * opposite with the same delay (sums that return to exactly zero), and several delays (lists
 * are kept for populations whose projections each have one delay). */
static const char sparse_cfg[] =
    "simulation = { dt = 0.1; duration = 300.0; seed = 3; };\n"
    "populations = (\n"
    "  { name = \"a\"; size = 3000; model = \"lif\"; tau_m = 20.0; c_m = 250.0; e_l = -70.0;\n"
    "    v_th = -55.0; v_reset = -70.0; t_ref = 2.0;\n"
    "    init = { v = { dist = \"uniform\"; low = -70.0; high = -55.0; }; }; },\n"
    "  { name = \"b\"; size = 1000; model = \"lif_cond\"; }\n"
    ");\n"
    "projections = (\n"
    "  { name = \"up\"; from = \"a\"; to = \"a\"; rule = \"fixed_probability\"; p = 0.02;\n"
    "    weight = 40.0; delay = 1.0; },\n"
    "  { name = \"down\"; from = \"a\"; to = \"a\"; rule = \"fixed_probability\"; p = 0.02;\n"
    "    weight = -40.0; delay = 1.0; },\n"
    "  { name = \"late\"; from = \"a\"; to = \"a\"; rule = \"fixed_probability\"; p = 0.01;\n"
    "    weight = 25.0; delay = 2.5; },\n"
    "  { name = \"ab\"; from = \"a\"; to = \"b\"; rule = \"fixed_probability\"; p = 0.05;\n"
    "    weight = 3.0; delay = 0.5; },\n"
    "  { name = \"ba\"; from = \"b\"; to = \"a\"; receptor = \"in\"; rule = "
    "\"fixed_probability\";\n"
    "    p = 0.05; weight = { dist = \"normal\"; mean = -50.0; std = 10.0; max = 0.0; }; delay = "
    "1.0; }\n"
    ");\n"
    "stimuli = (\n"
    "  { type = \"poisson\"; target = \"a\"; rate = 20000.0; weight = 20.0; stop = 100.0; },\n"
    "  { type = \"poisson\"; target = \"a\"; rate = 200.0; weight = 60.0; },\n"
    "  { type = \"poisson\"; target = \"b\"; rate = 500.0; weight = 2.0; }\n"
    ");\n"
    "record = { spikes = \"none\"; formats = []; raster = false; };\n";

/* Runs sparse_cfg on `threads` threads, with the input lists or (dense) without them; returns
 * the spike hash, the bits of the final state folded in, and the sparse updates taken. */
static uint64_t run_sparse_cfg(int threads, int dense, uint64_t *sparse_updates)
{
    const char *path = harness_write("sparse.cfg", sparse_cfg);
    struct net_spec s;
    char *resolved = NULL;
    struct err e = {0};
    if (load_threads(path, threads, &s, &resolved)) return 0;
    struct net n;
    struct golden g = {0xcbf29ce484222325ULL, 0};
    struct recorder rec = {golden_step, &g, 0};
    if (net_build(&n, &s, &e) == 0) {
        for (int pi = 0; dense && pi < n.npops; pi++) {
            free(n.pops[pi].touch); /* the engine then reads every slot in full */
            n.pops[pi].touch = NULL;
        }
        CU_ASSERT_EQUAL(net_run(&n, &rec, 1, NULL, &e), 0);
        for (int pi = 0; pi < n.npops; pi++)
            for (int v = 0; v < n.pops[pi].nstate; v++)
                for (uint32_t i = 0; i < n.pops[pi].n; i++) {
                    uint64_t bits;
                    memcpy(&bits, &n.pops[pi].state[v][i], sizeof bits);
                    g.hash = (g.hash ^ bits) * 0x100000001b3ULL;
                }
        *sparse_updates = 0;
        for (int k = 0; k < n.nthreads; k++) *sparse_updates += n.ctr[k].sparse_updates;
        net_free(&n);
    }
    spec_free(&s);
    free(resolved);
    return g.hash;
}

/* Truth: the dense update (every input slot read in full, as before input lists existed).
 * Reading only the listed inputs must give the same spikes and the same bits of every state
 * variable, for 1 to 3 threads, in a run that takes both paths. */
static void test_sparse_input_exact(void)
{
    uint64_t none = 0, dense_ref = run_sparse_cfg(1, 1, &none);
    CU_ASSERT_EQUAL(none, 0);
    for (int threads = 1; threads <= 3; threads++) {
        uint64_t sparse_updates = 0;
        uint64_t h = run_sparse_cfg(threads, 0, &sparse_updates);
        CU_ASSERT_EQUAL(h, dense_ref);
        /* 2 populations x 3000 steps x threads updates; both paths are taken */
        CU_ASSERT(sparse_updates > 1000 * (uint64_t)threads);
        CU_ASSERT(sparse_updates < 6000 * (uint64_t)threads);
        CU_ASSERT_EQUAL(run_sparse_cfg(threads, 1, &none), dense_ref);
    }
}

/* Truth: lists are kept for lif and lif_cond populations whose projections each have one
 * delay, and not where one projection's delays vary (the per-synapse bookkeeping costs more
 * than it saves there) nor for models without port_state. */
static void test_sparse_input_where(void)
{
    const char *path = harness_write("sparse.cfg", sparse_cfg);
    const char *sets[][2] = {
        {"simulation.threads=2", "simulation.seed=3"},
        {"simulation.threads=2", "projections.late.delay={dist=\"uniform\"; low=0.5; high=3.0;}"},
    };
    for (int c = 0; c < 2; c++) {
        struct net_spec s;
        char *resolved = NULL;
        struct err e = {0};
        CU_ASSERT_EQUAL_FATAL(cfg_load(path, sets[c], 2, &s, &resolved, &e), 0);
        struct net n;
        CU_ASSERT_EQUAL_FATAL(net_build(&n, &s, &e), 0);
        CU_ASSERT_EQUAL(n.pops[0].touch != NULL, c == 0); /* a: lif, from up, down, late, ba */
        CU_ASSERT_PTR_NOT_NULL(n.pops[1].touch);          /* b: lif_cond, from ab (0.5 ms) */
        net_free(&n);
        spec_free(&s);
        free(resolved);
    }
}

static int suite_net(void)
{
    CU_pSuite s = CU_add_suite("net", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "CUBA: identical files for 1-4 threads", test_thread_determinism);
    CU_add_test(s, "pyramidal mc_lif: identical files for 1-4 threads", test_thread_determinism_mc);
    CU_add_test(s, "CUBA spikes equal the golden raster", test_golden_cuba);
    CU_add_test(s, "a stop or a recorder failure ends the run at a whole step", test_stop_and_fail);
    CU_add_test(s, "listed (sparse) input equals the dense update, bit for bit",
                test_sparse_input_exact);
    CU_add_test(s, "input lists only where every projection has one delay",
                test_sparse_input_where);
    CU_add_test(s, "raster rates from a CSV file, by population name", test_raster_rates_from_csv);
    CU_add_test(s, "Poisson input counts", test_poisson_counts);
    CU_add_test(s, "DC stimulus window: closed form", test_dc_window);
    CU_add_test(s, "spike source from a file, relayed", test_spike_source_file);
    return 0;
}
TEST_SUITE(suite_net)
