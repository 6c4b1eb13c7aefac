/* tests/test_optim: learning/optim against updates worked out by hand, against Adam's published
 * algorithm (Kingma & Ba 2015, Algorithm 1) iterated here, against the definitions of L2 weight
 * decay and norm clipping, and against convergence on an ill-conditioned quadratic. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learning/optim.h"
#include "tests/harness.h"

static double rel(double a, double b) { return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), 1e-300); }

static struct optim make(int type, double lr, double momentum, int nesterov, size_t n)
{
    struct optim_cfg c;
    optim_cfg_default(&c, type);
    c.lr = lr;
    c.momentum = momentum;
    c.nesterov = nesterov;
    struct optim o;
    CU_ASSERT_EQUAL(optim_init(&o, &c, n, NULL), 0);
    return o;
}

/* Truth: p - lr g, by hand; the gradient is left as it was. */
static void test_sgd_plain(void)
{
    struct optim o = make(OPTIM_SGD, 0.1, 0, 0, 3);
    double p[3] = {1.0, -2.0, 0.5}, g[3] = {0.5, 4.0, -1.0};
    optim_step(&o, p, g);
    CU_ASSERT_DOUBLE_EQUAL(p[0], 0.95, 1e-16);
    CU_ASSERT_DOUBLE_EQUAL(p[1], -2.4, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(p[2], 0.6, 1e-16);
    CU_ASSERT(g[0] == 0.5 && g[1] == 4.0 && g[2] == -1.0);
    CU_ASSERT_EQUAL(o.t, 1);
    optim_free(&o);
}

/* Truth: three steps on f = p^2 (g = 2p) from p = 1, lr 0.1, momentum 0.9, worked out by hand:
 *   plain:    b = 2, 3.4, 3.98;               p = 0.8, 0.46, 0.062
 *   nesterov: b = 2, 3.04, 3.1808; g + 0.9 b = 3.8, 3.976, 3.30752; p = 0.62, 0.2224, -0.108352
 * The updates are linear in p, so starting from s p gives s times these. */
static void test_sgd_momentum(void)
{
    const double want[2][3] = {{0.8, 0.46, 0.062}, {0.62, 0.2224, -0.108352}};
    const double s[3] = {1.0, -1.0, 0.5};
    for (int nest = 0; nest < 2; nest++) {
        struct optim o = make(OPTIM_SGD, 0.1, 0.9, nest, 3);
        double p[3], g[3];
        memcpy(p, s, sizeof p);
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 3; i++) g[i] = 2 * p[i];
            optim_step(&o, p, g);
            for (int i = 0; i < 3; i++) CU_ASSERT(fabs(p[i] - s[i] * want[nest][t]) < 1e-15);
        }
        optim_free(&o);
    }
}

/* Truth: Adam's first step is lr m / (sqrt(v) + eps) with m = g, v = g^2 after bias correction:
 * lr sign(g), short of it by lr eps / |g|; a zero gradient does not move. */
static void test_adam_first_step(void)
{
    const double g0[6] = {3.0, -0.002, 1e-3, -250.0, 0.0, 7.5};
    double p[6] = {0.1, -0.2, 0.3, 1.0, 0.5, -1.0}, p0[6], g[6];
    memcpy(p0, p, sizeof p);
    memcpy(g, g0, sizeof g);
    struct optim o = make(OPTIM_ADAM, 1e-3, 0, 0, 6);
    optim_step(&o, p, g);
    for (int i = 0; i < 6; i++) {
        if (g0[i] == 0) {
            CU_ASSERT(p[i] == p0[i]);
            continue;
        }
        double sign = g0[i] > 0 ? 1 : -1;
        CU_ASSERT(fabs((p[i] - p0[i]) + 1e-3 * sign) <= 1e-3 * 1e-8 / fabs(g0[i]) + 4e-16);
    }
    optim_free(&o);
}

/* Truth: Kingma & Ba 2015, Algorithm 1, written out here, for three steps on a quadratic with
 * non-default beta1, beta2, eps:
 *   m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; mh = m / (1 - b1^t); vh = v / (1 - b2^t);
 *   theta = theta - alpha mh / (sqrt(vh) + eps) */
