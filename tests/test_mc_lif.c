/* tests/test_mc_lif: neurons/mc_lif against the closed forms of passive compartment circuits
 * (resistive divider, two-exponential transient), a fine RK4 integration of a 4-compartment
 * tree, the point-neuron and segregated limits, and exactness in dt. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/net.h"
#include "io/cfg.h"
#include "neurons/mc_lif.h"
#include "tests/harness.h"

#define MAXSTEPS 40000

struct rec_all {
    int nstate, n;
    double x[MAXSTEPS][12];
};

static int rec_all_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct rec_all *r = self;
    const struct pop *p = &n->pops[0];
    r->nstate = p->nstate < 12 ? p->nstate : 12;
    if (step < MAXSTEPS)
        for (int v = 0; v < r->nstate; v++) r->x[step][v] = p->state[v][0];
    r->n = (int)step + 1;
    return 0;
}

static int run_mc(const char *text, const char *const *sets, int nsets, struct rec_all *r)
{
    const char *path = harness_write("mc.cfg", text);
    struct net_spec s;
    char *resolved = NULL;
    struct err e = {0};
    if (cfg_load(path, sets, nsets, &s, &resolved, &e)) {
        fprintf(stderr, "cfg: %s:%d: %s: %s\n", e.file, e.line, e.path, e.msg);
        return -1;
    }
    struct net n;
    int rc = net_build(&n, &s, &e);
    struct recorder rec = {rec_all_step, r};
    if (!rc) rc = net_run(&n, &rec, 1, NULL, &e);
    if (rc) fprintf(stderr, "run: %s: %s\n", e.path, e.msg);
    net_free(&n);
    spec_free(&s);
    free(resolved);
    return rc;
}

/* soma (200 pF, 10 nS, -70 mV) and dendrite (100 pF, 5 nS, -65 mV), coupled by 20 nS, with a
 * 100 pA bias into the dendrite; both start at their leak reversal potentials. */
static const char two_cfg[] =
    "simulation = { dt = 0.1; duration = 300.0; };\n"
    "populations = ( { name = \"p\"; size = 1; model = \"mc_lif\"; v_th = 1000.0;\n"
    "  init = { v = -70.0; };\n"
    "  compartments = (\n"
    "    { name = \"soma\"; c_m = 200.0; g_l = 10.0; e_l = -70.0; },\n"
    "    { name = \"dend\"; c_m = 100.0; g_l = 5.0; e_l = -65.0; g_c = 20.0; i_e = 100.0;\n"
    "      init = { v = -65.0; }; } ); } );\n"
    "record = { spikes = \"none\"; raster = false; };\n";

/* Truth: the steady state of the two-node resistive divider,
 *   g_s (v_s - E_s) = g_c (v_d - v_s),  g_d (v_d - E_d) + g_c (v_d - v_s) = I. */
static void test_divider_steady_state(void)
{
    static struct rec_all r;
    const char *sets[] = {"simulation.duration=3000.0"}; /* ~100 slow time constants */
    CU_ASSERT_EQUAL_FATAL(run_mc(two_cfg, sets, 1, &r), 0);
    const double gs = 10, es = -70, gd = 5, ed = -65, gc = 20, I = 100;
    /* [gs+gc, -gc; -gc, gd+gc] v = [gs es; gd ed + I] */
    double a = gs + gc, b = -gc, c = -gc, d = gd + gc, r1 = gs * es, r2 = gd * ed + I;
    double det = a * d - b * c;
    double vs = (r1 * d - b * r2) / det, vd = (a * r2 - c * r1) / det;
    int last = r.n - 1;
    CU_ASSERT(fabs(r.x[last][0] - vs) < 1e-9);
    CU_ASSERT(fabs(r.x[last][MC_NSTATE + MC_V] - vd) < 1e-9);
}

/* Truth: the transient of the 2x2 linear system, x(t) = x_inf + sum_k c_k u_k e^{lambda_k t},
 * from the eigen-decomposition of the system matrix worked out here by the quadratic formula. */
