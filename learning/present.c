/* learning/present: a data set presented to the engine (see present.h). */
#include "learning/present.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    const struct train *t;
    const struct data_set *d;
    int use_train;
    uint32_t T, nin, nout, nsamples;
    int64_t period;
    int in_pop, out_pop;
    double rest; /* the readout's resting potential, mV */
    int nparts;
    struct pcache *c;
    /* the recorder's */
    double *sum;   /* nout: this sample's summed potentials */
    double *score; /* nsamples x nout: the mean potentials */
    uint8_t *pred;
    uint32_t done, correct;
};

static uint32_t split_size(const struct train *t, int use_train)
{
    return train_data(t, use_train)->n;
}

int64_t present_steps(const struct train *t)
{
    const struct learn_spec *ls = train_spec(t);
    const struct snn *n = train_net(t);
    int64_t gap = (int64_t)nearbyint(ls->present_gap_ms / n->dt);
    return (int64_t)split_size(t, ls->present_train) * ((int64_t)n->T + gap);
}

static int encode_sample(struct present *p, struct pcache *c, int64_t sample)
{
    c->sample = sample;
    const float *x = p->d->x + (size_t)sample * p->d->nin;
    if (train_encode(p->t, x, TRAIN_EVAL_KEY + (uint32_t)sample, &c->in, &c->es, &c->e)) {
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

static uint32_t fire(void *self, int part, int64_t step, uint32_t begin, uint32_t end,
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

static int on_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct present *p = self;
    const int64_t sample = step / p->period, t = step % p->period;
    if (t >= p->T || sample >= p->nsamples) return 0;
    const double *v = n->pops[p->out_pop].state[0];
    if (t == 0) memset(p->sum, 0, p->nout * sizeof *p->sum);
    for (uint32_t k = 0; k < p->nout; k++) p->sum[k] += v[k] - p->rest;
    if (t + 1 < p->T) return 0;
    uint32_t best = 0;
    for (uint32_t k = 1; k < p->nout; k++)
        if (p->sum[k] > p->sum[best]) best = k;
    for (uint32_t k = 0; k < p->nout; k++)
        p->score[(size_t)sample * p->nout + k] = p->sum[k] / p->T;
    p->pred[sample] = (uint8_t)best;
    p->correct += best == p->d->y[sample];
    p->done = (uint32_t)sample + 1;
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
    free(p->score);
    free(p->pred);
    free(p);
}

int present_open(struct present **out, const struct train *t, struct net *n,
                 struct recorder *rec, struct err *e)
{
    *out = NULL;
    const struct learn_spec *ls = train_spec(t);
    const struct snn *sn = train_net(t);
    struct present *p = calloc(1, sizeof *p);
    if (!p) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    p->t = t;
    p->use_train = ls->present_train;
    p->d = train_data(t, p->use_train);
    p->T = sn->T;
    p->nin = sn->nin;
    p->nout = sn->nout;
    p->nsamples = p->d->n;
    p->period = (int64_t)sn->T + (int64_t)nearbyint(ls->present_gap_ms / sn->dt);
    p->out_pop = sn->L[sn->nlayers - 1].pop;
    /* the input: the one population that is no layer (snn_compile allows no other) */
    p->in_pop = -1;
    for (int i = 0; i < n->npops; i++) {
        int layer = 0;
        for (int l = 0; l < sn->nlayers; l++) layer |= sn->L[l].pop == i;
        if (!layer) p->in_pop = i;
    }
    double s0[NRN_MAX_STATE] = {0};
    const struct pop *op = &n->pops[p->out_pop];
    if (op->ops->initial) op->ops->initial(n->spec->pops[p->out_pop].params, op->shape, s0);
    p->rest = s0[0];
    p->nparts = n->nthreads;
    p->c = calloc((size_t)p->nparts, sizeof *p->c);
    p->sum = calloc(p->nout, sizeof *p->sum);
    p->score = malloc((size_t)p->nsamples * p->nout * sizeof *p->score + 1);
    p->pred = malloc((size_t)p->nsamples + 1);
    int rc = !p->c || !p->sum || !p->score || !p->pred || p->in_pop < 0
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
    struct net_feed f = {.fire = fire, .self = p, .graded = 1};
    if (!rc) rc = net_set_feed(n, p->in_pop, &f, e);
    if (rc) {
        present_close(p);
        return rc;
    }
    if (ls->present_reset) net_set_reset(n, p->period);
    *rec = (struct recorder){.on_step = on_step, .self = p, .reads_state = 1};
    *out = p;
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
    *n = p->nsamples;
    return p->use_train ? "train" : "test";
}

int present_write_csv(const struct present *p, const char *path, struct err *e)
{
    struct afile f;
    int rc = afile_open(&f, path, e);
    if (rc) return rc;
    fprintf(f.fp, "sample,label,prediction");
    for (uint32_t k = 0; k < p->nout; k++) fprintf(f.fp, ",y%u", k);
    fprintf(f.fp, "\n");
    for (uint32_t i = 0; i < p->done; i++) {
        fprintf(f.fp, "%u,%u,%u", i, p->d->y[i], p->pred[i]);
        for (uint32_t k = 0; k < p->nout; k++)
            fprintf(f.fp, ",%.17g", p->score[(size_t)i * p->nout + k]);
        fprintf(f.fp, "\n");
    }
    return afile_commit(&f, e);
}
