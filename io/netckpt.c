/* io/netckpt: checkpoints of a running network (see netckpt.h). */
#include "io/netckpt.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "io/afile.h"
#include "io/crcio.h"
#include "io/rfile.h"

static const char MAGIC[16] = "APICAL-RUN-CKPT";
enum { NCK_VERSION = 2 };

/* What names the network: written first, compared field by field on load. */
struct nck_pop {
    char name[SPEC_NAME];
    uint32_t n, nstate, nports, nslots;
};

struct nck_head {
    uint32_t version, npops, nprojs, pad;
    uint64_t config_hash, seed;
    double dt_ms;
    int64_t nsteps, step;
    uint64_t extra_len, spikes, events;
};

/* ---- writing ---- */


static void header_of(const struct net *n, struct nck_head *h, size_t extra_len)
{
    memset(h, 0, sizeof *h);
    h->version = NCK_VERSION;
    h->npops = (uint32_t)n->npops;
    h->nprojs = (uint32_t)n->nprojs;
    h->config_hash = n->spec->config_hash;
    h->seed = n->seed;
    h->dt_ms = n->dt_ms;
    h->nsteps = n->nsteps;
    h->step = n->step;
    h->extra_len = extra_len;
    for (int k = 0; k < n->nparts; k++) {
        h->spikes += n->ctr[k].spikes;
        h->events += n->ctr[k].events;
    }
}

static void pop_of(const struct pop *p, struct nck_pop *q)
{
    memset(q, 0, sizeof *q);
    memcpy(q->name, p->name, sizeof q->name);
    q->n = p->n;
    q->nstate = (uint32_t)p->nstate;
    q->nports = (uint32_t)p->nports;
    q->nslots = p->nslots;
}

static uint64_t pop_total(const struct net *n, int i)
{
    uint64_t s = 0;
    for (int k = 0; k < n->nparts; k++) s += n->pop_spikes[k * n->pop_stride + i];
    return s;
}

/* Plastic state, in an order that does not depend on threads: per plastic projection the
 * weights and per-synapse state in canonical order (net_proj_order), the per-source state
 * (part 0's copy: every part holds the same), then every history of spikes. */
static int put_plastic(struct crc_wr *w, const struct net *n, const char *path, struct err *e)
{
    const size_t T = (size_t)n->nparts;
    for (int j = 0; j < n->nprojs; j++) {
        const struct net_plast *pl = n->plast[j];
        const struct proj *pr = &n->projs[j];
        if (!pl) continue;
        uint64_t *order = malloc((pr->nsyn ? pr->nsyn : 1) * sizeof *order);
        float *buf = malloc((pr->nsyn ? pr->nsyn : 1) * sizeof *buf);
        int rc = !order || !buf ? err_set(e, ERR_NOMEM, path, 0, NULL, "out of memory")
                                : net_proj_order(n, j, order, NULL, NULL, e);
        for (uint64_t c = 0; !rc && c < pr->nsyn; c++) buf[c] = pr->w[order[c]];
        if (!rc) crc_put_array(w, buf, pr->nsyn, sizeof *buf);
        for (int r = 0; !rc && r < pl->nrules; r++)
            for (int v = 0; v < pl->needs[r].nsyn; v++) {
                const int ns = pl->needs[r].nsyn;
                for (uint64_t c = 0; c < pr->nsyn; c++) buf[c] = pl->syn[r][order[c] * ns + v];
                crc_put_array(w, buf, pr->nsyn, sizeof *buf);
            }
        for (int r = 0; !rc && r < pl->nrules; r++) /* rules with on_step: doubles */
            for (uint64_t c = 0; c < pr->nsyn && pl->needs[r].nsynd; c++)
                crc_put(w, pl->synd[r] + order[c] * pl->needs[r].nsynd,
                        (size_t)pl->needs[r].nsynd * sizeof(double));
        for (int r = 0; !rc && r < pl->nrules; r++)
            if (pl->post[r])
                crc_put(w, pl->post[r], (size_t)n->pops[pr->tgt_pop].n * pl->needs[r].npost *
                                            sizeof(double));
        free(order);
        free(buf);
        if (rc) return rc;
        for (int r = 0; r < pl->nrules; r++)
            for (uint32_t s = 0; s < pr->nsrc; s++)
                crc_put(w, pl->pre[r] + s * T * pl->needs[r].npre, pl->needs[r].npre * sizeof(double));
        for (uint32_t s = 0; s < pr->nsrc; s++) crc_put(w, &pl->last[s * T], sizeof *pl->last);
        for (uint32_t s = 0; s < pr->nsrc; s++) crc_put(w, &pl->seen[s * T], sizeof *pl->seen);
    }
    for (int i = 0; i < n->npops; i++) {
        const struct pop *p = &n->pops[i];
        for (uint32_t k = 0; p->hist && k < p->n; k++) {
            const struct pl_hist *h = &p->hist[k];
            crc_put(w, &h->len, sizeof h->len);
            for (uint32_t x = 0; x < h->len; x++) {
                int64_t st = pl_hist_stamp(h, x);
                crc_put(w, &st, sizeof st);
                for (int t = 0; t < p->ntraces; t++) {
                    double v = pl_hist_val(h, p->ntraces, x, t);
                    crc_put(w, &v, sizeof v);
                }
            }
        }
    }
    return 0;
}