static void test_two_compartment_transient(void)
{
    static struct rec_all r;
    CU_ASSERT_EQUAL_FATAL(run_mc(two_cfg, NULL, 0, &r), 0);
    const double Cs = 200, gs = 10, es = -70, Cd = 100, gd = 5, ed = -65, gc = 20, I = 100;
    /* dv/dt = M v + k */
    double m11 = -(gs + gc) / Cs, m12 = gc / Cs, m21 = gc / Cd, m22 = -(gd + gc) / Cd;
    double k1 = gs * es / Cs, k2 = (gd * ed + I) / Cd;
    double det = m11 * m22 - m12 * m21;
    double xs = -(m22 * k1 - m12 * k2) / det, xd = -(-m21 * k1 + m11 * k2) / det;
    double tr = m11 + m22, disc = sqrt(tr * tr / 4 - det);
    double l1 = tr / 2 + disc, l2 = tr / 2 - disc;
    /* eigenvectors (m12, l - m11) */
    double u1s = m12, u1d = l1 - m11, u2s = m12, u2d = l2 - m11;
    double y0s = es - xs, y0d = ed - xd;
    double dd = u1s * u2d - u2s * u1d;
    double c1 = (y0s * u2d - u2s * y0d) / dd, c2 = (u1s * y0d - y0s * u1d) / dd;
    double worst = 0;
    for (int k = 0; k < r.n; k++) {
        double t = (k + 1) * 0.1;
        double vs = xs + c1 * u1s * exp(l1 * t) + c2 * u2s * exp(l2 * t);
        double vd = xd + c1 * u1d * exp(l1 * t) + c2 * u2d * exp(l2 * t);
        worst = fmax(worst, fabs(r.x[k][0] - vs));
        worst = fmax(worst, fabs(r.x[k][MC_NSTATE + MC_V] - vd));
    }
    CU_ASSERT(worst < 1e-9);
}

/* 4 compartments: soma, basal, trunk (child of soma), tuft (child of trunk); a spike source
 * hits the tuft's excitatory and the basal inhibitory current; DC on the soma from 5 ms. */
static const char tree_cfg[] =
    "simulation = { dt = 0.1; duration = 40.0; };\n"
    "populations = (\n"
    " { name = \"p\"; size = 1; model = \"mc_lif\"; v_th = 1000.0;\n"
    "  compartments = (\n"
    "   { name = \"soma\"; c_m = 250.0; g_l = 12.0; e_l = -70.0; tau_syn_ex = 2.0; },\n"
    "   { name = \"basal\"; c_m = 80.0; g_l = 4.0; e_l = -68.0; g_c = 15.0; tau_syn_in = 6.0; },\n"
    "   { name = \"trunk\"; c_m = 60.0; g_l = 3.0; e_l = -66.0; g_c = 8.0; },\n"
    "   { name = \"tuft\"; parent = \"trunk\"; c_m = 50.0; g_l = 2.5; e_l = -62.0; g_c = 4.0;\n"
    "     tau_syn_ex = 3.0; i_e = 20.0; } ); },\n"
    " { name = \"s\"; size = 1; model = \"spike_source\"; spike_times = ( [1.0, 12.0] ); } );\n"
    "projections = (\n"
    " { from = \"s\"; to = \"p\"; compartment = \"tuft\"; rule = \"all_to_all\"; weight = 300.0;\n"
    "   delay = 1.0; },\n"
    " { from = \"s\"; to = \"p\"; compartment = \"basal\"; receptor = \"in\"; rule = \"all_to_all\";\n"
    "   weight = -200.0; delay = 2.0; } );\n"
    "stimuli = ( { type = \"dc\"; target = \"p\"; amplitude = 50.0; start = 5.0; } );\n"
    "record = { spikes = \"none\"; raster = false; };\n";

/* the same circuit as plain ODEs for the reference integrator */
struct tree {
    double C[4], g[4], e[4], gc[4], ib[4], tex[4], tin[4];
    int parent[4];
};

static void tree_rhs(const struct tree *T, const double *x, double idc, double *dx)
{
    /* x: v0..3, iex0..3, iin0..3 */
    for (int c = 0; c < 4; c++) {
        double cur = -T->g[c] * (x[c] - T->e[c]) + x[4 + c] + x[8 + c] + T->ib[c];
        if (c == 0) cur += idc;
        for (int d = 1; d < 4; d++) {
            if (T->parent[d] == c) cur += T->gc[d] * (x[d] - x[c]);
            if (d == c) cur += T->gc[c] * (x[T->parent[c]] - x[c]);
        }
        dx[c] = cur / T->C[c];
        dx[4 + c] = -x[4 + c] / T->tex[c];
        dx[8 + c] = -x[8 + c] / T->tin[c];
    }
}

/* Truth: classical RK4 at dt/1000 of the same ODEs, with the current jumps at the arrival times
 * (spike at 1 and 12 ms, delays 1 and 2 ms) and the DC switched on at 5 ms. */
