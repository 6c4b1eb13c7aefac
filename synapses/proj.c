/* synapses/proj: building projections. Two passes over the same deterministic generator: the
 * first counts synapses per (source, owning part), the second fills them in. Each row of the
 * generator (a source, or a target for fixed_indegree and fixed_total_number) reseeds its own
 * random streams, so the passes agree and the result does not depend on the thread count.
 * fixed_total_number first splits its total among the targets (a multinomial draw, made once
 * and sequentially from its own stream) and then draws each target's sources like
 * fixed_indegree with multapses. When the projection's expected synapses fit in REPLAY_MAX,
 * the counting pass also keeps each row's other ends (targets of a source, sources of a
 * target) in per-thread buffers, and the filling pass replays them instead of drawing the
 * connectivity again: the same synapses, in the same order, with the same weight and delay
 * draws (those come from the row's second stream, which only the filling pass uses). */
#include "synapses/proj.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/part.h"
#include "core/rng.h"
#include "core/dist.h"

struct gen {
    const struct proj_spec *s;
    struct proj *p;
    int index, same_pop, fill;
    uint64_t seed;
    double dt_ms;
    uint64_t *cursor;      /* fill: next free slot per (source, part) */
    uint32_t *pick;        /* scratch: chosen indices of one row */
    uint64_t *bits;        /* scratch: membership bitmap for sampling without replacement */
    const uint32_t *indeg; /* fixed_total_number: synapses per target */
    uint32_t kmax;         /* the largest row: size of pick */
    struct replay *rp;     /* NULL: the filling pass draws the connectivity again */
    int tid;
};

/* Rows kept by the counting pass: thread t's other ends in buf[t]; row r's are the n[r] from
 * at[r] in buf[tid[r]]. */
#define REPLAY_MAX 64e6 /* synapses: at most 256 MB of buffers while one projection is built */
struct replay {
    int by_target;
    uint32_t **buf;
    size_t *len, *cap;
    uint64_t *at;
    uint32_t *n;
    uint16_t *tid;
    int failed; /* a buffer could not grow */
};

static void replay_free(struct replay *rp, int nparts)
{
    if (!rp) return;
    for (int t = 0; rp->buf && t < nparts; t++) free(rp->buf[t]);
    free(rp->buf);
    free(rp->len);
    free(rp->cap);
    free(rp->at);
    free(rp->n);
    free(rp->tid);
    free(rp);
}

static struct replay *replay_new(int nparts, uint32_t rows, int by_target)
{
    struct replay *rp = calloc(1, sizeof *rp);
    if (!rp) return NULL;
    rp->by_target = by_target;
    rp->buf = calloc((size_t)nparts, sizeof *rp->buf);
    rp->len = calloc((size_t)nparts, sizeof *rp->len);
    rp->cap = calloc((size_t)nparts, sizeof *rp->cap);
    rp->at = malloc(((size_t)rows + 1) * sizeof *rp->at);
    rp->n = malloc(((size_t)rows + 1) * sizeof *rp->n);
    rp->tid = malloc(((size_t)rows + 1) * sizeof *rp->tid); /* as the passes may run wider */
    if (!rp->buf || !rp->len || !rp->cap || !rp->at || !rp->n || !rp->tid) {
        replay_free(rp, nparts);
        return NULL;
    }
    return rp;
}

/* Counting pass: keeps one other end of the current row. */
static void replay_push(struct gen *g, uint32_t end)
{
    struct replay *rp = g->rp;
    int t = g->tid;
    if (rp->len[t] == rp->cap[t]) {
        size_t cap = rp->cap[t] ? 2 * rp->cap[t] : 4096;
        uint32_t *b = realloc(rp->buf[t], cap * sizeof *b);
        if (!b) {
#pragma omp atomic write
            rp->failed = 1;
            return;
        }
        rp->buf[t] = b;
        rp->cap[t] = cap;
    }
    rp->buf[t][rp->len[t]++] = end;
}

uint32_t proj_delay_steps(double delay_ms, double dt_ms)
{
    double st = floor(delay_ms / dt_ms + 0.5);
    if (st < 1) st = 1;
    if (st > PROJ_MAX_DELAY_STEPS) st = PROJ_MAX_DELAY_STEPS;
    return (uint32_t)st;
}

