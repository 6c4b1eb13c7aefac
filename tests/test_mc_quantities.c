/* tests/test_mc_quantities: what mc_lif declares for rules to read (nrn_ops.quantities), against
 * the formulas written out here from potentials set by hand: Urbanczik & Senn's dendritic
 * prediction V* = (g_l e_l + sum_d g_c,d v_d) / (g_l + sum_d g_c,d) over the soma's children
 * only, phi(u) = phi_max / (1 + k exp(beta (theta - u))) at the soma and at V*, and
 * h = d ln phi / dV at V* (checked against a central difference of ln phi as well). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neurons/mc_lif.h"
#include "tests/harness.h"

struct qnet {
    double params[NRN_MAX_PARAMS];
    struct nrn_shape shape;
    void *derived;
    double st[NRN_MAX_STATE][2]; /* two neurons */
    double *state[NRN_MAX_STATE];
};

/* A soma (g_l 30, e_l -70), dendrite "d1" (child of the soma, g_c 600), "d2" (child of the
 * soma, g_c 40) and "d3" (child of d1, g_c 90: not in V*). */
static int qnet_init(struct qnet *q, int escape)
{
    const struct nrn_ops *m = &mc_lif_ops;
    memset(q, 0, sizeof *q);
    for (int i = 0; i < m->nparams; i++) q->params[i] = m->params[i].def;
    q->shape.ncomp = 4;
    const int parent[4] = {-1, 0, 0, 1};
    const double g_c[4] = {0, 600, 40, 90}, g_l[4] = {30, 25, 10, 5}, e_l[4] = {-70, -68, -72, -60};
    for (int c = 0; c < 4; c++) {
        for (int k = 0; k < m->ncparams; k++) q->shape.cparams[c][k] = m->cparams[k].def;
        snprintf(q->shape.names[c], NRN_COMP_NAME, c ? "d%d" : "soma", c);
        q->shape.parent[c] = parent[c];
        q->shape.cparams[c][MC_G_C] = g_c[c];
        q->shape.cparams[c][MC_G_L] = g_l[c];
        q->shape.cparams[c][MC_E_L] = e_l[c];
    }
    if (escape) {
        q->params[MC_SPIKING] = MC_SPIKE_ESCAPE;
        q->params[MC_PHI_MAX] = 0.2;
        q->params[MC_RATE_SLOPE] = 0.7;
        q->params[MC_BETA_ESC] = 0.25;
        q->params[MC_THETA_ESC] = -52.0;
    }
    q->derived = calloc(1, m->derived_size);
    if (!q->derived) return -1;
    struct err e = {0};
    int rc = m->prepare(q->params, &q->shape, 0.1, q->derived, &e);
    for (int v = 0; v < NRN_MAX_STATE; v++) q->state[v] = q->st[v];
    /* neuron 0 depolarised dendrites, neuron 1 hyperpolarised */
    const double v0[4] = {-61.5, -48.0, -66.0, -30.0}, v1[4] = {-72.0, -80.5, -71.0, -90.0};
    for (int c = 0; c < 4; c++) {
        q->st[c * MC_NSTATE + MC_V][0] = v0[c];
        q->st[c * MC_NSTATE + MC_V][1] = v1[c];
    }
    return rc;
}

static double hand_v_star(const struct qnet *q, int i)
{
    return (30.0 * -70.0 + 600.0 * q->st[1 * MC_NSTATE][i] + 40.0 * q->st[2 * MC_NSTATE][i]) /
           (30.0 + 600.0 + 40.0);
}

static double hand_phi(double u) { return 0.2 / (1.0 + 0.7 * exp(0.25 * (-52.0 - u))); }

