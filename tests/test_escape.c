/* tests/test_escape: mc_lif's escape-noise spiking (spiking = "escape") against the statistics
 * of independent Bernoulli trials with p = 1 - exp(-phi(u) dt) per step, phi computed here from
 * Urbanczik & Senn's formula with NEST's pp_cond_exp_mc_urbanczik defaults written out (binomial
 * counts, geometric intervals, the hazard after a dead time or a reset); the same spikes for 1
 * to 4 threads and other spikes for another seed; the settings it refuses (exit 2, file, line,
 * setting) and the trainer's refusal of an escape-noise layer. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "neurons/mc_lif.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

/* NEST's defaults (models/pp_cond_exp_mc_urbanczik.cpp): phi_max 0.15 /ms, rate_slope 0.5,
 * beta 1/3 /mV, theta -55 mV; the rate in 1/ms */
static double phi(double u) { return 0.15 / (1.0 + 0.5 * exp((-55.0 - u) / 3.0)); }
static double p_step(double u, double dt) { return -expm1(-phi(u) * dt); }

enum { NPOP = 5, NN = 2000, T = 2000, MAXK = T };
#define DT 1.0

/* Per population: spike counts per neuron, the last spike's step, intervals (in steps)
 * histogrammed, and what the hazard and clamp checks need. */
struct esc_rec {
    uint32_t count[NPOP][NN];
    int64_t last[NPOP][NN];
    uint64_t isi[NPOP][MAXK + 1];
    uint64_t short_isi[NPOP]; /* intervals inside the dead time: must stay 0 */
    uint64_t eligible[NPOP];  /* spikes whose first step after the dead time is in the run */
    uint64_t hits[NPOP];      /* ... and that spiked again exactly then */
    int dead[NPOP];           /* t_ref in steps */
    double want_v[NPOP];      /* potential held (escape_reset = "none") or clamped to */
    double max_dev[NPOP];     /* largest |v - want_v| where it must hold */
    int clamp[NPOP];
};

static int esc_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct esc_rec *r = self;
    for (int pi = 0; pi < NPOP; pi++) {
        const double *v = n->pops[pi].state[MC_V];
        for (int k = 0; k < n->nthreads; k++) {
            const uint32_t *ids;
            uint32_t m = net_part_spikes(n, pi, k, step, &ids);
            for (uint32_t a = 0; a < m; a++) {
                uint32_t i = ids[a];
                r->count[pi][i]++;
                int64_t last = r->last[pi][i], gap = step - last;
                if (last >= 0) {
                    r->isi[pi][gap <= MAXK ? gap : MAXK]++;
                    r->short_isi[pi] += gap <= r->dead[pi];
                    r->hits[pi] += gap == r->dead[pi] + 1;
                }
                r->eligible[pi] += step + r->dead[pi] + 1 <= T - 1;
                r->last[pi][i] = step;
            }
        }
        /* "none": every soma stays at its rest; "clamp": at v_reset from the spike's step to
         * the end of its dead time */
        for (uint32_t i = 0; i < NN; i++) {
            int64_t since = r->last[pi][i] < 0 ? -1 : step - r->last[pi][i];
            if (r->clamp[pi] && !(since >= 0 && since <= r->dead[pi])) continue;
            double dev = fabs(v[i] - r->want_v[pi]);
            if (dev > r->max_dev[pi]) r->max_dev[pi] = dev;
        }
    }
    return 0;
}

/* Populations 0-2: somata held at -65, -55 and -45 mV (e_l, no input, no reset, no dead time).
 * 3: at -45 mV with a dead time of 10 steps, not reset. 4: at -45 mV, reset to -55 mV and
 * clamped there for 5 steps. A step of 1 ms makes phi dt large (0.15 at -45 mV), so that
 * 1 - exp(-phi dt) and phi dt differ by many standard errors. */
