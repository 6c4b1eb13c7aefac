/* learning/train: the training loop (see train.h). */
#include "learning/train.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cpus.h"
#include "core/rng.h"
#include "core/team.h"
#include "io/afile.h"
#include "learning/lcfg.h"
#include "learning/data_encode.h"
#include "learning/snn_weights.h"
#include "learning/train_out.h"

struct tthread {
    struct snn_work *w;
    struct snn_input in;
    struct enc_spikes es;
    long switches; /* involuntary context switches inside mini-batches (core/team) */
};

struct train {
    char config[1024];
    struct net_spec spec;
    struct learn_spec ls;
    char *resolved;
    struct snn *net;
    struct optim opt;
    struct data_set *train, *test;
    int nthreads, quiet;
    struct team team; /* how many of the threads work on a busy machine (same bits) */
    const volatile sig_atomic_t *stop;
    void (*on_progress)(void *ctx, const struct train_progress *p);
    void *ctx;
    struct tthread *th;
    double *cgrad; /* TRAIN_CHUNKS x nforward */
    double *grad, *grad2, *wold;
    double *s_loss, *s_spk; /* per sample of a batch: loss, spikes per layer */
    int *s_ok;
    uint32_t *perm;
    struct train_epoch *hist;
    uint32_t nhist;
    /* where a resumed run picks up */
    uint32_t epoch, next_batch;
    double part_loss, part_ok, part_n, part_spk[SNN_MAX_LAYERS], part_cos[SNN_MAX_LAYERS],
        part_ncos, part_sec;
};

