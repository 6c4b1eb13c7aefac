/* tests/test_learning_snn: learning/snn against independent truths: with one step the network
 * is a perceptron, so the apical rule with symmetric feedback and BPTT must give learning/mlp's
 * backprop gradient (1e-9); with soft spikes BPTT must equal central finite differences of the
 * loss (1e-7; worst seen 4.2e-8); the apical rule's backward sum must equal the rule written out
 * with forward traces; samples must not share state; a layer's PSP area over a long presentation
 * is the plain sum. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/cfg.h"
#include "learning/lcfg.h"
#include "learning/mlp.h"
#include "learning/snn.h"
#include "tests/harness.h"

/* The projections' feedback modes into self (int[SNN_MAX_PROJS]), as apical train reads them. */
static int read_fb(void *self, const struct cfg_ctx *c, const config_setting_t *root,
                   const struct net_spec *s) {
    return lcfg_read_feedback(c, root, s, self);
}

/* A chain in -> h1 [-> h2] -> out; h layers: soma + basal (coupled) or soma only, and a
 * segregated apical; the readout an li (leaky integrator). */
static struct snn *make(int nin, int nh1, int nh2, int nout, double dur, int basal, int soft,
                        const char *fb, int loss, double rate_strength, uint64_t seed) {
    char text[8192];
    const char *hcomp =
        basal ? "{ name = \"soma\"; c_m = 200.0; g_l = 10.0; e_l = -70.0; tau_syn_ex = 5.0; },"
                "{ name = \"basal\"; c_m = 100.0; g_l = 5.0; e_l = -70.0; g_c = 20.0; parent = "
                "\"soma\";"
                " tau_syn_ex = 3.0; },"
                "{ name = \"apical\"; c_m = 100.0; g_l = 5.0; e_l = -70.0; g_c = 0.0; parent = "
                "\"soma\"; }"
              : "{ name = \"soma\"; c_m = 200.0; g_l = 10.0; e_l = -70.0; tau_syn_ex = 5.0; },"
                "{ name = \"apical\"; c_m = 100.0; g_l = 5.0; e_l = -70.0; g_c = 0.0; parent = "
                "\"soma\"; }";
    const char *fwc = basal ? "basal" : "soma";
    char h2[2048] = "", p2[1024] = "";
    if (nh2)
        snprintf(h2, sizeof h2,
                 "{ name = \"h2\"; size = %d; model = \"mc_lif\"; v_th = -60.0; "
                 "v_reset = -70.0; t_ref = 0.0; compartments = ( %s ); },",
                 nh2, hcomp);
    if (nh2)
        snprintf(p2, sizeof p2,
                 "{ name = \"w2\"; from = \"h1\"; to = \"h2\"; compartment = \"%s\"; rule = "
                 "\"all_to_all\"; weight = { dist = \"normal\"; mean = 400.0; std = 2500.0; }; },"
                 "{ name = \"b2\"; from = \"h2\"; to = \"h1\"; compartment = \"apical\"; "
                 "rule = \"all_to_all\"; feedback = \"%s\"; weight = { dist = \"normal\"; "
                 "mean = 0.0; std = 1.0; }; },",
                 fwc, fb);
    snprintf(
        text, sizeof text,
        "simulation = { dt = 1.0; duration = %g; seed = %llu; };\n"
        "populations = (\n"
        "  { name = \"in\"; size = %d; model = \"spike_source\"; },\n"
        "  { name = \"h1\"; size = %d; model = \"mc_lif\"; v_th = -60.0; v_reset = -70.0; "
        "t_ref = 0.0; compartments = ( %s ); },\n  %s\n"
        "  { name = \"out\"; size = %d; model = \"li\"; c_m = 100.0; tau_m = 10.0; "
        "e_l = -65.0; tau_syn_ex = 4.0; }\n);\n"
        "projections = (\n"
        "  { name = \"w1\"; from = \"in\"; to = \"h1\"; compartment = \"%s\"; rule = "
        "\"all_to_all\"; weight = { dist = \"normal\"; mean = 1500.0; std = 3000.0; }; },\n"
        "  %s\n"
        "  { name = \"wo\"; from = \"%s\"; to = \"out\"; rule = \"all_to_all\"; weight = { "
        "dist = \"normal\"; mean = 0.0; std = 800.0; }; },\n"
        "  { name = \"bo\"; from = \"%s\"; to = \"%s\"; compartment = \"apical\"; rule = "
        "\"all_to_all\"; feedback = \"%s\"; weight = { dist = \"normal\"; mean = 0.0; std = "
        "1.0; }; }\n);\n",
        dur, (unsigned long long)seed, nin, nh1, hcomp, h2, nout, fwc, p2, nh2 ? "h2" : "h1", "out",
        nh2 ? "h2" : "h1", fb);
    const char *path = harness_write("snn.cfg", text);
    static const char *const blocks[] = {"learning", NULL};
    struct snn_opts o = {0};
    struct cfg_ext ext = {.blocks = blocks, .read = read_fb, .self = o.feedback,
                          .proj_keys = lcfg_proj_keys};
    struct net_spec spec;
    memset(&spec, 0, sizeof spec);
    char *resolved = NULL;
    struct err e = {0};
    if (cfg_load_ext(path, NULL, 0, &ext, &spec, &resolved, &e) != 0) {
        char buf[1024];
        err_format(&e, buf, sizeof buf);
        fprintf(stderr, "config: %s\n", buf);
        return NULL;
    }
    free(resolved);
    o.T = (uint32_t)lround(dur / spec.dt_ms);
    o.soft = soft;
    surr_init(&o.surr, "fast_sigmoid", 0.5, NAN, "", NULL);
    if (soft) o.surr.gamma = surr_unit_gamma(o.surr.shape, o.surr.beta);
    o.loss = loss;
    o.mse_target = 5.0;
    o.rate_target_hz = 20;
    o.rate_strength = rate_strength;
    o.file = path;
    struct snn *n = NULL;
    if (snn_create(&n, &spec, &o, &e) != 0) {
        char buf[1024];
        err_format(&e, buf, sizeof buf);
        fprintf(stderr, "snn: %s\n", buf);
    }
    /* these truths are of the same-step network (D = 0); tests/test_snn_delay.c has delays */
    for (int l = 0; n && l < n->nlayers; l++)
        n->L[l].delay = 0;
    spec_free(&spec);
    return n;
}