int nck_save(const struct net *n, const char *path, const void *extra, size_t extra_len,
             struct err *e)
{
    if (extra_len > NCK_MAX_EXTRA)
        return err_set(e, ERR_IO, path, 0, NULL, "checkpoint: the recorders' block is too large");
    struct afile f;
    int rc = afile_open(&f, path, e);
    if (rc) return rc;
    struct crc_wr w;
    crc_wr_init(&w, f.fp);
    struct nck_head h;
    header_of(n, &h, extra_len);
    crc_put(&w, MAGIC, sizeof MAGIC);
    crc_put(&w, &h, sizeof h);
    for (int i = 0; i < n->npops; i++) {
        struct nck_pop q;
        pop_of(&n->pops[i], &q);
        crc_put(&w, &q, sizeof q);
    }
    for (int j = 0; j < n->nprojs; j++) crc_put(&w, &n->projs[j].nsyn, sizeof n->projs[j].nsyn);
    for (int i = 0; i < n->npops; i++) {
        const struct pop *p = &n->pops[i];
        uint64_t total = pop_total(n, i);
        crc_put(&w, &total, sizeof total);
        for (int v = 0; v < p->nstate; v++) crc_put_array(&w, p->state[v], p->n, sizeof(double));
        if (p->refr) crc_put_array(&w, p->refr, p->n, sizeof *p->refr);
        for (size_t q = 0; q < (size_t)p->nports * p->nslots; q++)
            crc_put_array(&w, p->ring + q * p->stride, p->n, sizeof(double));
        crc_put_array(&w, p->last_stamp, p->n, sizeof *p->last_stamp);
        crc_put_array(&w, p->isi_n, p->n, sizeof *p->isi_n);
        crc_put_array(&w, p->isi_sum, p->n, sizeof *p->isi_sum);
        crc_put_array(&w, p->isi_sq, p->n, sizeof *p->isi_sq);
    }
    if (!w.bad && (rc = put_plastic(&w, n, path, e))) {
        afile_abort(&f);
        return rc;
    }
    crc_put(&w, extra, extra_len);
    if (crc_wr_end(&w)) {
        afile_abort(&f);
        return err_set(e, ERR_IO, path, 0, NULL, "checkpoint: cannot write (disk full?)");
    }
    return afile_commit(&f, e);
}

/* ---- reading ---- */


static int differs(struct crc_rd *r, const char *what, struct err *e)
{
    return err_set(e, ERR_INPUT, r->path, 0, what,
                   "checkpoint of another network: %s differs from this config's", what);
}

/* Bytes the body must have for this network, as the header says: the file must hold exactly
 * that, checked before anything is read into the network. */
static uint64_t body_bytes(const struct net *n, uint64_t extra_len)
{
    uint64_t b = 0;
    for (int i = 0; i < n->npops; i++) {
        const struct pop *p = &n->pops[i];
        uint64_t per = 8 * (uint64_t)p->nstate + (p->refr ? 4 : 0) +
                       8 * (uint64_t)p->nports * p->nslots + 8 + 4 + 8 + 8;
        b += 8 + per * p->n;
    }
    for (int j = 0; j < n->nprojs; j++) {
        const struct net_plast *pl = n->plast[j];
        if (!pl) continue;
        b += 4 * n->projs[j].nsyn + 16 * (uint64_t)n->projs[j].nsrc;
        for (int r = 0; r < pl->nrules; r++)
            b += 4 * n->projs[j].nsyn * (uint64_t)pl->needs[r].nsyn +
                 8 * (uint64_t)n->projs[j].nsrc * (uint64_t)pl->needs[r].npre +
                 8 * n->projs[j].nsyn * (uint64_t)pl->needs[r].nsynd +
                 8 * (uint64_t)n->pops[n->projs[j].tgt_pop].n * (uint64_t)pl->needs[r].npost;
    }
    for (int i = 0; i < n->npops; i++)
        if (n->pops[i].hist) b += 4 * (uint64_t)n->pops[i].n; /* histories: at least lengths */
    return b + extra_len + 4;
}

