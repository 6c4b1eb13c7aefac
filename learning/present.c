/* learning/present: a data set presented to the engine (see present.h). */
#include "learning/present.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "io/afile.h"
#include "learning/data.h"
#include "learning/data_encode.h"

/* One part's copy of the sample it is feeding: every part encodes the whole sample (the
 * encoders are cheap beside the network) and emits its own range, so no part waits. */
struct pcache {
    int64_t sample; /* -1: none yet */
    struct snn_input in;
    struct enc_spikes es;
    uint32_t *off; /* T + 1: the events of step t are in.t[off[t] .. off[t + 1]) */
    int failed;
    struct err e;
};

struct present {
    const struct learn_spec *ls;
    const struct data_set *train, *test;
    struct data_set *own_train, *own_test; /* an online config's, loaded here */
    int use_train;                         /* a training config's split */
    int online;
    uint32_t T, nin, nout, epochs;
    double dt;
    uint64_t seed;
    int64_t nlearn;   /* online: the training samples presented, epochs x training split */
    int64_t nsamples; /* all presented */
    uint32_t *order;  /* online: nlearn training sample indices, shuffled per epoch */
    int64_t period;
    int in_pop, out_pop, err_pop;
    double rest; /* the readout's resting potential, mV */
    int nparts;
    struct pcache *c;
    /* the recorder's */
    double *sum;   /* nout: this sample's summed potentials */
    double *delta; /* nout: the error the error population carries next step */
    double *score; /* per classified sample x nout: the mean potentials */
    uint8_t *pred; /* per classified sample */
    uint8_t *hit;  /* online: per training sample presented, 1 if classified right */
    int64_t learned;
    uint32_t done, correct;
};

/* Presented sample s: its set, its index there, whether the circuit learns from it. */
static const struct data_set *sample_at(const struct present *p, int64_t s, uint32_t *i,
                                        int *learn)
{
    *learn = p->online && s < p->nlearn;
    if (*learn) {
        *i = p->order[s];
        return p->train;
    }
    *i = (uint32_t)(s - p->nlearn);
    return p->use_train ? p->train : p->test;
}

static int encode_sample(struct present *p, struct pcache *c, int64_t sample)
{
    c->sample = sample;
    uint32_t i;
    int learn;
    const struct data_set *d = sample_at(p, sample, &i, &learn);
    const float *x = d->x + (size_t)i * d->nin;
    /* the Poisson encoder's key: evaluation's for a classified sample, the presentation's
     * count while learning (a sample seen again draws anew) */
    const uint32_t key = learn ? (uint32_t)sample & 0x7fffffffu : TRAIN_EVAL_KEY + i;
    if (lspec_encode(p->ls, p->nin, p->T, p->dt, p->seed, x, key, &c->in, &c->es, &c->e)) {
        c->failed = 1;
        c->in.n = 0;
    }
    uint32_t k = 0;
    for (uint32_t s = 0; s <= p->T; s++) {
        while (k < c->in.n && c->in.t[k] < s) k++;
        c->off[s] = k;
    }
    return 0;
}

static uint32_t fire_input(void *self, int part, int64_t step, uint32_t begin, uint32_t end,
                           uint32_t *ids, double *amp)
{
    struct present *p = self;
    const int64_t sample = step / p->period, t = step % p->period;
    if (t >= p->T || sample >= p->nsamples) return 0;
    struct pcache *c = &p->c[part];
    if (c->sample != sample) encode_sample(p, c, sample);
    uint32_t m = 0;
    for (uint32_t k = c->off[t]; k < c->off[t + 1]; k++) {
        const uint32_t j = c->in.j[k];
        if (j < begin || j >= end) continue;
        amp[m] = c->in.v[k];
        ids[m++] = j;
    }
    return m;
}

/* The error population: one graded event per class and step while learning, the error the
 * recorder computed from the readout at the step before (none at a sample's first step). */
static uint32_t fire_error(void *self, int part, int64_t step, uint32_t begin, uint32_t end,
                           uint32_t *ids, double *amp)
{
    (void)part;
    struct present *p = self;
    const int64_t sample = step / p->period, t = step % p->period;
    if (t == 0 || t >= p->T || sample >= p->nlearn) return 0;
    uint32_t m = 0;
    for (uint32_t k = begin; k < end && k < p->nout; k++)
        if (p->delta[k] != 0) {
            amp[m] = p->delta[k];
            ids[m++] = k;
        }
    return m;
}