static void test_adam_algorithm1(void)
{
    enum { N = 4 };
    const double a[N] = {1.0, 3.0, 0.2, 10.0};
    const double alpha = 0.1, b1 = 0.8, b2 = 0.99, eps = 1e-3;
    struct optim_cfg c;
    optim_cfg_default(&c, OPTIM_ADAM);
    c.lr = alpha;
    c.beta1 = b1;
    c.beta2 = b2;
    c.eps = eps;
    struct optim o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &c, N, NULL), 0);
    double p[N] = {1.0, -0.5, 2.0, 0.05}, th[N], m[N] = {0}, v[N] = {0}, g[N];
    memcpy(th, p, sizeof p);
    for (int t = 1; t <= 3; t++) {
        for (int i = 0; i < N; i++) {
            double gi = a[i] * th[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            double mh = m[i] / (1 - pow(b1, t)), vh = v[i] / (1 - pow(b2, t));
            th[i] -= alpha * mh / (sqrt(vh) + eps);
        }
        for (int i = 0; i < N; i++) g[i] = a[i] * p[i];
        optim_step(&o, p, g);
        for (int i = 0; i < N; i++) {
            CU_ASSERT(rel(p[i], th[i]) < 1e-14);
            CU_ASSERT(rel(o.m[i], m[i]) < 1e-15 && rel(o.v[i], v[i]) < 1e-15);
        }
    }
    optim_free(&o);
}

/* Truth: weight decay is L2: a step with weight_decay wd is, bit for bit, a step without it on
 * the gradient g + wd p (torch.optim.SGD and Adam, not AdamW); grad itself is not changed. */
