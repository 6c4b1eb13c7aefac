/* tests/test_snn_delay: learning/snn with transmission delays (layer l's events arrive D_l =
 * delay in steps + 1 later) against independent truths: the forward pass against a plain dense
 * simulation written here (spikes identical, potentials 1e-12); BPTT against central finite
 * differences of the loss with soft spikes and the reset differentiated (1e-6); the apical rule's
 * backward sum against the rule written out with forward traces of the arrivals (1e-10); and
 * `apical train` refusing a delay that is not one whole number of steps (exit 2, naming it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/cfg.h"
#include "learning/lcfg.h"
#include "learning/snn.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

/* The projections' feedback modes into self (int[SNN_MAX_PROJS]), as apical train reads them. */
static int read_fb(void *self, const struct cfg_ctx *c, const config_setting_t *root,
                   const struct net_spec *s) {
    return lcfg_read_feedback(c, root, s, self);
}

/* The network: in -> h1 [-> h2] -> out with forward delays dly[0..2] (ms; dly[1] is h1 -> h2,
 * dly[2] into the readout), hidden layers soma + coupled basal (fed) + segregated apical.
 * fb: "symmetric" (each hidden layer from the one above) or "direct" (from the readout). */
struct net_opts {
    int nin, nh1, nh2, nout;
    double dt, dur, dly[3];
    const char *fb;
    int soft, detach_reset, loss;
    double rate_strength;
    unsigned long long seed;
};

static struct snn *make(const struct net_opts *p) {
    static const char hcomp[] =
        "{ name = \"soma\"; c_m = 200.0; g_l = 10.0; e_l = -70.0; tau_syn_ex = 5.0; },"
        "{ name = \"basal\"; c_m = 100.0; g_l = 5.0; e_l = -70.0; g_c = 20.0; parent = \"soma\";"
        " tau_syn_ex = 3.0; },"
        "{ name = \"apical\"; c_m = 100.0; g_l = 5.0; e_l = -70.0; g_c = 0.0; parent = \"soma\"; }";
    const int direct = snn_feedback_index(p->fb) == SNN_FB_DIRECT;
    const char *top = p->nh2 ? "h2" : "h1";
    char h2[1024] = "", p2[1024] = "", text[8192];
    if (p->nh2) {
        snprintf(h2, sizeof h2,
                 "{ name = \"h2\"; size = %d; model = \"mc_lif\"; v_th = -60.0; v_reset = -70.0; "
                 "t_ref = 0.0; compartments = ( %s ); },",
                 p->nh2, hcomp);
        snprintf(p2, sizeof p2,
                 "{ name = \"w2\"; from = \"h1\"; to = \"h2\"; compartment = \"basal\"; "
                 "rule = \"all_to_all\"; delay = %.17g; weight = { dist = \"normal\"; mean = "
                 "400.0; std = 2500.0; }; },"
                 "{ name = \"b2\"; from = \"%s\"; to = \"h1\"; compartment = \"apical\"; "
                 "rule = \"all_to_all\"; feedback = \"%s\"; weight = { dist = \"normal\"; "
                 "mean = 0.0; std = 1.0; }; },",
                 p->dly[1], direct ? "out" : "h2", p->fb);
    }
    snprintf(text, sizeof text,
             "simulation = { dt = %.17g; duration = %.17g; seed = %llu; };\n"
             "populations = (\n"
             "  { name = \"in\"; size = %d; model = \"spike_source\"; },\n"
             "  { name = \"h1\"; size = %d; model = \"mc_lif\"; v_th = -60.0; v_reset = -70.0; "
             "t_ref = 0.0; compartments = ( %s ); },\n  %s\n"
             "  { name = \"out\"; size = %d; model = \"li\"; c_m = 100.0; tau_m = 10.0; "
             "e_l = -65.0; tau_syn_ex = 4.0; }\n"
             ");\nprojections = (\n"
             "  { name = \"w1\"; from = \"in\"; to = \"h1\"; compartment = \"basal\"; rule = "
             "\"all_to_all\"; delay = %.17g; weight = { dist = \"normal\"; mean = 1500.0; "
             "std = 3000.0; }; },\n  %s\n"
             "  { name = \"wo\"; from = \"%s\"; to = \"out\"; rule = \"all_to_all\"; delay = "
             "%.17g; weight = { dist = \"normal\"; mean = 0.0; std = 800.0; }; },\n"
             "  { name = \"bo\"; from = \"out\"; to = \"%s\"; compartment = \"apical\"; rule = "
             "\"all_to_all\"; feedback = \"%s\"; weight = { dist = \"normal\"; mean = 0.0; "
             "std = 1.0; }; }\n);\n",
             p->dt, p->dur, p->seed, p->nin, p->nh1, hcomp, h2, p->nout, p->dly[0], p2, top,
             p->dly[2], top, p->fb);
    const char *path = harness_write("snn_delay.cfg", text);
    static const char *const blocks[] = {"learning", NULL};
    struct snn_opts o = {0};
    struct cfg_ext ext = {.blocks = blocks, .read = read_fb, .self = o.feedback,
                          .proj_keys = lcfg_proj_keys};
    struct net_spec spec;
    memset(&spec, 0, sizeof spec);
    char *resolved = NULL, buf[1024];
    struct err e = {0};
    if (cfg_load_ext(path, NULL, 0, &ext, &spec, &resolved, &e) != 0) {
        err_format(&e, buf, sizeof buf);
        fprintf(stderr, "config: %s\n", buf);
        return NULL;
    }
    free(resolved);
    o.T = (uint32_t)lround(p->dur / spec.dt_ms);
    o.soft = p->soft;
    o.detach_reset = p->detach_reset;
    surr_init(&o.surr, "fast_sigmoid", 0.5, NAN, "", NULL);
    if (p->soft) o.surr.gamma = surr_unit_gamma(o.surr.shape, o.surr.beta);
    o.loss = p->loss;
    o.mse_target = 5.0;
    o.rate_target_hz = 20;
    o.rate_strength = p->rate_strength;
    o.file = path;
    struct snn *n = NULL;
    if (snn_create(&n, &spec, &o, &e) != 0) {
        err_format(&e, buf, sizeof buf);
        fprintf(stderr, "snn: %s\n", buf);
    }
    spec_free(&spec);
    return n;
}