/* -dLoss/dy of the trainer's per-step losses (docs/learning.md), times the gain. */
static void teach(struct present *p, const double *y, uint32_t label)
{
    const uint32_t K = p->nout;
    const double g = p->ls->teacher_gain;
    if (p->ls->loss == SNN_LOSS_MSE) {
        for (uint32_t k = 0; k < K; k++)
            p->delta[k] = g * ((k == label ? p->ls->mse_target : 0.0) - y[k]);
        return;
    }
    double top = y[0], z = 0;
    for (uint32_t k = 1; k < K; k++) top = fmax(top, y[k]);
    for (uint32_t k = 0; k < K; k++) z += exp(y[k] - top);
    for (uint32_t k = 0; k < K; k++) p->delta[k] = g * ((k == label) - exp(y[k] - top) / z);
}

static int on_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct present *p = self;
    const int64_t sample = step / p->period, t = step % p->period;
    if (t >= p->T || sample >= p->nsamples) return 0;
    uint32_t i;
    int learn;
    const struct data_set *d = sample_at(p, sample, &i, &learn);
    const double *v = n->pops[p->out_pop].state[0];
    double y[256];
    if (t == 0) memset(p->sum, 0, p->nout * sizeof *p->sum);
    for (uint32_t k = 0; k < p->nout; k++) {
        y[k] = v[k] - p->rest;
        p->sum[k] += y[k];
    }
    if (learn) teach(p, y, d->y[i]);
    if (t + 1 < p->T) return 0;
    memset(p->delta, 0, p->nout * sizeof *p->delta);
    uint32_t best = 0;
    for (uint32_t k = 1; k < p->nout; k++)
        if (p->sum[k] > p->sum[best]) best = k;
    if (learn) {
        p->hit[sample] = best == d->y[i];
        p->learned = sample + 1;
        return 0;
    }
    const uint32_t c = (uint32_t)(sample - p->nlearn);
    for (uint32_t k = 0; k < p->nout; k++) p->score[(size_t)c * p->nout + k] = p->sum[k] / p->T;
    p->pred[c] = (uint8_t)best;
    p->correct += best == d->y[i];
    p->done = c + 1;
    return 0;
}

void present_close(struct present *p)
{
    if (!p) return;
    for (int k = 0; p->c && k < p->nparts; k++) {
        snn_input_free(&p->c[k].in);
        enc_spikes_free(&p->c[k].es);
        free(p->c[k].off);
    }
    free(p->c);
    free(p->sum);
    free(p->delta);
    free(p->score);
    free(p->pred);
    free(p->hit);
    free(p->order);
    data_destroy(p->own_train);
    data_destroy(p->own_test);
    free(p);
}

/* The classified split's size. */
static uint32_t nclassified(const struct present *p)
{
    return (p->use_train ? p->train : p->test)->n;
}

/* Everything but the network: the samples, their order and the step count. */
static int plan(struct present *p, struct err *e)
{
    p->period = (int64_t)p->T + (int64_t)nearbyint(p->ls->present_gap_ms / p->dt);
    p->nlearn = p->online ? (int64_t)p->epochs * p->train->n : 0;
    p->nsamples = p->nlearn + nclassified(p);
    /* the engine's step counts: at most 4e9 steps in a run */
    if ((double)p->nsamples * (double)p->period > 4e9)
        return err_set(e, ERR_INPUT, NULL, 0, "simulation.duration", "the presentation of %lld "
                       "samples of %lld steps is more than 4e9 steps", (long long)p->nsamples,
                       (long long)p->period);
    if (!p->online) return 0;
    p->order = malloc((size_t)(p->nlearn ? p->nlearn : 1) * sizeof *p->order);
    p->hit = calloc((size_t)(p->nlearn ? p->nlearn : 1), 1);
    if (!p->order || !p->hit) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    /* each epoch a permutation of the training split, drawn from the seed (Fisher-Yates) */
    const uint32_t N = p->train->n;
    for (uint32_t ep = 0; ep < p->epochs; ep++) {
        uint32_t *o = p->order + (size_t)ep * N;
        struct rng r;
        rng_init(&r, p->seed, RNG_STREAM_PRESENT, ep, 0);
        for (uint32_t i = 0; i < N; i++) o[i] = i;
        for (uint32_t i = N; i > 1; i--) {
            const uint32_t j = rng_below(&r, i), x = o[i - 1];
            o[i - 1] = o[j];
            o[j] = x;
        }
    }
    return 0;
}