static int check_head(struct crc_rd *r, const struct net *n, const struct nck_head *h,
                      struct err *e)
{
    if (h->version != NCK_VERSION)
        return err_set(e, ERR_INPUT, r->path, 0, NULL,
                       "checkpoint version %u, this apical reads version %d", h->version,
                       NCK_VERSION);
    if (h->config_hash != n->spec->config_hash)
        return err_set(e, ERR_INPUT, r->path, 0, NULL,
                       "checkpoint of another config (hash %016llx, this config %016llx)",
                       (unsigned long long)h->config_hash,
                       (unsigned long long)n->spec->config_hash);
    if (h->seed != n->seed) return differs(r, "simulation.seed", e);
    if (!(h->dt_ms == n->dt_ms)) return differs(r, "simulation.dt", e);
    if (h->nsteps != n->nsteps) return differs(r, "simulation.duration", e);
    if (h->npops != (uint32_t)n->npops) return differs(r, "the number of populations", e);
    if (h->nprojs != (uint32_t)n->nprojs) return differs(r, "the number of projections", e);
    if (h->step < 0 || h->step > n->nsteps)
        return err_set(e, ERR_INPUT, r->path, 0, NULL, "checkpoint: corrupt (step %lld)",
                       (long long)h->step);
    if (h->extra_len > NCK_MAX_EXTRA)
        return err_set(e, ERR_INPUT, r->path, 0, NULL, "checkpoint: corrupt (block of %llu bytes)",
                       (unsigned long long)h->extra_len);
    return 0;
}

static int load_body(struct crc_rd *r, struct net *n, uint64_t *totals, struct err *e)
{
    int rc = 0;
    for (int i = 0; i < n->npops && !rc; i++) {
        struct pop *p = &n->pops[i];
        if ((rc = crc_get(r, &totals[i], sizeof totals[i], e))) break;
        for (int v = 0; v < p->nstate && !rc; v++)
            rc = crc_get_array(r, p->state[v], p->n, sizeof(double), e);
        if (!rc && p->refr) rc = crc_get_array(r, p->refr, p->n, sizeof *p->refr, e);
        for (size_t q = 0; q < (size_t)p->nports * p->nslots && !rc; q++)
            rc = crc_get_array(r, p->ring + q * p->stride, p->n, sizeof(double), e);
        if (!rc) rc = crc_get_array(r, p->last_stamp, p->n, sizeof *p->last_stamp, e);
        if (!rc) rc = crc_get_array(r, p->isi_n, p->n, sizeof *p->isi_n, e);
        if (!rc) rc = crc_get_array(r, p->isi_sum, p->n, sizeof *p->isi_sum, e);
        if (!rc) rc = crc_get_array(r, p->isi_sq, p->n, sizeof *p->isi_sq, e);
    }
    return rc;
}


/* put_plastic's section, into the freshly built network n; every count is checked against
 * what the file has left before it sizes anything. */