static const char esc_cfg[] =
    "simulation = { dt = 1.0; duration = 2000.0; seed = 7; };\n"
    "populations = (\n"
    "  { name = \"a\"; size = 2000; model = \"mc_lif\"; spiking = \"escape\"; escape_reset = "
    "\"none\"; t_ref = 0.0;\n"
    "    compartments = ( { name = \"soma\"; e_l = -65.0; } ); },\n"
    "  { name = \"b\"; size = 2000; model = \"mc_lif\"; spiking = \"escape\"; escape_reset = "
    "\"none\"; t_ref = 0.0;\n"
    "    compartments = ( { name = \"soma\"; e_l = -55.0; } ); },\n"
    "  { name = \"c\"; size = 2000; model = \"mc_lif\"; spiking = \"escape\"; escape_reset = "
    "\"none\"; t_ref = 0.0;\n"
    "    compartments = ( { name = \"soma\"; e_l = -45.0; } ); },\n"
    "  { name = \"d\"; size = 2000; model = \"mc_lif\"; spiking = \"escape\"; escape_reset = "
    "\"none\"; t_ref = 10.0;\n"
    "    compartments = ( { name = \"soma\"; e_l = -45.0; } ); },\n"
    "  { name = \"e\"; size = 2000; model = \"mc_lif\"; spiking = \"escape\"; v_reset = -55.0; "
    "t_ref = 5.0;\n"
    "    compartments = ( { name = \"soma\"; e_l = -45.0; } ); } );\n"
    "record = { spikes = \"none\"; raster = false; };\n";

/* Chi-square of the intervals seen whole in the run against their expected numbers:
 * N (T - k) p^2 (1 - p)^(k-1) intervals of k steps (a pair of spikes k apart, none between, at
 * one of T - k places), in bins of at least 50 expected; passes below df + 5 sqrt(2 df). */
static void check_geometric(const uint64_t *isi, double p, const char *what)
{
    double chi2 = 0, o = 0, x = 0;
    int df = 0;
    for (int k = 1; k < T; k++) {
        o += (double)isi[k];
        x += NN * (double)(T - k) * p * p * pow(1 - p, k - 1);
        if (x >= 50 || k == T - 1) {
            chi2 += (o - x) * (o - x) / x;
            df++;
            o = x = 0;
        }
    }
    char msg[320];
    snprintf(msg, sizeof msg, "%s: intervals chi2 %.1f, %d bins", what, chi2, df);
    EXPECT(df >= 5 && chi2 < df + 5 * sqrt(2.0 * df), msg, NULL);
}

/* Truth: with the soma held at u and no dead time, each neuron's count over T steps is
 * Binomial(T, p), p = 1 - exp(-phi(u) dt): the mean of N counts within 5 standard errors of
 * T p, their variance within 5 of its own standard errors of T p (1 - p); intervals geometric
 * (check_geometric). With a dead time of R steps (not reset), no interval is R steps or shorter
 * and the first step after it spikes with p; reset to v_reset and clamped for R steps, the soma
 * sits at v_reset through them, and the step after spikes with p(u1), u1 = e_l + (v_reset - e_l)
 * exp(-dt g_l / c_m) the free step from v_reset. */
