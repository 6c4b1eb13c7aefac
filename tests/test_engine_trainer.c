/* tests/test_engine_trainer: the trainer (learning/snn) and the engine (engine/net) are two
 * programs for one network. Truth: given the same weights (binary32, what the engine holds)
 * and the same input events, the engine's spikes of every layer equal the trainer's forward
 * pass step for step, and its readout potentials (relative to rest) agree to 1e-9 of their
 * range, for several samples, with transmission delays of one step and more. The engine sees
 * the samples as apical run presents them: fed to the input population (graded spikes for
 * currents), each from rest (net_set_reset). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "engine/net.h"
#include "io/cfg.h"
#include "learning/lcfg.h"
#include "learning/snn.h"
#include "tests/harness.h"
#include "tests/trainer_rig.h"

#define NSAMPLES 6

/* what the engine did: per layer population, spikes as (step, id) flags; the readout's v */
struct seen {
    const struct snn *sn;
    uint32_t T;
    uint8_t *spk[SNN_MAX_LAYERS]; /* [step][unit] */
    double *v;                    /* [step][unit] of the readout */
};

static int seen_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct seen *s = self;
    const struct snn *sn = s->sn;
    for (int l = 0; l < sn->nlayers; l++) {
        const int pop = sn->L[l].pop;
        for (int k = 0; k < n->nthreads; k++) {
            const uint32_t *ids;
            uint32_t m = net_part_spikes(n, pop, k, step, &ids);
            for (uint32_t j = 0; j < m; j++) s->spk[l][(size_t)step * sn->L[l].n + ids[j]] = 1;
        }
    }
    const struct snn_layer *R = &sn->L[sn->nlayers - 1];
    memcpy(s->v + (size_t)step * R->n, n->pops[R->pop].state[0], R->n * sizeof *s->v);
    return 0;
}

/* Random input: Poisson-like spikes (rate p per step) or graded currents in every step. */
static void make_inputs(struct rig_inputs *x, uint32_t nin, int current, double p, uint64_t seed)
{
    for (int s = 0; s < NSAMPLES; s++) {
        struct snn_input *in = &x->in[s];
        memset(in, 0, sizeof *in);
        snn_input_reserve(in, nin * x->T, NULL);
        struct rng r;
        rng_init(&r, seed, 7, (uint32_t)s, 0);
        double held[1024];
        for (uint32_t j = 0; j < nin && j < 1024; j++) held[j] = 0.2 + 1.6 * rng_uniform(&r);
        for (uint32_t t = 0; t < x->T; t++)
            for (uint32_t j = 0; j < nin; j++) {
                if (current) { /* the current encoder: each unit's value in every step */
                    in->t[in->n] = t, in->j[in->n] = j, in->v[in->n++] = held[j % 1024];
                } else if (rng_uniform(&r) < p) {
                    in->t[in->n] = t, in->j[in->n] = j, in->v[in->n++] = 1.0;
                }
            }
    }
}

static void check(const char *text, const char *const *sets, int nsets, int current, double p)
{
    struct net_spec spec;
    struct snn *sn = NULL;
    CU_ASSERT_EQUAL_FATAL(rig_load("et.cfg", text, sets, nsets, &spec, &sn), 0);
    static struct rig_inputs x;
    x.T = sn->T;
    x.nsamples = NSAMPLES;
    make_inputs(&x, sn->nin, current, p, 11);
    /* the engine: NSAMPLES presentations of T steps, from rest each */
    spec.duration_ms = (double)NSAMPLES * x.T * spec.dt_ms;
    struct net n;
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(net_build(&n, &spec, &e), 0);
    rig_share_weights(sn, &n);
    int in_pop = -1;
    for (int i = 0; i < n.npops; i++)
        if (!n.pops[i].ops->update) in_pop = i;
    struct net_feed f = {.fire = rig_feed, .self = &x, .graded = 1};
    CU_ASSERT_EQUAL_FATAL(net_set_feed(&n, in_pop, &f, &e), 0);
    net_set_reset(&n, x.T);
    struct seen s = {.sn = sn, .T = x.T};
    const int64_t steps = (int64_t)NSAMPLES * x.T;
    for (int l = 0; l < sn->nlayers; l++) s.spk[l] = calloc((size_t)steps * sn->L[l].n, 1);
    const struct snn_layer *R = &sn->L[sn->nlayers - 1];
    s.v = calloc((size_t)steps * R->n, sizeof *s.v);
    struct recorder rec = {.on_step = seen_step, .self = &s, .reads_state = 1};
    CU_ASSERT_EQUAL_FATAL(net_run(&n, &rec, 1, NULL, &e), 0);
    double s0[NRN_MAX_STATE] = {0};
    n.pops[R->pop].ops->initial(spec.pops[R->pop].params, n.pops[R->pop].shape, s0);
    const double rest = s0[0];
    /* the trainer, sample by sample */
    struct snn_work *w = snn_work_create(sn);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    uint64_t spikes = 0, differ = 0;
    double range = 0, dv = 0;
    for (int smp = 0; smp < NSAMPLES; smp++) {
        struct snn_result r;
        snn_forward(sn, w, &x.in[smp], 0, &r);
        for (int l = 0; l < sn->nlayers - 1; l++) {
            const double *S = snn_work_s(w, l);
            const uint32_t m = sn->L[l].n;
            for (uint32_t t = 0; t < x.T; t++)
                for (uint32_t i = 0; i < m; i++) {
                    int a = S[(size_t)t * m + i] != 0;
                    int b = s.spk[l][((size_t)smp * x.T + t) * m + i];
                    spikes += a;
                    differ += a != b;
                }
        }
        const double *U = snn_work_u(w, sn->nlayers - 1);
        for (uint32_t t = 0; t < x.T; t++)
            for (uint32_t k = 0; k < R->n; k++) {
                double u = U[(size_t)t * R->n + k];
                double v = s.v[((size_t)smp * x.T + t) * R->n + k] - rest;
                range = fmax(range, fabs(u));
                dv = fmax(dv, fabs(u - v));
            }
        /* the readout never spikes */
        for (uint32_t q = 0; q < (size_t)x.T * R->n; q++)
            CU_ASSERT(!s.spk[sn->nlayers - 1][(size_t)smp * x.T * R->n + q]);
    }
    if (differ || !(dv <= 1e-9 * range))
        fprintf(stderr, "engine vs trainer: %llu of %llu spikes differ; readout |dv| %.3g of %.3g\n",
                (unsigned long long)differ, (unsigned long long)spikes, dv, range);
    CU_ASSERT(spikes > 20 * NSAMPLES); /* the hidden layers do spike */
    CU_ASSERT_EQUAL(differ, 0);
    CU_ASSERT(range > 0.1);
    CU_ASSERT(dv <= 1e-9 * range);
    snn_work_destroy(w);
    for (int l = 0; l < sn->nlayers; l++) free(s.spk[l]);
    free(s.v);
    rig_inputs_free(&x);
    net_free(&n);
    snn_destroy(sn);
    spec_free(&spec);
}

