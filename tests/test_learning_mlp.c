/* tests/test_learning_mlp: learning/mlp against central finite differences of the loss (computed
 * here from the forward pass with the test's own softmax cross-entropy and squared error) to 1e-6
 * relative, against hand-computed forward values and the surrogate-gradient formula, on XOR
 * (seeded: it must be learned), and on Yin-Yang against the published ANN figures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "learning/data_yinyang.h"
#include "learning/mlp.h"
#include "tests/harness.h"

/* The test's own losses, written from their definitions. */
static double ce(int n, const double *y, const double *t)
{
    double z = 0, s = 0;
    for (int k = 0; k < n; k++) z += exp(y[k]);
    for (int k = 0; k < n; k++) s -= t[k] * log(exp(y[k]) / z);
    return s;
}

static double mse(int n, const double *y, const double *t)
{
    double s = 0;
    for (int k = 0; k < n; k++) s += (y[k] - t[k]) * (y[k] - t[k]);
    return s / 2;
}

static double batch_loss(struct mlp *m, struct mlp_work *w, int n, const double *x,
                         enum mlp_loss loss, const double *t)
{
    int nin = m->size[0], nout = m->size[m->nlayers];
    double s = 0;
    for (int k = 0; k < n; k++) {
        const double *y = mlp_forward(m, w, x + k * nin);
        s += loss == MLP_MSE ? mse(nout, y, t + k * nout) : ce(nout, y, t + k * nout);
    }
    return s / n;
}

