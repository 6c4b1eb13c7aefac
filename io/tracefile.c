/* io/tracefile: reads traces.csv into a trace_table, checking everything the format promises (a
 * t_ms header of POP[ID].VAR columns; rows of exactly that many fields, each a finite number in
 * full; times strictly increasing) and naming the line of the first problem. Does not interpret
 * the values: io/svg decides what is a potential and what a current.
 */
#include "io/tracefile.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "io/rfile.h"

#define TIME_COL "t_ms"
#define FIRST_ROWS 1024 /* rows reserved at the first sample; doubled as needed */

static int nomem(const char *path, struct err *e) {
    return err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
}

/* Fields of a line are separated by commas, so there is one more than there are commas. */
static size_t count_fields(const char *s, size_t len) {
    size_t n = 1;
    for (const char *p = s; (p = memchr(p, ',', len - (size_t)(p - s))); p++)
        n++;
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Header.
 */

/* s[0..n) as "POP[ID].VAR": POP non-empty (everything before the first '['), ID a whole number
 * below 2^32, VAR one or more non-empty parts joined by dots. 0, -1 if malformed, -2 if no memory.
 */
static int parse_name(const char *s, size_t n, struct trace_col *c) {
    const char *end = s + n, *lb = memchr(s, '[', n);
    if (!lb || lb == s) return -1;
    const char *p = lb + 1;
    if (p == end || *p < '0' || *p > '9') return -1;
    uint64_t id = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        id = id * 10 + (uint64_t)(*p - '0');
        if (id > UINT32_MAX) return -1;
    }
    if (end - p < 3 || p[0] != ']' || p[1] != '.') return -1;
    const char *var = p + 2;
    for (const char *q = var, *part = var;; q++) {
        if (q != end && *q != '.') continue;
        if (q == part) return -1;
        if (q == end) break;
        part = q + 1;
    }
    c->name = strndup(s, n);
    c->pop = strndup(s, (size_t)(lb - s));
    if (!c->name || !c->pop) return -2;
    c->var = c->name + (var - s);
    c->id = (uint32_t)id;
    return 0;
}

/* What a read needs beyond the table: the file's column count and where each column goes. */
struct reader {
    const char *path;
    size_t fields;         /* per line: t_ms and every column of the file */
    struct trace_col *all; /* every column of the file, for messages; kept ones move to the table */
    int *slot;             /* per file column, its index among the kept columns, or -1 */
    size_t cap;            /* rows allocated */
};

/* Index of column k's neuron among the distinct POP[ID] of cols[0..k), listed by their first
 * column in nrn[0..*n), adding it if new; who[k] keeps the answer. Columns of a neuron are
 * usually adjacent, so the previous column is tried first. */
static size_t neuron_of(const struct trace_col *cols, size_t k, size_t *who, size_t *nrn,
                        size_t *n) {
    const struct trace_col *c = &cols[k];
    if (k > 0 && cols[k - 1].id == c->id && !strcmp(cols[k - 1].pop, c->pop))
        return who[k] = who[k - 1];
    for (size_t j = 0; j < *n; j++)
        if (cols[nrn[j]].id == c->id && !strcmp(cols[nrn[j]].pop, c->pop)) return who[k] = j;
    nrn[*n] = k;
    return who[k] = (*n)++;
}

static int parse_header(const char *s, size_t len, uint32_t max_neurons, struct reader *r,
                        struct trace_table *t, struct err *e) {
    char q[48];
    const char *comma = memchr(s, ',', len);
    size_t first = comma ? (size_t)(comma - s) : len;
    if (first != strlen(TIME_COL) || memcmp(s, TIME_COL, first))
        return err_set(e, ERR_INPUT, r->path, 1, "",
                       "not a traces file: the header must start with '" TIME_COL "', found '%s'",
                       rfile_quote(s, len, q));
    size_t ncols = count_fields(s, len) - 1;
    if (ncols >= INT_MAX) return err_set(e, ERR_INPUT, r->path, 1, "", "too many columns");
    r->fields = ncols + 1;
    struct trace_col *all = r->all = calloc(ncols + 1, sizeof *all);
    size_t *nrn = malloc((ncols + 1) * sizeof *nrn); /* first column of each distinct neuron */
    size_t *who = malloc((ncols + 1) * sizeof *who); /* each column's neuron */
    r->slot = malloc((ncols + 1) * sizeof *r->slot);
    t->cols = calloc(ncols + 1, sizeof *t->cols);
    int rc = all && nrn && who && r->slot && t->cols ? 0 : nomem(r->path, e);
    const char *p = s + first;
    for (size_t k = 0; !rc && k < ncols; k++) {
        p++; /* the comma */
        const char *c = memchr(p, ',', len - (size_t)(p - s));
        size_t n = c ? (size_t)(c - p) : len - (size_t)(p - s);
        int bad = parse_name(p, n, &all[k]);
        if (bad == -2)
            rc = nomem(r->path, e);
        else if (bad)
            rc = err_set(e, ERR_INPUT, r->path, 1, "",
                         "column %zu: '%s' is not of the form POP[ID].VAR (e.g. pyr[0].basal.v)",
                         k + 2, rfile_quote(p, n, q));
        p += n;
    }
    size_t nn = 0;
    for (size_t k = 0; !rc && k < ncols; k++) {
        size_t j = neuron_of(all, k, who, nrn, &nn);
        r->slot[k] = max_neurons && j >= max_neurons ? -1 : t->ncols++;
    }
    t->file_neurons = nn;
    free(nrn);
    free(who);
    return rc;
}