const struct snn *train_net(const struct train *t) {
    return t->net;
}
const struct learn_spec *train_spec(const struct train *t) {
    return &t->ls;
}
const struct train_epoch *train_history(const struct train *t, uint32_t *n) {
    *n = t->nhist;
    return t->hist;
}
int train_threads(const struct train *t) {
    return t->nthreads;
}
const struct net_spec *train_netspec(const struct train *t) {
    return &t->spec;
}
const struct data_set *train_data(const struct train *t, int use_train) {
    return use_train ? t->train : t->test;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* ---- data ---- */

static int load_data(struct train *t, struct err *e) {
    int rc = lspec_load_data(&t->ls, &t->train, &t->test, e);
    if (rc) return rc;
    if (t->train->nin != t->net->nin)
        return err_set(e, ERR_INPUT, t->config, 0, "populations",
                       "the input layer has %u units, the data (%s) %u features per sample",
                       t->net->nin, t->train->name, t->train->nin);
    if (t->train->nclass != t->net->nout)
        return err_set(e, ERR_INPUT, t->config, 0, "populations",
                       "the readout %s has %u units, the data (%s) %u classes",
                       t->net->L[t->net->nlayers - 1].name, t->net->nout, t->train->name,
                       t->train->nclass);
    return 0;
}

/* ---- encoding ---- */

int train_encode(const struct train *t, const float *x, uint32_t key, struct snn_input *in,
                 struct enc_spikes *es, struct err *e) {
    return lspec_encode(&t->ls, t->net->nin, t->net->T, t->net->dt, t->spec.seed, x, key, in, es,
                        e);
}

/* ---- opening ---- */

static int make_threads(struct train *t, struct err *e) {
    t->th = calloc((size_t)t->nthreads, sizeof *t->th);
    if (!t->th) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    for (int k = 0; k < t->nthreads; k++) {
        struct tthread *th = &t->th[k];
        th->w = snn_work_create(t->net);
        if (!th->w) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory (workspaces)");
        int rc = snn_input_reserve(&th->in, t->net->nin * t->net->T, e);
        if (!rc) rc = enc_spikes_init(&th->es, t->net->nin, t->net->T, e);
        if (rc) return rc;
    }
    const size_t nf = t->net->nforward;
    uint32_t b = t->ls.batch;
    t->cgrad = malloc(sizeof(double) * nf * TRAIN_CHUNKS);
    t->grad = malloc(sizeof(double) * nf);
    t->grad2 = malloc(sizeof(double) * nf);
    t->wold = malloc(sizeof(double) * t->net->nparams);
    t->s_loss = malloc(sizeof(double) * b);
    t->s_spk = malloc(sizeof(double) * b * SNN_MAX_LAYERS);
    t->s_ok = malloc(sizeof(int) * b);
    t->perm = malloc(sizeof(uint32_t) * t->train->n);
    if (!t->cgrad || !t->grad || !t->grad2 || !t->wold || !t->s_loss || !t->s_spk || !t->s_ok ||
        !t->perm)
        return err_set(e, ERR_NOMEM, "", 0, "", "out of memory (gradients)");
    return 0;
}

static int check_rule(const struct train *t, struct err *e) {
    const struct snn *n = t->net;
    /* an input event reaches the readout sum(D) steps later: at or past T, nothing would */
    uint64_t reach = 0;
    for (int l = 0; l < n->nlayers; l++) reach += n->L[l].delay;
    if (reach >= n->T)
        return err_set(e, ERR_INPUT, t->config, 0, "simulation.duration",
                       "%g ms (%u steps): the input reaches the readout %llu steps after it "
                       "happens (each projection's delay + 1 step), so no sample would move it; "
                       "lengthen the presentation or shorten the delays",
                       n->T * n->dt, n->T, (unsigned long long)reach);
    if (t->ls.rule != SNN_APICAL && !t->ls.align) return 0;
    char why[64];
    if (t->ls.rule == SNN_APICAL)
        snprintf(why, sizeof why, "learning.rule = \"%s\"", snn_rule_names[SNN_APICAL]);
    else
        snprintf(why, sizeof why, "learning.align = true");
    for (int l = 0; l < n->nlayers - 1; l++)
        if (n->L[l].fb == SNN_FB_NONE)
            return err_set(e, ERR_INPUT, t->config, 0, "projections",
                           "%s: hidden layer %s gets no feedback projection (add one from the "
                           "layer above, or from the readout with feedback = \"%s\", onto its "
                           "apical compartment)",
                           why, n->L[l].name, snn_feedback_names[SNN_FB_DIRECT]);
    return 0;
}

/* What the run will allocate (make_threads, optim_init, snn_init_weights, the history) and
 * what the data hold. */
static void estimate(const struct train *t, struct train_mem *m) {
    const struct snn *n = t->net;
    const double nf = (double)n->nforward, np = (double)n->nparams, T = n->T, nin = n->nin;
    const double moments = t->ls.opt.type == OPTIM_ADAM ? 2 : 1;
    m->weights = 8 * (2 * np + moments * nf + (TRAIN_CHUNKS + 2) * nf) /* params, wold; m, v;
                                                                          cgrad, grad, grad2 */
                 + (double)t->ls.batch * (8 + 8 * SNN_MAX_LAYERS + 4)    /* s_loss, s_spk, s_ok */
                 + 4.0 * t->train->n                                      /* perm */
                 + sizeof(struct train_epoch) * ((double)t->ls.epochs + 1); /* history */
    /* the layers' workspace, the input events (snn_input), the encoder's (enc_spikes_init) */
    m->per_thread = snn_work_bytes(n) + T * nin * (4 + 4 + 8) + 4 * (T + 1) + 12 * T * nin;
    m->data = (double)(t->train->n + t->test->n) * (4.0 * nin + 1);
    m->threads = t->nthreads;
    m->total = m->weights + m->threads * m->per_thread + m->data;
}

/* Names what to shrink: the presentation when the workspaces (T x units) dominate and T is
 * the larger factor, else the largest layer. */
static int refuse(const struct train *t, const struct train_mem *m, double max,
                  struct err *e) {
    const struct snn *n = t->net;
    int big = 0;
    for (int l = 1; l < n->nlayers; l++)
        if (n->L[l].n > n->L[big].n) big = l;
    const struct pop_spec *ps = &t->spec.pops[n->L[big].pop];
    const double gib = 1073741824.0;
    char what[400];
    snprintf(what, sizeof what,
             "training needs about %.1f GiB (weights, optimizer and gradients %.2f GiB; %d "
             "thread%s x %.2f GiB of workspace for %u steps; data %.2f GiB), more than the "
             "%.1f GiB of memory available",
             m->total / gib, m->weights / gib, m->threads, m->threads == 1 ? "" : "s",
             m->per_thread / gib, n->T, m->data / gib, max / gib);
    if (m->threads * m->per_thread > m->weights && n->T > n->L[big].n)
        return err_set(e, ERR_INPUT, t->config, 0, "simulation.duration", "%s", what);
    char path[SPEC_NAME + 32];
    snprintf(path, sizeof path, "populations.%s.size", ps->name);
    return err_set(e, ERR_INPUT, ps->size_file[0] ? ps->size_file : t->config, ps->size_line,
                   path, "%s (%s has %u units)", what, ps->name, ps->size);
}

int train_open(struct train **out, const char *config, const char *const *sets, int nsets,
               const struct train_opts *o, struct err *e) {
    *out = NULL;
    struct train *t = calloc(1, sizeof *t);
    if (!t) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    snprintf(t->config, sizeof t->config, "%s", config);
    t->quiet = o->quiet;
    t->stop = o->stop;
    t->on_progress = o->on_progress;
    t->ctx = o->ctx;
    int rc = lcfg_load(config, sets, nsets, &t->spec, &t->ls, &t->resolved, e);
    if (rc) {
        free(t);
        return rc;
    }
    *out = t;
    struct snn_opts so = {0};
    so.T = (uint32_t)lround(t->spec.duration_ms / t->spec.dt_ms);
    so.soft = t->ls.soft;
    so.detach_reset = !t->ls.reset_grad;
    rc = surr_init(&so.surr, t->ls.surr_shape, t->ls.surr_beta, t->ls.soft ? NAN : t->ls.surr_gamma,
                   "learning.surrogate", e);
    if (rc) return err_set(e, rc, config, 0, e->path, "%s", e->msg);
    if (t->ls.soft) so.surr.gamma = surr_unit_gamma(so.surr.shape, so.surr.beta);
    so.loss = t->ls.loss;
    so.mse_target = t->ls.mse_target;
    so.rate_target_hz = t->ls.rate_target_hz;
    so.rate_strength = t->ls.rate_strength;
    memcpy(so.feedback, t->ls.feedback, sizeof so.feedback);
    so.file = config;
    if ((rc = snn_compile(&t->net, &t->spec, &so, e)) || (rc = check_rule(t, e)))
        return rc;
    if ((rc = optim_check(&t->ls.opt, e))) {
        if (rc == ERR_INPUT) snprintf(e->file, sizeof e->file, "%s", config);
        return rc;
    }
    if ((rc = load_data(t, e))) return rc;
    if (t->train->n < 1 || t->test->n < 1)
        return err_set(e, ERR_INPUT, config, 0, "data", "no samples to train or test on");
    int nth = o->threads > 0        ? o->threads
              : t->spec.threads > 0 ? t->spec.threads
                                    : cpus_default_threads();
    t->nthreads = nth < 1 ? 1 : nth;
    team_init(&t->team, t->nthreads, o->team_test);
    struct train_mem m;
    estimate(t, &m);
    if (o->on_plan) o->on_plan(o->ctx, t, &m);
    if (o->max_bytes > 0 && m.total > o->max_bytes) return refuse(t, &m, o->max_bytes, e);
    if ((rc = snn_init_weights(t->net, &t->spec, e)) ||
        (rc = optim_init(&t->opt, &t->ls.opt, t->net->nforward, e)))
        return rc;
    return make_threads(t, e);
}

void train_close(struct train *t) {
    if (!t) return;
    for (int k = 0; t->th && k < t->nthreads; k++) {
        snn_work_destroy(t->th[k].w);
        snn_input_free(&t->th[k].in);
        enc_spikes_free(&t->th[k].es);
    }
    free(t->th);
    free(t->cgrad), free(t->grad), free(t->grad2), free(t->wold);
    free(t->s_loss), free(t->s_spk), free(t->s_ok), free(t->perm);
    free(t->hist);
    optim_free(&t->opt);
    data_destroy(t->train);
    data_destroy(t->test);
    snn_destroy(t->net);
    free(t->resolved);
    spec_free(&t->spec);
    free(t);
}

/* ---- one mini-batch ---- */

/* Gradient of rule over samples idx[0 .. bs) into out (mean over the batch), per-sample loss,
 * correctness and spikes into t->s_*. Chunk c holds samples [c bs / nc, (c + 1) bs / nc) and
 * is summed in sample order; chunks are summed in chunk order: no thread count enters. */
static int batch_grad(struct train *t, const uint32_t *idx, uint32_t bs, uint32_t key0, int rule,
                      int learn, double *out, struct err *e) {
    const struct snn *n = t->net;
    const size_t nf = n->nforward;
    const int nc = (int)(bs < TRAIN_CHUNKS ? bs : TRAIN_CHUNKS);
    const struct data_set *d = learn ? t->train : t->test;
    int fail = 0;
    struct err ferr = {0};
    /* chunks go to whichever thread is free; how many work follows core/team */
    const int m = t->team.m;
#pragma omp parallel num_threads(m)
    {
        struct tthread *th = &t->th[omp_get_thread_num()];
        const long sw0 = m > 1 ? team_switches() : 0;
#pragma omp for schedule(dynamic, 1)
        for (int c = 0; c < nc; c++) {
            double *g = out ? t->cgrad + (size_t)c * nf : NULL;
            if (g) memset(g, 0, sizeof(double) * nf);
            uint32_t b0 = (uint32_t)((uint64_t)c * bs / nc),
                     b1 = (uint32_t)((uint64_t)(c + 1) * bs / nc);
            for (uint32_t b = b0; b < b1; b++) {
                uint32_t i = idx[b];
                struct err le = {0};
                if (train_encode(t, d->x + (size_t)i * d->nin, key0 + i, &th->in, &th->es,
                                 &le) != 0) {
#pragma omp critical(train_fail)
                    if (!fail) fail = 1, ferr = le;
                    continue;
                }
                struct snn_result r;
                snn_forward(n, th->w, &th->in, d->y[i], &r);
                if (g) snn_backward(n, th->w, &th->in, d->y[i], rule, 1.0 / bs, g);
                t->s_loss[b] = r.loss;
                t->s_ok[b] = r.pred == d->y[i];
                for (int l = 0; l < n->nlayers; l++)
                    t->s_spk[(size_t)b * SNN_MAX_LAYERS + l] = r.spikes[l];
            }
        }
        if (m > 1) th->switches += team_switches() - sw0;
    }
    if (t->nthreads > 1) {
        long sw = 0;
        for (int k = 0; k < m; k++) sw += t->th[k].switches;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        team_decide(&t->team, sw, ts.tv_sec + 1e-9 * ts.tv_nsec);
    }
    if (fail) {
        *e = ferr;
        return ERR_INPUT;
    }
    if (!out) return 0;
#pragma omp parallel for schedule(static) num_threads(m)
    for (size_t k = 0; k < nf; k++) {
        double s = 0;
        for (int c = 0; c < nc; c++)
            s += t->cgrad[(size_t)c * nf + k];
        out[k] = s;
    }
    return 0;
}

static double cosine(const double *a, const double *b, size_t n) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t k = 0; k < n; k++)
        ab += a[k] * b[k], aa += a[k] * a[k], bb += b[k] * b[k];
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : NAN;
}