static int load_plastic(struct crc_rd *r, struct net *n, int64_t step, uint64_t tail, struct err *e)
{
    const size_t T = (size_t)n->nparts;
    int rc = 0;
    for (int j = 0; j < n->nprojs && !rc; j++) {
        struct net_plast *pl = n->plast[j];
        struct proj *pr = &n->projs[j];
        if (!pl) continue;
        uint64_t *order = malloc((pr->nsyn ? pr->nsyn : 1) * sizeof *order);
        float *buf = malloc((pr->nsyn ? pr->nsyn : 1) * sizeof *buf);
        rc = !order || !buf ? err_set(e, ERR_NOMEM, r->path, 0, NULL, "out of memory")
                            : net_proj_order(n, j, order, NULL, NULL, e);
        if (!rc) rc = crc_get_array(r, buf, pr->nsyn, sizeof *buf, e);
        for (uint64_t c = 0; !rc && c < pr->nsyn; c++) {
            if (!(buf[c] >= (float)pl->lo && buf[c] <= (float)pl->hi)) /* floats, as stored */
                rc = err_set(e, ERR_INPUT, r->path, 0, n->spec->projs[j].name,
                             "checkpoint: corrupt (a weight outside the rule's bounds)");
            pr->w[order[c]] = buf[c];
        }
        for (int q = 0; !rc && q < pl->nrules; q++)
            for (int v = 0; !rc && v < pl->needs[q].nsyn; v++) {
                const int ns = pl->needs[q].nsyn;
                rc = crc_get_array(r, buf, pr->nsyn, sizeof *buf, e);
                for (uint64_t c = 0; !rc && c < pr->nsyn; c++) pl->syn[q][order[c] * ns + v] = buf[c];
            }
        for (int q = 0; !rc && q < pl->nrules; q++) {
            const int nd = pl->needs[q].nsynd;
            for (uint64_t c = 0; !rc && c < pr->nsyn && nd; c++) {
                double *y = pl->synd[q] + order[c] * nd;
                rc = crc_get(r, y, (size_t)nd * sizeof(double), e);
                for (int v = 0; !rc && v < nd; v++)
                    if (!isfinite(y[v]))
                        rc = err_set(e, ERR_INPUT, r->path, 0, n->spec->projs[j].name,
                                     "checkpoint: corrupt (a synapse's state is not finite)");
            }
            const size_t npost = (size_t)n->pops[pr->tgt_pop].n * pl->needs[q].npost;
            if (!rc && pl->post[q]) rc = crc_get(r, pl->post[q], npost * sizeof(double), e);
            for (size_t v = 0; !rc && pl->post[q] && v < npost; v++)
                if (!isfinite(pl->post[q][v]))
                    rc = err_set(e, ERR_INPUT, r->path, 0, n->spec->projs[j].name,
                                 "checkpoint: corrupt (a neuron's state for a rule is not finite)");
        }
        free(order);
        free(buf);
        for (int q = 0; !rc && q < pl->nrules; q++) {
            const size_t np = (size_t)pl->needs[q].npre;
            for (uint32_t s = 0; !rc && s < pr->nsrc; s++) {
                double *dst = pl->pre[q] + s * T * np;
                rc = crc_get(r, dst, np * sizeof(double), e);
                for (size_t k = 1; !rc && k < T; k++) memcpy(dst + k * np, dst, np * sizeof(double));
            }
        }
        for (uint32_t s = 0; !rc && s < pr->nsrc; s++) {
            int64_t l;
            rc = crc_get(r, &l, sizeof l, e);
            if (!rc && l != PL_NEVER && (l < 1 || l > step))
                rc = err_set(e, ERR_INPUT, r->path, 0, n->spec->projs[j].name,
                             "checkpoint: corrupt (a source's last spike)");
            for (size_t k = 0; !rc && k < T; k++) pl->last[s * T + k] = l;
        }
        for (uint32_t s = 0; !rc && s < pr->nsrc; s++) {
            int64_t l;
            rc = crc_get(r, &l, sizeof l, e);
            const int64_t last = pl->last[s * T];
            if (!rc && (last == PL_NEVER ? l != PL_NEVER : l < last || l > step))
                rc = err_set(e, ERR_INPUT, r->path, 0, n->spec->projs[j].name,
                             "checkpoint: corrupt (a source's pairing stamp)");
            for (size_t k = 0; !rc && k < T; k++) pl->seen[s * T + k] = l;
        }
    }
    for (int i = 0; i < n->npops && !rc; i++) {
        struct pop *p = &n->pops[i];
        const size_t per = 8 + 8 * (size_t)p->ntraces;
        for (uint32_t k = 0; p->hist && k < p->n && !rc; k++) {
            struct pl_hist *h = &p->hist[k];
            uint32_t len;
            if ((rc = crc_get(r, &len, sizeof len, e))) break;
            /* what is left must hold these entries, the other neurons' lengths and the tail */
            if ((uint64_t)len * per + 4 * (uint64_t)(p->n - k - 1) + tail > crc_left(r) ||
                len > (1u << 30)) {
                rc = err_set(e, ERR_INPUT, r->path, 0, p->name, "checkpoint: corrupt (history)");
                break;
            }
            uint32_t cap = 4;
            while (cap < len) cap *= 2;
            free(h->stamp);
            free(h->val);
            h->stamp = malloc(cap * sizeof *h->stamp);
            h->val = malloc((size_t)cap * (p->ntraces ? (size_t)p->ntraces : 1) * sizeof *h->val);
            h->cap = cap;
            h->start = h->len = 0;
            if (!h->stamp || !h->val) {
                rc = err_set(e, ERR_NOMEM, r->path, 0, NULL, "out of memory");
                break;
            }
            for (uint32_t x = 0; x < len && !rc; x++) {
                rc = crc_get(r, &h->stamp[x], sizeof h->stamp[x], e);
                if (!rc && (h->stamp[x] < 1 || h->stamp[x] > step ||
                            (x && h->stamp[x] <= h->stamp[x - 1])))
                    rc = err_set(e, ERR_INPUT, r->path, 0, p->name,
                                 "checkpoint: corrupt (history of neuron %u)", k);
                for (int t = 0; t < p->ntraces && !rc; t++) {
                    double *v = &h->val[(size_t)x * p->ntraces + t];
                    rc = crc_get(r, v, sizeof *v, e);
                    if (!rc && !isfinite(*v))
                        rc = err_set(e, ERR_INPUT, r->path, 0, p->name,
                                     "checkpoint: corrupt (history of neuron %u)", k);
                }
                h->len = x + 1;
                h->prev = h->newest;
                h->newest = h->stamp[x];
                for (int t = 0; t < p->ntraces && t < PL_HIST_INLINE; t++) {
                    h->prev_val[t] = h->newest_val[t];
                    h->newest_val[t] = h->val[(size_t)x * p->ntraces + t];
                }
            }
        }
    }
    if (!rc && crc_left(r) != tail)
        rc = err_set(e, ERR_INPUT, r->path, 0, NULL, "checkpoint: truncated or too long");
    return rc;
}

