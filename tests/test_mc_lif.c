/* tests/test_mc_lif: neurons/mc_lif against the closed forms of passive compartment circuits
 * (resistive divider, two-exponential transient), a fine RK4 integration of a 4-compartment
 * tree, the point-neuron and segregated limits, and exactness in dt; conductance mode against
 * RK4 (its order in dt), lif_cond and the closed-form steady states, its config errors and
 * its thread determinism. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "io/cfg.h"
#include "neurons/lif_cond.h"
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
    return harness_run_net("mc.cfg", text, sets, nsets, rec_all_step, r);
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

/* ---- synapse = "conductance" ---- */

/* The tree above with conductances: 20 nS onto the tuft's g_ex, 15 nS onto the basal g_in,
 * whose reversal is moved to -75 mV. */
static const char *const cond_sets[] = {
    "populations.p.synapse=\"conductance\"", "projections.[0].weight=20.0",
    "projections.[1].weight=15.0", "populations.p.compartments.basal.e_in=-75.0"};

static void cond_rhs(const struct tree *T, const double *ein, const double *x, double idc,
                     double *dx)
{
    /* x: v0..3, gex0..3, gin0..3; e_ex = 0 everywhere */
    for (int c = 0; c < 4; c++) {
        double cur = -T->g[c] * (x[c] - T->e[c]) + x[4 + c] * (0.0 - x[c]) +
                     x[8 + c] * (ein[c] - x[c]) + T->ib[c];
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

static void rk4_cond(const struct tree *T, const double *ein, double *x, double idc, double h)
{
    double k1[12], k2[12], k3[12], k4[12], y[12];
    cond_rhs(T, ein, x, idc, k1);
    for (int j = 0; j < 12; j++) y[j] = x[j] + h / 2 * k1[j];
    cond_rhs(T, ein, y, idc, k2);
    for (int j = 0; j < 12; j++) y[j] = x[j] + h / 2 * k2[j];
    cond_rhs(T, ein, y, idc, k3);
    for (int j = 0; j < 12; j++) y[j] = x[j] + h * k3[j];
    cond_rhs(T, ein, y, idc, k4);
    for (int j = 0; j < 12; j++) x[j] += h / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
}

/* Truth: classical RK4 of the full nonlinear system at the finest dt / 1000, from the passive
 * rest (found by relaxing), with the conductance jumps at 2, 13 (tuft) and 3, 14 ms (basal)
 * and the DC from 5 ms. The error (largest over compartments and over the common times, every
 * 0.2 ms) must fall fourfold per halving of dt: second order, as mc_lif.h claims. */
static void test_cond_order(void)
{
    static struct rec_all r;
    static double ref[201][4]; /* v at t = 0.2 m */
    struct tree T = {{250, 80, 60, 50}, {12, 4, 3, 2.5}, {-70, -68, -66, -62}, {0, 15, 8, 4},
                     {0, 0, 0, 20},     {2, 2, 2, 3},    {2, 6, 2, 2},         {-1, 0, 0, 2}};
    const double ein[4] = {-80, -75, -80, -80};
    double x[12] = {0};
    for (int c = 0; c < 4; c++) x[c] = T.e[c];
    for (int it = 0; it < 200000; it++) rk4_cond(&T, ein, x, 0, 0.05);
    const double h = 0.025 / 1000;
    const long per = 8000; /* RK4 steps per 0.2 ms */
    for (int c = 0; c < 4; c++) ref[0][c] = x[c];
    for (int m = 0; m < 200; m++) {
        for (long s = 0; s < per; s++) {
            double t0 = m * 0.2 + s * h;
            rk4_cond(&T, ein, x, t0 >= 5.0 - 1e-9 ? 50.0 : 0.0, h);
        }
        double t1 = (m + 1) * 0.2;
        if (fabs(t1 - 2.0) < 1e-9 || fabs(t1 - 13.0) < 1e-9) x[4 + 3] += 20.0;
        if (fabs(t1 - 3.0) < 1e-9 || fabs(t1 - 14.0) < 1e-9) x[8 + 1] += 15.0;
        for (int c = 0; c < 4; c++) ref[m + 1][c] = x[c];
    }
    const double dts[4] = {0.2, 0.1, 0.05, 0.025};
    double err[4];
    for (int k = 0; k < 4; k++) {
        char dtset[64];
        snprintf(dtset, sizeof dtset, "simulation.dt=%g", dts[k]);
        const char *sets[] = {cond_sets[0], cond_sets[1], cond_sets[2], cond_sets[3], dtset};
        CU_ASSERT_EQUAL_FATAL(run_mc(tree_cfg, sets, 5, &r), 0);
        long every = lround(0.2 / dts[k]);
        CU_ASSERT_EQUAL_FATAL(r.n, 200 * every);
        err[k] = 0;
        for (int m = 1; m <= 200; m++)
            for (int c = 0; c < 4; c++)
                err[k] = fmax(err[k], fabs(r.x[m * every - 1][c * 3 + MC_V] - ref[m][c]));
    }
    int ok = err[1] < 0.05;
    for (int k = 0; k < 3; k++) {
        double order = log2(err[k] / err[k + 1]);
        ok &= order > 1.8 && order < 2.2;
    }
    CU_ASSERT(ok);
    if (!ok)
        fprintf(stderr, "conductance mode vs rk4: errors %g %g %g %g mV\n", err[0], err[1],
                err[2], err[3]);
}

/* A population of one neuron stepped through the ops table, conductances held constant. */
struct held {
    double params[NRN_MAX_PARAMS];
    struct nrn_shape shape;
    double derived[8192];
    double st[NRN_MAX_STATE], in[NRN_MAX_PORTS];
    double *state[NRN_MAX_STATE], *input[NRN_MAX_PORTS];
    int32_t refr;
    uint32_t bad;
    struct nrn_ctx cx;
};

static void held_init(struct held *h, const struct nrn_ops *m, int ncomp, double dt)
{
    memset(h, 0, sizeof *h);
    for (int i = 0; i < m->nparams; i++) h->params[i] = m->params[i].def;
    nrn_shape_point(&h->shape);
    if (m->max_comps) {
        h->shape.ncomp = ncomp;
        for (int c = 0; c < ncomp; c++) {
            for (int k = 0; k < m->ncparams; k++) h->shape.cparams[c][k] = m->cparams[k].def;
            snprintf(h->shape.names[c], NRN_COMP_NAME, "c%d", c);
            h->shape.parent[c] = c ? 0 : -1;
        }
        h->params[MC_SYNAPSE] = MC_SYN_CONDUCTANCE;
        h->params[MC_V_TH] = 1000;
    }
    (void)dt;
    for (int v = 0; v < NRN_MAX_STATE; v++) h->state[v] = &h->st[v];
    for (int q = 0; q < NRN_MAX_PORTS; q++) h->input[q] = &h->in[q];
    h->bad = UINT32_MAX;
}

static void held_prepare(struct held *h, const struct nrn_ops *m, double dt)
{
    struct err e;
    CU_ASSERT_FATAL(m->derived_size <= sizeof h->derived);
    CU_ASSERT_EQUAL_FATAL(m->prepare(h->params, &h->shape, dt, h->derived, &e), 0);
    m->initial(h->params, &h->shape, h->st);
    h->cx = (struct nrn_ctx){.derived = h->derived, .state = h->state, .refr = &h->refr,
                             .input = h->input, .nonfinite = &h->bad};
}

/* one step with the conductances (state indices gi[k], values g[k]) held */
static void held_step(struct held *h, const struct nrn_ops *m, const int *gi, const double *g,
                      int ng)
{
    uint32_t spk[1];
    for (int k = 0; k < ng; k++) h->st[gi[k]] = g[k];
    m->update(&h->cx, 0, 1, spk);
}

/* the conductance a step sees: the mean of g e^{-t/tau} over it */
static double step_mean(double g, double tau, double dt) { return -g * tau / dt * expm1(-dt / tau); }

static const double HC = 200, HGL = 10, HEL = -60, HGEX = 15, HGIN = 8, HTAU = 1e9;

/* lif_cond's parameters and the conductances HGEX, HGIN held; returns v after t_end from e_l */
static double lifc_held(double dt, double t_end, double *vmax_dev)
{
    static struct held h;
    held_init(&h, &lif_cond_ops, 1, dt);
    h.params[LIFC_C_M] = HC;
    h.params[LIFC_G_L] = HGL;
    h.params[LIFC_E_L] = HEL;
    h.params[LIFC_I_E] = 0;
    h.params[LIFC_TAU_SYN_EX] = h.params[LIFC_TAU_SYN_IN] = HTAU;
    h.params[LIFC_V_TH] = 1000;
    held_prepare(&h, &lif_cond_ops, dt);
    const int gi[2] = {LIFC_G_EX, LIFC_G_IN};
    const double g[2] = {HGEX, HGIN};
    double ge = step_mean(HGEX, HTAU, dt), gn = step_mean(HGIN, HTAU, dt), G = HGL + ge + gn;
    double vinf = (HGL * HEL + ge * 0.0 + gn * -80.0) / G;
    long n = lround(t_end / dt);
    *vmax_dev = 0;
    for (long k = 1; k <= n; k++) {
        held_step(&h, &lif_cond_ops, gi, g, 2);
        double truth = vinf + (HEL - vinf) * exp(-k * dt * G / HC);
        *vmax_dev = fmax(*vmax_dev, fabs(h.st[LIFC_V] - truth));
    }
    return h.st[LIFC_V];
}

/* the same as one mc_lif compartment; dev gets the largest distance from lif_cond's path */
static double mc_held(double dt, double t_end, double *dev)
{
    static struct held h, l;
    held_init(&h, &mc_lif_ops, 1, dt);
    double *cp = h.shape.cparams[0];
    cp[MC_C_M] = HC;
    cp[MC_G_L] = HGL;
    cp[MC_E_L] = HEL;
    cp[MC_TAU_SYN_EX] = cp[MC_TAU_SYN_IN] = HTAU;
    held_prepare(&h, &mc_lif_ops, dt);
    held_init(&l, &lif_cond_ops, 1, dt);
    l.params[LIFC_C_M] = HC;
    l.params[LIFC_G_L] = HGL;
    l.params[LIFC_E_L] = HEL;
    l.params[LIFC_I_E] = 0;
    l.params[LIFC_TAU_SYN_EX] = l.params[LIFC_TAU_SYN_IN] = HTAU;
    l.params[LIFC_V_TH] = 1000;
    held_prepare(&l, &lif_cond_ops, dt);
    const int gm[2] = {MC_I_EX, MC_I_IN}, gl[2] = {LIFC_G_EX, LIFC_G_IN};
    const double g[2] = {HGEX, HGIN};
    long n = lround(t_end / dt);
    *dev = 0;
    for (long k = 1; k <= n; k++) {
        held_step(&h, &mc_lif_ops, gm, g, 2);
        held_step(&l, &lif_cond_ops, gl, g, 2);
        *dev = fmax(*dev, fabs(h.st[MC_V] - l.st[LIFC_V]));
    }
    return h.st[MC_V];
}

/* Truth: lif_cond is exact for constant conductances (its documented property, checked here
 * against the closed-form exponential); one conductance-mode compartment must stay within
 * its own second-order error of it (the gap falls fourfold per halving of dt) and reach the
 * closed-form steady state v = (g_l e_l + g_ex e_ex + g_in e_in) / (g_l + g_ex + g_in). */
static void test_cond_one_compartment(void)
{
    double dev_l, dev1, dev2;
    lifc_held(0.1, 100.0, &dev_l);
    CU_ASSERT(dev_l < 1e-9);
    mc_held(0.1, 100.0, &dev1);
    mc_held(0.05, 100.0, &dev2);
    CU_ASSERT(dev1 < 1e-4);
    CU_ASSERT(dev2 > 0 && dev1 / dev2 > 3.6 && dev1 / dev2 < 4.4);
    if (!(dev1 < 1e-4 && dev1 / dev2 > 3.6 && dev1 / dev2 < 4.4))
        fprintf(stderr, "conductance mode vs lif_cond: %g, %g mV\n", dev1, dev2);
    double ge = step_mean(HGEX, HTAU, 0.1), gn = step_mean(HGIN, HTAU, 0.1);
    double vss = (HGL * HEL + ge * 0.0 + gn * -80.0) / (HGL + ge + gn);
    double v = mc_held(0.1, 2000.0, &dev1);
    CU_ASSERT(fabs(v - vss) < 1e-9);
    /* stiff: dt g / c_m = 50; v must rise monotonically to its steady state, never past e_ex */
    static struct held h;
    held_init(&h, &mc_lif_ops, 1, 0.1);
    h.shape.cparams[0][MC_TAU_SYN_EX] = HTAU;
    held_prepare(&h, &mc_lif_ops, 0.1);
    const int gi[1] = {MC_I_EX};
    const double g[1] = {1e5};
    double prev = h.st[MC_V], gm = step_mean(1e5, HTAU, 0.1);
    int mono = 1;
    for (int k = 0; k < 20000; k++) {
        held_step(&h, &mc_lif_ops, gi, g, 1);
        mono &= h.st[MC_V] >= prev - 1e-12 && h.st[MC_V] <= 0.0; /* rounding at rest */
        prev = h.st[MC_V];
    }
    CU_ASSERT(mono);
    CU_ASSERT(fabs(h.st[MC_V] - (10 * -70.0 + gm * 0.0) / (10 + gm)) < 1e-9);
}

/* Truth: the two-node divider with each node's leak joined by its conductances in parallel,
 *   G_s = g_s + g_ex,s + g_in,s, E_s = (g_s e_s + g_ex,s e_ex + g_in,s e_in) / G_s (and so on
 * for the dendrite, whose bias I is added), solved in closed form. */
static void test_cond_divider(void)
{
    static struct held h;
    const double dt = 0.1;
    held_init(&h, &mc_lif_ops, 2, dt);
    double *s = h.shape.cparams[0], *d = h.shape.cparams[1];
    s[MC_C_M] = 200, s[MC_G_L] = 10, s[MC_E_L] = -70;
    d[MC_C_M] = 100, d[MC_G_L] = 5, d[MC_E_L] = -65, d[MC_G_C] = 20, d[MC_I_E] = 100;
    d[MC_E_EX] = 10.0; /* a reversal of its own */
    for (int c = 0; c < 2; c++)
        h.shape.cparams[c][MC_TAU_SYN_EX] = h.shape.cparams[c][MC_TAU_SYN_IN] = HTAU;
    held_prepare(&h, &mc_lif_ops, dt);
    const int gi[4] = {MC_I_EX, MC_I_IN, MC_NSTATE + MC_I_EX, MC_NSTATE + MC_I_IN};
    const double g[4] = {4.0, 6.0, 12.0, 3.0};
    for (int k = 0; k < 30000; k++) held_step(&h, &mc_lif_ops, gi, g, 4);
    double m[4];
    for (int k = 0; k < 4; k++) m[k] = step_mean(g[k], HTAU, dt);
    double Gs = 10 + m[0] + m[1], Gd = 5 + m[2] + m[3], gc = 20, I = 100;
    double rs = 10 * -70.0 + m[0] * 0.0 + m[1] * -80.0;
    double rd = 5 * -65.0 + m[2] * 10.0 + m[3] * -80.0 + I;
    /* [Gs + gc, -gc; -gc, Gd + gc] v = [rs; rd] */
    double det = (Gs + gc) * (Gd + gc) - gc * gc;
    double vs = (rs * (Gd + gc) + gc * rd) / det, vd = ((Gs + gc) * rd + gc * rs) / det;
    CU_ASSERT(fabs(h.st[MC_V] - vs) < 1e-9);
    CU_ASSERT(fabs(h.st[MC_NSTATE + MC_V] - vd) < 1e-9);
    if (!(fabs(h.st[MC_V] - vs) < 1e-9 && fabs(h.st[MC_NSTATE + MC_V] - vd) < 1e-9))
        fprintf(stderr, "divider: %.12g %.12g want %.12g %.12g\n", h.st[MC_V],
                h.st[MC_NSTATE + MC_V], vs, vd);
}

/* Truth: the documented error format (file:line: setting: message, exit 2): conductances take
 * no negative weights, from projections or Poisson stimuli; current mode still does. */
static void test_cond_config_errors(void)
{
    static const char cfg[] =
        "populations = ( { name = \"p\"; size = 4; model = \"mc_lif\"; synapse = \"conductance\";\n"
        "  compartments = ( { name = \"soma\"; }, { name = \"apical\"; e_in = -75.0; } ); },\n"
        " { name = \"s\"; size = 2; model = \"spike_source\"; spike_times = ( [1.0], [2.0] ); } );\n"
        "projections = ( { name = \"inh\"; from = \"s\"; to = \"p\"; rule = \"all_to_all\";\n"
        "  compartment = \"apical\"; receptor = \"in\";\n"
        "  weight = 2.0; } );\n"
        "stimuli = ( { name = \"bg\"; type = \"poisson\"; target = \"p\"; compartment = \"apical\";\n"
        "  rate = 100.0; weight = 1.0; } );\n";
    char args[1024], out[4096];
    const char *path = harness_write("mc_cond.cfg", cfg);
    snprintf(args, sizeof args, "check %s", path);
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 0);
    const char *bad = harness_write("mc_cond_bad.cfg",
        "populations = ( { name = \"p\"; size = 4; model = \"mc_lif\"; synapse = \"conductance\";\n"
        "  compartments = ( { name = \"soma\"; }, { name = \"apical\"; } ); },\n"
        " { name = \"s\"; size = 2; model = \"spike_source\"; spike_times = ( [1.0], [2.0] ); } );\n"
        "projections = ( { name = \"inh\"; from = \"s\"; to = \"p\"; rule = \"all_to_all\";\n"
        "  compartment = \"apical\"; receptor = \"in\";\n"
        "  weight = -2.0; } );\n");
    snprintf(args, sizeof args, "check %s", bad);
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "mc_cond_bad.cfg:6: projections.inh.weight: -2 nS is negative"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "conductance"));
    static const struct {
        const char *set, *want;
    } cases[] = {
        {"stimuli.bg.weight=-1.0", "stimuli.bg.weight"},
        {"projections.inh.weight={dist=\"normal\"; mean=1.0; std=0.5;}", "min = 0.0"},
        {"populations.p.synapse=\"voltage\"", "populations.p.synapse"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(args, sizeof args, "check %s --set '%s'", path, cases[i].set);
        CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, cases[i].want));
    }
    snprintf(args, sizeof args,
             "check %s --set 'populations.p.synapse=\"current\"' --set projections.inh.weight=-2.0",
             path);
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 0);
}

