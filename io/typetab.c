/* io/typetab: SONATA type tables (node_types.csv, edge_types.csv) read and checked (see
 * typetab.h). The file's text is kept and split in place: cells are pointers into it. */
#include "io/typetab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TYPETAB_MAX_BYTES (64u << 20)

static int is_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

/* Splits the line s (NUL-terminated, no '\n') into fields, in place: up to max pointers into
 * out (NULL for NULL or ""); returns the count (it goes on counting past max), or -1 for an
 * unterminated or misplaced quote. */
static int split(char *s, char **out, int max)
{
    int n = 0;
    for (;;) {
        while (is_blank(*s)) s++;
        if (!*s) return n;
        char *field = s, *w = s;
        if (*s == '"') {
            for (s++;; s++) {
                if (!*s) return -1;
                if (*s == '"' && s[1] == '"') {
                    *w++ = '"';
                    s++;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    *w++ = *s;
                }
            }
            if (*s && !is_blank(*s)) return -1;
        } else {
            while (*s && !is_blank(*s)) {
                if (*s == '"') return -1;
                w = ++s;
            }
        }
        int more = *s != '\0';
        *w = '\0'; /* may be the separator itself: more was read before */
        if (more) s++;
        if (n < max) out[n] = (!field[0] || !strcmp(field, "NULL")) ? NULL : field;
        n++;
        if (!more) return n;
    }
}

static int read_text(const char *path, struct typetab *t, struct err *e)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, ERR_INPUT, path, 0, "", "cannot open: %s", strerror(errno));
    if (!S_ISREG(st.st_mode)) return err_set(e, ERR_INPUT, path, 0, "", "not a regular file");
    if (st.st_size > TYPETAB_MAX_BYTES)
        return err_set(e, ERR_INPUT, path, 0, "", "%lld bytes: a type table of more than %u "
                       "bytes is not one", (long long)st.st_size, TYPETAB_MAX_BYTES);
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(e, ERR_INPUT, path, 0, "", "cannot open: %s", strerror(errno));
    t->text = malloc((size_t)st.st_size + 1);
    size_t n = t->text ? fread(t->text, 1, (size_t)st.st_size, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!t->text) return err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
    if (bad) return err_set(e, ERR_INPUT, path, 0, "", "cannot read");
    t->text[n] = '\0';
    if (memchr(t->text, 0, n))
        return err_set(e, ERR_INPUT, path, 0, "", "binary data (NUL byte): not a type table");
    return 0;
}

/* Row r's id from column ic: a decimal integer below 2^32. */
static int parse_id(struct typetab *t, size_t r, int ic, const char *id_col, struct err *e)
{
    const char *s = t->cell[r * (size_t)t->ncol + (size_t)ic];
    char *end = NULL;
    errno = 0;
    unsigned long long v = s && *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
    if (!s || !end || *end || errno || v > UINT32_MAX)
        return err_set(e, ERR_INPUT, t->path, t->line[r], id_col, "\"%s\" is not a type id (an "
                       "integer from 0 to 4294967295)", s ? s : "NULL");
    t->id[r] = (uint32_t)v;
    return 0;
}

static const struct typetab *sort_tab;
static int by_id(const void *a, const void *b)
{
    uint32_t x = sort_tab->id[*(const size_t *)a], y = sort_tab->id[*(const size_t *)b];
    return (x > y) - (x < y);
}

