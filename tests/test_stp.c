/* tests/test_stp: the stp rule (synapses/stp) through the real engine. Truth: the
 * Tsodyks–Markram recursion written in the test as relaxation between spikes and jumps at
 * spikes (u relaxes to 0 with tau_fac and jumps by U (1 - u) at a spike, then the spike
 * releases u x and x relaxes to 1 with tau_rec), the PSC amplitude w u x read as the jump of
 * the target's i_ex (a never-firing lif). Bad parameters are refused by the schema with file,
 * line and setting. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "io/cfg.h"
#include "neurons/lif.h"
#include "tests/harness.h"

#define DT 0.1
#define NSPK 10
#define MAXJ 64

/* One presynaptic source: NSPK spikes every period_ms from t0_ms. */
struct train {
    double t0_ms, period_ms;
};
static const struct train trains[2] = {{10.0, 50.0}, {12.5, 20.0}}; /* 20 Hz and 50 Hz */

static int64_t stamp_of(double t_ms) { return (int64_t)floor(t_ms / DT + 0.5); }

/* Truth: u x of each spike of a train, from the relaxation-and-jump form of the model. */
static void tm_recursion(double U, double u0, double x0, double tau_rec, double tau_fac,
                         const int64_t *stamp, int n, double *ux)
{
    double u = u0, x = x0; /* as the first spike finds them */
    for (int k = 0; k < n; k++) {
        if (k > 0) {
            const double h = (double)(stamp[k] - stamp[k - 1]) * DT;
            const double x_after = x - u * x; /* the previous spike released u x */
            x = 1 - (1 - x_after) * exp(-h / tau_rec);
            /* tau_fac = 0: -h / 0 is -inf and u relaxes to 0 at once */
            const double u_before = u * exp(-h / tau_fac);
            u = u_before + U * (1 - u_before);
        }
        ux[k] = u * x;
    }
}

/* ---- recording the jumps of i_ex ---- */

#define MAXPOP 4
#define MAXN 8

struct jumps {
    int npop, pop[MAXPOP]; /* the traced populations (lif) */
    double p11[MAXPOP];    /* exp(-dt / tau_syn_ex), as lif computes it */
    double prev[MAXPOP][MAXN];
    int count[MAXPOP][MAXN];
    int64_t step[MAXPOP][MAXN][MAXJ];
    double amp[MAXPOP][MAXN][MAXJ];
    double w[MAXPOP][MAXN][MAXJ]; /* the weight of the synapse from wsrc, where it arrived */
    int wproj[MAXPOP];            /* projection whose weights are read, or -1 */
};

static int jumps_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct jumps *j = self;
    for (int a = 0; a < j->npop; a++) {
        const struct pop *p = &n->pops[j->pop[a]];
        for (uint32_t i = 0; i < p->n && i < MAXN; i++) {
            const double ie = p->state[LIF_I_EX][i];
            const double jump = ie - j->p11[a] * j->prev[a][i];
            j->prev[a][i] = ie;
            if (fabs(jump) < 1e-9) continue; /* rounding of a decaying current: no input */
            int c = j->count[a][i]++;
            if (c >= MAXJ) continue;
            j->step[a][i][c] = step;
            j->amp[a][i][c] = jump;
            j->w[a][i][c] = NAN;
            if (j->wproj[a] >= 0) {
                const struct proj *pr = &n->projs[j->wproj[a]];
                for (uint64_t q = 0; q < pr->nsyn; q++)
                    if (pr->tgt[q] == i) j->w[a][i][c] = pr->w[q];
            }
        }
    }
    return 0;
}

static double rel_err(double got, double want) { return fabs(got - want) / fabs(want); }

/* ---- 1 and 3: regular trains, three parameter sets, 1 to 4 threads ---- */

struct stp_set {
    const char *name, *params; /* the population, the rule's settings */
    double U, u0, x0, tau_rec, tau_fac, w, delay_ms;
};

static const struct stp_set sets[] = {
    {"dep", "U = 0.5; tau_rec = 800.0; tau_fac = 0.0;", 0.5, 0.5, 1.0, 800.0, 0.0, 40.0, 1.0},
    {"fac", "U = 0.03; tau_rec = 100.0; tau_fac = 1000.0;", 0.03, 0.03, 1.0, 100.0, 1000.0, 250.0,
     2.5},
    /* given u0 and x0, a negative weight: the factor scales either sign */
    {"init", "U = 0.3; u0 = 0.6; x0 = 0.75; tau_rec = 200.0; tau_fac = 50.0;", 0.3, 0.6, 0.75,
     200.0, 50.0, -30.0, 0.7},
};
#define NSETS 3
#define NTGT 5