/* Learned feedback: B takes its forward partner's change, then decays. */
static void learn_feedback(struct train *t) {
    struct snn *n = t->net;
    for (int l = 0; l < n->nlayers - 1; l++) {
        const struct snn_layer *L = &n->L[l];
        if (L->fb != SNN_FB_LEARNED) continue;
        const struct snn_layer *A = &n->L[L->fb_src];
        double *B = n->params + L->b_off;
        const double *W = n->params + A->w_off, *W0 = t->wold + A->w_off;
        const double keep = 1 - t->ls.feedback_decay;
        for (size_t k = 0; k < (size_t)L->n * A->n; k++)
            B[k] = keep * (B[k] + (W[k] - W0[k]));
    }
}

static int all_finite(const double *w, size_t n) {
    for (size_t k = 0; k < n; k++)
        if (!isfinite(w[k])) return 0;
    return 1;
}

/* The first layer (in chain order) whose forward weights, or whose own feedback matrix (then
 * *fb = 1), are not all finite; -1 if none. */
static int nonfinite_layer(const struct snn *n, int *fb) {
    for (int l = 0; l < n->nlayers; l++) {
        const struct snn_layer *L = &n->L[l];
        *fb = 0;
        if (!all_finite(n->params + L->w_off, (size_t)L->n_in * L->n)) return l;
        *fb = 1;
        if (L->fb != SNN_FB_NONE && L->fb != SNN_FB_SYMMETRIC &&
            !all_finite(n->params + L->b_off, (size_t)L->n * n->L[L->fb_src].n))
            return l;
    }
    return -1;
}

