/* io/wtrace: reads weights.csv into series, one per recorded synapse, checking everything
 * the format promises and naming the line of the first problem. A hash of (projection, source,
 * target) finds the first series of a key; the series of one key form a chain in the order they
 * were made. Times never decrease, so at the start of a time every series of a chain is free,
 * and the rows of that key at that time take the chain's series in order: a cursor per chain
 * (the series taken last, and at what time) finds the next in constant time. */
#include "io/wtrace.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/rfile.h"

#define MAX_NAME 255
#define FIRST_SAMPLES 2
#define MAX_PROJS 4096

static int nomem(const char *path, struct err *e)
{
    return err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
}

static int parse_index(const char *s, size_t n, uint32_t *v)
{
    uint64_t x = 0;
    if (!n || n > 10) return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    if (x > UINT32_MAX) return -1;
    *v = (uint32_t)x;
    return 0;
}

struct reader {
    const char *path;
    struct wtr_table *t;
    size_t cap;     /* series allocated */
    size_t *cap_of; /* per series: samples allocated */
    int64_t *next;  /* per series: the next series of the same key, or -1 */
    int64_t *cur;   /* per first series of a key: the series of its chain taken last */
    double *cur_t;  /* and the time it was taken at */
    int64_t *slot;  /* hash slots: the first series of a key, or -1 */
    size_t nslots;  /* a power of two, at least twice the series */
    int last_proj;  /* the projection of the previous row (rows of one name come together) */
    double last_t;  /* the previous row's time */
};

static uint64_t key_hash(int proj, uint32_t src, uint32_t tgt)
{
    uint64_t h = ((uint64_t)src << 32 | tgt) * 0x9E3779B97F4A7C15ull;
    return (h ^ (uint64_t)proj * 0xC2B2AE3D27D4EB4Full) >> 17;
}

static int same_key(const struct wtr_series *s, int proj, uint32_t src, uint32_t tgt)
{
    return s->proj == proj && s->src == src && s->tgt == tgt;
}

/* Where the key's first series is (or would go) in the hash slots. */
static size_t find_slot(const struct reader *r, int proj, uint32_t src, uint32_t tgt)
{
    size_t i = (size_t)key_hash(proj, src, tgt) & (r->nslots - 1);
    while (r->slot[i] >= 0 && !same_key(&r->t->s[r->slot[i]], proj, src, tgt))
        i = (i + 1) & (r->nslots - 1);
    return i;
}

static int rehash(struct reader *r)
{
    size_t n = r->nslots ? 2 * r->nslots : 64;
    int64_t *slot = malloc(n * sizeof *slot);
    if (!slot) return -1;
    free(r->slot);
    r->slot = slot;
    r->nslots = n;
    for (size_t i = 0; i < n; i++) slot[i] = -1;
    /* only the first series of each key is in the slots */
    for (size_t k = 0; k < r->t->nseries; k++) {
        const struct wtr_series *s = &r->t->s[k];
        size_t i = find_slot(r, s->proj, s->src, s->tgt);
        if (slot[i] < 0) slot[i] = (int64_t)k;
    }
    return 0;
}

/* A new series for the key; its predecessor of the same key (or -1) links to it. */
static int64_t new_series(struct reader *r, int proj, uint32_t src, uint32_t tgt, int64_t prev)
{
    struct wtr_table *t = r->t;
    if (t->nseries == r->cap) {
        size_t c = r->cap ? 2 * r->cap : 64;
        struct wtr_series *s = realloc(t->s, c * sizeof *s);
        if (s) t->s = s;
        size_t *cap_of = realloc(r->cap_of, c * sizeof *cap_of);
        if (cap_of) r->cap_of = cap_of;
        int64_t *next = realloc(r->next, c * sizeof *next);
        if (next) r->next = next;
        int64_t *cur = realloc(r->cur, c * sizeof *cur);
        if (cur) r->cur = cur;
        double *cur_t = realloc(r->cur_t, c * sizeof *cur_t);
        if (cur_t) r->cur_t = cur_t;
        if (!s || !cap_of || !next || !cur || !cur_t) return -1;
        r->cap = c;
    }
    int64_t k = (int64_t)t->nseries++;
    t->s[k] = (struct wtr_series){.proj = proj, .src = src, .tgt = tgt};
    r->cap_of[k] = 0;
    r->next[k] = -1;
    r->cur[k] = k;
    r->cur_t[k] = -INFINITY;
    if (prev >= 0) {
        r->next[prev] = k;
    } else {
        if (2 * t->nseries > r->nslots && rehash(r)) return -1;
        r->slot[find_slot(r, proj, src, tgt)] = k;
    }
    return k;
}

static int add_sample(struct reader *r, int64_t k, double tm, double w)
{
    struct wtr_series *s = &r->t->s[k];
    if (s->n == r->cap_of[k]) {
        size_t c = s->n ? 2 * s->n : FIRST_SAMPLES;
        double *a = realloc(s->t_ms, c * sizeof *a);
        if (a) s->t_ms = a;
        double *b = realloc(s->w, c * sizeof *b);
        if (b) s->w = b;
        if (!a || !b) return -1;
        r->cap_of[k] = c;
    }
    s->t_ms[s->n] = tm;
    s->w[s->n++] = w;
    return 0;
}

