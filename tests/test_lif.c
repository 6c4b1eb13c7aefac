/* tests/test_lif: neurons/lif against closed-form solutions of its linear ODE, both driving the
 * model directly and through the whole engine (spike source -> delayed synapse -> lif). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "io/cfg.h"
#include "neurons/lif.h"
#include "tests/harness.h"

/* One neuron driven directly through the ops table. */
struct one {
    const struct nrn_ops *m;
    double params[NRN_MAX_PARAMS];
    char derived[512];
    double st[NRN_MAX_STATE];
    double *state[NRN_MAX_STATE];
    double in[NRN_MAX_PORTS];
    double *input[NRN_MAX_PORTS];
    int32_t refr;
};

static void one_init(struct one *o, const struct nrn_ops *m)
{
    memset(o, 0, sizeof *o);
    o->m = m;
    for (int i = 0; i < m->nparams; i++) o->params[i] = m->params[i].def;
    for (int i = 0; i < NRN_MAX_STATE; i++) o->state[i] = &o->st[i];
    for (int i = 0; i < NRN_MAX_PORTS; i++) o->input[i] = &o->in[i];
}

static int one_prepare(struct one *o, double dt)
{
    struct err e;
    int rc = o->m->prepare(o->params, NULL, dt, o->derived, &e);
    o->m->initial(o->params, NULL, o->st);
    return rc;
}

static int one_step(struct one *o, double i_ext)
{
    uint32_t bad = UINT32_MAX;
    struct nrn_ctx c = {.nonfinite = &bad, .derived = o->derived, .state = o->state, .refr = &o->refr,
                        .input = o->input, .i_ext = i_ext};
    uint32_t spk[1];
    return (int)o->m->update(&c, 0, 1, spk);
}

/* Truth: v(t) = e_l + R I (1 - e^{-(t-t0)/tau_m}) + (v0 - e_l) e^{-(t-t0)/tau_m} between spikes,
 * a spike at the first step whose end value reaches v_th, then v = v_reset for t_ref. */
static void test_dc_closed_form(void)
{
    struct one o;
    one_init(&o, &lif_ops);
    const double dt = 0.1, c_m = 250, tau = 10, e_l = -70, th = -55, vr = -70, i_e = 500;
    o.params[LIF_C_M] = c_m;
    o.params[LIF_TAU_M] = tau;
    o.params[LIF_E_L] = e_l;
    o.params[LIF_V_TH] = th;
    o.params[LIF_V_RESET] = vr;
    o.params[LIF_T_REF] = 2.0;
    o.params[LIF_I_E] = i_e;
    CU_ASSERT_EQUAL_FATAL(one_prepare(&o, dt), 0);
    const double ri = i_e * tau / c_m; /* 20 mV */
    const int ref_steps = 20;
    double t0 = 0, v0 = e_l, maxerr = 0;
    int64_t clamp_until = -1; /* last stamp at which v must still equal v_reset */
    int spikes = 0, first_spike = -1;
    for (int64_t k = 0; k < 5000; k++) {
        int s = one_step(&o, 0.0);
        int64_t stamp = k + 1;
        double t = stamp * dt;
        if (stamp <= clamp_until) {
            CU_ASSERT_EQUAL(o.st[LIF_V], vr);
            CU_ASSERT_EQUAL(s, 0);
            continue;
        }
        double truth = e_l + ri + (v0 - e_l - ri) * exp(-(t - t0) / tau);
        if (truth >= th) {
            CU_ASSERT_EQUAL(s, 1);
            CU_ASSERT_EQUAL(o.st[LIF_V], vr);
            spikes++;
            if (first_spike < 0) first_spike = (int)stamp;
            clamp_until = stamp + ref_steps;
            t0 = clamp_until * dt;
            v0 = vr;
        } else {
            CU_ASSERT_EQUAL(s, 0);
            double err = fabs(o.st[LIF_V] - truth);
            if (err > maxerr) maxerr = err;
        }
    }
    CU_ASSERT(maxerr < 1e-9);
    /* first crossing at t = -tau ln(1 - (th - e_l)/(R I)) = 13.86 ms: stamp 139 */
    CU_ASSERT_EQUAL(first_spike, (int)ceil(-tau * log(1 - (th - e_l) / ri) / dt));
    /* period = t_ref + that time, rounded up to steps */
    CU_ASSERT(spikes >= 500 / 16 && spikes <= 500 / 15 + 1);
}

/* Builds a network from config text and records v of neuron 0 of population pop each step. */
struct vrec {
    int pop;
    int n;
    double v[20000];
};

