/* tests/test_lif_cond: neurons/lif_cond against an independent fine RK4 integration of its ODE,
 * and the order of its scheme as dt halves. */
#include <math.h>
#include <string.h>

#include "neurons/lif_cond.h"
#include "tests/harness.h"

static const double C = 200, GL = 10, EL = -60, EE = 0, EI = -80, TE = 5, TI = 10, IE = 50;
static const double T_A = 2.0, W_EX = 30.0, T_B = 6.0, W_IN = 60.0, T_END = 40.0;

/* conductances as exact functions of time: jumps at T_A (ex) and T_B (in) */
static void g_at(double t, double *ge, double *gi)
{
    *ge = t >= T_A ? W_EX * exp(-(t - T_A) / TE) : 0;
    *gi = t >= T_B ? W_IN * exp(-(t - T_B) / TI) : 0;
}

static double rhs(double t, double v)
{
    double ge, gi;
    g_at(t, &ge, &gi);
    return (GL * (EL - v) + ge * (EE - v) + gi * (EI - v) + IE) / C;
}

/* the reference: classical RK4 with a step of 1e-4 ms, restarted at each jump */
static double reference(double t_end)
{
    double v = EL, t = 0;
    const double marks[] = {T_A, T_B, t_end};
    for (int m = 0; m < 3; m++) {
        double stop = marks[m] < t_end ? marks[m] : t_end;
        long n = lround((stop - t) / 1e-4);
        double h = n ? (stop - t) / n : 0;
        for (long i = 0; i < n; i++) {
            double k1 = rhs(t, v), k2 = rhs(t + h / 2, v + h / 2 * k1);
            double k3 = rhs(t + h / 2, v + h / 2 * k2), k4 = rhs(t + h, v + h * k3);
            v += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
            t += h;
        }
        t = stop;
        if (stop >= t_end) break;
    }
    return v;
}

static double simulate(double dt)
{
    double params[NRN_MAX_PARAMS];
    for (int i = 0; i < lif_cond_ops.nparams; i++) params[i] = lif_cond_ops.params[i].def;
    params[LIFC_C_M] = C;
    params[LIFC_G_L] = GL;
    params[LIFC_E_L] = EL;
    params[LIFC_E_EX] = EE;
    params[LIFC_E_IN] = EI;
    params[LIFC_TAU_SYN_EX] = TE;
    params[LIFC_TAU_SYN_IN] = TI;
    params[LIFC_I_E] = IE;
    params[LIFC_V_TH] = 100; /* no spikes: this checks the subthreshold scheme */
    char derived[512];
    struct err e;
    CU_ASSERT_EQUAL(lif_cond_ops.prepare(params, NULL, dt, derived, &e), 0);
    double st[3], in[2] = {0, 0};
    lif_cond_ops.initial(params, NULL, st);
    double *state[3] = {&st[0], &st[1], &st[2]};
    double *input[2] = {&in[0], &in[1]};
    int32_t refr = 0;
    uint32_t bad = UINT32_MAX;
    struct nrn_ctx c = {.derived = derived, .state = state, .refr = &refr, .input = input,
                        .nonfinite = &bad};
    uint32_t spk[1];
    long steps = lround(T_END / dt);
    /* input added in step k takes effect at (k + 1) dt */
    long ka = lround(T_A / dt) - 1, kb = lround(T_B / dt) - 1;
    for (long k = 0; k < steps; k++) {
        if (k == ka) in[0] = W_EX;
        if (k == kb) in[1] = W_IN;
        lif_cond_ops.update(&c, 0, 1, spk);
    }
    return st[0];
}

/* Truth: RK4 at 1e-4 ms; the error must fall about fourfold per halving of dt (second order). */
static void test_convergence(void)
{
    double ref = reference(T_END);
    double e1 = fabs(simulate(0.2) - ref), e2 = fabs(simulate(0.1) - ref);
    double e3 = fabs(simulate(0.05) - ref), e4 = fabs(simulate(0.025) - ref);
    CU_ASSERT(e2 < 1e-3);
    double r1 = e1 / e2, r2 = e2 / e3, r3 = e3 / e4;
    CU_ASSERT(r1 > 3.2 && r1 < 4.8);
    CU_ASSERT(r2 > 3.2 && r2 < 4.8);
    CU_ASSERT(r3 > 3.2 && r3 < 4.8);
    if (!(r2 > 3.2 && r2 < 4.8))
        fprintf(stderr, "lif_cond errors %g %g %g %g ratios %g %g %g\n", e1, e2, e3, e4, r1, r2, r3);
}

/* Truth: with no synaptic input the scheme is exact: v = v_inf + (v0 - v_inf) e^{-t g_l / c}. */
static void test_exact_without_input(void)
{
    double params[NRN_MAX_PARAMS];
    for (int i = 0; i < lif_cond_ops.nparams; i++) params[i] = lif_cond_ops.params[i].def;
    params[LIFC_I_E] = 80.0;
    params[LIFC_V_TH] = 100;
    char derived[512];
    struct err e;
    lif_cond_ops.prepare(params, NULL, 0.1, derived, &e);
    double st[3] = {-70, 0, 0}, in[2] = {0, 0};
    double *state[3] = {&st[0], &st[1], &st[2]};
    double *input[2] = {&in[0], &in[1]};
    int32_t refr = 0;
    uint32_t bad = UINT32_MAX;
    struct nrn_ctx c = {.derived = derived, .state = state, .refr = &refr, .input = input,
                        .nonfinite = &bad};
    uint32_t spk[1];
    double vinf = params[LIFC_E_L] + 80.0 / params[LIFC_G_L], maxerr = 0;
    for (int k = 1; k <= 1000; k++) {
        lif_cond_ops.update(&c, 0, 1, spk);
        double truth = vinf + (-70 - vinf) * exp(-k * 0.1 * params[LIFC_G_L] / params[LIFC_C_M]);
        maxerr = fmax(maxerr, fabs(st[0] - truth));
    }
    CU_ASSERT(maxerr < 1e-9);
}

static int suite_lif_cond(void)
{
    CU_pSuite s = CU_add_suite("lif_cond", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "second-order convergence against RK4", test_convergence);
    CU_add_test(s, "exact without synaptic input", test_exact_without_input);
    return 0;
}
TEST_SUITE(suite_lif_cond)