/* Input: values x_j at step 0 (one-step tests), or a fixed pattern of events. */
static void one_step_input(struct snn_input *in, int nin, const double *x) {
    snn_input_reserve(in, (uint32_t)nin, NULL);
    in->n = 0;
    for (int j = 0; j < nin; j++) {
        in->t[in->n] = 0;
        in->j[in->n] = (uint32_t)j;
        in->v[in->n++] = x[j];
    }
}

static void pattern_input(struct snn_input *in, int nin, uint32_t T, uint64_t seed) {
    snn_input_reserve(in, (uint32_t)nin * T, NULL);
    in->n = 0;
    uint64_t s = seed * 2654435761u + 1;
    for (uint32_t t = 0; t < T; t++)
        for (int j = 0; j < nin; j++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            if ((s >> 33) % 4 != 0) continue; /* a quarter of the slots spike */
            in->t[in->n] = t;
            in->j[in->n] = (uint32_t)j;
            in->v[in->n++] = 1.0;
        }
}

static double max_rel_diff(const double *a, const double *b, size_t n) {
    double scale = 0, d = 0;
    for (size_t i = 0; i < n; i++) {
        scale = fmax(scale, fmax(fabs(a[i]), fabs(b[i])));
        d = fmax(d, fabs(a[i] - b[i]));
    }
    return scale > 0 ? d / scale : d;
}

/* Truth: backprop through the equivalent perceptron (learning/mlp). With one step, layer l's
 * potential is q0_l W_l^T s_{l-1}, so the perceptron has weights q0_l W_l^T, biases -theta. */