int present_online(struct present **out, const struct learn_spec *ls, const struct net_spec *s,
                   const char *config, struct err *e)
{
    *out = NULL;
    struct present *p = calloc(1, sizeof *p);
    if (!p) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    p->ls = ls;
    p->online = 1;
    p->use_train = 0;
    p->epochs = ls->epochs;
    p->T = (uint32_t)nearbyint(s->duration_ms / s->dt_ms);
    p->dt = s->dt_ms;
    p->seed = s->seed;
    p->in_pop = ls->in_pop;
    p->out_pop = ls->out_pop;
    p->err_pop = ls->err_pop;
    int rc = lspec_load_data(ls, &p->own_train, &p->own_test, e);
    p->train = p->own_train;
    p->test = p->own_test;
    if (!rc) {
        const struct data_set *d = p->train;
        const struct pop_spec *in = &s->pops[p->in_pop], *o = &s->pops[p->out_pop],
                              *er = &s->pops[p->err_pop];
        p->nin = in->size;
        p->nout = o->size;
        if (in->size != d->nin)
            rc = err_set(e, ERR_INPUT, config, 0, "teacher.input", "population %s has %u "
                         "neurons, the data (%s) %u features per sample", in->name, in->size,
                         d->name, d->nin);
        else if (o->size != d->nclass || o->size > 256)
            rc = err_set(e, ERR_INPUT, config, 0, "teacher.readout", "population %s has %u "
                         "neurons, the data (%s) %u classes", o->name, o->size, d->name,
                         d->nclass);
        else if (er->size != d->nclass)
            rc = err_set(e, ERR_INPUT, config, 0, "teacher.error", "population %s has %u "
                         "neurons, one per class is needed (%u)", er->name, er->size, d->nclass);
    }
    if (!rc && (rc = plan(p, e)) == ERR_INPUT && !e->file[0])
        snprintf(e->file, sizeof e->file, "%s", config);
    if (rc) {
        present_close(p);
        return rc;
    }
    *out = p;
    return 0;
}

int present_train(struct present **out, const struct train *t, struct err *e)
{
    *out = NULL;
    const struct learn_spec *ls = train_spec(t);
    const struct snn *sn = train_net(t);
    struct present *p = calloc(1, sizeof *p);
    if (!p) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    p->ls = ls;
    p->use_train = ls->present_train;
    p->train = train_data(t, 1);
    p->test = train_data(t, 0);
    p->T = sn->T;
    p->nin = sn->nin;
    p->nout = sn->nout;
    p->dt = sn->dt;
    p->seed = train_netspec(t)->seed;
    p->out_pop = sn->L[sn->nlayers - 1].pop;
    p->err_pop = -1;
    /* the input: the one population that is no layer (snn_compile allows no other) */
    p->in_pop = -1;
    for (int i = 0; i < train_netspec(t)->npops; i++) {
        int layer = 0;
        for (int l = 0; l < sn->nlayers; l++) layer |= sn->L[l].pop == i;
        if (!layer) p->in_pop = i;
    }
    int rc = plan(p, e);
    if (rc) {
        present_close(p);
        return rc;
    }
    *out = p;
    return 0;
}

int64_t present_steps(const struct present *p)
{
    return p->nsamples * p->period;
}

