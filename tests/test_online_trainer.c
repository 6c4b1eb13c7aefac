/* tests/test_online_trainer: the online apical rule (synapses/apical, in the engine) is the
 * trainer's apical rule (learning/snn). Truth: the trainer's own adjoint. Given the same input
 * events, the same weights (binary32, what the engine holds) and the same apical potential a(t)
 * of every hidden neuron, the engine's update of one sample (window = the sample, so weights
 * are held until its end) equals eta dt times snn_layer_apical's gradient for x = a - a_rest,
 * to 1e-9 of its largest value, sample after sample (the engine's weights carried into the
 * trainer's next one). a(t) is the engine's simulated apical compartment, driven by Poisson
 * spikes that never reach the soma (g_c = 0), recorded step by step and handed to the trainer:
 * the trainer's error back-projection (B delta) is the one part not compared. The pairing
 * must be exact: the same comparison with a shifted by one step, or the rule's lag one step,
 * fails by far more. */
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

#define NSAMPLES 5
#define ETA 0.5
#define A_REST (-66.0)

/* Input -> hidden mc_lif (segregated apical compartment) -> li readout; the engine's network
 * adds a Poisson population onto the hidden apical compartments and the rule on w_in. */
#define NET_CFG                                                                                    \
    "simulation = { dt = 1.0; duration = 40.0; seed = 5; };\n"                                     \
    "populations = (\n"                                                                            \
    "  { name = \"in\"; size = 40; model = \"spike_source\";%s },\n"                             \
    "  { name = \"hid\"; size = 16; model = \"mc_lif\"; v_th = -60.0; v_reset = -70.0;\n"         \
    "    t_ref = 0.0;\n"                                                                           \
    "    compartments = (\n"                                                                       \
    "      { name = \"soma\"; c_m = 100.0; g_l = 10.0; e_l = -70.0; tau_syn_ex = 5.0; },\n"      \
    "      { name = \"apical\"; c_m = 100.0; g_l = 5.0; e_l = -70.0; g_c = 0.0;\n"                \
    "        parent = \"soma\"; tau_syn_ex = 5.0; } ); },\n"                                       \
    "  { name = \"out\"; size = 3; model = \"li\"; c_m = 100.0; tau_m = 10.0; e_l = -70.0;\n"    \
    "    tau_syn_ex = 5.0; }%s\n"                                                                  \
    ");\n"                                                                                         \
    "projections = (\n"                                                                            \
    "  { name = \"w_in\"; from = \"in\"; to = \"hid\"; rule = \"all_to_all\"; delay = 2.0;\n"     \
    "    weight = { dist = \"normal\"; mean = 15.0; std = 50.0; };%s },\n"                        \
    "  { name = \"w_out\"; from = \"hid\"; to = \"out\"; rule = \"all_to_all\";\n"                \
    "    weight = { dist = \"normal\"; mean = 0.0; std = 60.0; }; }%s\n"                           \
    ");\n%s"

static const char engine_pop[] = ",\n  { name = \"top\"; size = 10; model = \"poisson_source\"; "
                                 "rate = 25.0; }";
static const char engine_rule[] =
    "\n    plasticity = { rule = \"apical\"; eta = 0.5; a_rest = -66.0; window = 40.0;\n"
    "                   surrogate = \"fast_sigmoid\"; beta = 0.5; };";
static const char engine_proj[] =
    ",\n  { name = \"drive\"; from = \"top\"; to = \"hid\"; compartment = \"apical\";\n"
    "    rule = \"all_to_all\"; weight = { dist = \"uniform\"; low = 0.0; high = 60.0; };\n"
    "    delay = 1.0; }";

static char *config(int engine)
{
    static char buf[4096];
    /* apical run wants a schedule for the input (none: net_set_feed replaces it) */
    char none[40 * 4 + 40] = " spike_times = ( []";
    for (int k = 1; k < 40; k++) strcat(none, ", []");
    strcat(none, " );");
    snprintf(buf, sizeof buf, NET_CFG, engine ? none : "", engine ? engine_pop : "", engine ? engine_rule : "",
             engine ? engine_proj : "", engine ? "" : "learning = { rule = \"apical\"; };\n");
    return buf;
}

static void make_inputs(struct rig_inputs *x, uint32_t nin, double p, uint64_t seed)
{
    for (int s = 0; s < NSAMPLES; s++) {
        struct snn_input *in = &x->in[s];
        memset(in, 0, sizeof *in);
        CU_ASSERT_EQUAL_FATAL(snn_input_reserve(in, nin * x->T, NULL), 0);
        struct rng r;
        rng_init(&r, seed, 7, (uint32_t)s, 0);
        for (uint32_t t = 0; t < x->T; t++)
            for (uint32_t j = 0; j < nin; j++)
                if (rng_uniform(&r) < p) in->t[in->n] = t, in->j[in->n] = j, in->v[in->n++] = 1.0;
    }
}