static char *read_config(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/configs/%s", harness_root(), name);
    return harness_slurp(path, NULL);
}

/* XOR and Yin-Yang as configured (currents, delay 1 step), and with a 3-step readout delay. */
static void test_configs(void)
{
    const char *names[] = {"xor.cfg", "yinyang_apical.cfg"};
    for (int k = 0; k < 2; k++) {
        char *text = read_config(names[k]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        /* the configs' weights are tuned for inputs in [0, 1]: scale up so the layers spike */
        const char *sets[] = {"projections.[0].weight.mean=120.0"};
        check(text, sets, 1, 1, 0);
        const char *sets2[] = {"projections.[0].weight.mean=120.0", "projections.[1].delay=3.0"};
        check(text, sets2, 2, 1, 0);
        free(text);
    }
}

/* A Fashion-MNIST-shaped network (784 - 100 - 10, latency-like sparse spikes) with random
 * weights, delays of 2 and 1 steps. */
static const char fmnist_cfg[] =
    "simulation = { dt = 1.0; duration = 30.0; seed = 3; };\n"
    "populations = (\n"
    "  { name = \"in\"; size = 784; model = \"spike_source\"; },\n"
    "  { name = \"hid\"; size = 100; model = \"mc_lif\"; v_th = -60.0; v_reset = -70.0; t_ref = 0.0;\n"
    "    compartments = (\n"
    "      { name = \"soma\"; c_m = 100.0; g_l = 10.0; e_l = -70.0; tau_syn_ex = 5.0; },\n"
    "      { name = \"apical\"; c_m = 100.0; g_l = 10.0; e_l = -70.0; g_c = 0.0; parent = \"soma\"; }\n"
    "    ); },\n"
    "  { name = \"out\"; size = 10; model = \"li\"; c_m = 100.0; tau_m = 10.0; e_l = -70.0;\n"
    "    tau_syn_ex = 5.0; }\n"
    ");\n"
    "projections = (\n"
    "  { name = \"w_in\"; from = \"in\"; to = \"hid\"; rule = \"all_to_all\"; delay = 2.0;\n"
    "    weight = { dist = \"normal\"; mean = 20.0; std = 60.0; }; },\n"
    "  { name = \"w_out\"; from = \"hid\"; to = \"out\"; rule = \"all_to_all\";\n"
    "    weight = { dist = \"normal\"; mean = 0.0; std = 60.0; }; },\n"
    "  { name = \"fb\"; from = \"out\"; to = \"hid\"; compartment = \"apical\"; rule = \"all_to_all\";\n"
    "    feedback = \"symmetric\"; }\n"
    ");\n"
    "learning = { rule = \"apical\"; };\n"
    "data = { set = \"fashion-mnist\"; };\n"
    "encoder = { type = \"latency\"; };\n";

static void test_fmnist_shaped(void) { check(fmnist_cfg, NULL, 0, 0, 0.02); }

static int suite_engine_trainer(void)
{
    CU_pSuite s = CU_add_suite("engine_trainer", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "XOR and Yin-Yang: the engine's spikes are the trainer's", test_configs);
    CU_add_test(s, "784-100-10 with random weights: the same spikes", test_fmnist_shaped);
    return 0;
}
TEST_SUITE(suite_engine_trainer)