static void test_weight_decay(void)
{
    enum { N = 5 };
    const double wd = 0.03;
    const struct {
        int type, nesterov;
        double momentum;
    } cases[] = {{OPTIM_SGD, 0, 0.0}, {OPTIM_SGD, 0, 0.9}, {OPTIM_SGD, 1, 0.5}, {OPTIM_ADAM, 0, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        struct optim a = make(cases[k].type, 0.05, cases[k].momentum, cases[k].nesterov, N);
        struct optim b = make(cases[k].type, 0.05, cases[k].momentum, cases[k].nesterov, N);
        a.c.weight_decay = wd;
        double pa[N] = {1, -2, 3, -4, 0.5}, pb[N], ga[N], gb[N];
        memcpy(pb, pa, sizeof pa);
        for (int t = 0; t < 4; t++) {
            for (int i = 0; i < N; i++) ga[i] = sin(i + t) - 0.1 * pa[i];
            for (int i = 0; i < N; i++) gb[i] = ga[i] + wd * pb[i];
            double g0[N];
            memcpy(g0, ga, sizeof ga);
            optim_step(&a, pa, ga);
            optim_step(&b, pb, gb);
            CU_ASSERT(memcmp(pa, pb, sizeof pa) == 0);
            CU_ASSERT(memcmp(ga, g0, sizeof ga) == 0);
        }
        optim_free(&a);
        optim_free(&b);
    }
}

/* Truth: torch.nn.utils.clip_grad_norm_: the norm before clipping is returned; above the limit g
 * is scaled by max / (norm + 1e-6), so its norm is max to 1e-6 relative (and exactly
 * max norm / (norm + 1e-6) to 1e-12) and its direction is kept; below it g is untouched. */
static void test_clip(void)
{
    double g[4] = {3, 0, -4, 12}, g0[4]; /* norm 13 */
    memcpy(g0, g, sizeof g);
    CU_ASSERT_DOUBLE_EQUAL(optim_clip(g, 4, 2.0), 13.0, 1e-15);
    double ss = 0;
    for (int i = 0; i < 4; i++) ss += g[i] * g[i];
    CU_ASSERT(fabs(sqrt(ss) - 2.0 * 13 / (13 + 1e-6)) < 1e-12);
    CU_ASSERT(fabs(sqrt(ss) - 2.0) < 2e-6);
    for (int i = 0; i < 4; i++) CU_ASSERT(fabs(g[i] / sqrt(ss) - g0[i] / 13) < 1e-15);
    memcpy(g, g0, sizeof g);
    CU_ASSERT_DOUBLE_EQUAL(optim_clip(g, 4, 13.5), 13.0, 1e-15);
    CU_ASSERT(memcmp(g, g0, sizeof g) == 0);

    /* In a step, clipping comes first and is seen by the caller: lr 1, SGD from 0 gives -g. */
    struct optim o = make(OPTIM_SGD, 1.0, 0, 0, 4);
    o.c.clip = 1.0;
    double p[4] = {0};
    memcpy(g, g0, sizeof g);
    optim_step(&o, p, g);
    for (int i = 0; i < 4; i++) CU_ASSERT(p[i] == -g[i] && fabs(g[i] - g0[i] / 13) < 1e-7);
    optim_free(&o);
}

/* f = 1/2 (x - c)^T A (x - c) with A = H diag(a) H, a from 1 to 100 (condition number 100), and
 * H = I - 2 u u^T / u^T u a reflection, so the axes are not the coordinate axes. g = A (x - c). */
enum { QN = 10 };
static void quad_grad(const double *x, double *g)
{
    double u[QN], d[QN], uu = 0, ud = 0;
    for (int i = 0; i < QN; i++) {
        u[i] = 1 + 0.3 * i;
        d[i] = x[i] - (0.5 - 0.1 * i); /* c_i */
        uu += u[i] * u[i];
        ud += u[i] * d[i];
    }
    for (int i = 0; i < QN; i++) d[i] = (d[i] - 2 * u[i] * ud / uu) * pow(100.0, i / (QN - 1.0));
    ud = 0;
    for (int i = 0; i < QN; i++) ud += u[i] * d[i];
    for (int i = 0; i < QN; i++) g[i] = d[i] - 2 * u[i] * ud / uu;
}

/* Truth: the minimum is x = c; both optimizers reach it to 1e-6 in every coordinate. */
static void test_quadratic(void)
{
    const struct {
        int type;
        double lr, momentum;
        int steps;
    } cases[] = {{OPTIM_SGD, 0.01, 0.9, 1000}, {OPTIM_ADAM, 0.01, 0, 2000}};
    for (int k = 0; k < 2; k++) {
        struct optim o = make(cases[k].type, cases[k].lr, cases[k].momentum, 0, QN);
        double x[QN] = {0}, g[QN];
        for (int t = 0; t < cases[k].steps; t++) {
            quad_grad(x, g);
            optim_step(&o, x, g);
        }
        double worst = 0;
        for (int i = 0; i < QN; i++) worst = fmax(worst, fabs(x[i] - (0.5 - 0.1 * i)));
        CU_ASSERT(worst < 1e-6);
        if (getenv("OPTIM_DEBUG") || worst >= 1e-6)
            fprintf(stderr, "optim type %d: |x - c| = %g\n", cases[k].type, worst);
        optim_free(&o);
    }
}

/* Truth: an uninterrupted run. 7 steps, state and parameters saved and read back into a fresh
 * optimizer, 13 more steps: parameters and state are bit-identical to 20 steps in one go. */
static void test_state_roundtrip(void)
{
    enum { N = 6 };
    struct optim_cfg cfgs[2];
    optim_cfg_default(&cfgs[0], OPTIM_SGD);
    cfgs[0].lr = 0.02;
    cfgs[0].momentum = 0.7;
    cfgs[0].nesterov = 1;
    cfgs[0].weight_decay = 1e-3;
    optim_cfg_default(&cfgs[1], OPTIM_ADAM);
    cfgs[1].lr = 0.01;
    cfgs[1].clip = 0.5;
    cfgs[1].weight_decay = 1e-2;
    for (int k = 0; k < 2; k++) {
        struct optim a, b;
        CU_ASSERT_EQUAL_FATAL(optim_init(&a, &cfgs[k], N, NULL), 0);
        double pa[N] = {0.3, -1, 2, 0.01, -0.5, 1.5}, pb[N], g[N];
        FILE *f = tmpfile();
        CU_ASSERT_FATAL(f != NULL);
        for (int t = 0; t < 20; t++) {
            if (t == 7) {
                CU_ASSERT_EQUAL(optim_state_write(&a, f), 0);
                CU_ASSERT_EQUAL((size_t)ftell(f), optim_state_len(&a));
                CU_ASSERT_EQUAL(fwrite(pa, sizeof pa, 1, f), 1);
            }
            for (int i = 0; i < N; i++) g[i] = cos(3 * i + t) + pa[i];
            optim_step(&a, pa, g);
        }
        CU_ASSERT_EQUAL_FATAL(optim_init(&b, &cfgs[k], N, NULL), 0);
        rewind(f);
        CU_ASSERT_EQUAL(optim_state_read(&b, f), 0);
        CU_ASSERT_EQUAL(fread(pb, sizeof pb, 1, f), 1);
        CU_ASSERT_EQUAL(b.t, 7);
        for (int t = 7; t < 20; t++) {
            for (int i = 0; i < N; i++) g[i] = cos(3 * i + t) + pb[i];
            optim_step(&b, pb, g);
        }
        CU_ASSERT(memcmp(pa, pb, sizeof pa) == 0);
        CU_ASSERT(memcmp(a.m, b.m, N * sizeof(double)) == 0 && a.t == b.t);
        CU_ASSERT(!a.v || memcmp(a.v, b.v, N * sizeof(double)) == 0);
        /* a longer optimizer runs out of file (state and parameters): a short read */
        struct optim c;
        CU_ASSERT_EQUAL_FATAL(optim_init(&c, &cfgs[k], 3 * N, NULL), 0);
        rewind(f);
        CU_ASSERT_EQUAL(optim_state_read(&c, f), -1);
        fclose(f);
        optim_free(&a);
        optim_free(&b);
        optim_free(&c);
    }
}

/* Truth: bad settings are input errors naming the setting and its bound, never silent fixes. */
static void test_errors(void)
{
    struct optim o;
    struct optim_cfg c;
    struct err e;
    const struct {
        int field;
        double x;
        const char *path, *bound;
    } cases[] = {
        {0, 0.0, "learning.optimizer.lr", "> 0"},
        {0, NAN, "learning.optimizer.lr", "> 0"},
        {1, 1.0, "learning.optimizer.momentum", "[0, 1)"},
        {1, -0.1, "learning.optimizer.momentum", "[0, 1)"},
        {2, 1.0, "learning.optimizer.beta1", "[0, 1)"},
        {3, -1e-9, "learning.optimizer.beta2", "[0, 1)"},
        {4, 0.0, "learning.optimizer.eps", "> 0"},
        {5, -1e-4, "learning.optimizer.weight_decay", ">= 0"},
        {6, -1.0, "learning.optimizer.clip", ">= 0"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        optim_cfg_default(&c, OPTIM_ADAM);
        double *f[] = {&c.lr, &c.momentum, &c.beta1, &c.beta2, &c.eps, &c.weight_decay, &c.clip};
        *f[cases[k].field] = cases[k].x;
        memset(&e, 0, sizeof e);
        CU_ASSERT_EQUAL(optim_init(&o, &c, 3, &e), ERR_INPUT);
        CU_ASSERT_STRING_EQUAL(e.path, cases[k].path);
        CU_ASSERT(strstr(e.msg, cases[k].bound) != NULL);
        CU_ASSERT(o.m == NULL && o.v == NULL);
    }
    optim_cfg_default(&c, OPTIM_SGD);
    c.nesterov = 1;
    CU_ASSERT_EQUAL(optim_init(&o, &c, 3, &e), ERR_INPUT);
    CU_ASSERT_STRING_EQUAL(e.path, "learning.optimizer.nesterov");
    optim_cfg_default(&c, 7);
    CU_ASSERT_EQUAL(optim_init(&o, &c, 3, &e), ERR_INPUT);
    CU_ASSERT_STRING_EQUAL(e.path, "learning.optimizer.type");
    /* the defaults are PyTorch's */
    optim_cfg_default(&c, OPTIM_ADAM);
    CU_ASSERT(c.lr == 1e-3 && c.beta1 == 0.9 && c.beta2 == 0.999 && c.eps == 1e-8);
    CU_ASSERT(c.weight_decay == 0 && c.clip == 0 && c.momentum == 0 && !c.nesterov);
    CU_ASSERT_EQUAL(optim_init(&o, &c, 0, &e), 0);
    optim_free(&o);
}

static int suite_optim(void)
{
    CU_pSuite s = CU_add_suite("optim", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "sgd: p - lr g", test_sgd_plain);
    CU_add_test(s, "sgd: momentum and nesterov by hand", test_sgd_momentum);
    CU_add_test(s, "adam: first step is lr sign(g)", test_adam_first_step);
    CU_add_test(s, "adam: Kingma & Ba Algorithm 1", test_adam_algorithm1);
    CU_add_test(s, "weight decay is L2 on the gradient", test_weight_decay);
    CU_add_test(s, "clipping as clip_grad_norm_", test_clip);
    CU_add_test(s, "ill-conditioned quadratic", test_quadratic);
    CU_add_test(s, "state round trip is bit-identical", test_state_roundtrip);
    CU_add_test(s, "bad settings", test_errors);
    return 0;
}
TEST_SUITE(suite_optim)
