/* io/rec_weights: the weights recorder. The engine copies the chosen weights out after a
 * step's delivery (net_probe_weights), so a row never races with the thread that updates its
 * synapse; the rows of time s are written in on_step(s), one step late. At open, at a mark and
 * at the close the run stands between two steps and the weights are read directly. */
#include "io/rec_weights.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "io/afile.h"
#include "io/timefmt.h"

#define HEADER "t_ms,projection,source,target,weight\n"

struct wr_entry {
    int proj;
    int64_t every;     /* steps between its rows */
    uint32_t first, n; /* its probes */
};

struct rec_weights {
    struct afile f;
    struct tfmt tf;
    const struct net *net;
    int nent;
    struct wr_entry *ent;
    uint32_t nprobe, cap;
    int *proj; /* per probe, in the order of the rows */
    uint64_t *q;
    uint32_t *src, *tgt;
    int64_t every; /* the probes' interval: the gcd of the entries' */
    int64_t done;  /* the rows of every time up to this step are in the file */
};

static void wr_free(struct rec_weights *r)
{
    if (!r) return;
    free(r->ent);
    free(r->proj);
    free(r->q);
    free(r->src);
    free(r->tgt);
    free(r);
}

/* ---- which synapses ---- */

/* Uniform in [0, n): rejection keeps it exact beyond 32 bits. */
static uint64_t below64(struct rng *g, uint64_t n)
{
    if (n <= UINT32_MAX) return rng_below(g, (uint32_t)n);
    const uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    for (;;) {
        uint64_t x = (uint64_t)rng_u32(g) << 32;
        x |= rng_u32(g);
        if (x < lim) return x % n;
    }
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Adds v to the open-addressing set (cap a power of two, empty slots UINT64_MAX); 0 if it was
 * there already. */
static int set_add(uint64_t *set, size_t cap, uint64_t v)
{
    uint64_t h = v * 0x9E3779B97F4A7C15ull;
    for (size_t i = (size_t)(h >> 20) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (set[i] == v) return 0;
        if (set[i] == UINT64_MAX) {
            set[i] = v;
            return 1;
        }
    }
}

/* m < N distinct numbers in [0, N), sorted: Floyd's algorithm (m draws, whatever N is). */
static int draw_sample(uint64_t seed, int entry, uint64_t N, uint64_t m, uint64_t *out,
                       struct err *e)
{
    size_t cap = 16;
    while (cap < 2 * m) cap *= 2;
    uint64_t *set = malloc(cap * sizeof *set);
    if (!set) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for record.weights");
    memset(set, 0xff, cap * sizeof *set);
    struct rng g;
    rng_init(&g, seed, RNG_STREAM_RECORD, (uint32_t)entry, 0);
    uint64_t k = 0;
    for (uint64_t j = N - m; j < N; j++) {
        uint64_t t = below64(&g, j + 1);
        out[k++] = set_add(set, cap, t) ? t : (set_add(set, cap, j), j);
    }
    free(set);
    qsort(out, m, sizeof *out, cmp_u64);
    return 0;
}

/* The source whose synapses [row[s * T], row[(s + 1) * T]) hold storage index q. */
static uint32_t source_of(const struct proj *pr, uint64_t q)
{
    const uint64_t T = (uint64_t)pr->nparts;
    uint32_t lo = 0, hi = pr->nsrc; /* row[lo * T] <= q < row[hi * T] */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (pr->row[mid * T] <= q)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static int grow(struct rec_weights *r, uint64_t more, struct err *e)
{
    if (r->nprobe + more <= r->cap) return 0;
    if (more > UINT32_MAX - r->nprobe)
        return err_set(e, ERR_INPUT, NULL, 0, "record.weights",
                       "more than 4294967295 synapses to record");
    uint32_t cap = (uint32_t)(r->nprobe + more);
    int *p = realloc(r->proj, cap * sizeof *p);
    if (p) r->proj = p;
    uint64_t *q = realloc(r->q, cap * sizeof *q);
    if (q) r->q = q;
    uint32_t *s = realloc(r->src, cap * sizeof *s);
    if (s) r->src = s;
    uint32_t *t = realloc(r->tgt, cap * sizeof *t);
    if (t) r->tgt = t;
    if (!p || !q || !s || !t)
        return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for record.weights");
    r->cap = cap;
    return 0;
}

static void add(struct rec_weights *r, int j, uint64_t q, uint32_t src)
{
    r->proj[r->nprobe] = j;
    r->q[r->nprobe] = q;
    r->src[r->nprobe] = src;
    r->tgt[r->nprobe] = r->net->projs[j].tgt[q];
    r->nprobe++;
}

/* A pair's synapse: the first from s to t in canonical order, the lowest storage index (a
 * target's synapses from one source lie in its part in the order they were made). */
static int select_pairs(struct rec_weights *r, int i, struct err *e)
{
    const struct wrec_spec *wr = &r->net->spec->wrecs[i];
    const struct proj *pr = &r->net->projs[wr->proj];
    const uint64_t T = (uint64_t)pr->nparts;
    int rc = grow(r, wr->npairs, e);
    for (size_t k = 0; !rc && k < wr->npairs; k++) {
        const uint32_t s = wr->pair_src[k], t = wr->pair_tgt[k];
        uint64_t x = s < pr->nsrc ? pr->row[s * T] : 0,
                 end = s < pr->nsrc ? pr->row[(s + 1) * T] : 0;
        while (x < end && pr->tgt[x] != t) x++;
        if (x == end) {
            char path[64];
            snprintf(path, sizeof path, "record.weights.[%d].pairs", i);
            const struct proj_spec *ps = &r->net->spec->projs[wr->proj];
            return err_set(e, ERR_INPUT, wr->file, wr->line, path,
                           "entry %zu: no synapse of projection \"%s\" joins source %u to "
                           "target %u (%s[%u] -> %s[%u])",
                           k, ps->name, s, t, r->net->pops[ps->from].name, s,
                           r->net->pops[ps->to].name, t);
        }
        add(r, wr->proj, x, s);
    }
    return rc;
}

static int select_sample(struct rec_weights *r, int i, struct err *e)
{
    const struct wrec_spec *wr = &r->net->spec->wrecs[i];
    const struct proj *pr = &r->net->projs[wr->proj];
    const uint64_t N = pr->nsyn, m = wr->nsample < N ? wr->nsample : N;
    if (!m) return 0;
    uint64_t *c = malloc(m * sizeof *c), *order = malloc(N * sizeof *order);
    int rc = !c || !order ? err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for record.weights")
                          : grow(r, m, e);
    if (!rc && m < N) rc = draw_sample(r->net->seed, i, N, m, c, e);
    for (uint64_t k = 0; !rc && m == N && k < m; k++) c[k] = k;
    if (!rc) rc = net_proj_order(r->net, wr->proj, order, NULL, NULL, e);
    for (uint64_t k = 0; !rc && k < m; k++)
        add(r, wr->proj, order[c[k]], source_of(pr, order[c[k]]));
    free(c);
    free(order);
    return rc;
}

/* ---- rows ---- */

/* The rows of time s: from the probes (in on_step), or read directly (between two steps). */
static void rows(struct rec_weights *r, int64_t s, int direct)
{
    const struct net *n = r->net;
    char t[TFMT_LEN + 1];
    size_t tl = tfmt_format(&r->tf, s, t);
    t[tl] = '\0';
    for (int k = 0; k < r->nent; k++) {
        const struct wr_entry *en = &r->ent[k];
        if (s % en->every) continue;
        const char *name = n->spec->projs[en->proj].name;
        for (uint32_t i = en->first; i < en->first + en->n; i++) {
            float w =
                direct ? proj_weight(&n->projs[r->proj[i]], r->q[i]) : net_probe_value(n, s, i);
            fprintf(r->f.fp, "%s,%s,%u,%u,%.9g\n", t, name, r->src[i], r->tgt[i], (double)w);
        }
    }
    r->done = s;
}

static int wrote(struct rec_weights *r, struct err *e)
{
    /* a full disk stops the run here rather than at the end */
    if (ferror(r->f.fp))
        return err_set(e, ERR_IO, r->f.tmp, 0, "", "write failed: %s", strerror(errno));
    return 0;
}

static int weights_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)n;
    struct rec_weights *r = self;
    if (step <= r->done || step % r->every) return 0;
    rows(r, step, 0);
    return wrote(r, e);
}