static void test_clamped_soma_statistics(void)
{
    static struct esc_rec r;
    memset(&r, 0, sizeof r);
    memset(r.last, 0xff, sizeof r.last); /* -1 */
    const double held[NPOP] = {-65.0, -55.0, -45.0, -45.0, -55.0};
    const int dead[NPOP] = {0, 0, 0, 10, 5};
    for (int pi = 0; pi < NPOP; pi++) {
        r.want_v[pi] = held[pi];
        r.dead[pi] = dead[pi];
        r.clamp[pi] = pi == 4;
    }
    CU_ASSERT_EQUAL_FATAL(harness_run_net("esc.cfg", esc_cfg, NULL, 0, esc_step, &r), 0);
    char msg[200];
    for (int pi = 0; pi < 3; pi++) {
        const double p = p_step(held[pi], DT), mu = T * p, var = T * p * (1 - p);
        double sum = 0, sq = 0;
        for (int i = 0; i < NN; i++) sum += r.count[pi][i];
        const double mean = sum / NN;
        for (int i = 0; i < NN; i++) sq += (r.count[pi][i] - mean) * (r.count[pi][i] - mean);
        const double s2 = sq / (NN - 1);
        /* the sample variance's variance: (mu4 - var^2 (N-3)/(N-1)) / N, with the binomial's
         * fourth central moment mu4 = var^2 (3 + (1 - 6 p (1 - p)) / var) */
        const double mu4 = var * var * (3 + (1 - 6 * p * (1 - p)) / var);
        const double sd_s2 = sqrt((mu4 - var * var * (NN - 3.0) / (NN - 1.0)) / NN);
        snprintf(msg, sizeof msg, "u = %g mV: mean %.4f (want %.4f), variance %.4f (want %.4f)",
                 held[pi], mean, mu, s2, var);
        EXPECT(fabs(mean - mu) < 5 * sqrt(var / NN), msg, NULL);
        EXPECT(fabs(s2 - var) < 5 * sd_s2, msg, NULL);
        EXPECT(r.max_dev[pi] < 1e-9, "the soma stays where it is held", NULL);
        snprintf(msg, sizeof msg, "u = %g mV", held[pi]);
        check_geometric(r.isi[pi], p, msg);
    }
    /* the three rates are far apart (-65 mV fires ~20, -45 mV ~270 times per neuron), and the
     * counts tell p from phi dt: at -45 mV they differ by ~20 spikes, the standard error of the
     * mean is 0.34 */
    CU_ASSERT(p_step(-65, DT) < 0.2 * p_step(-45, DT));
    CU_ASSERT(T * (phi(-45) * DT - p_step(-45, DT)) > 50 * sqrt(T * p_step(-45, DT) / NN));
    for (int pi = 3; pi < NPOP; pi++) {
        const double u1 = pi == 3 ? -45.0 : -45.0 + (-55.0 + 45.0) * exp(-DT * 10.0 / 200.0);
        const double p = p_step(u1, DT), n = (double)r.eligible[pi];
        snprintf(msg, sizeof msg, "%s: %llu of %.0f spiked right after the dead time (want %.1f)",
                 pi == 3 ? "dead time" : "reset", (unsigned long long)r.hits[pi], n, n * p);
        EXPECT(n > 10000 && fabs((double)r.hits[pi] - n * p) < 5 * sqrt(n * p * (1 - p)), msg,
               NULL);
        EXPECT(r.short_isi[pi] == 0, "no spike inside the dead time", NULL);
        EXPECT(r.max_dev[pi] < 1e-9, pi == 3 ? "not reset" : "clamped at v_reset", NULL);
    }
    /* the reset is seen: p(u1) differs from p(-45 mV) by far more than the noise */
    CU_ASSERT(p_step(-45, DT) > 1.3 * p_step(-45.0 - 10.0 * exp(-DT * 10.0 / 200.0), DT));
}

/* Spikes of every population hashed (FNV-1a of step and id), with their count. */
struct esc_hash {
    uint64_t h, n;
};

static int hash_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct esc_hash *hs = self;
    for (int pi = 0; pi < n->npops; pi++)
        for (int k = 0; k < n->nthreads; k++) {
            const uint32_t *ids;
            uint32_t m = net_part_spikes(n, pi, k, step, &ids);
            for (uint32_t a = 0; a < m; a++) {
                uint64_t rec[3] = {(uint64_t)pi, (uint64_t)step, ids[a]};
                const unsigned char *b = (const unsigned char *)rec;
                for (size_t i = 0; i < sizeof rec; i++) hs->h = (hs->h ^ b[i]) * 0x100000001b3ULL;
                hs->n++;
            }
        }
    return 0;
}

/* Two-compartment somata with Poisson input into the dendrite (current and conductance
 * synapses), clamped after escape spikes; sizes that cut the 64-neuron blocks unevenly. */
static const char thr_cfg[] =
    "simulation = { dt = 0.1; duration = 100.0; seed = 1; };\n"
    "populations = (\n"
    "  { name = \"cur\"; size = 301; model = \"mc_lif\"; spiking = \"escape\"; t_ref = 2.0;\n"
    "    compartments = ( { name = \"soma\"; }, { name = \"dend\"; g_c = 20.0; } ); },\n"
    "  { name = \"cond\"; size = 203; model = \"mc_lif\"; spiking = \"escape\"; synapse = "
    "\"conductance\";\n"
    "    escape_reset = \"none\"; compartments = ( { name = \"soma\"; }, { name = \"dend\"; } ); } "
    ");\n"
    "stimuli = (\n"
    "  { name = \"s1\"; type = \"poisson\"; target = \"cur\"; compartment = \"dend\"; rate = "
    "4000.0;"
    " weight = 60.0; },\n"
    "  { name = \"s2\"; type = \"poisson\"; target = \"cond\"; compartment = \"dend\"; rate = "
    "4000.0; weight = 2.0; } );\n"
    "record = { spikes = \"none\"; raster = false; };\n";