/* Moves the kept columns into the table (on success) and frees the rest. */
static void reader_done(struct reader *r, struct trace_table *t, int ok) {
    for (size_t k = 0; r->all && k + 1 < r->fields; k++) {
        if (ok && r->slot[k] >= 0) {
            t->cols[r->slot[k]] = r->all[k];
            continue;
        }
        free(r->all[k].name);
        free(r->all[k].pop);
    }
    free(r->all);
    free(r->slot);
}

/* ---------------------------------------------------------------------------------------------
 * Rows.
 */

/* Room for one more row. */
static int reserve_row(struct trace_table *t, size_t *cap) {
    if (t->nrows < *cap) return 0;
    size_t c = *cap ? 2 * *cap : FIRST_ROWS, w = (size_t)t->ncols;
    if (c < *cap || (w && c > SIZE_MAX / sizeof(double) / w)) return -1;
    double *tm = realloc(t->t_ms, c * sizeof *tm);
    if (!tm) return -1;
    t->t_ms = tm;
    double *v = realloc(t->v, (c * w + 1) * sizeof *v);
    if (!v) return -1;
    t->v = v;
    *cap = c;
    return 0;
}

/* A line is parsed in place: each field ends at a comma or at the line's terminating NUL, and
 * strtod stops at a comma, so no field needs copying. Columns not kept are checked all the same. */
static int parse_row(const char *s, size_t len, int lineno, struct reader *r, struct trace_table *t,
                     struct err *e) {
    char q[48];
    size_t nf = count_fields(s, len);
    if (nf != r->fields)
        return err_set(e, ERR_INPUT, r->path, lineno, "",
                       "expected %zu fields (t_ms and %zu columns, as in the header), found %zu",
                       r->fields, r->fields - 1, nf);
    if (reserve_row(t, &r->cap)) return nomem(r->path, e);
    double *row = t->v + t->nrows * (size_t)t->ncols;
    const char *p = s;
    for (size_t k = 0; k < nf; k++) {
        const char *c = memchr(p, ',', len - (size_t)(p - s));
        size_t n = c ? (size_t)(c - p) : len - (size_t)(p - s);
        double x;
        if (rfile_number(p, n, &x))
            return err_set(e, ERR_INPUT, r->path, lineno, "", "%s: '%s' is not a finite number",
                           k ? r->all[k - 1].name : TIME_COL, rfile_quote(p, n, q));
        if (k == 0) {
            if (t->nrows && !(x > t->t_ms[t->nrows - 1]))
                return err_set(e, ERR_INPUT, r->path, lineno, "",
                               "time %.17g ms does not come after the previous row's %.17g ms", x,
                               t->t_ms[t->nrows - 1]);
            t->t_ms[t->nrows] = x;
        } else if (r->slot[k - 1] >= 0) {
            row[r->slot[k - 1]] = x;
        }
        p += n + 1;
    }
    t->nrows++;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The file.
 */

int trace_read_neurons(const char *path, uint32_t max_neurons, struct trace_table *t,
                       struct err *e) {
    memset(t, 0, sizeof *t);
    struct rfile f;
    int rc = rfile_open(&f, path, TRACE_MAX_BYTES, e);
    if (rc) return rc;
    struct reader r = {.path = path};
    char *line;
    size_t len;
    int lineno = 0;
    /* io/rec ends every line, so a missing newline means the file was cut short */
    while ((rc = rfile_text_line(&f, TRACE_MAX_LINE, &line, &len, e)) == 1) {
        rc = 0;
        lineno = f.lineno;
        rc = lineno == 1 ? parse_header(line, len, max_neurons, &r, t, e)
                         : parse_row(line, len, lineno, &r, t, e);
        if (rc) break;
    }
    if (!rc && lineno == 0)
        rc = err_set(e, ERR_INPUT, path, 1, "",
                     "empty file: expected a header starting with '" TIME_COL "'");
    rfile_close(&f);
    reader_done(&r, t, !rc);
    if (rc) trace_table_free(t);
    return rc;
}

int trace_read(const char *path, struct trace_table *t, struct err *e) {
    return trace_read_neurons(path, 0, t, e);
}

int trace_sniff(const char *path) {
    struct rfile f;
    if (rfile_open(&f, path, UINT64_MAX, NULL)) return 0;
    char head[sizeof TIME_COL + 1] = {0};
    size_t n = 0;
    if (rfile_read(&f, head, sizeof head - 1, &n, NULL)) n = 0;
    rfile_close(&f);
    size_t k = strlen(TIME_COL);
    return n > k && !memcmp(head, TIME_COL, k) &&
           (head[k] == ',' || head[k] == '\n' || head[k] == '\r');
}

void trace_table_free(struct trace_table *t) {
    for (int i = 0; t->cols && i < t->ncols; i++) {
        free(t->cols[i].name);
        free(t->cols[i].pop);
    }
    free(t->cols);
    free(t->t_ms);
    free(t->v);
    memset(t, 0, sizeof *t);
}