/* What the engine did, step by step: the hidden layer's apical potentials and spikes, and at
 * each sample's last step (its window's end) the rule's weights in double. */
struct seen {
    uint32_t T, nh, nsyn;
    int hid, proj, a_var;
    double *a;     /* [step][unit] */
    uint8_t *spk;  /* [step][unit] */
    double *w;     /* [sample + 1][storage index]: before sample 0, after each */
};

static int seen_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct seen *s = self;
    memcpy(s->a + (size_t)step * s->nh, n->pops[s->hid].state[s->a_var], s->nh * sizeof *s->a);
    for (int k = 0; k < n->nthreads; k++) {
        const uint32_t *ids;
        uint32_t m = net_part_spikes(n, s->hid, k, step, &ids);
        for (uint32_t j = 0; j < m; j++) s->spk[(size_t)step * s->nh + ids[j]] = 1;
    }
    if ((step + 1) % s->T == 0) {
        const double *y = n->plast[s->proj]->synd[0];
        double *w = s->w + (size_t)((step + 1) / s->T) * s->nsyn;
        for (uint32_t q = 0; q < s->nsyn; q++) w[q] = y[2 * q];
    }
    return 0;
}

struct outcome {
    double worst;   /* largest |engine - trainer| over the largest |trainer|, any sample */
    double biggest; /* the smallest, over samples, of the largest |trainer| */
    uint64_t spikes, differ;
    double a_span;  /* the range of a - a_rest seen */
};

/* One engine run of NSAMPLES samples and the trainer's gradient of each; shift pairs the
 * engine's update with the trainer's for a(t - shift) instead of a(t); sets go to the
 * engine's config only. */
static void compare(int shift, const char *const *sets, int nsets, struct outcome *out)
{
    memset(out, 0, sizeof *out);
    struct net_spec ts, es;
    struct snn *sn = NULL;
    CU_ASSERT_EQUAL_FATAL(rig_load("ot_train.cfg", config(0), NULL, 0, &ts, &sn), 0);
    CU_ASSERT_EQUAL_FATAL(rig_load("ot_run.cfg", config(1), sets, nsets, &es, NULL), 0);
    static struct rig_inputs x;
    x.T = sn->T;
    x.nsamples = NSAMPLES;
    make_inputs(&x, sn->nin, 0.04, 17);
    es.duration_ms = (double)NSAMPLES * x.T * es.dt_ms;
    struct net n;
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(net_build(&n, &es, &e), 0);
    const struct snn_layer *H = &sn->L[0];
    CU_ASSERT_PTR_NOT_NULL_FATAL(n.plast[H->proj]);
    rig_share_weights(sn, &n);
    int in_pop = -1;
    for (int i = 0; i < n.npops; i++)
        if (!strcmp(es.pops[i].name, "in")) in_pop = i;
    struct net_feed f = {.fire = rig_feed, .self = &x, .graded = 1};
    CU_ASSERT_EQUAL_FATAL(net_set_feed(&n, in_pop, &f, &e), 0);
    net_set_reset(&n, x.T);
    const int64_t steps = (int64_t)NSAMPLES * x.T;
    const uint32_t nh = H->n, nsyn = H->n_in * H->n;
    struct seen s = {.T = x.T, .nh = nh, .nsyn = nsyn, .hid = H->pop, .proj = H->proj};
    s.a_var = nrn_state_lookup(n.pops[H->pop].ops, n.pops[H->pop].shape, "apical.v");
    CU_ASSERT_FATAL(s.a_var > 0);
    s.a = calloc((size_t)steps * nh, sizeof *s.a);
    s.spk = calloc((size_t)steps * nh, 1);
    s.w = calloc((size_t)(NSAMPLES + 1) * nsyn, sizeof *s.w);
    CU_ASSERT_FATAL(s.a && s.spk && s.w);
    for (uint32_t q = 0; q < nsyn; q++) s.w[q] = n.plast[H->proj]->synd[0][2 * q];
    struct recorder rec = {.on_step = seen_step, .self = &s, .reads_state = 1};
    CU_ASSERT_EQUAL_FATAL(net_run(&n, &rec, 1, NULL, &e), 0);

    uint64_t *q = malloc(nsyn * sizeof *q);
    uint32_t *src = malloc(nsyn * sizeof *src), *tgt = malloc(nsyn * sizeof *tgt);
    double *xa = calloc((size_t)x.T * nh, sizeof *xa), *grad = calloc(sn->nforward, sizeof *grad);
    struct snn_work *w = snn_work_create(sn);
    CU_ASSERT_FATAL(q && src && tgt && xa && grad && w);
    CU_ASSERT_EQUAL_FATAL(net_proj_order(&n, H->proj, q, src, tgt, &e), 0);
    double amin = INFINITY, amax = -INFINITY;
    out->biggest = INFINITY;
    for (int smp = 0; smp < NSAMPLES; smp++) {
        /* the trainer with the weights the engine delivered in this sample */
        const double *w0 = s.w + (size_t)smp * nsyn, *w1 = w0 + nsyn;
        for (uint32_t c = 0; c < nsyn; c++) sn->params[H->w_off + c] = (float)w0[q[c]];
        struct snn_result r;
        snn_forward(sn, w, &x.in[smp], 0, &r);
        const double *S = snn_work_s(w, 0);
        for (size_t k = 0; k < (size_t)x.T * nh; k++) {
            int a = S[k] != 0, b = s.spk[(size_t)smp * x.T * nh + k];
            out->spikes += a;
            out->differ += a != b;
        }
        for (uint32_t t = 0; t < x.T; t++)
            for (uint32_t i = 0; i < nh; i++) {
                const int64_t te = (int64_t)t - shift;
                const double a = te >= 0 && te < (int64_t)x.T
                                     ? s.a[((size_t)smp * x.T + (size_t)te) * nh + i] - A_REST
                                     : 0.0;
                xa[(size_t)t * nh + i] = a;
                amin = fmin(amin, a);
                amax = fmax(amax, a);
            }
        memset(grad, 0, sn->nforward * sizeof *grad);
        snn_layer_apical(sn, w, &x.in[smp], 0, xa, 1.0, grad);
        double big = 0, diff = 0;
        for (uint32_t c = 0; c < nsyn; c++) {
            const double want = ETA * es.dt_ms * grad[H->w_off + c];
            const double got = w1[q[c]] - w0[q[c]];
            big = fmax(big, fabs(want));
            diff = fmax(diff, fabs(got - want));
        }
        out->biggest = fmin(out->biggest, big);
        out->worst = fmax(out->worst, big > 0 ? diff / big : INFINITY);
    }
    out->a_span = amax - amin;
    snn_work_destroy(w);
    free(q), free(src), free(tgt), free(xa), free(grad);
    free(s.a), free(s.spk), free(s.w);
    rig_inputs_free(&x);
    net_free(&n);
    snn_destroy(sn);
    spec_free(&ts);
    spec_free(&es);
}