/* Truth: hand arithmetic. A 2-2-1 tanh / identity net, and the losses of known logits. */
static void test_forward_and_losses(void)
{
    const int size[3] = {2, 2, 1};
    const enum mlp_act act[2] = {MLP_TANH, MLP_IDENTITY};
    struct mlp *m;
    CU_ASSERT_EQUAL_FATAL(mlp_create(&m, 2, size, act, NULL, NULL), 0);
    const double p[] = {0.5, -1.0, 2.0,         0.25, /* W0 */ 0.1, -0.2, /* b0 */
                        1.5, -0.5, /* W1 */ 0.3 /* b1 */};
    CU_ASSERT_EQUAL_FATAL(m->nparams, 9);
    memcpy(m->params, p, sizeof p);
    struct mlp_work *w = mlp_work_create(m);
    const double x[2] = {0.4, 0.8};
    const double *y = mlp_forward(m, w, x);
    double h0 = tanh(0.5 * 0.4 - 1.0 * 0.8 + 0.1), h1 = tanh(2.0 * 0.4 + 0.25 * 0.8 - 0.2);
    CU_ASSERT_DOUBLE_EQUAL(y[0], 1.5 * h0 - 0.5 * h1 + 0.3, 1e-15);
    mlp_work_destroy(w);
    mlp_destroy(m);

    const double logits[3] = {1, 2, 3}, onehot[3] = {0, 0, 1};
    double dy[3];
    CU_ASSERT_DOUBLE_EQUAL(mlp_loss(MLP_SOFTMAX_CE, 3, logits, onehot, dy),
                           log(exp(1) + exp(2) + exp(3)) - 3, 1e-15);
    double z = exp(1) + exp(2) + exp(3);
    CU_ASSERT_DOUBLE_EQUAL(dy[0], exp(1) / z, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(dy[2], exp(3) / z - 1, 1e-15);
    const double big[2] = {1000, 0}, t2[2] = {0, 1}; /* no overflow */
    CU_ASSERT_DOUBLE_EQUAL(mlp_loss(MLP_SOFTMAX_CE, 2, big, t2, NULL), 1000, 1e-12);
    const double yv[2] = {0.5, -1}, tv[2] = {1, 1};
    CU_ASSERT_DOUBLE_EQUAL(mlp_loss(MLP_MSE, 2, yv, tv, dy), 0.5 * (0.25 + 4), 1e-15);
    CU_ASSERT(dy[0] == -0.5 && dy[1] == -2);
}

/* Compares mlp_batch's gradient with central differences of batch_loss on a 4-6-5-3 net. */
static void check_gradient(enum mlp_act hidden, enum mlp_act out, const struct surr *s,
                           enum mlp_loss loss, uint64_t seed)
{
    enum { N = 3 };
    const int size[4] = {4, 6, 5, 3};
    const enum mlp_act act[3] = {hidden, hidden, out};
    struct mlp *m;
    CU_ASSERT_EQUAL_FATAL(mlp_create(&m, 3, size, act, s, NULL), 0);
    mlp_init(m, seed);
    struct rng r;
    rng_init(&r, seed, 99, 0, 0);
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < size[l + 1]; i++) m->b[l][i] = 0.6 * (2 * rng_uniform(&r) - 1);
    double x[N * 4], t[N * 3];
    for (int k = 0; k < N * 4; k++) x[k] = 2 * rng_uniform(&r) - 1;
    for (int k = 0; k < N; k++) {
        double a = rng_uniform(&r), b = rng_uniform(&r) * (1 - a); /* a distribution */
        double tk[3] = {a, b, 1 - a - b};
        if (k == 0) tk[0] = 1, tk[1] = 0, tk[2] = 0; /* and a one-hot target */
        for (int c = 0; c < 3; c++) t[k * 3 + c] = loss == MLP_MSE ? 2 * tk[c] - 0.5 : tk[c];
    }
    struct mlp_work *w = mlp_work_create(m);
    struct mlp_grad *g = mlp_grad_create(m);
    double L = mlp_batch(m, w, N, x, loss, t, g);
    CU_ASSERT(fabs(L - batch_loss(m, w, N, x, loss, t)) <= 1e-14 * fabs(L));
    double gmax = 0;
    for (size_t k = 0; k < m->nparams; k++) gmax = fmax(gmax, fabs(g->flat[k]));
    CU_ASSERT(gmax > 1e-3);
    int bad = 0;
    for (size_t k = 0; k < m->nparams; k++) {
        const double h = 1e-5, p0 = m->params[k];
        m->params[k] = p0 + h;
        double lp = batch_loss(m, w, N, x, loss, t);
        m->params[k] = p0 - h;
        double lm = batch_loss(m, w, N, x, loss, t);
        m->params[k] = p0;
        double fd = (lp - lm) / (2 * h);
        if (fabs(g->flat[k] - fd) > 1e-6 * fmax(fabs(fd), 1e-3 * gmax)) bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    if (bad)
        fprintf(stderr, "\n    act %d/%d %s loss %d: %d of %zu entries off\n", hidden, out,
                s ? s->shape->name : "", loss, bad, m->nparams);
    mlp_grad_destroy(g);
    mlp_work_destroy(w);
    mlp_destroy(m);
}

/* Truth: the gradient is the derivative of the loss: central differences (h = 1e-5) agree to
 * 1e-6 relative for every parameter (entries below 1e-3 of the largest: to 1e-9 of it), for
 * each smooth activation, each soft step, and both losses. */
static void test_finite_differences(void)
{
    const enum mlp_act smooth[3] = {MLP_SIGMOID, MLP_TANH, MLP_RELU};
    for (int a = 0; a < 3; a++) {
        check_gradient(smooth[a], MLP_IDENTITY, NULL, MLP_SOFTMAX_CE, 11 + a);
        check_gradient(smooth[a], MLP_IDENTITY, NULL, MLP_MSE, 21 + a);
        check_gradient(smooth[a], MLP_SIGMOID, NULL, MLP_MSE, 31 + a);
    }
    int n;
    const struct surr_shape *sh = surr_shapes(&n);
    for (int k = 0; k < n; k++) {
        struct surr s;
        surr_init(&s, sh[k].name, 1.5, surr_unit_gamma(&sh[k], 1.5), "", NULL);
        check_gradient(MLP_SOFT, MLP_IDENTITY, &s, MLP_SOFTMAX_CE, 41 + k);
        check_gradient(MLP_SOFT, MLP_SOFT, &s, MLP_MSE, 51 + k);
    }
}

/* Truth: with spiking hidden units the gradient is the surrogate one, written out here for a
 * 3-4-2 net: h = H(z1), delta1 = (W2^T (softmax(y) - t)) psi(z1), dW1 = delta1 x^T. */
static void test_spike_surrogate(void)
{
    const int size[3] = {3, 4, 2};
    const enum mlp_act act[2] = {MLP_SPIKE, MLP_IDENTITY};
    struct surr s;
    surr_init(&s, "fast_sigmoid", 2.0, 1.0, "", NULL);
    struct mlp *m;
    CU_ASSERT_EQUAL_FATAL(mlp_create(&m, 2, size, act, &s, NULL), 0);
    mlp_init(m, 5);
    for (int i = 0; i < 4; i++) m->b[0][i] = 0.3 * (i - 1.5);
    const double x[3] = {0.9, -0.4, 0.3}, t[2] = {0, 1};
    struct mlp_work *w = mlp_work_create(m);
    struct mlp_grad *g = mlp_grad_create(m);
    mlp_grad_zero(g);
    mlp_backprop(m, w, x, MLP_SOFTMAX_CE, t, 1.0, g);
    double z1[4], h1[4], y[2], d1[4];
    for (int i = 0; i < 4; i++) {
        z1[i] = m->b[0][i];
        for (int j = 0; j < 3; j++) z1[i] += m->w[0][i * 3 + j] * x[j];
        h1[i] = z1[i] > 0;
    }
    for (int k = 0; k < 2; k++) {
        y[k] = m->b[1][k];
        for (int i = 0; i < 4; i++) y[k] += m->w[1][k * 4 + i] * h1[i];
    }
    double zs = exp(y[0]) + exp(y[1]), dy[2] = {exp(y[0]) / zs - t[0], exp(y[1]) / zs - t[1]};
    for (int i = 0; i < 4; i++) {
        double a = m->w[1][0 * 4 + i] * dy[0] + m->w[1][1 * 4 + i] * dy[1];
        d1[i] = a / pow(1 + 2.0 * fabs(z1[i]), 2);
        CU_ASSERT_DOUBLE_EQUAL(w->dh[0][i], a, 1e-15); /* the apical potential */
        CU_ASSERT_DOUBLE_EQUAL(w->delta[0][i], d1[i], 1e-15);
        for (int j = 0; j < 3; j++) CU_ASSERT_DOUBLE_EQUAL(g->w[0][i * 3 + j], d1[i] * x[j], 1e-15);
        CU_ASSERT_DOUBLE_EQUAL(g->w[1][1 * 4 + i], dy[1] * h1[i], 1e-15);
    }
    CU_ASSERT(w->dh[1][0] == dy[0] && w->dh[1][1] == dy[1]); /* the teacher signal */
    int spikes = 0;
    for (int i = 0; i < 4; i++) spikes += h1[i] > 0;
    CU_ASSERT(spikes > 0 && spikes < 4); /* the case is not degenerate */
    mlp_grad_destroy(g);
    mlp_work_destroy(w);
    mlp_destroy(m);
}

/* Trains XOR by full-batch gradient descent; returns the final mean loss, *correct the number of
 * the four points classified right. */
static double train_xor(enum mlp_loss loss, enum mlp_act out, int nout, uint64_t seed, int *correct)
{
    const double x[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    const int label[4] = {0, 1, 1, 0};
    double t[8];
    for (int k = 0; k < 4; k++) {
        if (nout == 2) {
            t[2 * k] = label[k] == 0;
            t[2 * k + 1] = label[k] == 1;
        } else {
            t[k] = label[k];
        }
    }
    const int size[3] = {2, 8, nout};
    const enum mlp_act act[2] = {MLP_TANH, out};
    struct mlp *m;
    mlp_create(&m, 2, size, act, NULL, NULL);
    mlp_init(m, seed);
    struct mlp_work *w = mlp_work_create(m);
    struct mlp_grad *g = mlp_grad_create(m);
    double L = 0;
    for (int it = 0; it < 3000; it++) {
        L = mlp_batch(m, w, 4, x, loss, t, g);
        mlp_sgd(m, g, 0.5);
    }
    L = mlp_batch(m, w, 4, x, loss, t, g);
    *correct = 0;
    for (int k = 0; k < 4; k++) {
        const double *y = mlp_forward(m, w, x + 2 * k);
        int pred = nout == 2 ? mlp_argmax(2, y) : y[0] > 0.5;
        *correct += pred == label[k];
    }
    mlp_grad_destroy(g);
    mlp_work_destroy(w);
    mlp_destroy(m);
    return L;
}

/* Truth: XOR is not linearly separable; a 2-8-2 tanh net trained by this gradient solves it. */
static void test_xor(void)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        int correct;
        double L = train_xor(MLP_SOFTMAX_CE, MLP_IDENTITY, 2, seed, &correct);
        CU_ASSERT(L < 0.02);
        CU_ASSERT_EQUAL(correct, 4);
        L = train_xor(MLP_MSE, MLP_SIGMOID, 1, seed, &correct);
        CU_ASSERT(L < 0.01);
        CU_ASSERT_EQUAL(correct, 4);
    }
}