/* Truth: byte-identical spike files and traces for 1, 2, 3 and 4 threads, on a small
 * conductance-mode version of configs/pyramidal.cfg (weights in nS). */
static void test_cond_threads(void)
{
    const char *files[] = {"spikes.csv", "spikes.bin", "traces.csv"};
    char *ref[3] = {NULL, NULL, NULL};
    size_t ref_len[3] = {0, 0, 0};
    char args[2048], out[8192], path[1200];
    for (int t = 1; t <= 4; t++) {
        snprintf(args, sizeof args,
                 "run %s/configs/pyramidal.cfg --set 'populations.pyr.synapse=\"conductance\"' "
                 "--set populations.pyr.size=60 --set populations.top.size=30 "
                 "--set simulation.duration=600.0 --set stimuli.bottom_up.weight=2.0 "
                 "--set projections.topdown.weight=1.0 --quiet --threads %d -o %s/mc_cond_%d",
                 harness_root(), t, harness_tmpdir(), t);
        CU_ASSERT_EQUAL_FATAL(harness_apical(args, out, sizeof out), 0);
        for (int f = 0; f < 3; f++) {
            snprintf(path, sizeof path, "%s/mc_cond_%d/%s", harness_tmpdir(), t, files[f]);
            size_t len = 0;
            char *data = harness_slurp(path, &len);
            CU_ASSERT_PTR_NOT_NULL_FATAL(data);
            if (t == 1) {
                ref[f] = data;
                ref_len[f] = len;
                CU_ASSERT(len > 1000);
            } else {
                CU_ASSERT(len == ref_len[f] && memcmp(data, ref[f], len) == 0);
                free(data);
            }
        }
    }
    for (int f = 0; f < 3; f++) free(ref[f]);
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
    CU_add_test(s, "conductances: second order against RK4", test_cond_order);
    CU_add_test(s, "conductances: one compartment vs lif_cond, steady state",
                test_cond_one_compartment);
    CU_add_test(s, "conductances: two-compartment divider steady state", test_cond_divider);
    CU_add_test(s, "conductances: negative weights refused", test_cond_config_errors);
    CU_add_test(s, "conductances: identical files for 1-4 threads", test_cond_threads);
    return 0;
}
TEST_SUITE(suite_mc_lif)