static void trains_cfg(char *text, size_t len)
{
    size_t o = 0;
    o += (size_t)snprintf(text + o, len - o,
                          "simulation = { dt = 0.1; duration = 520.0; };\n"
                          "populations = ( { name = \"pre\"; size = 2; model = \"spike_source\";\n"
                          "                  spike_times = (");
    for (int s = 0; s < 2; s++) {
        o += (size_t)snprintf(text + o, len - o, "%s[", s ? ", " : "");
        for (int k = 0; k < NSPK; k++)
            o += (size_t)snprintf(text + o, len - o, "%s%.1f", k ? ", " : "",
                                  trains[s].t0_ms + k * trains[s].period_ms);
        o += (size_t)snprintf(text + o, len - o, "]");
    }
    o += (size_t)snprintf(text + o, len - o, "); }");
    for (int c = 0; c < NSETS; c++)
        o += (size_t)snprintf(text + o, len - o,
                              ",\n  { name = \"%s\"; size = %d; model = \"lif\"; v_th = 9000.0;"
                              " tau_syn_ex = 0.5; }",
                              sets[c].name, NTGT);
    o += (size_t)snprintf(text + o, len - o, " );\nprojections = (");
    for (int c = 0; c < NSETS; c++)
        o += (size_t)snprintf(text + o, len - o,
                              "%s\n  { from = \"pre\"; to = \"%s\"; rule = \"all_to_all\";"
                              " weight = %.1f; delay = %.1f;\n"
                              "    plasticity = { rule = \"stp\"; %s }; }",
                              c ? "," : "", sets[c].name, sets[c].w, sets[c].delay_ms,
                              sets[c].params);
    snprintf(text + o, len - o, " );\nrecord = { spikes = \"none\"; raster = false; };\n");
}

static struct jumps *run_trains(int threads)
{
    char text[4096], tset[64];
    trains_cfg(text, sizeof text);
    snprintf(tset, sizeof tset, "simulation.threads=%d", threads);
    const char *sv[] = {tset};
    struct jumps *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->npop = NSETS;
    for (int c = 0; c < NSETS; c++) {
        j->pop[c] = 1 + c;
        j->p11[c] = exp(-DT / 0.5);
        j->wproj[c] = -1;
    }
    if (harness_run_net("stp_trains.cfg", text, sv, 1, jumps_step, j)) {
        free(j);
        return NULL;
    }
    return j;
}

/* Truth: every target of every set receives, at step S - 1 + delay of each presynaptic spike
 * stamped S (both trains merged in time), w u x with u x from tm_recursion, to 1e-12. */
static void check_trains(const struct jumps *j)
{
    int64_t stamp[2][NSPK];
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < NSPK; k++)
            stamp[s][k] = stamp_of(trains[s].t0_ms + k * trains[s].period_ms);
    for (int c = 0; c < NSETS; c++) {
        const struct stp_set *p = &sets[c];
        double ux[2][NSPK];
        for (int s = 0; s < 2; s++)
            tm_recursion(p->U, p->u0, p->x0, p->tau_rec, p->tau_fac, stamp[s], NSPK, ux[s]);
        const int64_t d = stamp_of(p->delay_ms);
        for (int i = 0; i < NTGT; i++) {
            CU_ASSERT_EQUAL_FATAL(j->count[c][i], 2 * NSPK);
            int k0 = 0, k1 = 0;
            double worst = 0;
            for (int e = 0; e < 2 * NSPK; e++) {
                /* the earlier of the two trains' next spikes (they never share a stamp) */
                const int s = k1 >= NSPK || (k0 < NSPK && stamp[0][k0] < stamp[1][k1]) ? 0 : 1;
                const int k = s ? k1++ : k0++;
                CU_ASSERT_EQUAL(j->step[c][i][e], stamp[s][k] - 1 + d);
                const double want = p->w * ux[s][k], err = rel_err(j->amp[c][i][e], want);
                if (err > worst) worst = err;
            }
            CU_ASSERT(worst < 1e-12);
            if (!(worst < 1e-12))
                fprintf(stderr, "stp %s target %d: relative error %g\n", p->name, i, worst);
        }
    }
    /* not vacuous: depression halves and more, facilitation grows the amplitude */
    double ux[NSPK];
    tm_recursion(0.5, 0.5, 1.0, 800.0, 0.0, stamp[1], NSPK, ux);
    CU_ASSERT(ux[NSPK - 1] < 0.3 * ux[0]);
    tm_recursion(0.03, 0.03, 1.0, 100.0, 1000.0, stamp[1], NSPK, ux);
    CU_ASSERT(ux[NSPK - 1] > 3 * ux[0]);
}