static void test_tree_against_rk4(void)
{
    static struct rec_all r;
    CU_ASSERT_EQUAL_FATAL(run_mc(tree_cfg, NULL, 0, &r), 0);
    struct tree T = {{250, 80, 60, 50}, {12, 4, 3, 2.5}, {-70, -68, -66, -62}, {0, 15, 8, 4},
                     {0, 0, 0, 20},     {2, 2, 2, 3},    {2, 6, 2, 2},         {-1, 0, 0, 2}};
    /* The model starts at its computed resting state; the reference finds rest on its own, by
     * relaxing from the leak reversals for 10 s, so the start is checked too. */
    double x[12] = {0};
    for (int c = 0; c < 4; c++) x[c] = T.e[c];
    const double h = 1e-4;
    for (int it = 0; it < 200000; it++) {
        double k1[12], k2[12], k3[12], k4[12], y[12];
        const double H = 0.05;
        tree_rhs(&T, x, 0, k1);
        for (int j = 0; j < 12; j++) y[j] = x[j] + H / 2 * k1[j];
        tree_rhs(&T, y, 0, k2);
        for (int j = 0; j < 12; j++) y[j] = x[j] + H / 2 * k2[j];
        tree_rhs(&T, y, 0, k3);
        for (int j = 0; j < 12; j++) y[j] = x[j] + H * k3[j];
        tree_rhs(&T, y, 0, k4);
        for (int j = 0; j < 12; j++) x[j] += H / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
    }
    double worst = 0;
    long steps_per = 1000;
    for (int k = 0; k < r.n; k++) {
        int64_t stamp0 = k; /* integrate [k dt, (k+1) dt] */
        double t0 = stamp0 * 0.1;
        double idc = t0 >= 5.0 - 1e-9 ? 50.0 : 0.0;
        for (long s = 0; s < steps_per; s++) {
            double k1[12], k2[12], k3[12], k4[12], y[12];
            tree_rhs(&T, x, idc, k1);
            for (int j = 0; j < 12; j++) y[j] = x[j] + h / 2 * k1[j];
            tree_rhs(&T, y, idc, k2);
            for (int j = 0; j < 12; j++) y[j] = x[j] + h / 2 * k2[j];
            tree_rhs(&T, y, idc, k3);
            for (int j = 0; j < 12; j++) y[j] = x[j] + h * k3[j];
            tree_rhs(&T, y, idc, k4);
            for (int j = 0; j < 12; j++) x[j] += h / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
        }
        double t1 = (k + 1) * 0.1;
        /* jumps at the end of the step: tuft excitation at 2 and 13 ms, basal at 3 and 14 ms */
        if (fabs(t1 - 2.0) < 1e-9 || fabs(t1 - 13.0) < 1e-9) x[4 + 3] += 300.0;
        if (fabs(t1 - 3.0) < 1e-9 || fabs(t1 - 14.0) < 1e-9) x[8 + 1] += -200.0;
        for (int c = 0; c < 4; c++) worst = fmax(worst, fabs(r.x[k][c * 3 + MC_V] - x[c]));
    }
    CU_ASSERT(worst < 1e-6);
    if (worst >= 1e-6) fprintf(stderr, "tree vs rk4: %g mV\n", worst);
}

/* Truth: with coupling -> infinity the neuron is one compartment with summed capacitance and
 * leak, E = (g_s E_s + g_d E_d)/(g_s + g_d); its DC response is a single exponential. */
static void test_strong_coupling_limit(void)
{
    static struct rec_all r;
    const char *sets[] = {"populations.p.compartments.dend.g_c=1e6",
                          "populations.p.compartments.dend.i_e=0.0",
                          "populations.p.compartments.soma.i_e=150.0",
                          "populations.p.init.v=-70.0",
                          "populations.p.compartments.dend.init.v=-70.0"};
    CU_ASSERT_EQUAL_FATAL(run_mc(two_cfg, sets, 5, &r), 0);
    const double C = 300, g = 15, E = (10 * -70.0 + 5 * -65.0) / 15, I = 150;
    double vinf = E + I / g, worst = 0;
    for (int k = 5; k < r.n; k++) {
        double t = (k + 1) * 0.1;
        double v = vinf + (-70.0 - vinf) * exp(-t * g / C);
        worst = fmax(worst, fabs(r.x[k][0] - v));
    }
    CU_ASSERT(worst < 1e-3);
}

/* Truth: with g_c = 0 the soma never learns of the dendrite: it stays at rest exactly. */
static void test_segregated(void)
{
    static struct rec_all r;
    const char *sets[] = {"populations.p.compartments.dend.g_c=0.0",
                          "populations.p.compartments.dend.i_e=500.0"};
    CU_ASSERT_EQUAL_FATAL(run_mc(two_cfg, sets, 2, &r), 0);
    int same = 1;
    for (int k = 0; k < r.n; k++) same &= r.x[k][0] == -70.0;
    CU_ASSERT(same);
    CU_ASSERT(r.x[r.n - 1][MC_NSTATE + MC_V] > -65.0 + 50.0); /* dendrite moved by I/g_d */
}