/* ---- evaluation ---- */

static int eval_set(struct train *t, int use_train, double *loss, double *acc, struct err *e) {
    const struct data_set *d = use_train ? t->train : t->test;
    double ls = 0, ok = 0;
    uint32_t bs = t->ls.batch;
    uint32_t *idx = malloc(sizeof *idx * bs);
    if (!idx) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    struct data_set *keep = t->test;
    t->test = (struct data_set *)d; /* batch_grad reads the test set when not learning */
    int rc = 0;
    for (uint32_t b0 = 0; b0 < d->n && !rc; b0 += bs) {
        uint32_t m = d->n - b0 < bs ? d->n - b0 : bs;
        for (uint32_t k = 0; k < m; k++)
            idx[k] = b0 + k;
        rc = batch_grad(t, idx, m, TRAIN_EVAL_KEY, 0, 0, NULL, e);
        for (uint32_t k = 0; k < m && !rc; k++)
            ls += t->s_loss[k], ok += t->s_ok[k];
    }
    t->test = keep;
    free(idx);
    *loss = ls / d->n;
    *acc = 100.0 * ok / d->n;
    return rc;
}

int train_eval(struct train *t, int use_train, double *loss, double *acc, struct err *e) {
    return eval_set(t, use_train, loss, acc, e);
}

/* ---- checkpoints ---- */

/* A checkpoint is, in this machine's byte order: the header, nparams weights, the optimizer's
 * state (optim_state_write) and nhist history entries (struct train_epoch). The history has
 * one entry per finished epoch, so nhist = epoch; next_batch is 0 at an epoch's end and the
 * mini-batch to go on with after an interruption (part: the epoch's sums so far). */
#define CK_MAGIC "APICALCK"
#define CK_VERSION 1u

struct ck_head {
    char magic[8];
    uint32_t version, nlayers;
    uint64_t config_hash, nparams, nforward;
    uint32_t epoch, next_batch, nhist, pad;
    double part[6 + 2 * SNN_MAX_LAYERS];
};

static int ck_write(const struct train *t, const char *path, struct err *e) {
    struct afile f;
    int rc = afile_open(&f, path, e);
    if (rc) return rc;
    struct ck_head h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, CK_MAGIC, 8);
    h.version = CK_VERSION;
    h.nlayers = (uint32_t)t->net->nlayers;
    h.config_hash = t->spec.config_hash;
    h.nparams = t->net->nparams;
    h.nforward = t->net->nforward;
    h.epoch = t->epoch;
    h.next_batch = t->next_batch;
    h.nhist = t->nhist;
    double *p = h.part;
    p[0] = t->part_loss, p[1] = t->part_ok, p[2] = t->part_n, p[3] = t->part_ncos,
    p[4] = t->part_sec;
    for (int l = 0; l < SNN_MAX_LAYERS; l++)
        p[6 + l] = t->part_spk[l], p[6 + SNN_MAX_LAYERS + l] = t->part_cos[l];
    int ok = fwrite(&h, sizeof h, 1, f.fp) == 1 &&
             fwrite(t->net->params, sizeof(double), t->net->nparams, f.fp) == t->net->nparams &&
             optim_state_write(&t->opt, f.fp) == 0 &&
             fwrite(t->hist, sizeof *t->hist, t->nhist, f.fp) == t->nhist;
    if (!ok) {
        int saved = errno;
        afile_abort(&f);
        return err_set(e, ERR_IO, path, 0, "", "cannot write the checkpoint: %s",
                       strerror(saved));
    }
    return afile_commit(&f, e);
}

/* Opens a regular file for reading without blocking on a FIFO; its length into *len. */
static FILE *ck_open(const char *path, uint64_t *len, struct err *e) {
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        err_set(e, ERR_INPUT, path, 0, "", "cannot open the checkpoint: %s", strerror(errno));
        return NULL;
    }
    FILE *f = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        err_set(e, ERR_INPUT, path, 0, "", "not a regular file");
    else if (!(f = fdopen(fd, "rb")))
        err_set(e, ERR_INPUT, path, 0, "", "cannot open the checkpoint: %s", strerror(errno));
    if (!f) close(fd);
    *len = f ? (uint64_t)st.st_size : 0;
    return f;
}