/* Truth: a draw is a function of (seed, population, neuron, step) alone, so the spikes are the
 * same bits for 1, 2, 3 and 4 threads; another seed gives other spikes. */
static void test_threads_and_seed(void)
{
    struct esc_hash ref = {0};
    for (int t = 1; t <= 4; t++) {
        char set[64];
        snprintf(set, sizeof set, "simulation.threads=%d", t);
        const char *sets[] = {set};
        struct esc_hash hs = {0xcbf29ce484222325ULL, 0};
        CU_ASSERT_EQUAL_FATAL(harness_run_net("esc_thr.cfg", thr_cfg, sets, 1, hash_step, &hs), 0);
        if (t == 1) {
            ref = hs;
            char msg[64];
            snprintf(msg, sizeof msg, "%llu spikes", (unsigned long long)hs.n);
            EXPECT(hs.n > 1000, msg, NULL);
        } else {
            char msg[96];
            snprintf(msg, sizeof msg, "%d threads: %llu spikes (1 thread: %llu)", t,
                     (unsigned long long)hs.n, (unsigned long long)ref.n);
            EXPECT(hs.h == ref.h && hs.n == ref.n, msg, NULL);
        }
    }
    const char *sets[] = {"simulation.seed=2", "simulation.threads=2"};
    struct esc_hash other = {0xcbf29ce484222325ULL, 0};
    CU_ASSERT_EQUAL_FATAL(harness_run_net("esc_thr.cfg", thr_cfg, sets, 2, hash_step, &other), 0);
    EXPECT(other.h != ref.h && other.n > 1000, "another seed, other spikes", NULL);
}

/* Truth: the documented error format (FILE:LINE: SETTING: message, exit 2) for a bad value and
 * for settings of one spiking mode used in the other, which do nothing and so are refused. */
static void test_bad_settings(void)
{
    static const struct {
        const char *line3, *want, *also;
    } cases[] = {
        {"spiking = \"escape\"; phi_max = -0.1;",
         "esc_bad.cfg:3: populations.p.phi_max:", "out of range"},
        {"spiking = \"escape\"; rate_slope = -1.0;",
         "esc_bad.cfg:3: populations.p.rate_slope:", "out of range"},
        {"spiking = \"escape\"; beta_escape = -0.5;",
         "esc_bad.cfg:3: populations.p.beta_escape:", "out of range"},
        {"spiking = \"poisson\";",
         "esc_bad.cfg:3: populations.p.spiking:", "unknown choice \"poisson\""},
        {"phi_max = 0.2;", "esc_bad.cfg:3: populations.p.phi_max:", "spiking = \"escape\""},
        {"spiking = \"threshold\"; theta_escape = -50.0;",
         "esc_bad.cfg:3: populations.p.theta_escape:", "spiking = \"escape\""},
        {"escape_reset = \"none\";",
         "esc_bad.cfg:3: populations.p.escape_reset:", "spiking = \"escape\""},
        {"spiking = \"escape\"; v_th = -40.0;",
         "esc_bad.cfg:3: populations.p.v_th:", "no threshold"},
        {"spiking = \"escape\"; escape_reset = \"none\"; v_reset = -60.0;",
         "esc_bad.cfg:3: populations.p.v_reset:", "not reset"},
    };
    char text[1024], args[1400], out[4096];
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        snprintf(text, sizeof text,
                 "simulation = { dt = 0.1; duration = 10.0; };\n"
                 "populations = ( { name = \"p\"; size = 2; model = \"mc_lif\";\n"
                 "  %s\n"
                 "  compartments = ( { name = \"soma\"; } ); } );\n",
                 cases[k].line3);
        snprintf(args, sizeof args, "check %s", harness_write("esc_bad.cfg", text));
        int rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 2 && strstr(out, cases[k].want) && strstr(out, cases[k].also), cases[k].line3,
               out);
    }
    /* and the good ones pass: escape with its settings, threshold without them */
    static const char *const good[] = {
        "spiking = \"escape\"; phi_max = 0.3; rate_slope = 0.0; beta_escape = 0.2; "
        "theta_escape = -50.0; v_reset = -60.0; t_ref = 3.0;",
        "spiking = \"escape\"; escape_reset = \"none\"; t_ref = 0.0;",
        "spiking = \"threshold\"; v_th = -52.0;",
    };
    for (size_t k = 0; k < sizeof good / sizeof *good; k++) {
        snprintf(text, sizeof text,
                 "simulation = { dt = 0.1; duration = 10.0; };\n"
                 "populations = ( { name = \"p\"; size = 2; model = \"mc_lif\";\n"
                 "  %s\n"
                 "  compartments = ( { name = \"soma\"; } ); } );\n",
                 good[k]);
        snprintf(args, sizeof args, "check %s", harness_write("esc_good.cfg", text));
        EXPECT(harness_apical(args, out, sizeof out) == 0, good[k], out);
    }
}