/* The rows of time n->step, when due and not yet written (the run stands between steps). */
static int catch_up(struct rec_weights *r, struct err *e)
{
    if (r->net->step <= r->done) return 0;
    rows(r, r->net->step, 1);
    return wrote(r, e);
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int rec_weights_open(struct rec_weights **out_r, struct recorder *out, struct net *n,
                     const char *path, const unsigned long long *from, struct err *e)
{
    const struct net_spec *sp = n->spec;
    struct rec_weights *r = calloc(1, sizeof *r);
    if (r) r->ent = calloc((size_t)sp->nwrecs + 1, sizeof *r->ent);
    if (!r || !r->ent) {
        wr_free(r);
        return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    r->net = n;
    r->nent = sp->nwrecs;
    int rc = 0;
    for (int i = 0; !rc && i < sp->nwrecs; i++) {
        const struct wrec_spec *wr = &sp->wrecs[i];
        struct wr_entry *en = &r->ent[i];
        en->proj = wr->proj;
        en->every = (int64_t)floor(wr->interval_ms / n->dt_ms + 0.5);
        if (en->every < 1) en->every = 1;
        r->every = gcd64(r->every, en->every);
        en->first = r->nprobe;
        rc = wr->npairs ? select_pairs(r, i, e) : select_sample(r, i, e);
        en->n = r->nprobe - en->first;
    }
    if (!rc) rc = net_probe_weights(n, r->nprobe, r->proj, r->q, r->every, e);
    if (!rc) rc = from ? afile_reopen(&r->f, path, *from, e) : afile_open(&r->f, path, e);
    if (rc) {
        wr_free(r);
        return rc;
    }
    tfmt_init(&r->tf, n->dt_ms);
    r->done = n->step;
    *out_r = r;
    out->on_step = weights_step;
    out->self = r;
    out->reads_state = 0;
    if (from) return 0; /* the header and the rows up to the stop are in the file */
    fputs(HEADER, r->f.fp);
    rows(r, n->step, 1);
    return wrote(r, e);
}

int rec_weights_mark(struct rec_weights *r, unsigned long long *bytes, struct err *e)
{
    *bytes = 0;
    if (!r) return 0;
    int rc = catch_up(r, e);
    return rc ? rc : afile_sync(&r->f, bytes, e);
}

void rec_weights_detach(struct rec_weights *r)
{
    if (!r) return;
    afile_detach(&r->f);
    wr_free(r);
}

int rec_weights_close(struct rec_weights *r, int commit, struct err *e)
{
    if (!r) return 0;
    int rc = commit ? catch_up(r, e) : 0;
    if (commit && !rc)
        rc = afile_commit(&r->f, e);
    else
        afile_abort(&r->f);
    wr_free(r);
    return rc;
}