static void check_mlp(int nh2, int loss, int rule, int basal) {
    const int nin = 5, nh1 = 7, nout = 3;
    struct snn *n = make(nin, nh1, nh2, nout, 1.0, basal, 0, "symmetric", loss, 0, 11);
    CU_ASSERT_FATAL(n != NULL);
    int sizes[4] = {nin, nh1, nh2 ? nh2 : nout, nout};
    enum mlp_act act[3] = {MLP_SPIKE, nh2 ? MLP_SPIKE : MLP_IDENTITY, MLP_IDENTITY};
    int nl = nh2 ? 3 : 2;
    struct mlp *m = NULL;
    CU_ASSERT_FATAL(mlp_create(&m, nl, sizes, act, &n->surr, NULL) == 0);
    for (int l = 0; l < nl; l++) {
        const struct snn_layer *L = &n->L[l];
        for (uint32_t i = 0; i < L->n; i++) {
            for (uint32_t j = 0; j < L->n_in; j++)
                m->w[l][i * L->n_in + j] = L->q[0] * n->params[L->w_off + j * L->n + i];
            m->b[l][i] = L->spiking ? -L->theta : 0.0;
        }
    }
    struct mlp_work *mw = mlp_work_create(m);
    struct mlp_grad *g = mlp_grad_create(m);
    struct snn_work *w = snn_work_create(n);
    double *grad = calloc(n->nforward, sizeof *grad), *want = calloc(n->nforward, sizeof *want);
    struct snn_input in = {0};
    int active = 0;
    for (int sample = 0; sample < 20; sample++) {
        double x[5], t[3] = {0};
        for (int j = 0; j < nin; j++)
            x[j] = fmod(0.37 * (sample + 1) * (j + 2), 1.0);
        int label = sample % nout;
        const int ce = loss != SNN_LOSS_MSE;
        t[label] = ce ? 1.0 : n->mse_target;
        one_step_input(&in, nin, x);
        struct snn_result r;
        snn_forward(n, w, &in, label, &r);
        memset(grad, 0, sizeof(double) * n->nforward);
        snn_backward(n, w, &in, label, rule, 1.0, grad);
        mlp_grad_zero(g);
        double ml = mlp_backprop(m, mw, x, ce ? MLP_SOFTMAX_CE : MLP_MSE, t, 1.0, g);
        CU_ASSERT(fabs(ml - r.loss) < 1e-9 * fmax(1, fabs(ml)));
        for (int l = 0; l < nl; l++) {
            const struct snn_layer *L = &n->L[l];
            for (uint32_t i = 0; i < L->n; i++)
                for (uint32_t j = 0; j < L->n_in; j++)
                    want[L->w_off + j * L->n + i] = L->q[0] * g->w[l][i * L->n_in + j];
        }
        double d = max_rel_diff(grad, want, n->nforward);
        if (d >= 1e-9) fprintf(stderr, "  sample %d: relative difference %.3g\n", sample, d);
        CU_ASSERT(d < 1e-9);
        for (size_t k = 0; k < n->L[0].n_in * n->L[0].n; k++)
            active += grad[k] != 0;
    }
    CU_ASSERT(active > 0); /* some hidden units sat near threshold: the check saw gradients */
    free(grad), free(want);
    snn_input_free(&in);
    snn_work_destroy(w);
    mlp_grad_destroy(g);
    mlp_work_destroy(mw);
    mlp_destroy(m);
    snn_destroy(n);
}

static void test_apical_is_backprop(void) {
    check_mlp(0, SNN_LOSS_CE, SNN_APICAL, 0);
    check_mlp(0, SNN_LOSS_MSE, SNN_APICAL, 1);
    check_mlp(6, SNN_LOSS_CE, SNN_APICAL, 1);
    check_mlp(0, SNN_LOSS_CE_MEAN, SNN_APICAL, 1);
}

static void test_bptt_one_step_is_backprop(void) {
    check_mlp(0, SNN_LOSS_CE, SNN_BPTT, 1);
    check_mlp(6, SNN_LOSS_CE, SNN_BPTT, 1);
    check_mlp(6, SNN_LOSS_CE_MEAN, SNN_BPTT, 1); /* one step: the mean is the step */
    check_mlp(6, SNN_LOSS_MSE, SNN_BPTT, 0);
}

static double loss_of(struct snn *n, struct snn_work *w, const struct snn_input *in, int label) {
    struct snn_result r;
    snn_forward(n, w, in, label, &r);
    return r.loss;
}