static void emit(struct gen *g, uint32_t src, uint32_t tgt, struct rng *rw)
{
    struct proj *p = g->p;
    uint64_t cell = (uint64_t)src * p->nparts + part_owner(p->ntgt, p->nparts, tgt);
    if (!g->fill) {
        p->row[cell + 1]++;
        if (g->rp) replay_push(g, g->rp->by_target ? src : tgt);
        return;
    }
    uint64_t at = g->cursor[cell]++;
    p->tgt[at] = tgt;
    if (p->w) p->w[at] = (float)dist_draw(&g->s->weight, rw);
    if (p->delay) p->delay[at] = (uint16_t)proj_delay_steps(dist_draw(&g->s->delay, rw), g->dt_ms);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Picks k of the m candidates other than `self` (self = UINT32_MAX for none), sorted if sort;
 * with multapses independently, else distinct (Floyd's algorithm over a bitmap). The order only
 * decides which weight draw goes to which synapse, so the counting pass never sorts. */
static void sample(struct gen *g, struct rng *r, uint32_t m, uint32_t k, uint32_t self, int multi,
                   int sort)
{
    uint32_t pool = self < m ? m - 1 : m;
    if (multi) {
        for (uint32_t j = 0; j < k; j++) g->pick[j] = rng_below(r, pool);
    } else {
        uint32_t n = 0;
        for (uint32_t j = pool - k; j < pool; j++) {
            uint32_t t = rng_below(r, j + 1);
            if (g->bits[t >> 6] >> (t & 63) & 1) t = j;
            g->bits[t >> 6] |= (uint64_t)1 << (t & 63);
            g->pick[n++] = t;
        }
        for (uint32_t j = 0; j < n; j++) g->bits[g->pick[j] >> 6] = 0;
    }
    if (sort) qsort(g->pick, k, sizeof *g->pick, cmp_u32);
    if (self < m)
        for (uint32_t j = 0; j < k; j++)
            if (g->pick[j] >= self) g->pick[j]++;
}

/* One generator row: a source, or a target for fixed_indegree and fixed_total_number. */
static void draw_row(struct gen *g, uint32_t row);

static void gen_row(struct gen *g, uint32_t row)
{
    struct replay *rp = g->rp;
    if (!rp) {
        draw_row(g, row);
    } else if (!g->fill) {
        rp->at[row] = rp->len[g->tid];
        rp->tid[row] = (uint16_t)g->tid;
        draw_row(g, row);
        rp->n[row] = (uint32_t)(rp->len[g->tid] - rp->at[row]);
    } else {
        struct rng rw;
        rng_init(&rw, g->seed, RNG_STREAM_CONN + (uint32_t)g->index, row, 1);
        const uint32_t *end = rp->buf[rp->tid[row]] + rp->at[row];
        for (uint32_t j = 0; j < rp->n[row]; j++)
            emit(g, rp->by_target ? end[j] : row, rp->by_target ? row : end[j], &rw);
    }
}

static void draw_row(struct gen *g, uint32_t row)
{
    const struct proj_spec *s = g->s;
    const struct proj *p = g->p;
    struct rng rc, rw;
    rng_init(&rc, g->seed, RNG_STREAM_CONN + (uint32_t)g->index, row, 0);
    rng_init(&rw, g->seed, RNG_STREAM_CONN + (uint32_t)g->index, row, 1);
    uint32_t self = g->same_pop && !s->autapses ? row : UINT32_MAX;
    switch (s->rule) {
    case CONN_ALL_TO_ALL:
        for (uint32_t t = 0; t < p->ntgt; t++)
            if (t != self) emit(g, row, t, &rw);
        break;
    case CONN_ONE_TO_ONE:
        if (row < p->ntgt && row != self) emit(g, row, row, &rw);
        break;
    case CONN_FIXED_PROBABILITY: {
        if (s->p <= 0) break;
        /* Geometric gaps between successes: work grows with synapses, not with ntgt. */
        double lq = log1p(-s->p);
        int64_t t = -1;
        for (;;) {
            double gap = s->p >= 1 ? 0 : floor(log(rng_uniform(&rc)) / lq);
            if (gap >= (double)p->ntgt) break;
            t += (int64_t)gap + 1;
            if (t >= p->ntgt) break;
            if ((uint32_t)t != self) emit(g, row, (uint32_t)t, &rw);
        }
        break;
    }
    case CONN_FIXED_OUTDEGREE:
        sample(g, &rc, p->ntgt, s->k, self, s->multapses, g->fill || g->rp);
        for (uint32_t j = 0; j < s->k; j++) emit(g, row, g->pick[j], &rw);
        break;
    case CONN_FIXED_INDEGREE:
        sample(g, &rc, p->nsrc, s->k, self, s->multapses, g->fill || g->rp);
        for (uint32_t j = 0; j < s->k; j++) emit(g, g->pick[j], row, &rw);
        break;
    case CONN_FIXED_TOTAL_NUMBER: {
        /* unsorted: a target's synapses land in (source, part) cells in draw order either way */
        uint32_t k = g->indeg[row];
        sample(g, &rc, p->nsrc, k, self, 1, 0);
        for (uint32_t j = 0; j < k; j++) emit(g, g->pick[j], row, &rw);
        break;
    }
    }
}

static void gen_list(struct gen *g)
{
    const struct proj_spec *s = g->s;
    struct rng rw;
    rng_init(&rw, g->seed, RNG_STREAM_CONN + (uint32_t)g->index, 0, 1);
    for (size_t i = 0; i < s->nlist; i++) {
        uint32_t src = s->list_src[i], tgt = s->list_tgt[i];
        struct proj *p = g->p;
        uint64_t cell = (uint64_t)src * p->nparts + part_owner(p->ntgt, p->nparts, tgt);
        if (!g->fill) {
            p->row[cell + 1]++;
            continue;
        }
        uint64_t at = g->cursor[cell]++;
        p->tgt[at] = tgt;
        if (p->w) p->w[at] = (float)(s->list_w ? s->list_w[i] : dist_draw(&s->weight, &rw));
        double d = s->list_d ? s->list_d[i] : dist_draw(&s->delay, &rw);
        if (p->delay) p->delay[at] = (uint16_t)proj_delay_steps(d, g->dt_ms);
    }
}

/* fixed_total_number: how many of the n synapses each target gets, Multinomial(n; 1/ntgt each),
 * as successive binomials of what is left; one sequential stream, so any thread count agrees.
 * NULL when out of memory. */
static uint32_t *split_total(const struct proj_spec *s, int index, uint32_t ntgt, uint64_t seed,
                             uint32_t *kmax)
{
    uint32_t *indeg = malloc((ntgt ? ntgt : 1) * sizeof *indeg);
    if (!indeg) return NULL;
    struct rng r;
    rng_init(&r, seed, RNG_STREAM_CONN + (uint32_t)index, 0, 2);
    uint64_t left = s->n;
    *kmax = 0;
    for (uint32_t t = 0; t < ntgt; t++) {
        uint64_t c = t + 1 == ntgt ? left : dist_binomial(&r, left, 1.0 / (ntgt - t));
        indeg[t] = (uint32_t)c; /* c <= n < 2^32, checked by io/cfg */
        left -= c;
        if (indeg[t] > *kmax) *kmax = indeg[t];
    }
    return indeg;
}

/* Runs one pass over all rows on the team; scratch is per thread. */
static int gen_pass(struct gen *proto, int fill)
{
    const struct proj_spec *s = proto->s;
    struct proj *p = proto->p;
    if (s->rule == CONN_LIST) {
        struct gen g = *proto;
        g.fill = fill;
        gen_list(&g);
        return 0;
    }
    int bad = 0;
    int by_target = s->rule == CONN_FIXED_INDEGREE || s->rule == CONN_FIXED_TOTAL_NUMBER;
    uint32_t m = by_target ? p->nsrc : p->ntgt;
#pragma omp parallel num_threads(p->nparts) reduction(| : bad)
    {
        struct gen g = *proto;
        g.fill = fill;
        g.tid = omp_get_thread_num();
        g.pick = malloc(sizeof *g.pick * (g.kmax ? g.kmax : 1));
        g.bits = calloc((size_t)m / 64 + 1, sizeof *g.bits);
        if (!g.pick || !g.bits) bad = 1;
        if (!bad && by_target) {
            /* A part's targets are generated by one thread: cells (s, k) have one writer. */
#pragma omp for schedule(static, 1)
            for (int k = 0; k < p->nparts; k++) {
                uint32_t b = part_begin(p->ntgt, p->nparts, k);
                uint32_t e = part_begin(p->ntgt, p->nparts, k + 1);
                for (uint32_t t = b; t < e; t++) gen_row(&g, t);
            }
        } else if (!bad) {
#pragma omp for schedule(dynamic, 64)
            for (uint32_t src = 0; src < p->nsrc; src++) gen_row(&g, src);
        }
        free(g.pick);
        free(g.bits);
    }
    return bad ? -1 : 0;
}

int proj_build(struct proj *p, const struct proj_spec *s, int index, uint32_t nsrc, uint32_t ntgt,
               int same_pop, double dt_ms, uint64_t seed, int nparts, struct err *e)
{
    memset(p, 0, sizeof *p);
    p->src_pop = s->from;
    p->tgt_pop = s->to;
    p->port = s->port;
    p->nsrc = nsrc;
    p->ntgt = ntgt;
    p->nparts = nparts;
    uint64_t ncells = (uint64_t)nsrc * nparts;
    p->row = calloc(ncells + 1, sizeof *p->row);
    if (!p->row) return err_set(e, ERR_NOMEM, NULL, 0, s->name, "out of memory for rows");
    struct gen g = {.s = s,
                    .p = p,
                    .index = index,
                    .same_pop = same_pop,
                    .seed = seed,
                    .dt_ms = dt_ms,
                    .kmax = s->k};
    uint32_t *indeg = NULL;
    if (s->rule == CONN_FIXED_TOTAL_NUMBER) {
        if (!(indeg = split_total(s, index, ntgt, seed, &g.kmax))) goto nomem;
        g.indeg = indeg;
    }
    /* Only on one thread: there drawing is most of the build (1.45x faster with the replay,
     * CUBA N = 4000 and 64 000). On two, the draws are shared and the first touch of the
     * buffers' pages, which the kernel serialises, costs about what the replay saves (0.15 s
     * against 0.17 s at N = 64 000; bench/ab, 9 repeats). */
    if (s->rule != CONN_LIST && nparts == 1 &&
        proj_expected_count(s, nsrc, ntgt, same_pop) <= REPLAY_MAX) {
        int by_target = s->rule == CONN_FIXED_INDEGREE || s->rule == CONN_FIXED_TOTAL_NUMBER;
        g.rp = replay_new(nparts, by_target ? ntgt : nsrc, by_target); /* NULL: draw twice */
    }
    if (gen_pass(&g, 0) != 0) goto nomem;
    if (g.rp && g.rp->failed) { /* out of memory for the buffers: draw the rows again */
        replay_free(g.rp, nparts);
        g.rp = NULL;
    }
    for (uint64_t c = 0; c < ncells; c++) p->row[c + 1] += p->row[c];
    p->nsyn = p->row[ncells];

    int uniform = s->rule == CONN_LIST ? !s->list_d : s->delay.kind == DIST_CONST;
    double d0 = s->rule == CONN_LIST && s->list_d && s->nlist ? s->list_d[0] : s->delay.a;
    if (s->rule == CONN_LIST && s->list_d) {
        uniform = 1;
        for (size_t i = 1; i < s->nlist; i++)
            if (proj_delay_steps(s->list_d[i], dt_ms) != proj_delay_steps(d0, dt_ms)) uniform = 0;
    }
    /* a constant weight is stored once (drawing a constant consumes no random numbers, so the
     * network is the same either way) */
    int same_w = s->rule == CONN_LIST && s->list_w ? 1 : s->weight.kind == DIST_CONST;
    float w0 =
        (float)(s->rule == CONN_LIST && s->list_w ? (s->nlist ? s->list_w[0] : 0.0) : s->weight.a);
    if (s->rule == CONN_LIST && s->list_w)
        for (size_t i = 1; i < s->nlist && same_w; i++) same_w = (float)s->list_w[i] == w0;
    size_t n = p->nsyn ? (size_t)p->nsyn : 1;
    p->tgt = malloc(n * sizeof *p->tgt);
    p->w_const = w0;
    if (!same_w) p->w = malloc(n * sizeof *p->w);
    uint64_t *cursor = malloc((ncells + 1) * sizeof *cursor);
    if (!uniform) p->delay = malloc(n * sizeof *p->delay);
    if (!p->tgt || (!same_w && !p->w) || !cursor || (!uniform && !p->delay)) {
        free(cursor);
        goto nomem;
    }
    memcpy(cursor, p->row, (ncells + 1) * sizeof *cursor);
    g.cursor = cursor;
    if (gen_pass(&g, 1) != 0) {
        free(cursor);
        goto nomem;
    }
    free(cursor);
    free(indeg);
    replay_free(g.rp, nparts);
    g.rp = NULL;

    p->delay_steps = (uint16_t)proj_delay_steps(d0, dt_ms);
    p->min_delay = p->max_delay = p->delay_steps;
    if (p->delay) {
        p->min_delay = PROJ_MAX_DELAY_STEPS;
        p->max_delay = 1;
        for (uint64_t i = 0; i < p->nsyn; i++) {
            if (p->delay[i] < p->min_delay) p->min_delay = p->delay[i];
            if (p->delay[i] > p->max_delay) p->max_delay = p->delay[i];
        }
        if (p->nsyn == 0) p->min_delay = p->max_delay = 1;
    }
    p->bytes = (ncells + 1) * sizeof *p->row + p->nsyn * sizeof *p->tgt +
               (p->w ? p->nsyn * sizeof *p->w : 0) + (p->delay ? p->nsyn * sizeof *p->delay : 0);
    return 0;
nomem:
    free(indeg);
    replay_free(g.rp, nparts);
    proj_free(p);
    return err_set(e, ERR_NOMEM, NULL, 0, s->name, "out of memory building the projection");
}

void proj_free(struct proj *p)
{
    free(p->row);
    free(p->tgt);
    free(p->w);
    free(p->delay);
    free(p->tie);
    memset(p, 0, sizeof *p);
}

int proj_transpose(struct proj *p, const struct proj_spec *s, const struct proj *q,
                   double dt_ms, int nparts, struct err *e)
{
    memset(p, 0, sizeof *p);
    p->src_pop = s->from;
    p->tgt_pop = s->to;
    p->port = s->port;
    p->nsrc = q->ntgt;
    p->ntgt = q->nsrc;
    p->nparts = nparts;
    p->nsyn = q->nsyn;
    const uint64_t ncells = (uint64_t)p->nsrc * nparts;
    p->row = calloc(ncells + 1, sizeof *p->row);
    p->tgt = malloc((p->nsyn ? p->nsyn : 1) * sizeof *p->tgt);
    p->tie = malloc((p->nsyn ? p->nsyn : 1) * sizeof *p->tie);
    if (!p->row || !p->tgt || !p->tie) {
        proj_free(p);
        return err_set(e, ERR_NOMEM, NULL, 0, s->name, "out of memory for synapses");
    }
    p->bytes = (ncells + 1) * sizeof *p->row + p->nsyn * (sizeof *p->tgt + sizeof *p->tie);
    /* q's synapse i -> k is p's k -> i, in cell (k, owner of i); counted, then placed in the
     * order of i, then of q's storage (which keeps each pair's synapses in drawing order) */
    const uint64_t qcells = (uint64_t)q->nsrc * q->nparts;
    for (int pass = 0; pass < 2; pass++) {
        for (uint64_t c = 0; c < qcells; c++) {
            const uint32_t i = (uint32_t)(c / (uint64_t)q->nparts);
            const int owner = part_owner(p->ntgt, nparts, i);
            for (uint64_t x = q->row[c]; x < q->row[c + 1]; x++) {
                const uint64_t cell = (uint64_t)q->tgt[x] * nparts + (uint64_t)owner;
                if (pass == 0) {
                    p->row[cell + 1]++;
                } else {
                    const uint64_t at = p->row[cell]++;
                    p->tgt[at] = i;
                    p->tie[at] = x;
                }
            }
        }
        if (pass == 0)
            for (uint64_t c = 0; c < ncells; c++) p->row[c + 1] += p->row[c];
        else /* each row's start moved to its end: shift back */
            for (uint64_t c = ncells; c > 0; c--) p->row[c] = p->row[c - 1];
        if (pass == 1) p->row[0] = 0;
    }
    const uint32_t d = proj_delay_steps(s->delay.a, dt_ms);
    p->delay_steps = p->min_delay = p->max_delay = (uint16_t)d;
    p->tie_const = q->w_const;
    p->tie_gain = (float)s->weight.a;
    return 0;
}

double proj_expected_count(const struct proj_spec *s, uint32_t nsrc, uint32_t ntgt, int same_pop)
{
    double pairs = (double)nsrc * ntgt - (same_pop && !s->autapses ? (double)nsrc : 0);
    switch (s->rule) {
    case CONN_ALL_TO_ALL: return pairs;
    case CONN_ONE_TO_ONE: return (double)(nsrc < ntgt ? nsrc : ntgt);
    case CONN_FIXED_PROBABILITY: return s->p * pairs;
    case CONN_FIXED_OUTDEGREE: return (double)s->k * nsrc;
    case CONN_FIXED_INDEGREE: return (double)s->k * ntgt;
    case CONN_FIXED_TOTAL_NUMBER: return (double)s->n;
    case CONN_TRANSPOSE: return 0; /* the reversed projection's count (engine/net) */
    default: return (double)s->nlist;
    }
}
