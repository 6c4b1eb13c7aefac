/* tests/test_li: neurons/li against closed forms of its linear ODE: the PSP of one delayed input
 * spike (a difference of exponentials, to 1e-12 mV) through the engine and through `apical run`'s
 * traces.csv, the response to a huge constant current (no spike, however far v goes), and its
 * report of a non-finite potential. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "neurons/li.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

/* v - e_l after a current jump w (pA) at t = 0, for t > 0: (w/c) tau_s tau_m / (tau_m - tau_s)
 * (e^{-t/tau_m} - e^{-t/tau_s}), and (w/c) t e^{-t/tau} when tau_s = tau_m. */
static double psp(double t, double w, double c, double tm, double ts)
{
    if (t <= 0) return 0;
    if (tm == ts) return w / c * t * exp(-t / tm);
    return w / c * ts * tm / (tm - ts) * (exp(-t / tm) - exp(-t / ts));
}

struct vrec {
    int n;
    uint64_t spikes;
    double v[1000];
};

static int vrec_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct vrec *r = self;
    if (step < 1000) r->v[step] = n->pops[1].state[LI_V][0];
    r->n = (int)step + 1;
    const uint32_t *ids;
    for (int k = 0; k < n->nthreads; k++) r->spikes += net_part_spikes(n, 1, k, step, &ids);
    return 0;
}

static const char psp_cfg[] =
    "simulation = { dt = 0.1; duration = 60.0; seed = 3; threads = 1; };\n"
    "populations = (\n"
    "  { name = \"src\"; size = 1; model = \"spike_source\"; spike_times = ( [1.0] ); },\n"
    "  { name = \"out\"; size = 1; model = \"li\"; c_m = 250.0; tau_m = 10.0; e_l = -70.0;\n"
    "    tau_syn_ex = 2.0; tau_syn_in = 10.0; }\n"
    ");\n"
    "projections = ( { name = \"p\"; from = \"src\"; to = \"out\"; rule = \"all_to_all\";\n"
    "    weight = 100.0; delay = 2.0; receptor = \"ex\"; } );\n"
    "record = { spikes = \"none\"; raster = false; };\n";

/* Truth: the closed form above from the arrival t_a = spike + delay = 3 ms: the input is added
 * at the end of the step that ends at t_a, so v moves from the next step on, never before. A
 * weight of 10^7 pA (v 2000 mV above rest) is no spike either. */
static void test_psp_through_engine(void)
{
    static struct vrec r;
    const char *variants[][2] = {
        {"populations.out.tau_syn_ex=2.0", "projections.p.receptor=\"ex\""},
        {"populations.out.tau_syn_ex=10.0", "projections.p.receptor=\"ex\""},
        {"populations.out.tau_syn_in=5.0", "projections.p.receptor=\"in\""},
        {"projections.p.weight=1e7", "projections.p.receptor=\"ex\""}};
    const double tau_s[] = {2.0, 10.0, 5.0, 2.0}, w[] = {100.0, 100.0, 100.0, 1e7};
    for (int k = 0; k < 4; k++) {
        memset(&r, 0, sizeof r);
        CU_ASSERT_EQUAL_FATAL(harness_run_net("li.cfg", psp_cfg, variants[k], 2, vrec_step, &r), 0);
        CU_ASSERT_EQUAL(r.n, 600);
        double worst = 0;
        for (int i = 0; i < r.n; i++) {
            double t = (i + 1) * 0.1, truth = -70.0 + psp(t - 3.0, w[k], 250.0, 10.0, tau_s[k]);
            if (t <= 3.0 + 1e-9) CU_ASSERT_EQUAL(r.v[i], -70.0);
            worst = fmax(worst, fabs(r.v[i] - truth) / fmax(1.0, fabs(truth + 70.0)));
        }
        fprintf(stderr, "  tau_syn %g ms, w %g pA: worst %.2g (mV; relative above 1 mV)\n",
                tau_s[k], w[k], worst);
        CU_ASSERT(worst < 1e-12);
        CU_ASSERT(r.v[30] > -70.0);
        CU_ASSERT_EQUAL(r.v[29], -70.0);
        CU_ASSERT_EQUAL(r.spikes, 0);
    }
    CU_ASSERT(r.v[100] > 1000.0); /* the last variant went far above any threshold */
}