/* Truth: central finite differences of the loss, with the spike a smooth step. */
static void check_fd(int nh2, int basal, double rate_strength, int loss) {
    const int nin = 4, nh1 = 5, nout = 3;
    const double dur = 25.0;
    struct snn *n = make(nin, nh1, nh2, nout, dur, basal, 1, "symmetric", loss, rate_strength, 3);
    CU_ASSERT_FATAL(n != NULL);
    struct snn_work *w = snn_work_create(n);
    struct snn_input in = {0};
    pattern_input(&in, nin, n->T, 7);
    const int label = 1;
    double *grad = calloc(n->nforward, sizeof *grad);
    struct snn_result r;
    snn_forward(n, w, &in, label, &r);
    snn_backward(n, w, &in, label, SNN_BPTT, 1.0, grad);
    double worst = 0, gmax = 0;
    for (size_t k = 0; k < n->nforward; k++)
        gmax = fmax(gmax, fabs(grad[k]));
    for (size_t k = 0; k < n->nforward; k++) {
        /* central differences at h and h/2, Richardson-extrapolated: error O(h^4) */
        double p = n->params[k], h = 1e-4 * fmax(1.0, fabs(p)), cd[2];
        for (int half = 0; half < 2; half++) {
            double hh = half ? h / 2 : h;
            n->params[k] = p + hh;
            double lp = loss_of(n, w, &in, label);
            n->params[k] = p - hh;
            double lm = loss_of(n, w, &in, label);
            cd[half] = (lp - lm) / (2 * hh);
        }
        n->params[k] = p;
        double fd = (4 * cd[1] - cd[0]) / 3;
        /* relative to the largest gradient: entries near zero have no relative accuracy */
        double d = fabs(fd - grad[k]) / fmax(fabs(fd), 1e-3 * gmax);
        worst = fmax(worst, d);
    }
    fprintf(stderr,
            "  BPTT vs finite differences (%zu weights, hidden2 %d, basal %d, reg %g, "
            "loss %d): worst relative %.2g\n",
            n->nforward, nh2, basal, rate_strength, loss, worst);
    /* the five cases' worst: 3.0e-8, 4.2e-8, 1.7e-8, 2.6e-8, 4.9e-9 (Richardson's O(h^4) and
     * rounding); a gradient with one term wrong or missing is off by far more */
    CU_ASSERT(worst < 1e-7);
    CU_ASSERT(gmax > 0);
    free(grad);
    snn_input_free(&in);
    snn_work_destroy(w);
    snn_destroy(n);
}

static void test_bptt_finite_differences(void) {
    check_fd(0, 0, 0, SNN_LOSS_CE);
    check_fd(0, 1, 1e-4, SNN_LOSS_CE);
    check_fd(4, 1, 0, SNN_LOSS_CE);
    check_fd(4, 0, 0, SNN_LOSS_CE_MEAN);
    check_fd(0, 1, 0, SNN_LOSS_MSE);
}

/* Truth: the rule as written, dW_ji = sum_t a_i psi_i e_j with e_j from a forward trace
 * x_j(t) = P x_j(t-1) + q s_j(t) (no reset), e_j = x_j,soma; a of the hidden layer from the
 * readout's potentials: kgain W_o delta(t), delta = (softmax(y) - onehot) / T. */
static void test_apical_forward_traces(void) {
    const int nin = 6, nh = 8, nout = 3;
    struct snn *n = make(nin, nh, 0, nout, 30.0, 1, 0, "symmetric", SNN_LOSS_CE, 0, 5);
    CU_ASSERT_FATAL(n != NULL);
    struct snn_work *w = snn_work_create(n);
    struct snn_input in = {0};
    pattern_input(&in, nin, n->T, 2);
    const int label = 2;
    const uint32_t T = n->T;
    double *grad = calloc(n->nforward, sizeof *grad), *want = calloc(n->nforward, sizeof *want);
    struct snn_result r;
    snn_forward(n, w, &in, label, &r);
    snn_backward(n, w, &in, label, SNN_APICAL, 1.0, grad);
    const struct snn_layer *H = &n->L[0], *O = &n->L[1];
    const double *y = snn_work_u(w, 1), *u = snn_work_u(w, 0), *s = snn_work_s(w, 0);
    double *delta = calloc((size_t)T * nout, sizeof *delta);
    for (uint32_t t = 0; t < T; t++) {
        double z = 0;
        for (int k = 0; k < nout; k++)
            z += exp(y[t * nout + k]);
        for (int k = 0; k < nout; k++)
            delta[t * nout + k] = (exp(y[t * nout + k]) / z - (k == label)) / T;
    }
    /* forward traces of every input (through H's kernel) and hidden unit (through O's) */
    for (int layer = 0; layer < 2; layer++) {
        const struct snn_layer *L = layer ? O : H;
        int npre = layer ? nh : nin;
        for (int j = 0; j < npre; j++) {
            double x[SNN_MAX_D] = {0}, xn[SNN_MAX_D];
            for (uint32_t t = 0; t < T; t++) {
                double sj = 0;
                if (layer)
                    sj = s[t * nh + j];
                else
                    for (uint32_t k = 0; k < in.n; k++)
                        if (in.t[k] == t && in.j[k] == (uint32_t)j) sj = in.v[k];
                for (int a = 0; a < L->D; a++) {
                    xn[a] = L->q[a] * sj;
                    for (int b = 0; b < L->D; b++)
                        xn[a] += L->P[a * L->D + b] * x[b];
                }
                memcpy(x, xn, sizeof x);
                double e = x[0];
                for (uint32_t i = 0; i < L->n; i++) {
                    double g;
                    if (layer)
                        g = delta[t * nout + i];
                    else {
                        double a = 0;
                        for (int k = 0; k < nout; k++)
                            a +=
                                O->kgain * n->params[O->w_off + i * nout + k] * delta[t * nout + k];
                        g = a * surr_psi(&n->surr, u[t * nh + i] - H->theta);
                    }
                    want[L->w_off + (size_t)j * L->n + i] += g * e;
                }
            }
        }
    }
    double d = max_rel_diff(grad, want, n->nforward);
    fprintf(stderr, "  apical backward sum vs forward traces: relative %.2g\n", d);
    CU_ASSERT(d < 1e-12);
    CU_ASSERT(r.spikes[0] > 0);
    free(delta), free(grad), free(want);
    snn_input_free(&in);
    snn_work_destroy(w);
    snn_destroy(n);
}