static double yy_accuracy(const struct mlp *m, struct mlp_work *w, const struct data_set *d)
{
    int ok = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        double x[4];
        for (int k = 0; k < 4; k++) x[k] = d->x[4 * i + k];
        ok += mlp_argmax(3, mlp_forward(m, w, x)) == d->y[i];
    }
    return (double)ok / d->n;
}

/* Trains on the Yin-Yang train split (mini-batches of 20 in order, momentum 0.9, written out
 * here) and returns the test accuracy. */
static double yy_train(int nlayers, const int *size, const enum mlp_act *act, int epochs)
{
    struct data_set *tr, *te;
    struct err e;
    CU_ASSERT_FATAL(yy_generate(1, DATA_TRAIN, 0, YY_R_SMALL, YY_R_BIG, &tr, &e) == 0);
    CU_ASSERT_FATAL(yy_generate(1, DATA_TEST, 0, YY_R_SMALL, YY_R_BIG, &te, &e) == 0);
    struct mlp *m;
    CU_ASSERT_FATAL(mlp_create(&m, nlayers, size, act, NULL, &e) == 0);
    mlp_init(m, 1);
    struct mlp_work *w = mlp_work_create(m);
    struct mlp_grad *g = mlp_grad_create(m);
    double *v = calloc(m->nparams, sizeof *v), x[20 * 4], t[20 * 3];
    for (int ep = 0; ep < epochs; ep++)
        for (uint32_t b = 0; b + 20 <= tr->n; b += 20) {
            for (int k = 0; k < 20; k++) {
                for (int q = 0; q < 4; q++) x[4 * k + q] = tr->x[4 * (b + k) + q];
                for (int q = 0; q < 3; q++) t[3 * k + q] = tr->y[b + k] == q;
            }
            mlp_batch(m, w, 20, x, MLP_SOFTMAX_CE, t, g);
            for (size_t q = 0; q < m->nparams; q++) {
                v[q] = 0.9 * v[q] + g->flat[q];
                m->params[q] -= 0.03 * v[q];
            }
        }
    double a = yy_accuracy(m, w, te);
    free(v);
    mlp_grad_destroy(g);
    mlp_work_destroy(w);
    mlp_destroy(m);
    data_destroy(tr);
    data_destroy(te);
    return a;
}