/* The header's promises, against this config's network and the file's length len, before any
 * count sizes or indexes anything. full: a resume (this config's hash and optimizer, and a
 * position inside this data set's epochs); else weights only (apical eval), whose rest must
 * have the length of SGD's state (step count, m) or Adam's (+ v), then the history. */
static int ck_check_head(const struct train *t, const struct ck_head *h, uint64_t len, int full,
                         const char *path, struct err *e) {
    const struct snn *n = t->net;
    if (h->version != CK_VERSION)
        return err_set(e, ERR_INPUT, path, 0, "", "checkpoint version %u (this apical reads %u)",
                       h->version, CK_VERSION);
    if (h->nparams != n->nparams || h->nforward != n->nforward ||
        h->nlayers != (uint32_t)n->nlayers)
        return err_set(e, ERR_INPUT, path, 0, "",
                       "the checkpoint holds %llu weights in %u layers, "
                       "this config's network %zu in %d",
                       (unsigned long long)h->nparams, h->nlayers, n->nparams, n->nlayers);
    if (full && h->config_hash != t->spec.config_hash)
        return err_set(e, ERR_INPUT, path, 0, "",
                       "the checkpoint comes from another config "
                       "(hash %016llx, this one %016llx): resume needs the same config and --set",
                       (unsigned long long)h->config_hash,
                       (unsigned long long)t->spec.config_hash);
    const uint64_t nb = (t->train->n + (uint64_t)t->ls.batch - 1) / t->ls.batch;
    if (full && (h->nhist != h->epoch || h->next_batch >= nb))
        return err_set(e, ERR_INPUT, path, 0, "",
                       "corrupt checkpoint: %u epochs of history for %u epochs done, resuming "
                       "at mini-batch %u of %llu",
                       h->nhist, h->epoch, h->next_batch + 1, (unsigned long long)nb);
    const uint64_t weights = sizeof *h + 8 * h->nparams;
    if (len < weights)
        return err_set(e, ERR_INPUT, path, 0, "",
                       "truncated checkpoint (weights): %llu bytes, where the header and %llu "
                       "weights take %llu",
                       (unsigned long long)len, (unsigned long long)h->nparams,
                       (unsigned long long)weights);
    /* no overflow: nforward is this network's, nhist < 2^32 */
    const uint64_t rest = len - weights, hist = (uint64_t)h->nhist * sizeof(struct train_epoch),
                   sgd = sizeof(uint64_t) + 8 * h->nforward + hist, adam = sgd + 8 * h->nforward,
                   want = full ? optim_state_len(&t->opt) + hist : 0;
    if (full ? rest == want : rest == sgd || rest == adam) return 0;
    if (full)
        return err_set(e, ERR_INPUT, path, 0, "",
                       "%s checkpoint (optimizer state and history): %llu bytes after the "
                       "weights, where %s's state and the %u epochs of history the header "
                       "declares take %llu",
                       rest < want ? "truncated" : "malformed", (unsigned long long)rest,
                       t->ls.opt.type == OPTIM_ADAM ? "Adam" : "SGD", h->nhist,
                       (unsigned long long)want);
    return err_set(e, ERR_INPUT, path, 0, "",
                   "%s checkpoint (%llu bytes after the weights; with the %u epochs of history "
                   "the header declares, an SGD run leaves %llu, an Adam run %llu)",
                   rest < sgd ? "truncated" : "malformed", (unsigned long long)rest, h->nhist,
                   (unsigned long long)sgd, (unsigned long long)adam);
}

/* What a resumed run will read from the body: the history's epochs in order, the partial
 * epoch's sums as next_batch full mini-batches leave them. */
static int ck_check_body(const struct train *t, const struct ck_head *h,
                         const struct train_epoch *hist, const char *path, struct err *e) {
    for (uint32_t k = 0; k < h->nhist; k++)
        if (hist[k].epoch != k + 1)
            return err_set(e, ERR_INPUT, path, 0, "",
                           "corrupt checkpoint: history entry %u is for epoch %u", k + 1,
                           hist[k].epoch);
    const double *p = h->part;
    int ok = p[2] == (double)h->next_batch * t->ls.batch && p[1] <= p[2] && p[3] <= p[2];
    for (int k = 0; k < 6 + 2 * SNN_MAX_LAYERS; k++)
        ok &= isfinite(p[k]) && (k == 0 || k >= 6 + SNN_MAX_LAYERS || p[k] >= 0);
    if (!ok)
        return err_set(e, ERR_INPUT, path, 0, "",
                       "corrupt checkpoint: the sums of the unfinished epoch do not fit "
                       "%u mini-batches of %u",
                       h->next_batch, t->ls.batch);
    return 0;
}

/* Reads a checkpoint; with full, also the optimizer state, history and position. Nothing of t
 * changes unless the whole file is good. */