static void test_stp_trains(void)
{
    struct jumps *ref = run_trains(1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    check_trains(ref);
    for (int t = 2; t <= 4; t++) {
        struct jumps *j = run_trains(t);
        CU_ASSERT_PTR_NOT_NULL_FATAL(j);
        check_trains(j);
        /* and the same bits as one thread */
        CU_ASSERT(memcmp(j->count, ref->count, sizeof ref->count) == 0);
        CU_ASSERT(memcmp(j->step, ref->step, sizeof ref->step) == 0);
        CU_ASSERT(memcmp(j->amp, ref->amp, sizeof ref->amp) == 0);
        free(j);
    }
    free(ref);
}

/* ---- 2: stp under stdp ---- */

/* Truth: with plasticity = ( stp, stdp ) the target firing (i_e drives it), each arrival
 * delivers the weight stdp has just set (read from the engine where the spike arrives: it
 * changes only when the next presynaptic spike is delivered) times u x from tm_recursion. */
static void check_under_stdp(int stp_first)
{
    char text[2048];
    const char *stp = "{ rule = \"stp\"; U = 0.2; tau_rec = 300.0; tau_fac = 200.0; }";
    const char *stdp = "{ rule = \"stdp\"; lambda = 0.05; alpha = 1.1; mu_plus = 0.0;"
                       " mu_minus = 0.0; w_max = 100.0; }";
    snprintf(
        text, sizeof text,
        "simulation = { dt = 0.1; duration = 520.0; };\n"
        "populations = ( { name = \"pre\"; size = 1; model = \"spike_source\";\n"
        "    spike_times = ( [10.0, 60.0, 110.0, 160.0, 210.0, 260.0, 310.0, 360.0, 410.0,"
        " 460.0] ); },\n"
        "  { name = \"post\"; size = 3; model = \"lif\"; i_e = 600.0; tau_syn_ex = 0.5; } );\n"
        "projections = ( { from = \"pre\"; to = \"post\"; rule = \"all_to_all\"; weight = 50.0;"
        " delay = 1.0;\n"
        "    plasticity = ( %s, %s ); } );\n"
        "record = { spikes = \"none\"; raster = false; };\n",
        stp_first ? stp : stdp, stp_first ? stdp : stp);
    struct jumps *j = calloc(1, sizeof *j);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    j->npop = 1;
    j->pop[0] = 1;
    j->p11[0] = exp(-DT / 0.5);
    j->wproj[0] = 0;
    const char *sv[] = {"simulation.threads=3"}; /* a part per target */
    CU_ASSERT_EQUAL_FATAL(harness_run_net("stp_stdp.cfg", text, sv, 1, jumps_step, j), 0);
    int64_t stamp[NSPK];
    for (int k = 0; k < NSPK; k++) stamp[k] = stamp_of(10.0 + 50.0 * k);
    double ux[NSPK];
    tm_recursion(0.2, 0.2, 1.0, 300.0, 200.0, stamp, NSPK, ux);
    int changed = 0;
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL_FATAL(j->count[0][i], NSPK);
        double worst = 0;
        for (int k = 0; k < NSPK; k++) {
            CU_ASSERT_EQUAL(j->step[0][i][k], stamp[k] - 1 + 10);
            const double w = j->w[0][i][k];
            CU_ASSERT(w >= 0 && w <= 100);
            changed += w != 50.0f;
            const double err = rel_err(j->amp[0][i][k], w * ux[k]);
            if (err > worst) worst = err;
        }
        CU_ASSERT(worst < 1e-12);
        if (!(worst < 1e-12)) fprintf(stderr, "stp under stdp: relative error %g\n", worst);
    }
    CU_ASSERT(changed >= 3 * (NSPK - 2)); /* stdp did move the weights */
    free(j);
}

static void test_stp_under_stdp(void)
{
    check_under_stdp(1);
    check_under_stdp(0);
}

/* ---- 4: bad input ---- */