/* Truth: exact integration does not depend on dt: dt and dt/2 agree at common times. */
static void test_exact_in_dt(void)
{
    static struct rec_all a, b;
    CU_ASSERT_EQUAL_FATAL(run_mc(tree_cfg, NULL, 0, &a), 0);
    const char *half[] = {"simulation.dt=0.05"};
    CU_ASSERT_EQUAL_FATAL(run_mc(tree_cfg, half, 1, &b), 0);
    CU_ASSERT_EQUAL_FATAL(b.n, 2 * a.n);
    double worst = 0;
    for (int k = 0; k < a.n; k++)
        for (int c = 0; c < 4; c++)
            worst = fmax(worst, fabs(a.x[k][c * 3] - b.x[2 * k + 1][c * 3]));
    CU_ASSERT(worst < 1e-10);
}

/* Truth: the soma is clamped at v_reset for t_ref after a spike while the dendrite keeps
 * moving; spikes repeat with a regular period under constant drive. */
static void test_spiking_and_clamp(void)
{
    static struct rec_all r;
    const char *sets[] = {"populations.p.v_th=-60.0", "populations.p.v_reset=-69.0",
                          "populations.p.t_ref=3.0", "populations.p.compartments.soma.i_e=400.0"};
    CU_ASSERT_EQUAL_FATAL(run_mc(two_cfg, sets, 4, &r), 0);
    int spikes = 0, clamped_ok = 1, dend_moves = 0;
    for (int k = 1; k < r.n - 31; k++) {
        if (r.x[k][0] == -69.0 && r.x[k - 1][0] != -69.0) {
            spikes++;
            for (int j = k; j < k + 30; j++) clamped_ok &= r.x[j][0] == -69.0;
            dend_moves += r.x[k + 29][MC_NSTATE] != r.x[k][MC_NSTATE];
        }
    }
    CU_ASSERT(spikes > 5);
    CU_ASSERT(clamped_ok);
    CU_ASSERT_EQUAL(dend_moves, spikes);
}

/* Truth: the documented error format; a bad compartment tree is refused before running. */
static void test_bad_trees(void)
{
    static const struct {
        const char *set, *want;
    } cases[] = {
        {"populations.p.compartments.dend.parent=\"nowhere\"", "unknown compartment"},
        {"populations.p.compartments.dend.parent=\"dend\"", "own parent"},
        {"populations.p.compartments.dend.c_m=-5.0", "out of range"},
        {"populations.p.compartments.dend.g_c=-1.0", "out of range"},
        {"populations.p.compartments.soma.g_l=-1.0", "out of range"},
        {"populations.p.compartments.dend.bogus=1.0", "unknown compartment setting"},
        {"populations.p.compartments.soma.parent=\"dend\"", "has no parent"},
    };
    char args[1024], out[4096];
    const char *path = harness_write("mc_bad.cfg", two_cfg);
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(args, sizeof args, "check %s --set '%s'", path, cases[i].set);
        CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, cases[i].want));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "populations.p.compartments"));
    }
    /* a cycle: b -> c -> b never reaches the soma */
    const char *cyc = harness_write("mc_cycle.cfg",
        "populations = ( { name = \"p\"; size = 1; model = \"mc_lif\";\n"
        "  compartments = ( { name = \"soma\"; },\n"
        "    { name = \"b\"; parent = \"c\"; },\n"
        "    { name = \"c\"; parent = \"b\"; } ); } );\n");
    snprintf(args, sizeof args, "check %s", cyc);
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "mc_cycle.cfg:3: populations.p.compartments.b.parent"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cycle"));
    /* a projection onto a compartment the target does not have */
    const char *proj = harness_write("mc_proj.cfg",
        "populations = ( { name = \"p\"; size = 2; model = \"mc_lif\";\n"
        "  compartments = ( { name = \"soma\"; }, { name = \"apical\"; } ); } );\n"
        "projections = ( { name = \"fb\"; from = \"p\"; to = \"p\"; rule = \"all_to_all\";\n"
        "  compartment = \"basal\"; weight = 1.0; } );\n");
    snprintf(args, sizeof args, "check %s", proj);
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "mc_proj.cfg:4: projections.fb.compartment"));
}

static int suite_mc_lif(void)
{
    CU_pSuite s = CU_add_suite("mc_lif", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "two compartments: divider steady state", test_divider_steady_state);
    CU_add_test(s, "two compartments: transient closed form", test_two_compartment_transient);
    CU_add_test(s, "four-compartment tree against RK4", test_tree_against_rk4);
    CU_add_test(s, "strong coupling: point neuron limit", test_strong_coupling_limit);
    CU_add_test(s, "no coupling: soma unaffected", test_segregated);
    CU_add_test(s, "exact in dt", test_exact_in_dt);
    CU_add_test(s, "spikes, soma clamp, dendrite free", test_spiking_and_clamp);
    CU_add_test(s, "bad trees and compartments refused", test_bad_trees);
    return 0;
}
TEST_SUITE(suite_mc_lif)