static int ck_read(struct train *t, const char *path, int full, struct err *e) {
    uint64_t len = 0;
    FILE *f = ck_open(path, &len, e);
    if (!f) return e->code;
    struct ck_head h;
    memset(&h, 0, sizeof h);
    size_t got = fread(&h, 1, sizeof h, f);
    int rc = 0;
    if (got < 8 || memcmp(h.magic, CK_MAGIC, 8) != 0)
        rc = err_set(e, ERR_INPUT, path, 0, "", "not an apical checkpoint");
    else if (got < sizeof h)
        rc = err_set(e, ERR_INPUT, path, 0, "", "truncated checkpoint (header): %zu bytes", got);
    else
        rc = ck_check_head(t, &h, len, full, path, e);
    /* from here every count is this network's, and the file has the bytes they need */
    double *params = NULL;
    struct train_epoch *hist = NULL;
    struct optim opt = {0};
    if (!rc && !(params = malloc(sizeof(double) * (h.nparams ? h.nparams : 1))))
        rc = err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    if (!rc && fread(params, sizeof(double), h.nparams, f) != h.nparams)
        rc = err_set(e, ERR_IO, path, 0, "", "cannot read the checkpoint: %s", strerror(errno));
    for (size_t k = 0; !rc && k < h.nparams; k++)
        if (!isfinite(params[k]))
            rc = err_set(e, ERR_INPUT, path, 0, "", "corrupt checkpoint: weight %zu is not finite",
                         k);
    if (!rc && full) {
        int ro = 0;
        if ((rc = optim_init(&opt, &t->ls.opt, t->net->nforward, e)) == 0 &&
            !(hist = malloc(sizeof *hist * ((size_t)h.nhist + 1))))
            rc = err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
        else if (!rc && (ro = optim_state_read(&opt, f)) == -2)
            rc = err_set(e, ERR_INPUT, path, 0, "",
                         "corrupt checkpoint: the optimizer state holds a value that is not "
                         "finite (or a negative second moment)");
        else if (!rc && (ro || fread(hist, sizeof *hist, h.nhist, f) != h.nhist))
            rc = err_set(e, ERR_IO, path, 0, "", "cannot read the checkpoint: %s",
                         strerror(errno));
        if (!rc) rc = ck_check_body(t, &h, hist, path, e);
    }
    fclose(f);
    if (rc) {
        free(params), free(hist);
        optim_free(&opt);
        return rc;
    }
    memcpy(t->net->params, params, sizeof(double) * h.nparams);
    free(params);
    if (full) {
        optim_free(&t->opt);
        t->opt = opt;
        free(t->hist);
        t->hist = hist;
        t->nhist = h.nhist;
        t->epoch = h.epoch;
        t->next_batch = h.next_batch;
        const double *p = h.part;
        t->part_loss = p[0], t->part_ok = p[1], t->part_n = p[2], t->part_ncos = p[3],
        t->part_sec = p[4];
        for (int l = 0; l < SNN_MAX_LAYERS; l++)
            t->part_spk[l] = p[6 + l], t->part_cos[l] = p[6 + SNN_MAX_LAYERS + l];
    }
    return 0;
}

/* A checkpoint (its doubles) or a weights file (binary32, widened), told apart by the magic. */
static int load_file(struct train *t, const char *path, struct err *e) {
    if (access(path, F_OK) != 0)
        return err_set(e, ERR_INPUT, path, 0, "", "cannot open the weights: %s", strerror(errno));
    uint64_t len;
    FILE *f = ck_open(path, &len, e);
    if (!f) return e->code;
    static const char wt_magic[16] = WT_MAGIC; /* NUL-padded */
    char magic[16] = {0};
    size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    if (got >= 8 && !memcmp(magic, CK_MAGIC, 8)) return ck_read(t, path, 0, e);
    if (got == sizeof magic && !memcmp(magic, wt_magic, sizeof magic))
        return snnw_load(t->net, &t->spec, path, e);
    return err_set(e, ERR_INPUT, path, 0, "",
                   "not an apical checkpoint (checkpoint.bin) or weights file (weights.bin)");
}

/* A folder means its weights.bin or, without one, its checkpoint.bin. */
int train_load_weights(struct train *t, const char *path, struct err *e) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return load_file(t, path, e);
    char wt[1100], ck[1100];
    if ((size_t)snprintf(ck, sizeof ck, "%s/checkpoint.bin", path) >= sizeof ck)
        return err_set(e, ERR_INPUT, path, 0, "", "path too long");
    snprintf(wt, sizeof wt, "%s/" WT_FILE, path); /* shorter */
    return load_file(t, access(wt, F_OK) == 0 || access(ck, F_OK) != 0 ? wt : ck, e);
}

/* ---- epochs ---- */

static void shuffle(uint32_t *perm, uint32_t n, uint64_t seed, uint32_t epoch) {
    struct rng r;
    rng_init(&r, seed, TRAIN_STREAM, epoch, 0);
    for (uint32_t i = 0; i < n; i++)
        perm[i] = i;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = rng_below(&r, i);
        uint32_t x = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = x;
    }
}

static void reset_partial(struct train *t) {
    t->part_loss = t->part_ok = t->part_n = t->part_ncos = t->part_sec = 0;
    memset(t->part_spk, 0, sizeof t->part_spk);
    memset(t->part_cos, 0, sizeof t->part_cos);
}