/* Truth: the config's own text: the offending setting is on line 7, after the rule's name. */
static void expect_refused(const char *rule, const char *key)
{
    char text[1024];
    snprintf(
        text, sizeof text,
        "simulation = { dt = 0.1; duration = 10.0; };\n"
        "populations = ( { name = \"pre\"; size = 1; model = \"spike_source\";"
        " spike_times = ( [1.0] ); },\n"
        "  { name = \"post\"; size = 1; model = \"lif\"; } );\n"
        "projections = ( { name = \"pp\"; from = \"pre\"; to = \"post\"; rule = \"all_to_all\";"
        " weight = 1.0;\n"
        "    plasticity =\n"
        "      %s; } );\n",
        rule);
    const char *path = harness_write("stp_bad.cfg", text);
    struct net_spec s;
    char *resolved = NULL;
    struct err e = {0};
    int rc = cfg_load(path, NULL, 0, &s, &resolved, &e);
    CU_ASSERT_EQUAL(rc, ERR_INPUT);
    if (rc == 0) {
        spec_free(&s);
        free(resolved);
        return;
    }
    char want[128];
    snprintf(want, sizeof want, "projections.pp.plasticity%s.%s", rule[0] == '(' ? ".[0]" : "",
             key);
    HARNESS_EXPECT(!strcmp(e.path, want), want, e.path);
    HARNESS_EXPECT(e.line == 7, rule, e.msg);
    free(resolved);
}

static void test_stp_bad_input(void)
{
    expect_refused("{ rule = \"stp\";\n        tau_rec = 0.0; }", "tau_rec");
    expect_refused("{ rule = \"stp\";\n        tau_rec = -5.0; }", "tau_rec");
    expect_refused("{ rule = \"stp\";\n        U = 0.0; }", "U");
    expect_refused("{ rule = \"stp\";\n        U = 1.5; }", "U");
    expect_refused("{ rule = \"stp\";\n        U = -0.2; }", "U");
    expect_refused("{ rule = \"stp\";\n        u0 = 1.2; }", "u0");
    expect_refused("{ rule = \"stp\";\n        x0 = -0.1; }", "x0");
    expect_refused("{ rule = \"stp\";\n        tau_fac = -1.0; }", "tau_fac");
    expect_refused("{ rule = \"stp\";\n        tau_facil = 10.0; }", "tau_facil");
    expect_refused("( { rule = \"stp\";\n        U = 2.0; }, { rule = \"stdp\"; } )", "U");
    /* U = 1 is allowed: the edge of (0, 1] */
    char text[1024];
    snprintf(
        text, sizeof text,
        "simulation = { dt = 0.1; duration = 10.0; };\n"
        "populations = ( { name = \"pre\"; size = 1; model = \"spike_source\";"
        " spike_times = ( [1.0] ); },\n"
        "  { name = \"post\"; size = 1; model = \"lif\"; } );\n"
        "projections = ( { from = \"pre\"; to = \"post\"; rule = \"all_to_all\"; weight = 1.0;\n"
        "    plasticity = { rule = \"stp\"; U = 1.0; tau_fac = 0.0; }; } );\n");
    CU_ASSERT_EQUAL(harness_run_net("stp_ok.cfg", text, NULL, 0, NULL, NULL), 0);

    /* through the program: exit 2 with file, line and setting */
    snprintf(
        text, sizeof text,
        "simulation = { dt = 0.1; duration = 10.0; };\n"
        "populations = ( { name = \"pre\"; size = 1; model = \"spike_source\";"
        " spike_times = ( [1.0] ); },\n"
        "  { name = \"post\"; size = 1; model = \"lif\"; } );\n"
        "projections = ( { name = \"pp\"; from = \"pre\"; to = \"post\"; rule = \"all_to_all\";"
        " weight = 1.0;\n"
        "    plasticity = { rule = \"stp\";\n"
        "                   tau_rec = -1.0; }; } );\n");
    const char *path = harness_write("stp_bad_cli.cfg", text);
    char args[2048], out[4096];
    snprintf(args, sizeof args, "run %s -o %s", path, harness_path("stp_bad_out"));
    const int rc = harness_apical(args, out, sizeof out);
    HARNESS_EXPECT(rc == 2, "exit status", out);
    HARNESS_EXPECT(strstr(out, "stp_bad_cli.cfg:6") != NULL, "file and line", out);
    HARNESS_EXPECT(strstr(out, "projections.pp.plasticity.tau_rec") != NULL, "setting", out);
}

static int suite_stp(void)
{
    CU_pSuite s = CU_add_suite("stp", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s,
                "regular trains: PSC amplitudes equal the Tsodyks-Markram recursion, 1-4 threads",
                test_stp_trains);
    CU_add_test(s, "stp under stdp: the stdp weight times u x", test_stp_under_stdp);
    CU_add_test(s, "bad parameters: the setting, its file and line", test_stp_bad_input);
    return 0;
}
TEST_SUITE(suite_stp)