/* Truth: a sample's result cannot depend on the sample before it (the state starts at rest). */
static void test_reset_between_samples(void) {
    struct snn *n = make(6, 8, 0, 3, 30.0, 1, 0, "random", SNN_LOSS_CE, 0, 9);
    CU_ASSERT_FATAL(n != NULL);
    struct snn_work *w = snn_work_create(n);
    struct snn_input a = {0}, b = {0};
    pattern_input(&a, 6, n->T, 1);
    pattern_input(&b, 6, n->T, 2);
    double *g1 = calloc(n->nforward, sizeof *g1), *g2 = calloc(n->nforward, sizeof *g2);
    struct snn_result r1, r2;
    for (int rule = 0; rule < 2; rule++) {
        memset(g1, 0, sizeof(double) * n->nforward);
        memset(g2, 0, sizeof(double) * n->nforward);
        snn_forward(n, w, &b, 0, &r1);
        snn_backward(n, w, &b, 0, rule, 1.0, g1);
        snn_forward(n, w, &a, 1, &r2);
        snn_backward(n, w, &a, 1, rule, 1.0, g2);
        memset(g2, 0, sizeof(double) * n->nforward);
        snn_forward(n, w, &b, 0, &r2);
        snn_backward(n, w, &b, 0, rule, 1.0, g2);
        CU_ASSERT(memcmp(g1, g2, sizeof(double) * n->nforward) == 0);
        CU_ASSERT(r1.loss == r2.loss && r1.pred == r2.pred);
    }
    free(g1), free(g2);
    snn_input_free(&a), snn_input_free(&b);
    snn_work_destroy(w);
    snn_destroy(n);
}

/* Truth: kgain as defined, sum_{n<T} e_soma^T P^n q, summed in that order for every n < T.
 * snn stops once the terms have decayed to a fixed point that adds nothing; the bits must be
 * those of the whole sum, for presentations long past that point (20 ms time constants reach
 * the smallest doubles after about 15 000 steps). */
static void test_long_presentation(void) {
    static const double durs[] = {30.0, 20000.0, 1e6};
    for (int k = 0; k < 3; k++) {
        struct snn *n = make(3, 4, 0, 2, durs[k], 1, 0, "symmetric", SNN_LOSS_CE, 0, 4);
        CU_ASSERT_FATAL(n != NULL);
        for (int l = 0; l < n->nlayers; l++) {
            const struct snn_layer *L = &n->L[l];
            double x[SNN_MAX_D], y[SNN_MAX_D], sum = 0;
            memcpy(x, L->q, sizeof x);
            for (uint32_t t = 0; t < n->T; t++) {
                sum += x[0];
                for (int r = 0; r < L->D; r++) {
                    y[r] = 0;
                    for (int c = 0; c < L->D; c++)
                        y[r] += L->P[r * L->D + c] * x[c];
                }
                memcpy(x, y, sizeof x);
            }
            CU_ASSERT(memcmp(&sum, &L->kgain, sizeof sum) == 0);
            CU_ASSERT(sum > 0);
        }
        snn_destroy(n);
    }
}

static int learning_snn_suite(void) {
    CU_pSuite s = CU_add_suite("learning_snn", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "apical rule, one step = backprop (1e-9)", test_apical_is_backprop);
    CU_add_test(s, "BPTT, one step = backprop (1e-9)", test_bptt_one_step_is_backprop);
    CU_add_test(s, "BPTT = finite differences, soft spikes (1e-7)", test_bptt_finite_differences);
    CU_add_test(s, "apical backward sum = forward traces", test_apical_forward_traces);
    CU_add_test(s, "hidden state reset between samples", test_reset_between_samples);
    CU_add_test(s, "PSP area over long presentations", test_long_presentation);
    return 0;
}
TEST_SUITE(learning_snn_suite)