/* Truth: docs/learning.md's refusals: a trained layer's spikes are its threshold crossings
 * (the surrogate's soft step), so the trainer refuses an escape-noise layer, naming the
 * setting, through the model's linear hook and through `apical train` (exit 2). */
static void test_trainer_refuses(void)
{
    double p[NRN_MAX_PARAMS];
    for (int i = 0; i < mc_lif_ops.nparams; i++) p[i] = mc_lif_ops.params[i].def;
    p[MC_T_REF] = 0;
    p[MC_SPIKING] = MC_SPIKE_ESCAPE;
    struct nrn_shape sh;
    nrn_shape_point(&sh);
    for (int k = 0; k < mc_lif_ops.ncparams; k++) sh.cparams[0][k] = mc_lif_ops.cparams[k].def;
    struct nrn_linear l;
    struct err e = {0};
    CU_ASSERT_EQUAL(mc_lif_ops.linear(p, &sh, 0, 1.0, &l, &e), ERR_INPUT);
    CU_ASSERT_STRING_EQUAL(e.path, "spiking");
    p[MC_SPIKING] = MC_SPIKE_THRESHOLD;
    CU_ASSERT_EQUAL(mc_lif_ops.linear(p, &sh, 0, 1.0, &l, &e), 0);

    static const char cfg[] =
        "simulation = { dt = 1.0; duration = 20.0; seed = 1; };\n"
        "populations = ( { name = \"in\"; size = 4; model = \"spike_source\"; },\n"
        "  { name = \"hid\"; size = 8; model = \"mc_lif\"; t_ref = 0.0;\n"
        "    spiking = \"escape\";\n"
        "    compartments = ( { name = \"soma\"; c_m = 200.0; g_l = 20.0; tau_syn_ex = 3.0; } ); "
        "},\n"
        "  { name = \"out\"; size = 2; model = \"li\"; c_m = 200.0; tau_m = 10.0; e_l = -70.0;\n"
        "    tau_syn_ex = 3.0; } );\n"
        "projections = (\n"
        "  { name = \"w_in\"; from = \"in\"; to = \"hid\"; rule = \"all_to_all\"; weight = 20.0; "
        "},\n"
        "  { name = \"w_out\"; from = \"hid\"; to = \"out\"; rule = \"all_to_all\"; weight = 10.0; "
        "} "
        ");\n"
        "learning = { rule = \"bptt\"; surrogate = { shape = \"fast_sigmoid\"; beta = 0.5; };\n"
        "  optimizer = { type = \"adam\"; lr = 1.0; }; batch = 4; epochs = 1; };\n"
        "data = { set = \"xor\"; train = 16; };\n"
        "encoder = { type = \"current\"; gain = 1.0; };\n";
    static char out[16384];
    char args[1400];
    snprintf(args, sizeof args, "train %s -o %s --quiet", harness_write("esc_train.cfg", cfg),
             harness_path("esc_train"));
    int rc = harness_apical(args, out, sizeof out);
    EXPECT(rc == 2 && strstr(out, "esc_train.cfg") && strstr(out, "populations.hid.spiking") &&
               strstr(out, "escape noise") && strstr(out, "spiking = \"threshold\""),
           "trainer refuses an escape-noise layer", out);
    EXPECT(!harness_exists(harness_path("esc_train/summary.json")), "no summary written", out);
}

static int suite_escape(void)
{
    CU_pSuite s = CU_add_suite("escape", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "clamped soma: binomial counts, geometric intervals, dead time, reset",
                test_clamped_soma_statistics);
    CU_add_test(s, "same spikes for 1-4 threads, others for another seed", test_threads_and_seed);
    CU_add_test(s, "bad settings exit 2 naming file, line, setting", test_bad_settings);
    CU_add_test(s, "the trainer refuses an escape-noise layer", test_trainer_refuses);
    return 0;
}
TEST_SUITE(suite_escape)