/* Truth (Kriener et al. 2021): a 4-30-3 ANN reaches 97.6 +- 1.5 % test accuracy on Yin-Yang, a
 * network without hidden layer 63.8 +- 1.0 %. Seeded, so the figures here are fixed: the deep net
 * must pass 95 %, the shallow one must stay below 70 %. Checks the generator and the perceptron
 * together against a published figure. */
static void test_yinyang_ann(void)
{
    const int deep[3] = {4, 30, 3}, shallow[2] = {4, 3};
    const enum mlp_act dact[2] = {MLP_TANH, MLP_IDENTITY}, sact[1] = {MLP_IDENTITY};
    double ad = yy_train(2, deep, dact, 100), as = yy_train(1, shallow, sact, 30);
    CU_ASSERT(ad >= 0.95);
    CU_ASSERT(as < 0.70 && as > 0.55);
    fprintf(stderr, "(4-30-3: %.1f %%, 4-3: %.1f %%) ", 100 * ad, 100 * as);
}

/* Truth: Glorot bounds, determinism by seed; bad shapes refused. */
static void test_init_and_errors(void)
{
    const int size[3] = {30, 20, 10};
    const enum mlp_act act[2] = {MLP_TANH, MLP_IDENTITY};
    struct mlp *a, *b;
    mlp_create(&a, 2, size, act, NULL, NULL);
    mlp_create(&b, 2, size, act, NULL, NULL);
    mlp_init(a, 8);
    mlp_init(b, 8);
    CU_ASSERT(memcmp(a->params, b->params, a->nparams * sizeof(double)) == 0);
    mlp_init(b, 9);
    CU_ASSERT(memcmp(a->params, b->params, a->nparams * sizeof(double)) != 0);
    double bound = sqrt(6.0 / 50), mx = 0;
    for (int k = 0; k < 600; k++) mx = fmax(mx, fabs(a->w[0][k]));
    CU_ASSERT(mx <= bound && mx > 0.9 * bound);
    for (int k = 0; k < 20; k++) CU_ASSERT_EQUAL(a->b[0][k], 0.0);
    CU_ASSERT_EQUAL(a->nparams, 30 * 20 + 20 + 20 * 10 + 10);
    CU_ASSERT(a->b[1] + 10 == a->params + a->nparams);
    mlp_destroy(a);
    mlp_destroy(b);

    struct err e;
    struct mlp *m;
    CU_ASSERT_EQUAL(mlp_create(&m, 0, size, act, NULL, &e), ERR_INPUT);
    const int zero[3] = {3, 0, 2};
    CU_ASSERT_EQUAL(mlp_create(&m, 2, zero, act, NULL, &e), ERR_INPUT);
    const enum mlp_act soft[2] = {MLP_SOFT, MLP_IDENTITY};
    CU_ASSERT_EQUAL(mlp_create(&m, 2, size, soft, NULL, &e), ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "surrogate") != NULL && m == NULL);
}

static int suite_learning_mlp(void)
{
    CU_pSuite s = CU_add_suite("learning_mlp", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "forward and losses by hand", test_forward_and_losses);
    CU_add_test(s, "gradient = finite differences", test_finite_differences);
    CU_add_test(s, "spike layer: surrogate gradient", test_spike_surrogate);
    CU_add_test(s, "XOR", test_xor);
    CU_add_test(s, "Yin-Yang: published ANN accuracies", test_yinyang_ann);
    CU_add_test(s, "init and bad shapes", test_init_and_errors);
    return 0;
}
TEST_SUITE(suite_learning_mlp)