/* The projection's index, added if new; -1 for no memory, -2 for one too many. */
static int proj_index(struct reader *r, const char *name, size_t n)
{
    struct wtr_table *t = r->t;
    if (r->last_proj >= 0 && strlen(t->projs[r->last_proj]) == n &&
        !memcmp(t->projs[r->last_proj], name, n))
        return r->last_proj;
    for (int i = 0; i < t->nprojs; i++)
        if (strlen(t->projs[i]) == n && !memcmp(t->projs[i], name, n)) return r->last_proj = i;
    if (t->nprojs == MAX_PROJS) return -2;
    char **p = realloc(t->projs, ((size_t)t->nprojs + 1) * sizeof *p);
    if (!p) return -1;
    t->projs = p;
    if (!(p[t->nprojs] = strndup(name, n))) return -1;
    return r->last_proj = t->nprojs++;
}

static int parse_row(struct reader *r, const char *s, size_t len, int lineno, struct err *e)
{
    char q[48];
    const char *f[5];
    size_t n[5];
    const size_t nf = rfile_fields(s, len, 5, f, n);
    if (nf != 5)
        return err_set(e, ERR_INPUT, r->path, lineno, "",
                       "expected 5 fields (t_ms,projection,source,target,weight), found %zu", nf);
    double tm, w;
    uint32_t src, tgt;
    if (rfile_number(f[0], n[0], &tm))
        return err_set(e, ERR_INPUT, r->path, lineno, "", "t_ms: '%s' is not a finite number",
                       rfile_quote(f[0], n[0], q));
    struct wtr_table *t = r->t;
    if (tm < r->last_t)
        return err_set(e, ERR_INPUT, r->path, lineno, "",
                       "time %.17g ms comes before the previous row's %.17g ms", tm, r->last_t);
    int bad_name = !n[1] || n[1] > MAX_NAME;
    for (size_t i = 0; i < n[1]; i++) bad_name |= f[1][i] <= 0x20 || f[1][i] >= 0x7f;
    if (bad_name)
        return err_set(e, ERR_INPUT, r->path, lineno, "",
                       "projection: '%s' is not a name (1 to %d printable characters, no spaces)",
                       rfile_quote(f[1], n[1], q), MAX_NAME);
    for (int j = 2; j <= 3; j++)
        if (parse_index(f[j], n[j], j == 2 ? &src : &tgt))
            return err_set(e, ERR_INPUT, r->path, lineno, "",
                           "%s: '%s' is not a neuron index (a whole number below 2^32)",
                           j == 2 ? "source" : "target", rfile_quote(f[j], n[j], q));
    if (rfile_number(f[4], n[4], &w))
        return err_set(e, ERR_INPUT, r->path, lineno, "", "weight: '%s' is not a finite number",
                       rfile_quote(f[4], n[4], q));
    int proj = proj_index(r, f[1], n[1]);
    if (proj == -2)
        return err_set(e, ERR_INPUT, r->path, lineno, "", "more than %d projections", MAX_PROJS);
    if (proj < 0) return nomem(r->path, e);
    int64_t head = r->nslots ? r->slot[find_slot(r, proj, src, tgt)] : -1, k = head, prev = -1;
    if (head >= 0 && r->cur_t[head] == tm) {
        prev = r->cur[head];
        k = r->next[prev];
    }
    if (k < 0 && (k = new_series(r, proj, src, tgt, prev)) < 0) return nomem(r->path, e);
    if (head < 0) head = k;
    r->cur[head] = k;
    r->cur_t[head] = tm;
    if (add_sample(r, k, tm, w)) return nomem(r->path, e);
    t->nrows++;
    r->last_t = tm;
    return 0;
}

int wtr_read(const char *path, struct wtr_table *t, struct err *e)
{
    memset(t, 0, sizeof *t);
    struct rfile f;
    int rc = rfile_open(&f, path, WTR_MAX_BYTES, e);
    if (rc) return rc;
    struct reader r = {.path = path, .t = t, .last_proj = -1, .last_t = -INFINITY};
    char *line, q[48];
    size_t len;
    int lineno = 0;
    /* io/rec_weights ends every line, so a missing newline means the file was cut short */
    while ((rc = rfile_text_line(&f, WTR_MAX_LINE, &line, &len, e)) == 1) {
        rc = 0;
        lineno = f.lineno;
        if (lineno == 1) {
            if (strcmp(line, WTR_HEADER))
                rc = err_set(e, ERR_INPUT, path, 1, "",
                             "not a weights file: the header must be '" WTR_HEADER "', found '%s'",
                             rfile_quote(line, len, q));
        } else {
            rc = parse_row(&r, line, len, lineno, e);
        }
        if (rc) break;
    }
    if (!rc && lineno == 0)
        rc = err_set(e, ERR_INPUT, path, 1, "", "empty file: expected the header '" WTR_HEADER "'");
    rfile_close(&f);
    free(r.cap_of);
    free(r.next);
    free(r.cur);
    free(r.cur_t);
    free(r.slot);
    if (rc) wtr_table_free(t);
    return rc;
}

int wtr_sniff(const char *path)
{
    struct rfile f;
    if (rfile_open(&f, path, UINT64_MAX, NULL)) return 0;
    char head[sizeof WTR_HEADER + 1] = {0};
    size_t n = 0;
    if (rfile_read(&f, head, sizeof head - 1, &n, NULL)) n = 0;
    rfile_close(&f);
    size_t k = strlen(WTR_HEADER);
    return n > k && !memcmp(head, WTR_HEADER, k) && (head[k] == '\n' || head[k] == '\r');
}

void wtr_table_free(struct wtr_table *t)
{
    for (int i = 0; t->projs && i < t->nprojs; i++) free(t->projs[i]);
    for (size_t k = 0; t->s && k < t->nseries; k++) {
        free(t->s[k].t_ms);
        free(t->s[k].w);
    }
    free(t->projs);
    free(t->s);
    memset(t, 0, sizeof *t);
}