/* Truth: docs/config.md's promise: a lif that never reaches threshold (no refractory period)
 * gives the same potentials as an li of the same parameters, bit for bit. */
static void test_same_as_subthreshold_lif(void)
{
    static struct vrec a, b;
    const char *as_lif[] = {"populations.out.model=\"lif\"", "populations.out.v_th=1000.0",
                            "populations.out.t_ref=0.0", "populations.out.i_e=30.0"};
    const char *as_li[] = {"populations.out.i_e=30.0"};
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    CU_ASSERT_EQUAL_FATAL(harness_run_net("li.cfg", psp_cfg, as_lif, 4, vrec_step, &a), 0);
    CU_ASSERT_EQUAL_FATAL(harness_run_net("li.cfg", psp_cfg, as_li, 1, vrec_step, &b), 0);
    CU_ASSERT_EQUAL(a.n, b.n);
    CU_ASSERT(memcmp(a.v, b.v, sizeof(double) * (size_t)a.n) == 0);
    CU_ASSERT(b.v[a.n - 1] > -70.0 + 1.0);
}

/* One neuron (or a few) driven through the ops table. */
static uint32_t step_ops(const void *derived, double *v, double *ie, double *ii, double *in_ex,
                         double *in_in, uint32_t n, uint32_t *nonfinite)
{
    double *state[3] = {v, ie, ii}, *input[2] = {in_ex, in_in};
    int32_t refr[8] = {0};
    uint32_t spk[8];
    struct nrn_ctx c = {
        .derived = derived, .state = state, .refr = refr, .input = input, .nonfinite = nonfinite};
    return li_ops.update(&c, 0, n, spk);
}

/* Truth: v(t) = e_l + (tau_m/c_m) i_e (1 - e^{-t/tau_m}) under a constant current, here 10^6 pA
 * (4 V): 1e-12 relative, and no step reports a spike. */
static void test_dc_never_spikes(void)
{
    double p[LI_NPARAMS];
    for (int i = 0; i < LI_NPARAMS; i++) p[i] = li_ops.params[i].def;
    p[LI_I_E] = 1e5;
    char derived[256];
    CU_ASSERT_FATAL(li_ops.derived_size <= sizeof derived);
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(li_ops.prepare(p, NULL, 0.1, derived, &e), 0);
    double s0[3];
    li_ops.initial(p, NULL, s0);
    CU_ASSERT_EQUAL(s0[LI_V], -70.0);
    double v = s0[LI_V], ie = 0, ii = 0, x = 0, y = 0, worst = 0;
    uint32_t bad = UINT32_MAX, spikes = 0;
    const double ri = 1e5 * 10.0 / 250.0;
    for (int k = 1; k <= 5000; k++) {
        spikes += step_ops(derived, &v, &ie, &ii, &x, &y, 1, &bad);
        double truth = -70.0 + ri * -expm1(-k * 0.1 / 10.0);
        worst = fmax(worst, fabs(v - truth) / fabs(truth));
    }
    CU_ASSERT(worst < 1e-12);
    CU_ASSERT(v > 3900.0);
    CU_ASSERT_EQUAL(spikes, 0);
    CU_ASSERT_EQUAL(bad, UINT32_MAX);
}

/* Truth: nrn_ctx.nonfinite names the first neuron whose potential became NaN or infinite (an
 * infinite current makes an infinite v in one step); finite neurons leave it alone. */