/* One mini-batch: gradient, alignment, optimizer, learned feedback, checks. */
static int step(struct train *t, uint32_t epoch, uint32_t b, uint32_t nb, struct err *e) {
    struct snn *n = t->net;
    const uint32_t N = t->train->n, bs0 = t->ls.batch;
    const uint32_t *idx = t->perm + (size_t)b * bs0;
    uint32_t bs = b == nb - 1 ? N - b * bs0 : bs0;
    const uint32_t key0 = epoch * N;
    const int rule = t->ls.rule;
    int rc = batch_grad(t, idx, bs, key0, rule, 1, t->grad, e);
    if (rc) return rc;
    for (uint32_t k = 0; k < bs; k++) {
        t->part_loss += t->s_loss[k];
        t->part_ok += t->s_ok[k];
        for (int l = 0; l < n->nlayers; l++)
            t->part_spk[l] += t->s_spk[(size_t)k * SNN_MAX_LAYERS + l];
    }
    t->part_n += bs;
    if (t->ls.align && b < t->ls.align_batches) {
        rc = batch_grad(t, idx, bs, key0, rule == SNN_APICAL ? SNN_BPTT : SNN_APICAL, 1, t->grad2,
                        e);
        if (rc) return rc;
        for (int l = 0; l < n->nlayers; l++) {
            size_t len = (size_t)n->L[l].n_in * n->L[l].n;
            t->part_cos[l] += cosine(t->grad + n->L[l].w_off, t->grad2 + n->L[l].w_off, len);
        }
        t->part_ncos += 1;
    }
    memcpy(t->wold, n->params, sizeof(double) * n->nparams);
    optim_step(&t->opt, n->params, t->grad);
    learn_feedback(t);
    int fb, bad = nonfinite_layer(n, &fb);
    if (bad >= 0) {
        memcpy(n->params, t->wold, sizeof(double) * n->nparams);
        char kept[96] = "checkpoint.bin, if there is one, is left as it was";
        if (epoch > 0)
            snprintf(kept, sizeof kept, "checkpoint.bin keeps the state after epoch %u", epoch);
        return err_set(e, ERR_NONFINITE, t->config, 0, "",
                       "epoch %u, mini-batch %u: the %s weights into layer %s became NaN or "
                       "infinite (try a smaller learning.optimizer.lr or clip); %s",
                       epoch + 1, b + 1, fb ? "feedback" : "forward", n->L[bad].name, kept);
    }
    return 0;
}

static void print_epoch(const struct train *t, const struct train_epoch *h) {
    const struct snn *n = t->net;
    printf("epoch %u/%u  loss %.4f  train %.2f %%  test %.2f %% (loss %.4f)", h->epoch,
           t->ls.epochs, h->loss, h->acc, h->test_acc, h->test_loss);
    for (int l = 0; l < n->nlayers - 1; l++)
        printf("  %s %.1f Hz", n->L[l].name, h->rate_hz[l]);
    if (t->ls.align) {
        printf("  cos");
        for (int l = 0; l < n->nlayers; l++)
            printf(" %s %.3f", n->L[l].name, h->cos[l]);
    }
    printf("  %.2f s\n", h->seconds);
    fflush(stdout);
}

#define STAGED ".next"

/* weights.bin at path, when binary32 holds the weights (*ok = 1). A diverging run's weights
 * beyond 3.4e38 (finite doubles, which the checkpoint keeps) leave *ok = 0 and a note on
 * stdout, not an error: the run goes on until they stop being finite (step's NaN stop). */
static int save_weights(const struct train *t, const char *path, int *ok, struct err *e) {
    struct err we = {0};
    int rc = snnw_save(t->net, &t->spec, path, &we);
    *ok = rc == 0;
    if (rc == ERR_NONFINITE) {
        if (!t->quiet) printf("note: %s not written: %s\n", WT_FILE, we.msg);
        return 0;
    }
    if (rc) *e = we;
    return rc;
}

/* The outputs of a finished epoch appear together or not at all: checkpoint.bin, weights.bin,
 * training.csv, curves.svg and summary.json are each written in full as NAME.next (atomically,
 * as every output), and only when all five are there do they replace the previous epoch's,
 * summary.json last. A write that fails (a full disk, a file size limit) removes the .next
 * files, so the folder keeps five files of one epoch, the previous one, which --resume
 * continues. (Renames within one folder need no space; one that fails anyway is reported by
 * name.) */
static int publish_epoch(struct train *t, const char *out_dir, struct err *e) {
    char ck[1100], staged[1100], wt[1100], wt_staged[1100];
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", out_dir);
    snprintf(wt, sizeof wt, "%s/" WT_FILE, out_dir);
    if ((size_t)snprintf(staged, sizeof staged, "%s" STAGED, ck) >= sizeof staged ||
        (size_t)snprintf(wt_staged, sizeof wt_staged, "%s" STAGED, wt) >= sizeof wt_staged)
        return err_set(e, ERR_INPUT, out_dir, 0, "", "output path too long");
    int rc = ck_write(t, staged, e), wt_ok = 1;
    if (!rc) rc = save_weights(t, wt_staged, &wt_ok, e);
    if (!rc)
        rc = tout_write(out_dir, STAGED, t->config, &t->spec, &t->ls, t->net, t->hist, t->nhist,
                        t->nthreads, e);
    if (rc) {
        unlink(staged);
        unlink(wt_staged);
        tout_discard(out_dir, STAGED);
        char why[sizeof e->msg];
        snprintf(why, sizeof why, "%s", e->msg);
        char kept[64] = "holds no finished epoch";
        if (t->nhist > 1)
            snprintf(kept, sizeof kept, "keeps the outputs of epoch %u", t->nhist - 1);
        snprintf(e->msg, sizeof e->msg, "%.280s; epoch %u was not saved: %.120s %s", why,
                 t->nhist, out_dir, kept);
        return rc;
    }
    if (rename(staged, ck) != 0)
        return err_set(e, ERR_IO, ck, 0, "", "cannot rename into place: %s", strerror(errno));
    if (!wt_ok)
        unlink(wt); /* an earlier epoch's weights are not this checkpoint's */
    else if (rename(wt_staged, wt) != 0)
        return err_set(e, ERR_IO, wt, 0, "", "cannot rename into place: %s", strerror(errno));
    return tout_publish(out_dir, STAGED, e);
}