int nck_load(struct net *n, const char *path, void **extra, size_t *extra_len, struct err *e)
{
    *extra = NULL;
    *extra_len = 0;
    struct crc_rd r;
    crc_rd_init(&r, path, "checkpoint");
    int any_hist = 0;
    for (int i = 0; i < n->npops; i++) any_hist |= n->pops[i].hist != NULL;
    int rc = rfile_open(&r.f, path, UINT64_MAX / 2, e);
    if (rc) return rc;
    char magic[sizeof MAGIC];
    struct nck_head h;
    uint64_t *totals = calloc((size_t)n->npops + 1, sizeof *totals);
    char *block = NULL;
    if (!totals) {
        rc = err_set(e, ERR_NOMEM, path, 0, NULL, "out of memory");
        goto done;
    }
    if ((rc = crc_get(&r, magic, sizeof magic, e))) goto done;
    if (memcmp(magic, MAGIC, sizeof MAGIC)) {
        rc = err_set(e, ERR_INPUT, path, 0, NULL, "not a checkpoint of apical run");
        goto done;
    }
    if ((rc = crc_get(&r, &h, sizeof h, e)) || (rc = check_head(&r, n, &h, e))) goto done;
    for (int i = 0; i < n->npops; i++) {
        struct nck_pop q, want;
        if ((rc = crc_get(&r, &q, sizeof q, e))) goto done;
        pop_of(&n->pops[i], &want);
        if (memcmp(q.name, want.name, sizeof q.name)) {
            rc = differs(&r, "a population's name", e);
            goto done;
        }
        if (q.n != want.n || q.nstate != want.nstate || q.nports != want.nports ||
            q.nslots != want.nslots) {
            rc = err_set(e, ERR_INPUT, path, 0, n->pops[i].name,
                         "checkpoint of another network: population %s differs (size, model "
                         "or longest delay)",
                         n->pops[i].name);
            goto done;
        }
    }
    for (int j = 0; j < n->nprojs; j++) {
        uint64_t nsyn;
        if ((rc = crc_get(&r, &nsyn, sizeof nsyn, e))) goto done;
        if (nsyn != n->projs[j].nsyn) {
            rc = differs(&r, "a projection's synapse count", e);
            goto done;
        }
    }
    if (any_hist ? crc_left(&r) < body_bytes(n, h.extra_len)
                 : crc_left(&r) != body_bytes(n, h.extra_len)) {
        rc = err_set(e, ERR_INPUT, path, 0, NULL, "checkpoint: truncated or too long");
        goto done;
    }
    if ((rc = load_body(&r, n, totals, e)) ||
        (rc = load_plastic(&r, n, h.step, h.extra_len + 4, e)))
        goto done;
    if (h.extra_len && !(block = malloc(h.extra_len))) {
        rc = err_set(e, ERR_NOMEM, path, 0, NULL, "out of memory");
        goto done;
    }
    if (h.extra_len && (rc = crc_get(&r, block, h.extra_len, e))) goto done;
    if ((rc = crc_check(&r, e))) goto done;
    for (int i = 0; i < n->npops; i++) {
        const struct pop *p = &n->pops[i];
        for (uint32_t k = 0; k < p->n; k++)
            if (p->last_stamp[k] > h.step) {
                rc = err_set(e, ERR_INPUT, path, 0, p->name, "checkpoint: corrupt (neuron %u)", k);
                goto done;
            }
    }
    rc = net_resume_at(n, h.step, totals, h.spikes, h.events, e);
    if (!rc) {
        *extra = block;
        *extra_len = h.extra_len;
        block = NULL;
    }
done:
    free(block);
    free(totals);
    rfile_close(&r.f);
    return rc;
}