/* A quarter of the (step, input) slots carry an event, of value 1 (a spike) or, when currents,
 * a value in [0.25, 1.75). */
static void pattern_input(struct snn_input *in, int nin, uint32_t T, uint64_t seed, int currents) {
    snn_input_reserve(in, (uint32_t)nin * T, NULL);
    in->n = 0;
    uint64_t s = seed * 2654435761u + 1;
    for (uint32_t t = 0; t < T; t++)
        for (int j = 0; j < nin; j++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            if ((s >> 33) % 4 != 0) continue;
            in->t[in->n] = t;
            in->j[in->n] = (uint32_t)j;
            in->v[in->n++] = currents ? 0.25 + (double)((s >> 40) % 1024) / 1024 * 1.5 : 1.0;
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

/* x = P x + q v for one D-vector */
static void kernel_step(const struct snn_layer *L, double *x, double v) {
    double y[SNN_MAX_D];
    for (int a = 0; a < L->D; a++) {
        y[a] = L->q[a] * v;
        for (int b = 0; b < L->D; b++)
            y[a] += L->P[a * L->D + b] * x[b];
    }
    memcpy(x, y, sizeof y);
}

/* ---------------------------------------------------------------------------------------------
 * (a) Forward.
 */

/* Truth: the equations of snn.h run plainly, per step, with dense matrices: layer l's input at
 * step t is sum_j W_ji s_j(t - D_l), s the layer below's dense T x n_in events. */
static void reference_forward(const struct snn *n, const struct snn_input *in, double **U,
                              double **S) {
    const uint32_t T = n->T;
    double *x = calloc((size_t)T * n->nin, sizeof *x);
    for (uint32_t k = 0; k < in->n; k++)
        x[(size_t)in->t[k] * n->nin + in->j[k]] += in->v[k];
    for (int l = 0; l < n->nlayers; l++) {
        const struct snn_layer *L = &n->L[l];
        const double *W = n->params + L->w_off, *below = l ? S[l - 1] : x;
        double *z = calloc((size_t)L->n * SNN_MAX_D, sizeof *z);
        U[l] = calloc((size_t)T * L->n, sizeof(double));
        S[l] = calloc((size_t)T * L->n, sizeof(double));
        for (uint32_t t = 0; t < T; t++)
            for (uint32_t i = 0; i < L->n; i++) {
                double c = 0;
                if (t >= L->delay)
                    for (uint32_t j = 0; j < L->n_in; j++)
                        c += below[(size_t)(t - L->delay) * L->n_in + j] * W[(size_t)j * L->n + i];
                double *zi = z + (size_t)i * SNN_MAX_D;
                kernel_step(L, zi, c);
                double u = zi[0], s = L->spiking && u >= L->theta ? 1.0 : 0.0;
                zi[0] += s * (L->reset - u);
                U[l][(size_t)t * L->n + i] = u;
                S[l][(size_t)t * L->n + i] = s;
            }
        free(z);
    }
    free(x);
}

static void test_forward(void) {
    /* dt = 0.5 ms: delays of 4, 2 and 3 steps, so D = 5, 3, 4 */
    struct net_opts p = {.nin = 6, .nh1 = 9, .nh2 = 7, .nout = 3, .dt = 0.5, .dur = 20.0,
                         .dly = {2.0, 1.0, 1.5}, .fb = "symmetric", .loss = SNN_LOSS_CE,
                         .seed = 21};
    struct snn *n = make(&p);
    CU_ASSERT_FATAL(n != NULL);
    CU_ASSERT(n->L[0].delay == 5 && n->L[1].delay == 3 && n->L[2].delay == 4);
    struct snn_work *w = snn_work_create(n);
    struct snn_input in = {0};
    for (int currents = 0; currents < 2; currents++) {
        pattern_input(&in, p.nin, n->T, 3 + currents, currents);
        struct snn_result r;
        snn_forward(n, w, &in, 1, &r);
        double *U[SNN_MAX_LAYERS], *S[SNN_MAX_LAYERS];
        reference_forward(n, &in, U, S);
        for (int l = 0; l < n->nlayers; l++) {
            const struct snn_layer *L = &n->L[l];
            size_t tn = (size_t)n->T * L->n;
            const double *u = snn_work_u(w, l), *s = snn_work_s(w, l);
            double d = max_rel_diff(u, U[l], tn), cnt = 0;
            int same = 1;
            for (size_t k = 0; L->spiking && k < tn; k++)
                same &= s[k] == S[l][k], cnt += S[l][k];
            fprintf(stderr, "  forward with delays, layer %s (D = %u): %.0f spikes, potentials "
                            "relative %.2g\n", L->name, L->delay, L->spiking ? cnt : NAN, d);
            CU_ASSERT(d < 1e-12);
            CU_ASSERT(same);
            CU_ASSERT(!L->spiking || cnt > 0); /* every layer took part */
            /* nothing has arrived before the first D_0 + ... + D_l steps */
            uint32_t first = 0;
            for (int k = 0; k <= l; k++)
                first += n->L[k].delay;
            for (size_t k = 0; k < (size_t)first * L->n && k < tn; k++)
                CU_ASSERT(u[k] == 0);
            free(U[l]), free(S[l]);
        }
    }
    snn_input_free(&in);
    snn_work_destroy(w);
    snn_destroy(n);
}

/* ---------------------------------------------------------------------------------------------
 * (b) BPTT.
 */

static double loss_of(struct snn *n, struct snn_work *w, const struct snn_input *in, int label) {
    struct snn_result r;
    snn_forward(n, w, in, label, &r);
    return r.loss;
}

/* Truth: central finite differences of the loss (Richardson-extrapolated), with the spike a
 * smooth step and the reset differentiated: BPTT is then the exact gradient. */
static void check_fd(int nh2, double rate_strength, int loss, const double *dly) {
    struct net_opts p = {.nin = 4, .nh1 = 5, .nh2 = nh2, .nout = 3, .dt = 1.0, .dur = 25.0,
                         .dly = {dly[0], dly[1], dly[2]}, .fb = "symmetric", .soft = 1,
                         .loss = loss, .rate_strength = rate_strength, .seed = 3};
    struct snn *n = make(&p);
    CU_ASSERT_FATAL(n != NULL);
    struct snn_work *w = snn_work_create(n);
    struct snn_input in = {0};
    pattern_input(&in, p.nin, n->T, 7, 0);
    const int label = 1;
    double *grad = calloc(n->nforward, sizeof *grad);
    struct snn_result r;
    snn_forward(n, w, &in, label, &r);
    snn_backward(n, w, &in, label, SNN_BPTT, 1.0, grad);
    double worst = 0, gmax = 0, g0 = 0;
    for (size_t k = 0; k < n->nforward; k++)
        gmax = fmax(gmax, fabs(grad[k]));
    for (size_t k = 0; k < (size_t)n->L[0].n_in * n->L[0].n; k++)
        g0 = fmax(g0, fabs(grad[n->L[0].w_off + k]));
    for (size_t k = 0; k < n->nforward; k++) {
        double q = n->params[k], h = 1e-4 * fmax(1.0, fabs(q)), cd[2];
        for (int half = 0; half < 2; half++) {
            double hh = half ? h / 2 : h;
            n->params[k] = q + hh;
            double lp = loss_of(n, w, &in, label);
            n->params[k] = q - hh;
            double lm = loss_of(n, w, &in, label);
            cd[half] = (lp - lm) / (2 * hh);
        }
        n->params[k] = q;
        double fd = (4 * cd[1] - cd[0]) / 3;
        worst = fmax(worst, fabs(fd - grad[k]) / fmax(fabs(fd), 1e-3 * gmax));
    }
    fprintf(stderr,
            "  BPTT with delays (D = %u %u %u) vs finite differences (%zu weights, reg %g, "
            "loss %d): worst relative %.2g\n",
            n->L[0].delay, n->L[1].delay, n->nlayers > 2 ? n->L[2].delay : 0, n->nforward,
            rate_strength, loss, worst);
    CU_ASSERT(worst < 1e-6);
    CU_ASSERT(g0 > 1e-6 * gmax); /* the error reached the first layer through the delays */
    free(grad);
    snn_input_free(&in);
    snn_work_destroy(w);
    snn_destroy(n);
}

static void test_bptt_finite_differences(void) {
    static const double d1[3] = {2.0, 3.0, 1.0}, d2[3] = {1.0, 1.0, 4.0};
    check_fd(4, 0, SNN_LOSS_CE, d1);
    check_fd(4, 1e-4, SNN_LOSS_CE, d2);
    check_fd(0, 0, SNN_LOSS_CE_MEAN, d1);
    check_fd(0, 0, SNN_LOSS_MSE, d2);
}

/* ---------------------------------------------------------------------------------------------
 * (c) The apical rule.
 */

/* Truth: dW_ji = sum_t g_i(t) e_j(t) written forwards: e_j(t) the trace through the layer's
 * kernel of j's arrivals (its events of t - D), g = delta for the readout, a psi for a hidden
 * layer with a(t) = kgain_A B delta_A(t + S), delta_A = the source layer's g and S the steps from
 * this layer to A (D of the layers above, up to and with A). */
static void check_traces(const char *fb, const double *dly) {
    struct net_opts p = {.nin = 6, .nh1 = 8, .nh2 = 6, .nout = 3, .dt = 1.0, .dur = 30.0,
                         .dly = {dly[0], dly[1], dly[2]}, .fb = fb, .loss = SNN_LOSS_CE,
                         .seed = 5};
    struct snn *n = make(&p);
    CU_ASSERT_FATAL(n != NULL);
    struct snn_work *w = snn_work_create(n);
    struct snn_input in = {0};
    pattern_input(&in, p.nin, n->T, 2, 0);
    const int label = 2, K = p.nout;
    const uint32_t T = n->T;
    double *grad = calloc(n->nforward, sizeof *grad), *want = calloc(n->nforward, sizeof *want);
    struct snn_result r;
    snn_forward(n, w, &in, label, &r);
    snn_backward(n, w, &in, label, SNN_APICAL, 1.0, grad);
    /* g of every layer, top down */
    double *g[SNN_MAX_LAYERS];
    const int top = n->nlayers - 1;
    g[top] = calloc((size_t)T * K, sizeof(double));
    const double *y = snn_work_u(w, top);
    for (uint32_t t = 0; t < T; t++) {
        double z = 0;
        for (int k = 0; k < K; k++)
            z += exp(y[t * K + k]);
        for (int k = 0; k < K; k++)
            g[top][t * K + k] = (exp(y[t * K + k]) / z - (k == label)) / T;
    }
    for (int l = top - 1; l >= 0; l--) {
        const struct snn_layer *L = &n->L[l], *A = &n->L[L->fb_src];
        uint32_t S = 0;
        for (int k = l + 1; k <= L->fb_src; k++)
            S += n->L[k].delay;
        g[l] = calloc((size_t)T * L->n, sizeof(double));
        const double *u = snn_work_u(w, l);
        for (uint32_t t = 0; t + S < T; t++)
            for (uint32_t i = 0; i < L->n; i++) {
                double a = 0;
                for (uint32_t k = 0; k < A->n; k++) {
                    double b = L->fb == SNN_FB_SYMMETRIC
                                   ? n->params[A->w_off + (size_t)i * A->n + k]
                                   : n->params[L->b_off + (size_t)i * A->n + k];
                    a += A->kgain * b * g[L->fb_src][(size_t)(t + S) * A->n + k];
                }
                g[l][(size_t)t * L->n + i] =
                    a * surr_psi(&n->surr, u[(size_t)t * L->n + i] - L->theta);
            }
    }
    for (int l = 0; l <= top; l++) {
        const struct snn_layer *L = &n->L[l];
        const double *below = l ? snn_work_s(w, l - 1) : NULL;
        for (uint32_t j = 0; j < L->n_in; j++) {
            double x[SNN_MAX_D] = {0};
            for (uint32_t t = 0; t < T; t++) {
                double v = 0;
                if (t >= L->delay) {
                    uint32_t ts = t - L->delay;
                    if (below)
                        v = below[(size_t)ts * L->n_in + j];
                    else
                        for (uint32_t k = 0; k < in.n; k++)
                            if (in.t[k] == ts && in.j[k] == j) v = in.v[k];
                }
                kernel_step(L, x, v);
                for (uint32_t i = 0; i < L->n; i++)
                    want[L->w_off + (size_t)j * L->n + i] += g[l][(size_t)t * L->n + i] * x[0];
            }
        }
    }
    double d = max_rel_diff(grad, want, n->nforward), h0 = 0;
    for (size_t k = 0; k < (size_t)n->L[0].n_in * n->L[0].n; k++)
        h0 = fmax(h0, fabs(want[k]));
    fprintf(stderr, "  apical rule (%s) with delays (D = %u %u %u): backward sum vs forward "
                    "traces, relative %.2g\n", fb, n->L[0].delay, n->L[1].delay, n->L[2].delay,
            d);
    CU_ASSERT(d < 1e-10);
    CU_ASSERT(r.spikes[0] > 0 && r.spikes[1] > 0);
    CU_ASSERT(h0 > 0); /* the first layer's update is not empty */
    for (int l = 0; l <= top; l++)
        free(g[l]);
    free(grad), free(want);
    snn_input_free(&in);
    snn_work_destroy(w);
    snn_destroy(n);
}

static void test_apical_forward_traces(void) {
    static const double d1[3] = {2.0, 3.0, 1.0}, d2[3] = {1.0, 4.0, 2.0};
    check_traces("symmetric", d1);
    check_traces("direct", d2);
}

/* ---------------------------------------------------------------------------------------------
 * (d) Delays a training network cannot take.
 */

static void test_refused(void) {
    /* Truth: snn.h's contract, one whole number of steps per forward projection; exit 2 naming
     * the setting, nothing trained. A whole number (2.0 ms) trains. */
    static const struct {
        const char *in_delay, *out_delay, *path, *what;
    } cases[] = {
        {"1.5", "1.0", "projections.w_in.delay", "whole number of steps"},
        {"1.0", "{ dist = \"uniform\"; low = 1.0; high = 3.0; }", "projections.w_out.delay",
         "distributed delay"},
        {"2.0", "3.0", NULL, NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char text[4096], out[16384], name[32], args[2048];
        snprintf(text, sizeof text,
                 "simulation = { dt = 1.0; duration = 20.0; seed = 1; };\n"
                 "populations = (\n"
                 "  { name = \"in\"; size = 4; model = \"spike_source\"; },\n"
                 "  { name = \"hid\"; size = 8; model = \"mc_lif\"; v_th = -60.0; v_reset = "
                 "-70.0; t_ref = 0.0; compartments = (\n"
                 "    { name = \"soma\"; c_m = 200.0; g_l = 20.0; e_l = -70.0; tau_syn_ex = "
                 "3.0; },\n"
                 "    { name = \"apical\"; c_m = 100.0; g_l = 10.0; e_l = -70.0; g_c = 0.0; "
                 "parent = \"soma\"; } ); },\n"
                 "  { name = \"out\"; size = 2; model = \"li\"; c_m = 200.0; tau_m = 10.0; "
                 "e_l = -70.0; tau_syn_ex = 3.0; }\n);\n"
                 "projections = (\n"
                 "  { name = \"w_in\"; from = \"in\"; to = \"hid\"; rule = \"all_to_all\"; "
                 "delay = %s; weight = { dist = \"normal\"; mean = 15.0; std = 60.0; }; },\n"
                 "  { name = \"w_out\"; from = \"hid\"; to = \"out\"; rule = \"all_to_all\"; "
                 "delay = %s; weight = { dist = \"normal\"; mean = 0.0; std = 100.0; }; },\n"
                 "  { name = \"fb\"; from = \"out\"; to = \"hid\"; compartment = \"apical\"; "
                 "rule = \"all_to_all\"; feedback = \"symmetric\"; }\n);\n"
                 "learning = { rule = \"apical\"; optimizer = { type = \"adam\"; lr = 1.0; };\n"
                 "  batch = 4; epochs = 1; };\n"
                 "data = { set = \"xor\"; train = 8; };\n"
                 "encoder = { type = \"current\"; gain = 1.0; };\n",
                 cases[c].in_delay, cases[c].out_delay);
        snprintf(name, sizeof name, "delay%zu.cfg", c);
        const char *cfg = harness_write(name, text);
        snprintf(name, sizeof name, "delay%zu", c);
        const char *dir = harness_path(name);
        snprintf(args, sizeof args, "train %s -o %s --quiet", cfg, dir);
        int rc = harness_apical_within(60, 1 << 20, args, out, sizeof out);
        if (cases[c].path) {
            EXPECT(rc == 2, cases[c].path, out);
            EXPECT(strstr(out, cases[c].path) != NULL, cases[c].path, out);
            EXPECT(strstr(out, cases[c].what) != NULL, cases[c].path, out);
            EXPECT(strstr(out, cfg) != NULL, "the message names the config file", out);
            EXPECT(!harness_exists(dir), "nothing written", out);
        } else {
            EXPECT(rc == 0, "whole-step delays train", out);
        }
    }
}

static int snn_delay_suite(void) {
    CU_pSuite s = CU_add_suite("snn_delay", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "forward with delays = dense reference", test_forward);
    CU_add_test(s, "BPTT with delays = finite differences (1e-6)", test_bptt_finite_differences);
    CU_add_test(s, "apical rule with delays = forward traces (1e-10)", test_apical_forward_traces);
    CU_add_test(s, "a delay that is not whole steps is refused (exit 2)", test_refused);
    return 0;
}
TEST_SUITE(snn_delay_suite)