static void test_nonfinite(void)
{
    double p[LI_NPARAMS];
    for (int i = 0; i < LI_NPARAMS; i++) p[i] = li_ops.params[i].def;
    char derived[256];
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(li_ops.prepare(p, NULL, 0.1, derived, &e), 0);
    double v[5] = {-70, -70, -70, -70, -70}, ie[5] = {0, 0, 0, INFINITY, 0}, ii[5] = {0};
    double x[5] = {0}, y[5] = {0};
    uint32_t bad = UINT32_MAX;
    step_ops(derived, v, ie, ii, x, y, 5, &bad);
    CU_ASSERT_EQUAL(bad, 3);
    v[1] = NAN;
    step_ops(derived, v, ie, ii, x, y, 5, &bad);
    CU_ASSERT_EQUAL(bad, 1);
    double v2[2] = {-70, -70}, z2[2] = {0};
    bad = UINT32_MAX;
    step_ops(derived, v2, z2, z2, z2, z2, 2, &bad);
    CU_ASSERT_EQUAL(bad, UINT32_MAX);
}

/* Truth: the same closed form, read back from traces.csv of `apical run` (values printed with
 * %.17g), and summary.json counts no spike of the li population. */
static void test_apical_run_traces(void)
{
    char cfg[2048], cmd[4096], out[8192];
    snprintf(
        cfg, sizeof cfg, "%s",
        "simulation = { dt = 0.1; duration = 20.0; seed = 3; };\n"
        "populations = (\n"
        "  { name = \"src\"; size = 1; model = \"spike_source\"; spike_times = ( [1.0] ); },\n"
        "  { name = \"out\"; size = 2; model = \"li\"; c_m = 250.0; tau_m = 10.0;\n"
        "    e_l = -70.0; tau_syn_ex = 2.0; } );\n"
        "projections = ( { name = \"p\"; from = \"src\"; to = \"out\"; rule = \"all_to_all\";\n"
        "  weight = 100.0; delay = 2.0; } );\n"
        "record = { traces = ( { population = \"out\"; neurons = [1]; variables = [\"v\"]; "
        "} ); };\n");
    const char *path = harness_write("li_run.cfg", cfg);
    const char *dir = harness_path("li_run");
    snprintf(cmd, sizeof cmd, "run %s -o %s", path, dir);
    int rc = harness_apical(cmd, out, sizeof out);
    EXPECT(rc == 0, "apical run of an li population", out);
    char file[1100];
    snprintf(file, sizeof file, "%s/traces.csv", dir);
    size_t len = 0;
    char *text = harness_slurp(file, &len);
    EXPECT(text != NULL, "traces.csv", out);
    if (!text) return;
    EXPECT(!strncmp(text, "t_ms,out[1].v\n", 14), "traces.csv header", text);
    int rows = 0;
    double worst = 0;
    for (char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        double t, v;
        if (sscanf(line + 1, "%lf,%lf", &t, &v) != 2) break;
        worst = fmax(worst, fabs(v - (-70.0 + psp(t - 3.0, 100.0, 250.0, 10.0, 2.0))));
        rows++;
    }
    free(text);
    EXPECT(rows == 201, "traces.csv rows", out);
    EXPECT(worst < 1e-12, "traces.csv = closed form", out);
    snprintf(file, sizeof file, "%s/summary.json", dir);
    cJSON *j = harness_read_json(file);
    EXPECT(j != NULL, "summary.json", out);
    const cJSON *pops = j ? cJSON_GetObjectItem(j, "populations") : NULL;
    const cJSON *li = cJSON_GetArrayItem(pops, 1);
    EXPECT(li && harness_json_num(li, "spikes") == 0 && harness_json_num(li, "neurons") == 2,
           "summary.json: no spike of out", out);
    EXPECT(j && harness_json_num(j, "spikes") == 1, "summary.json: the source's one spike", out);
    cJSON_Delete(j);
}

static int suite_li(void)
{
    CU_pSuite s = CU_add_suite("li", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "PSP after a delayed spike: closed form (1e-12 mV)", test_psp_through_engine);
    CU_add_test(s, "= a lif below threshold, bit for bit", test_same_as_subthreshold_lif);
    CU_add_test(s, "huge DC: closed form, never a spike", test_dc_never_spikes);
    CU_add_test(s, "non-finite potential reported", test_nonfinite);
    CU_add_test(s, "apical run records its v (traces.csv = closed form)", test_apical_run_traces);
    return 0;
}
TEST_SUITE(suite_li)