int train_run(struct train *t, const char *out_dir, int resume, struct err *e) {
    char ck[1100];
    if ((size_t)snprintf(ck, sizeof ck, "%s/checkpoint.bin" STAGED, out_dir) >= sizeof ck)
        return err_set(e, ERR_INPUT, out_dir, 0, "", "output path too long");
    unlink(ck); /* left by a run killed while publishing */
    snprintf(ck, sizeof ck, "%s/" WT_FILE STAGED, out_dir);
    unlink(ck);
    tout_discard(out_dir, STAGED);
    char wt[1100];
    snprintf(wt, sizeof wt, "%s/" WT_FILE, out_dir);
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", out_dir);
    int rc = afile_mkdirs(out_dir, e);
    if (rc) return rc;
    if (resume) {
        if ((rc = ck_read(t, ck, 1, e))) return rc;
        if (!t->quiet)
            printf("resuming %s at epoch %u, mini-batch %u\n", ck, t->epoch + 1, t->next_batch + 1);
        if (!t->quiet && t->epoch >= t->ls.epochs)
            printf("nothing to train: %u epochs done, learning.epochs = %u\n", t->epoch,
                   t->ls.epochs);
    } else {
        reset_partial(t);
        t->epoch = t->next_batch = 0;
    }
    struct snn *n = t->net;
    const uint32_t N = t->train->n, nb = (N + t->ls.batch - 1) / t->ls.batch;
    const double to_hz = 1000.0 / (n->T * n->dt);
    /* never below what a resumed history already holds (--epochs may be smaller) */
    size_t room = t->ls.epochs > t->nhist ? t->ls.epochs : t->nhist;
    struct train_epoch *grown = realloc(t->hist, sizeof *t->hist * (room + 1));
    if (!grown) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    t->hist = grown;
    const double run_t0 = now_s();
    double run_batches = 0;
    for (; t->epoch < t->ls.epochs; t->epoch++) {
        double t0 = now_s();
        shuffle(t->perm, N, t->spec.seed, t->epoch);
        /* from the epoch alone, so a resumed run steps alike */
        t->opt.c.lr = t->ls.opt.lr * pow(t->ls.lr_decay, (double)t->epoch);
        for (uint32_t b = t->next_batch; b < nb; b++) {
            if ((rc = step(t, t->epoch, b, nb, e))) return rc;
            t->next_batch = b + 1;
            if (t->on_progress) {
                double el = now_s() - run_t0;
                double left = (double)(nb - b - 1) + (double)(t->ls.epochs - t->epoch - 1) * nb;
                struct train_progress p = {.epoch = t->epoch + 1,
                                           .epochs = t->ls.epochs,
                                           .batch = b + 1,
                                           .nbatch = nb,
                                           .elapsed_s = el,
                                           .eta_s = el / ++run_batches * left};
                t->on_progress(t->ctx, &p);
            }
            if (t->stop && *t->stop && b + 1 < nb) {
                t->part_sec += now_s() - t0;
                int wr = ck_write(t, ck, e), wt_ok = 1;
                if (!wr) wr = save_weights(t, wt, &wt_ok, e);
                if (!wr && !wt_ok) unlink(wt);
                return wr ? wr
                          : err_set(e, ERR_INTERRUPTED, "", 0, "",
                                    "interrupted at epoch %u, mini-batch %u: %s holds the "
                                    "state to resume from%s%s",
                                    t->epoch + 1, b + 1, ck, wt_ok ? ", its weights " : "",
                                    wt_ok ? wt : "");
            }
        }
        struct train_epoch h;
        memset(&h, 0, sizeof h);
        h.epoch = t->epoch + 1;
        h.loss = t->part_loss / t->part_n;
        h.acc = 100.0 * t->part_ok / t->part_n;
        for (int l = 0; l < SNN_MAX_LAYERS; l++) {
            h.rate_hz[l] =
                l < n->nlayers - 1 ? t->part_spk[l] / t->part_n / n->L[l].n * to_hz : NAN;
            h.cos[l] = t->ls.align && t->part_ncos > 0 && l < n->nlayers
                           ? t->part_cos[l] / t->part_ncos
                           : NAN;
        }
        if ((rc = eval_set(t, 0, &h.test_loss, &h.test_acc, e))) return rc;
        h.seconds = t->part_sec + now_s() - t0;
        t->hist[t->nhist++] = h;
        t->next_batch = 0;
        reset_partial(t);
        uint32_t done = t->epoch;
        t->epoch++; /* the checkpoint says where to go on */
        rc = publish_epoch(t, out_dir, e);
        t->epoch = done;
        if (rc) return rc;
        if (!t->quiet) print_epoch(t, &h);
        if (t->stop && *t->stop) {
            t->epoch++;
            return err_set(e, ERR_INTERRUPTED, "", 0, "",
                           "interrupted after epoch %u: %s holds "
                           "the state to resume from",
                           h.epoch, ck);
        }
    }
    return 0;
}