/* Truth: snn_layer_apical, the trainer's adjoint, on the engine's own apical potentials: the
 * engine's update of every sample is the trainer's, psi at a spike step included (the rule
 * reads the potential that crossed, nrn_ctx.v_spike, as the trainer's u before the reset). */
static void test_same_update(void)
{
    struct outcome o;
    compare(0, NULL, 0, &o);
    fprintf(stderr, "\nonline vs trainer: %.3g relative (largest update %.3g); %llu spikes, "
            "%llu differ; a - a_rest spans %.3g mV\n",
            o.worst, o.biggest, (unsigned long long)o.spikes, (unsigned long long)o.differ,
            o.a_span);
    CU_ASSERT(o.spikes > 10 * NSAMPLES); /* the hidden layer spikes */
    CU_ASSERT_EQUAL(o.differ, 0);        /* and the engine's weights are the trainer's */
    CU_ASSERT(o.a_span > 1.0);           /* the error moves */
    CU_ASSERT(o.biggest > 1e-3);
    CU_ASSERT(o.worst <= 1e-9);
}

/* Truth: the same comparison, paired one step off either way, is far off. */
static void test_pairing_matters(void)
{
    struct outcome o;
    compare(1, NULL, 0, &o);
    fprintf(stderr, "\na one step late: %.3g relative\n", o.worst);
    CU_ASSERT(o.worst > 1e-3);
    const char *sets[] = {"projections.w_in.plasticity.lag = 1.0"};
    compare(0, sets, 1, &o);
    fprintf(stderr, "lag 1 step: %.3g relative\n", o.worst);
    CU_ASSERT(o.worst > 1e-3);
}

static int suite_online_trainer(void)
{
    CU_pSuite s = CU_add_suite("online_trainer", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "the online rule's update is the trainer's apical rule", test_same_update) ||
        !CU_add_test(s, "paired a step off, it is not", test_pairing_matters))
        return -1;
    return 0;
}
TEST_SUITE(suite_online_trainer)