static int parse(struct typetab *t, const char *id_col, struct err *e)
{
    size_t lines = 1, len = 0;
    for (const char *p = t->text; *p; p++, len++) lines += *p == '\n';
    char *s = t->text;
    int lineno = 0, header = 0;
    size_t rows = 0; /* room for rows, once the header is read */
    t->cell = NULL;
    for (char *next; s; s = next) {
        next = strchr(s, '\n');
        if (next) *next++ = '\0';
        lineno++;
        const char *q = s;
        while (is_blank(*q)) q++;
        if (!*q) continue;
        if (!header) {
            int most = (int)(strlen(s) / 2 + 1); /* fields are separated */
            if (!(t->col = calloc((size_t)most + 1, sizeof *t->col)))
                return err_set(e, ERR_NOMEM, t->path, 0, "", "out of memory");
            int n = split(s, t->col, most);
            if (n < 0) return err_set(e, ERR_INPUT, t->path, lineno, "", "a quote left open");
            t->ncol = n;
            /* rows: a row of n fields takes 2n bytes at least (a field and a separator or the
             * line's end each), so the file's length bounds them, not its count of lines
             * (blank lines times a long header would size terabytes) */
            rows = len / (2 * (size_t)n) + 1;
            if (rows > lines) rows = lines;
            t->cell = calloc(rows * (size_t)n + 1, sizeof *t->cell);
            t->line = calloc(rows, sizeof *t->line);
            t->id = calloc(rows, sizeof *t->id);
            t->order = calloc(rows, sizeof *t->order);
            if (!t->cell || !t->line || !t->id || !t->order)
                return err_set(e, ERR_NOMEM, t->path, 0, "", "out of memory");
            for (int c = 0; c < n; c++)
                if (!t->col[c])
                    return err_set(e, ERR_INPUT, t->path, lineno, "", "column %d of the header "
                                   "has no name", c + 1);
            header = 1;
            continue;
        }
        if (t->nrow == rows) /* cannot happen: rows bounds what the text can hold */
            return err_set(e, ERR_INPUT, t->path, lineno, "", "more rows than %zu", rows);
        int n = split(s, t->cell + t->nrow * (size_t)t->ncol, t->ncol);
        if (n < 0) return err_set(e, ERR_INPUT, t->path, lineno, "", "a quote left open or "
                                  "inside a field");
        if (n != t->ncol)
            return err_set(e, ERR_INPUT, t->path, lineno, "", "%d fields, but the header names "
                           "%d columns", n, t->ncol);
        t->line[t->nrow++] = lineno;
    }
    if (!header) return err_set(e, ERR_INPUT, t->path, 0, "", "empty: no header line");
    int ic = typetab_col(t, id_col);
    if (ic < 0) return err_set(e, ERR_INPUT, t->path, 1, id_col, "missing: the header has no "
                               "column %s", id_col);
    for (size_t r = 0; r < t->nrow; r++) {
        int rc = parse_id(t, r, ic, id_col, e);
        if (rc) return rc;
        t->order[r] = r;
    }
    sort_tab = t; /* type tables are read before any thread starts */
    qsort(t->order, t->nrow, sizeof *t->order, by_id);
    for (size_t k = 1; k < t->nrow; k++) {
        size_t a = t->order[k - 1], b = t->order[k];
        if (t->id[a] == t->id[b])
            return err_set(e, ERR_INPUT, t->path, t->line[b], id_col, "type %u again (first on "
                           "line %d)", t->id[b], t->line[a]);
    }
    return 0;
}

int typetab_load(const char *path, const char *id_col, struct typetab *t, struct err *e)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", path);
    int rc = read_text(path, t, e);
    if (!rc) rc = parse(t, id_col, e);
    if (rc) typetab_free(t);
    return rc;
}

int typetab_col(const struct typetab *t, const char *name)
{
    for (int c = 0; c < t->ncol; c++)
        if (!strcmp(t->col[c], name)) return c;
    return -1;
}

long typetab_row(const struct typetab *t, uint32_t id)
{
    size_t lo = 0, hi = t->nrow;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t v = t->id[t->order[mid]];
        if (v == id) return (long)t->order[mid];
        if (v < id) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

const char *typetab_cell(const struct typetab *t, size_t r, int c)
{
    return c < 0 || r >= t->nrow ? NULL : t->cell[r * (size_t)t->ncol + (size_t)c];
}

void typetab_free(struct typetab *t)
{
    free(t->col);
    free(t->cell);
    free(t->line);
    free(t->id);
    free(t->order);
    free(t->text);
    memset(t, 0, sizeof *t);
}