static void test_declared(void)
{
    const struct nrn_ops *m = &mc_lif_ops;
    CU_ASSERT_EQUAL(m->nquantities, 4);
    CU_ASSERT_PTR_NOT_NULL(m->quantity);
    CU_ASSERT_EQUAL(nrn_quantity_index(m, "v_star"), 0);
    CU_ASSERT_EQUAL(nrn_quantity_index(m, "phi"), 1);
    CU_ASSERT_EQUAL(nrn_quantity_index(m, "phi_star"), 2);
    CU_ASSERT_EQUAL(nrn_quantity_index(m, "h_star"), 3);
    CU_ASSERT_EQUAL(nrn_quantity_index(m, "v"), -1);
    for (int k = 0; k < m->nquantities; k++) {
        CU_ASSERT_PTR_NOT_NULL(m->quantities[k].unit);
        CU_ASSERT(m->quantities[k].doc && m->quantities[k].doc[0]);
    }
}

static void test_by_hand(void)
{
    struct qnet q;
    CU_ASSERT_EQUAL_FATAL(qnet_init(&q, 1), 0);
    const struct nrn_ops *m = &mc_lif_ops;
    double out[4][2];
    for (int k = 0; k < 4; k++) m->quantity(q.derived, q.state, k, 0, 2, out[k]);
    for (int i = 0; i < 2; i++) {
        const double vs = hand_v_star(&q, i), u = q.st[MC_V][i];
        CU_ASSERT_DOUBLE_EQUAL(out[0][i], vs, 1e-12);
        CU_ASSERT_DOUBLE_EQUAL(out[1][i], hand_phi(u), 1e-15);
        CU_ASSERT_DOUBLE_EQUAL(out[2][i], hand_phi(vs), 1e-15);
        const double h = 0.25 / (1.0 + exp(0.25 * (vs + 52.0)) / 0.7);
        CU_ASSERT_DOUBLE_EQUAL(out[3][i], h, 1e-15);
        const double du = 1e-4, fd = (log(hand_phi(vs + du)) - log(hand_phi(vs - du))) / (2 * du);
        CU_ASSERT_DOUBLE_EQUAL(out[3][i], fd, 1e-8);
    }
    /* the range [begin, end) writes out[i - begin] */
    double one = 0;
    m->quantity(q.derived, q.state, 0, 1, 2, &one);
    CU_ASSERT_DOUBLE_EQUAL(one, hand_v_star(&q, 1), 1e-12);
    free(q.derived);
}

/* A threshold soma has no rate: its rates are NaN; V* is still the prediction. A point neuron
 * (no children) predicts its e_l. */
static void test_threshold_and_point(void)
{
    struct qnet q;
    CU_ASSERT_EQUAL_FATAL(qnet_init(&q, 0), 0);
    const struct nrn_ops *m = &mc_lif_ops;
    double out[2];
    m->quantity(q.derived, q.state, 0, 0, 2, out);
    CU_ASSERT_DOUBLE_EQUAL(out[0], hand_v_star(&q, 0), 1e-12);
    for (int k = 1; k < 4; k++) {
        m->quantity(q.derived, q.state, k, 0, 2, out);
        CU_ASSERT(isnan(out[0]) && isnan(out[1]));
    }
    free(q.derived);
    CU_ASSERT_EQUAL_FATAL(qnet_init(&q, 1), 0);
    free(q.derived);
    q.shape.ncomp = 1;
    q.derived = calloc(1, m->derived_size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q.derived);
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(m->prepare(q.params, &q.shape, 0.1, q.derived, &e), 0);
    m->quantity(q.derived, q.state, 0, 0, 2, out);
    CU_ASSERT_EQUAL(out[0], -70.0);
    CU_ASSERT_EQUAL(out[1], -70.0);
    free(q.derived);
}

static int suite_mc_quantities(void)
{
    CU_pSuite s = CU_add_suite("mc_quantities", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "mc_lif declares v_star, phi, phi_star, h_star", test_declared);
    CU_add_test(s, "quantities equal the formulas from the state", test_by_hand);
    CU_add_test(s, "threshold somata: rates NaN; a point soma predicts e_l",
                test_threshold_and_point);
    return 0;
}
TEST_SUITE(suite_mc_quantities)