static int vrec_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct vrec *r = self;
    if (step < 20000) r->v[step] = n->pops[r->pop].state[0][0];
    r->n = (int)step + 1;
    return 0;
}

static int run_text(const char *text, const char *const *sets, int nsets, struct vrec *r)
{
    return harness_run_net("lif_net.cfg", text, sets, nsets, vrec_step, r);
}

static const char psc_cfg[] =
    "simulation = { dt = 0.1; duration = 60.0; seed = 3; };\n"
    "populations = (\n"
    "  { name = \"src\"; size = 1; model = \"spike_source\"; spike_times = ( [1.0] ); },\n"
    "  { name = \"n\"; size = 1; model = \"lif\"; c_m = 250.0; tau_m = 10.0; e_l = -70.0;\n"
    "    v_th = 0.0; v_reset = -70.0; tau_syn_ex = 2.0; tau_syn_in = 10.0; }\n"
    ");\n"
    "projections = ( { name = \"p\"; from = \"src\"; to = \"n\"; rule = \"all_to_all\";\n"
    "    weight = 100.0; delay = 2.0; receptor = \"ex\"; } );\n"
    "record = { spikes = \"none\"; raster = false; };\n";

static double psc_truth(double t, double w, double c, double tm, double ts)
{
    if (t <= 0) return 0;
    if (fabs(tm - ts) < 1e-12) return w / c * t * exp(-t / tm);
    return w / c * ts * tm / (tm - ts) * (exp(-t / tm) - exp(-t / ts));
}

/* Truth: a current jump w at t_a = spike time + delay gives
 * v - e_l = (w/c) tau_s tau_m / (tau_m - tau_s) (e^{-(t-t_a)/tau_m} - e^{-(t-t_a)/tau_s}),
 * and (w/c) (t-t_a) e^{-(t-t_a)/tau} when tau_s = tau_m; nothing before t_a. */
static void test_psc_through_engine(void)
{
    static struct vrec r;
    const char *variants[][2] = {{"populations.n.tau_syn_ex=2.0", "projections.p.receptor=\"ex\""},
                                 {"populations.n.tau_syn_ex=10.0", "projections.p.receptor=\"ex\""},
                                 {"populations.n.tau_syn_in=5.0", "projections.p.receptor=\"in\""}};
    const double tau_s[] = {2.0, 10.0, 5.0};
    for (int vi = 0; vi < 3; vi++) {
        memset(&r, 0, sizeof r);
        r.pop = 1;
        CU_ASSERT_EQUAL_FATAL(run_text(psc_cfg, variants[vi], 2, &r), 0);
        CU_ASSERT_EQUAL(r.n, 600);
        double maxerr = 0;
        for (int k = 0; k < r.n; k++) {
            double t = (k + 1) * 0.1, ta = 1.0 + 2.0;
            double truth = -70.0 + psc_truth(t - ta, 100.0, 250.0, 10.0, tau_s[vi]);
            if (t <= ta + 1e-9) CU_ASSERT_EQUAL(r.v[k], -70.0);
            double err = fabs(r.v[k] - truth);
            if (err > maxerr) maxerr = err;
        }
        CU_ASSERT(maxerr < 1e-9);
        /* the response starts exactly one step after arrival, not earlier */
        CU_ASSERT(r.v[30] > -70.0);
        CU_ASSERT_EQUAL(r.v[29], -70.0);
    }
}

/* Truth: the CUBA voltage mode is the current mode with weights scaled by c_m / tau_m. */
static void test_voltage_mode_equivalence(void)
{
    static struct vrec a, b;
    const char *va[] = {"populations.n.synapse=\"voltage\"", "projections.p.weight=2.0"};
    const char *vb[] = {"populations.n.synapse=\"current\"", "projections.p.weight=50.0"};
    a.pop = b.pop = 1;
    CU_ASSERT_EQUAL_FATAL(run_text(psc_cfg, va, 2, &a), 0);
    CU_ASSERT_EQUAL_FATAL(run_text(psc_cfg, vb, 2, &b), 0);
    double maxerr = 0;
    for (int k = 0; k < a.n; k++) maxerr = fmax(maxerr, fabs(a.v[k] - b.v[k]));
    CU_ASSERT(maxerr < 1e-12);
    CU_ASSERT(a.v[100] > -70.0 + 0.1);
}

static int suite_lif(void)
{
    CU_pSuite s = CU_add_suite("lif", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "DC input: closed form, spikes, refractory", test_dc_closed_form);
    CU_add_test(s, "PSC after a delayed spike: closed form", test_psc_through_engine);
    CU_add_test(s, "voltage synapses equal scaled currents", test_voltage_mode_equivalence);
    return 0;
}
TEST_SUITE(suite_lif)