int present_start(struct present *p, struct net *n, struct recorder *rec, struct err *e)
{
    double s0[NRN_MAX_STATE] = {0};
    const struct pop *op = &n->pops[p->out_pop];
    if (op->ops->initial) op->ops->initial(n->spec->pops[p->out_pop].params, op->shape, s0);
    p->rest = s0[0];
    p->nparts = n->nparts;
    const uint32_t ncl = nclassified(p);
    p->c = calloc((size_t)p->nparts, sizeof *p->c);
    p->sum = calloc(p->nout, sizeof *p->sum);
    p->delta = calloc(p->nout, sizeof *p->delta);
    p->score = malloc((size_t)ncl * p->nout * sizeof *p->score + 1);
    p->pred = malloc((size_t)ncl + 1);
    int rc = !p->c || !p->sum || !p->delta || !p->score || !p->pred || p->in_pop < 0
                 ? err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory")
                 : 0;
    for (int k = 0; !rc && k < p->nparts; k++) {
        struct pcache *c = &p->c[k];
        c->sample = -1;
        if (!(c->off = malloc((p->T + 1) * sizeof *c->off)))
            rc = err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
        if (!rc) rc = snn_input_reserve(&c->in, p->nin * p->T, e);
        if (!rc) rc = enc_spikes_init(&c->es, p->nin, p->T, e);
    }
    struct net_feed f = {.fire = fire_input, .self = p, .graded = 1};
    if (!rc) rc = net_set_feed(n, p->in_pop, &f, e);
    struct net_feed g = {.fire = fire_error, .self = p, .graded = 1};
    if (!rc && p->err_pop >= 0) rc = net_set_feed(n, p->err_pop, &g, e);
    if (rc) return rc;
    if (p->ls->present_reset) net_set_reset(n, p->period);
    *rec = (struct recorder){.on_step = on_step, .self = p, .reads_state = 1};
    return 0;
}

uint32_t present_done(const struct present *p, uint32_t *correct)
{
    *correct = p->correct;
    return p->done;
}

int present_error(const struct present *p, struct err *e)
{
    for (int k = 0; k < p->nparts; k++)
        if (p->c[k].failed) {
            *e = p->c[k].e;
            return e->code ? e->code : ERR_INPUT;
        }
    return 0;
}

const char *present_split(const struct present *p, uint32_t *n)
{
    *n = nclassified(p);
    return p->use_train ? "train" : "test";
}

int present_write_csv(const struct present *p, const char *path, struct err *e)
{
    struct afile f;
    int rc = afile_open(&f, path, e);
    if (rc) return rc;
    const struct data_set *d = p->use_train ? p->train : p->test;
    fprintf(f.fp, "sample,label,prediction");
    for (uint32_t k = 0; k < p->nout; k++) fprintf(f.fp, ",y%u", k);
    fprintf(f.fp, "\n");
    for (uint32_t i = 0; i < p->done; i++) {
        fprintf(f.fp, "%u,%u,%u", i, d->y[i], p->pred[i]);
        for (uint32_t k = 0; k < p->nout; k++)
            fprintf(f.fp, ",%.17g", p->score[(size_t)i * p->nout + k]);
        fprintf(f.fp, "\n");
    }
    return afile_commit(&f, e);
}

int present_learning(const struct present *p, int64_t *learned, double *last)
{
    *learned = p->learned;
    const int64_t w = p->ls->acc_window, from = p->learned > w ? p->learned - w : 0;
    int64_t hits = 0;
    for (int64_t s = from; s < p->learned; s++) hits += p->hit[s];
    *last = p->learned > from ? 100.0 * (double)hits / (double)(p->learned - from) : NAN;
    return p->online;
}

int present_write_learning(const struct present *p, const char *path, struct err *e)
{
    struct afile f;
    int rc = afile_open(&f, path, e);
    if (rc) return rc;
    const int64_t w = p->ls->acc_window, N = p->train->n;
    fprintf(f.fp, "samples,epoch,accuracy\n");
    int64_t hits = 0;
    for (int64_t s = 0; s < p->learned; s++) {
        hits += p->hit[s];
        if (s >= w) hits -= p->hit[s - w];
        if ((s + 1) % w == 0 || s + 1 == p->learned)
            fprintf(f.fp, "%lld,%.6g,%.6g\n", (long long)(s + 1), (double)(s + 1) / (double)N,
                    100.0 * (double)hits / (double)(s + 1 < w ? s + 1 : w));
    }
    return afile_commit(&f, e);
}
