/* io/spikes: spike files. Owns the writers of bmtk-style CSV and of apical's binary format
 * (streamed through io/afile, renamed into place at commit) and the reader of both. Knows nothing
 * of the simulation beyond population names and sizes.
 *
 * CSV: space-separated, first line exactly "timestamps population node_ids", then one line per
 * spike "TIME POPNAME ID". TIME is printed exactly from the integer step: with the smallest p in
 * 0..9 for which dt_ms * 10^p is (within 1e-9) a whole number k, TIME is step*k / 10^p written in
 * decimal with p fraction digits ("123.4" for dt 0.1 at step 1234). A dt with no such p falls back
 * to "%.17g" of step * dt_ms. Population names may not contain white space.
 *
 * Binary ("APSPIKE1"); integers little-endian, doubles IEEE-754 binary64 little-endian:
 *   offset  0  char[8]  magic "APSPIKE1"
 *           8  uint32   version, = 1
 *          12  uint32   npops
 *          16  double   dt_ms; a record's time is step * dt_ms
 *          24  uint64   nspikes; 0 while a run streams, patched when the file is committed
 *          32  npops population entries, each:
 *                uint32 name length L (>= 1), L bytes of name (no NUL, not terminated),
 *                uint32 size (number of neurons)
 *   then nspikes records of 16 bytes, sorted by step, then population, then id:
 *                int64 step, uint32 pop (index into the entries above), uint32 id (< size)
 * The file size is exactly the header plus 16 * nspikes bytes; readers reject anything else.
 */
#include "io/spikes.h"
#include "io/timefmt.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "io/afile.h"
#include "io/rfile.h"
#include "io/sink.h"
#include "io/sonata.h"

#define CSV_HEADER "timestamps population node_ids"
#define BIN_MAGIC "APSPIKE1"
#define BIN_VERSION 1u
#define BIN_NSPIKES_OFFSET 24
#define BIN_RECORD 16
#define STDIO_BUF (1u << 20)  /* per file; runs write millions of spikes */
#define STAGE_BUF (64u << 10) /* lines are assembled here, then handed to stdio in one fwrite */

/* ---------------------------------------------------------------------------------------------
 * Little-endian encoding.
 */

static void put_u32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* ---------------------------------------------------------------------------------------------
 * Writer.
 */

/* One output file: stdio with a large buffer, fed from a staging buffer so a spike costs a few
 * stores and no library call. */
struct outfile {
    struct afile f;
    int open;
    char *vbuf; /* stdio's buffer: freed only after the FILE is closed */
    unsigned char *stage;
    size_t len, cap;
};

struct spk_writer {
    struct tfmt tb;
    int npops;
    char **name;
    size_t *name_len;
    uint32_t *size;
    int64_t last_step;
    int last_pop;
    uint64_t nspikes;
    char *prefix; /* "TIME POPNAME " of the current call */
    struct outfile csv, bin;
};

/* from: NULL for a new file, else the bytes to keep of the one a stopped writer left. */
static int out_open(struct outfile *o, const char *path, size_t stage_cap,
                    const unsigned long long *from, struct err *e) {
    o->vbuf = malloc(STDIO_BUF);
    o->stage = malloc(stage_cap);
    if (!o->vbuf || !o->stage) return err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
    o->cap = stage_cap;
    int rc = from ? afile_reopen(&o->f, path, *from, e) : afile_open(&o->f, path, e);
    if (rc) return rc;
    o->open = 1;
    setvbuf(o->f.fp, o->vbuf, _IOFBF, STDIO_BUF);
    return 0;
}

static int out_flush(struct outfile *o, struct err *e) {
    if (o->len && fwrite(o->stage, 1, o->len, o->f.fp) != o->len)
        return err_set(e, ERR_IO, o->f.tmp, 0, "", "write failed: %s", strerror(errno));
    o->len = 0;
    return 0;
}

static void out_close(struct outfile *o) {
    if (o->open) afile_abort(&o->f);
    o->open = 0;
    free(o->vbuf);
    free(o->stage);
    o->vbuf = NULL;
    o->stage = NULL;
}

static void writer_free(struct spk_writer *w) {
    out_close(&w->csv);
    out_close(&w->bin);
    for (int i = 0; w->name && i < w->npops; i++)
        free(w->name[i]);
    free(w->name);
    free(w->name_len);
    free(w->size);
    free(w->prefix);
    free(w);
}

/* Names become CSV fields and SVG labels: non-empty, unique, and (for CSV) free of white space. */
static int check_pops(const struct spk_pop *pops, int npops, int for_csv, struct err *e) {
    for (int i = 0; i < npops; i++) {
        const char *s = pops[i].name;
        if (!s || !*s) return err_set(e, ERR_INPUT, "", 0, "", "population %d has no name", i);
        for (const char *c = s; for_csv && *c; c++)
            if (*c == ' ' || (unsigned char)*c < 0x20 || *c == 0x7f)
                return err_set(e, ERR_INPUT, "", 0, "",
                               "population name '%s' cannot go into a CSV spike file: it contains "
                               "white space or a control character",
                               s);
        if (strlen(s) > 4096)
            return err_set(e, ERR_INPUT, "", 0, "", "population %d: name longer than 4096 bytes",
                           i);
        for (int j = 0; j < i; j++)
            if (!strcmp(pops[j].name, s))
                return err_set(e, ERR_INPUT, "", 0, "", "population name '%s' is used twice", s);
    }
    return 0;
}

static int write_bin_header(struct spk_writer *w, struct err *e) {
    unsigned char h[32];
    memcpy(h, BIN_MAGIC, 8);
    put_u32(h + 8, BIN_VERSION);
    put_u32(h + 12, (uint32_t)w->npops);
    uint64_t dt_bits;
    memcpy(&dt_bits, &w->tb.dt_ms, sizeof dt_bits);
    put_u64(h + 16, dt_bits);
    put_u64(h + BIN_NSPIKES_OFFSET, 0);
    FILE *fp = w->bin.f.fp;
    int bad = fwrite(h, 1, sizeof h, fp) != sizeof h;
    for (int i = 0; i < w->npops && !bad; i++) {
        unsigned char u[4];
        put_u32(u, (uint32_t)w->name_len[i]);
        bad = fwrite(u, 1, 4, fp) != 4;
        bad = bad || fwrite(w->name[i], 1, w->name_len[i], fp) != w->name_len[i];
        put_u32(u, w->size[i]);
        bad = bad || fwrite(u, 1, 4, fp) != 4;
    }
    if (bad) return err_set(e, ERR_IO, w->bin.f.tmp, 0, "", "write failed: %s", strerror(errno));
    return 0;
}

static int writer_open(struct spk_writer **wp, const char *csv_path, const char *bin_path,
                       double dt_ms, const struct spk_pop *pops, int npops,
                       const struct spk_mark *from, struct err *e) {
    *wp = NULL;
    if (!(dt_ms > 0) || !isfinite(dt_ms))
        return err_set(e, ERR_INPUT, "", 0, "", "spike writer: dt must be positive, got %g ms",
                       dt_ms);
    if (npops < 0) return err_set(e, ERR_INPUT, "", 0, "", "spike writer: npops < 0");
    int rc = check_pops(pops, npops, csv_path != NULL, e);
    if (rc) return rc;

    struct spk_writer *w = calloc(1, sizeof *w);
    if (!w) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    tfmt_init(&w->tb, dt_ms);
    w->last_step = INT64_MIN;
    w->npops = npops;
    w->name = calloc((size_t)npops + 1, sizeof *w->name);
    w->name_len = calloc((size_t)npops + 1, sizeof *w->name_len);
    w->size = calloc((size_t)npops + 1, sizeof *w->size);
    if (!w->name || !w->name_len || !w->size) goto nomem;
    size_t longest = 0;
    for (int i = 0; i < npops; i++) {
        w->name_len[i] = strlen(pops[i].name);
        if (!(w->name[i] = strdup(pops[i].name))) goto nomem;
        w->size[i] = pops[i].size;
        if (w->name_len[i] > longest) longest = w->name_len[i];
    }
    if (!(w->prefix = malloc(TFMT_LEN + longest + 2))) goto nomem;

    /* a staging buffer always has room for one whole line or record */
    size_t stage = STAGE_BUF + TFMT_LEN + longest + 32;
    if (from) {
        w->nspikes = from->nspikes;
        w->last_step = from->last_step;
        w->last_pop = from->last_pop;
    }
    if (csv_path) {
        if ((rc = out_open(&w->csv, csv_path, stage, from ? &from->csv_bytes : NULL, e)))
            goto fail;
        if (!from && fputs(CSV_HEADER "\n", w->csv.f.fp) == EOF) {
            rc = err_set(e, ERR_IO, w->csv.f.tmp, 0, "", "write failed: %s", strerror(errno));
            goto fail;
        }
    }
    if (bin_path) {
        if ((rc = out_open(&w->bin, bin_path, stage, from ? &from->bin_bytes : NULL, e)))
            goto fail;
        if (!from && (rc = write_bin_header(w, e))) goto fail;
    }
    *wp = w;
    return 0;
nomem:
    rc = err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
fail:
    writer_free(w);
    return rc;
}

int spk_writer_open(struct spk_writer **w, const char *csv_path, const char *bin_path,
                    double dt_ms, const struct spk_pop *pops, int npops, struct err *e) {
    return writer_open(w, csv_path, bin_path, dt_ms, pops, npops, NULL, e);
}

int spk_writer_reopen(struct spk_writer **w, const char *csv_path, const char *bin_path,
                      double dt_ms, const struct spk_pop *pops, int npops,
                      const struct spk_mark *m, struct err *e) {
    return writer_open(w, csv_path, bin_path, dt_ms, pops, npops, m, e);
}

int spk_writer_mark(struct spk_writer *w, struct spk_mark *m, struct err *e) {
    memset(m, 0, sizeof *m);
    int rc = 0;
    if (w->csv.open && !(rc = out_flush(&w->csv, e))) rc = afile_sync(&w->csv.f, &m->csv_bytes, e);
    if (!rc && w->bin.open && !(rc = out_flush(&w->bin, e)))
        rc = afile_sync(&w->bin.f, &m->bin_bytes, e);
    m->nspikes = w->nspikes;
    m->last_step = w->last_step;
    m->last_pop = w->last_pop;
    return rc;
}

static int step_csv(struct spk_writer *w, int64_t step, int pop, const uint32_t *ids, size_t n,
                    struct err *e) {
    struct outfile *o = &w->csv;
    size_t plen = tfmt_format(&w->tb, step, w->prefix);
    w->prefix[plen++] = ' ';
    memcpy(w->prefix + plen, w->name[pop], w->name_len[pop]);
    plen += w->name_len[pop];
    w->prefix[plen++] = ' ';
    for (size_t i = 0; i < n; i++) {
        if (o->cap - o->len < plen + 12) {
            int rc = out_flush(o, e);
            if (rc) return rc;
        }
        unsigned char *p = o->stage + o->len;
        memcpy(p, w->prefix, plen);
        p += plen;
        p += tfmt_u64((char *)p, ids[i]);
        *p++ = '\n';
        o->len = (size_t)(p - o->stage);
    }
    return 0;
}

static int step_bin(struct spk_writer *w, int64_t step, int pop, const uint32_t *ids, size_t n,
                    struct err *e) {
    struct outfile *o = &w->bin;
    for (size_t i = 0; i < n; i++) {
        if (o->cap - o->len < BIN_RECORD) {
            int rc = out_flush(o, e);
            if (rc) return rc;
        }
        unsigned char *p = o->stage + o->len;
        put_u64(p, (uint64_t)step);
        put_u32(p + 8, (uint32_t)pop);
        put_u32(p + 12, ids[i]);
        o->len += BIN_RECORD;
    }
    return 0;
}

int spk_writer_step(struct spk_writer *w, int64_t step, int pop, const uint32_t *ids, size_t n,
                    struct err *e) {
    if (pop < 0 || pop >= w->npops)
        return err_set(e, ERR_INPUT, "", 0, "", "spike writer: population %d out of range", pop);
    if (step < w->last_step || (step == w->last_step && pop < w->last_pop))
        return err_set(e, ERR_INPUT, "", 0, "",
                       "spike writer: step %lld population %d comes after step %lld population "
                       "%d; spikes must come sorted by step, then population",
                       (long long)step, pop, (long long)w->last_step, w->last_pop);
    uint32_t size = w->size[pop];
    for (size_t i = 0; i < n; i++) {
        if (ids[i] >= size)
            return err_set(e, ERR_INPUT, "", 0, "",
                           "spike writer: id %u out of range for population %s (size %u)", ids[i],
                           w->name[pop], size);
        if (i > 0 && ids[i] <= ids[i - 1])
            return err_set(e, ERR_INPUT, "", 0, "",
                           "spike writer: ids of population %s at step %lld not ascending",
                           w->name[pop], (long long)step);
    }
    w->last_step = step;
    w->last_pop = pop;
    int rc = 0;
    if (w->csv.open) rc = step_csv(w, step, pop, ids, n, e);
    if (!rc && w->bin.open) rc = step_bin(w, step, pop, ids, n, e);
    if (!rc) w->nspikes += n;
    return rc;
}

static int commit_bin(struct spk_writer *w, struct err *e) {
    struct outfile *o = &w->bin;
    int rc = out_flush(o, e);
    if (rc) return rc;
    unsigned char u[8];
    put_u64(u, w->nspikes);
    if (fseeko(o->f.fp, BIN_NSPIKES_OFFSET, SEEK_SET) != 0 || fwrite(u, 1, 8, o->f.fp) != 8)
        return err_set(e, ERR_IO, o->f.tmp, 0, "", "cannot patch the header: %s", strerror(errno));
    return 0;
}

int spk_writer_commit(struct spk_writer *w, struct err *e) {
    int rc = 0;
    if (w->csv.open) {
        rc = out_flush(&w->csv, e);
        if (!rc) {
            w->csv.open = 0; /* afile_commit closes in every case */
            rc = afile_commit(&w->csv.f, e);
        }
    }
    if (w->bin.open && !rc) {
        rc = commit_bin(w, e);
        if (!rc) {
            w->bin.open = 0;
            rc = afile_commit(&w->bin.f, e);
        }
    }
    writer_free(w); /* aborts whatever is still open */
    return rc;
}

void spk_writer_detach(struct spk_writer *w) {
    if (!w) return;
    if (w->csv.open) afile_detach(&w->csv.f);
    if (w->bin.open) afile_detach(&w->bin.f);
    w->csv.open = w->bin.open = 0;
    writer_free(w);
}

void spk_writer_abort(struct spk_writer *w) {
    if (w) writer_free(w);
}

/* ---------------------------------------------------------------------------------------------
 * The csv and bin sinks (io/sink): a writer of one file each.
 */

static int sink_open(void **self, const char *csv, const char *bin, const struct sink_args *a,
                     const struct spk_mark *from, struct err *e) {
    struct spk_writer *w;
    int rc = writer_open(&w, csv, bin, a->dt_ms, a->pops, a->npops, from, e);
    if (!rc) *self = w;
    return rc;
}

static int csv_open(void **self, const struct sink_args *a, const struct spk_mark *from,
                    struct err *e) {
    return sink_open(self, a->path, NULL, a, from, e);
}

static int bin_open(void **self, const struct sink_args *a, const struct spk_mark *from,
                    struct err *e) {
    return sink_open(self, NULL, a->path, a, from, e);
}

static int sink_step(void *self, int64_t stamp, int pop, const uint32_t *ids, size_t n,
                     struct err *e) {
    return spk_writer_step(self, stamp, pop, ids, n, e);
}

/* Each sink fills its own bytes and the counters, which every sink holds alike. */
static int sink_mark(void *self, struct spk_mark *m, int bin, struct err *e) {
    struct spk_mark own;
    int rc = spk_writer_mark(self, &own, e);
    if (rc) return rc;
    if (bin)
        m->bin_bytes = own.bin_bytes;
    else
        m->csv_bytes = own.csv_bytes;
    m->nspikes = own.nspikes;
    m->last_step = own.last_step;
    m->last_pop = own.last_pop;
    return 0;
}

static int csv_mark(void *self, struct spk_mark *m, struct err *e) {
    return sink_mark(self, m, 0, e);
}

static int bin_mark(void *self, struct spk_mark *m, struct err *e) {
    return sink_mark(self, m, 1, e);
}

static int sink_commit(void *self, struct err *e) {
    return spk_writer_commit(self, e);
}

static void sink_detach(void *self) {
    spk_writer_detach(self);
}

static void sink_abort(void *self) {
    spk_writer_abort(self);
}

const struct sink_ops spk_sink_csv = {
    .name = "csv", .file = "spikes.csv", .open = csv_open, .step = sink_step,
    .mark = csv_mark, .commit = sink_commit, .detach = sink_detach, .abort = sink_abort,
};

const struct sink_ops spk_sink_bin = {
    .name = "bin", .file = "spikes.bin", .open = bin_open, .step = sink_step,
    .mark = bin_mark, .commit = sink_commit, .detach = sink_detach, .abort = sink_abort,
};

/* ---------------------------------------------------------------------------------------------
 * Reader.
 */

void spk_table_free(struct spk_table *t) {
    for (int i = 0; t->pop_names && i < t->npops; i++)
        free(t->pop_names[i]);
    free(t->pop_names);
    free(t->pop_size);
    free(t->t_ms);
    free(t->pop);
    free(t->id);
    memset(t, 0, sizeof *t);
}

static int nomem(const char *path, struct err *e) {
    return err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
}

/* Room for n spikes in t's three arrays. */
static int table_reserve(struct spk_table *t, size_t n, size_t *cap) {
    if (n <= *cap && t->t_ms) return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < n) {
        if (c > SIZE_MAX / 2 / sizeof(double)) return -1;
        c *= 2;
    }
    double *tm = realloc(t->t_ms, c * sizeof *tm);
    if (!tm) return -1;
    t->t_ms = tm;
    uint32_t *p = realloc(t->pop, c * sizeof *p);
    if (!p) return -1;
    t->pop = p;
    uint32_t *id = realloc(t->id, c * sizeof *id);
    if (!id) return -1;
    t->id = id;
    *cap = c;
    return 0;
}

/* 0 if all n bytes were read, 1 if the file ended first, ERR_INPUT if reading failed. */
static int read_exact(struct rfile *f, void *buf, size_t n, struct err *e) {
    size_t got;
    int rc = rfile_read(f, buf, n, &got, e);
    return rc ? rc : got == n ? 0 : 1;
}

/* The magic has been read; f is at byte 8. Every count in the header is checked against the
 * file's size before it sizes anything. */
static int read_binary(struct rfile *f, const char *path, struct spk_table *t, struct err *e) {
    uint64_t fsize = f->size;
    unsigned char h[24];
    int rc = read_exact(f, h, sizeof h, e);
    if (rc < 0) return rc;
    if (rc)
        return err_set(e, ERR_INPUT, path, 0, "", "truncated binary spike file: header incomplete");
    uint32_t version = get_u32(h);
    if (version != BIN_VERSION)
        return err_set(e, ERR_INPUT, path, 0, "",
                       "binary spike file version %u; this apical reads version %u", version,
                       BIN_VERSION);
    uint32_t npops = get_u32(h + 4);
    uint64_t dt_bits = get_u64(h + 8);
    double dt_ms;
    memcpy(&dt_ms, &dt_bits, sizeof dt_ms);
    uint64_t nspikes = get_u64(h + 16);
    if (!(dt_ms > 0) || !isfinite(dt_ms))
        return err_set(e, ERR_INPUT, path, 0, "", "bad dt_ms %g in binary spike file header",
                       dt_ms);
    /* every population entry takes at least 9 bytes: bound npops before allocating for it */
    uint64_t left = fsize - 32;
    if (npops > left / 9 || npops > INT_MAX)
        return err_set(e, ERR_INPUT, path, 0, "",
                       "truncated binary spike file: header names %u populations", npops);
    t->pop_names = calloc((size_t)npops + 1, sizeof *t->pop_names);
    t->pop_size = calloc((size_t)npops + 1, sizeof *t->pop_size);
    if (!t->pop_names || !t->pop_size) return nomem(path, e);
    for (uint32_t i = 0; i < npops; i++) {
        unsigned char u[4];
        if (left < 4 || (rc = read_exact(f, u, 4, e)))
            return rc < 0 ? rc
                          : err_set(e, ERR_INPUT, path, 0, "",
                                    "truncated binary spike file: population %u entry incomplete",
                                    i);
        uint32_t len = get_u32(u);
        left -= 4;
        if (len == 0)
            return err_set(e, ERR_INPUT, path, 0, "", "population %u has an empty name", i);
        if (len > left || left - len < 4)
            return err_set(e, ERR_INPUT, path, 0, "",
                           "truncated binary spike file: population %u entry incomplete", i);
        char *name = malloc((size_t)len + 1);
        if (!name) return nomem(path, e);
        t->pop_names[i] = name;
        t->npops = (int)i + 1;
        if ((rc = read_exact(f, name, len, e)) || (rc = read_exact(f, u, 4, e)))
            return rc < 0 ? rc
                          : err_set(e, ERR_INPUT, path, 0, "",
                                    "truncated binary spike file: population %u entry incomplete",
                                    i);
        name[len] = '\0';
        if (memchr(name, '\0', len))
            return err_set(e, ERR_INPUT, path, 0, "", "population %u name contains a NUL byte", i);
        t->pop_size[i] = get_u32(u);
        left -= (uint64_t)len + 4;
    }
    if (left % BIN_RECORD != 0 || left / BIN_RECORD != nspikes)
        return err_set(e, ERR_INPUT, path, 0, "",
                       "binary spike file holds %llu bytes of records but its header counts %llu "
                       "spikes of %d bytes (truncated, or never committed)",
                       (unsigned long long)left, (unsigned long long)nspikes, BIN_RECORD);
    if (nspikes > SIZE_MAX / sizeof(double)) return nomem(path, e);
    size_t cap = 0;
    if (table_reserve(t, nspikes ? (size_t)nspikes : 1, &cap)) return nomem(path, e);

    struct tfmt tb;
    tfmt_init(&tb, dt_ms);
    unsigned char buf[BIN_RECORD * 4096];
    for (size_t done = 0; done < nspikes;) {
        size_t chunk = nspikes - done < 4096 ? (size_t)(nspikes - done) : 4096;
        if ((rc = read_exact(f, buf, chunk * BIN_RECORD, e)))
            return rc < 0 ? rc
                          : err_set(e, ERR_INPUT, path, 0, "", "cannot read record %zu: %s", done,
                                    "file shrank while reading");
        for (size_t j = 0; j < chunk; j++, done++) {
            const unsigned char *r = buf + j * BIN_RECORD;
            int64_t step = (int64_t)get_u64(r);
            uint32_t pop = get_u32(r + 8), id = get_u32(r + 12);
            if (pop >= npops)
                return err_set(e, ERR_INPUT, path, 0, "",
                               "record %zu: population index %u out of range (%u populations)",
                               done, pop, npops);
            if (id >= t->pop_size[pop])
                return err_set(e, ERR_INPUT, path, 0, "",
                               "record %zu: node id %u out of range for population %s (size %u)",
                               done, id, t->pop_names[pop], t->pop_size[pop]);
            t->t_ms[done] = tfmt_ms(&tb, step);
            t->pop[done] = pop;
            t->id[done] = id;
        }
    }
    t->n = (size_t)nspikes;
    return 0;
}

/* Population names of a CSV file, looked up by an open-addressing hash (files may hold many). */
struct name_index {
    int *slot; /* population index + 1; 0 is empty */
    size_t cap;
};

static uint64_t hash_name(const char *s, size_t n) {
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static int name_index_grow(struct name_index *x, const struct spk_table *t) {
    size_t cap = x->cap ? 2 * x->cap : 64;
    int *slot = calloc(cap, sizeof *slot);
    if (!slot) return -1;
    for (int i = 0; i < t->npops; i++) {
        size_t k = hash_name(t->pop_names[i], strlen(t->pop_names[i])) & (cap - 1);
        while (slot[k])
            k = (k + 1) & (cap - 1);
        slot[k] = i + 1;
    }
    free(x->slot);
    x->slot = slot;
    x->cap = cap;
    return 0;
}

/* Index of population s[0..n), added in order of first appearance; -1 if out of memory. */
static int name_index_get(struct name_index *x, struct spk_table *t, const char *s, size_t n,
                          size_t *pops_cap) {
    if ((size_t)t->npops * 2 >= x->cap && name_index_grow(x, t)) return -1;
    size_t k = hash_name(s, n) & (x->cap - 1);
    for (; x->slot[k]; k = (k + 1) & (x->cap - 1)) {
        const char *name = t->pop_names[x->slot[k] - 1];
        if (!strncmp(name, s, n) && name[n] == '\0') return x->slot[k] - 1;
    }
    if (t->npops == INT_MAX - 1) return -1;
    if ((size_t)t->npops == *pops_cap) {
        size_t c = *pops_cap ? 2 * *pops_cap : 8;
        char **nm = realloc(t->pop_names, c * sizeof *nm);
        if (!nm) return -1;
        t->pop_names = nm;
        uint32_t *sz = realloc(t->pop_size, c * sizeof *sz);
        if (!sz) return -1;
        t->pop_size = sz;
        *pops_cap = c;
    }
    char *name = strndup(s, n);
    if (!name) return -1;
    int i = t->npops++;
    t->pop_names[i] = name;
    t->pop_size[i] = 0;
    x->slot[k] = i + 1;
    return i;
}

/* One data line: exactly three fields separated by spaces or tabs. Returns 0 or fills e. */
static int parse_csv_line(char *s, size_t len, const char *path, int lineno, struct spk_table *t,
                          struct name_index *x, size_t *pops_cap, size_t *cap, struct err *e) {
    char q[48];
    if (memchr(s, '\0', len)) return err_set(e, ERR_INPUT, path, lineno, "", "NUL byte in line");
    char *field[3];
    size_t flen[3];
    int nf = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == len) break;
        size_t b = i;
        while (i < len && s[i] != ' ' && s[i] != '\t')
            i++;
        if (nf == 3) {
            nf++;
            break;
        }
        field[nf] = s + b;
        flen[nf] = i - b;
        nf++;
    }
    if (nf != 3)
        return err_set(e, ERR_INPUT, path, lineno, "",
                       "expected 3 fields 'TIME POPULATION ID', found %s%d",
                       nf > 3 ? "more than " : "", nf > 3 ? 3 : nf);
    for (int i = 0; i < 3; i++)
        field[i][flen[i]] = '\0';

    char *end;
    errno = 0;
    double tm = strtod(field[0], &end);
    if (end != field[0] + flen[0] || !isfinite(tm))
        return err_set(e, ERR_INPUT, path, lineno, "", "time '%s' is not a finite number",
                       rfile_quote(field[0], flen[0], q));

    const char *d = field[2];
    if (d[0] == '-')
        return err_set(e, ERR_INPUT, path, lineno, "", "negative node id '%s'",
                       rfile_quote(d, flen[2], q));
    uint64_t id = 0;
    for (size_t i = 0; i < flen[2]; i++) {
        if (d[i] < '0' || d[i] > '9')
            return err_set(e, ERR_INPUT, path, lineno, "", "node id '%s' is not a whole number",
                           rfile_quote(d, flen[2], q));
        id = id * 10 + (uint64_t)(d[i] - '0');
        if (id >= UINT32_MAX) /* the population size id + 1 must fit in 32 bits */
            return err_set(e, ERR_INPUT, path, lineno, "", "node id '%s' is too large",
                           rfile_quote(d, flen[2], q));
    }

    int pop = name_index_get(x, t, field[1], flen[1], pops_cap);
    if (pop < 0) return nomem(path, e);
    if (table_reserve(t, t->n + 1, cap)) return nomem(path, e);
    t->t_ms[t->n] = tm;
    t->pop[t->n] = (uint32_t)pop;
    t->id[t->n] = (uint32_t)id;
    t->n++;
    if (id + 1 > t->pop_size[pop]) t->pop_size[pop] = (uint32_t)(id + 1);
    return 0;
}

static int read_csv(struct rfile *f, const char *path, struct spk_table *t, struct err *e) {
    char *line, q[48];
    size_t len, cap = 0, pops_cap = 0;
    struct name_index x = {0};
    int rc, lineno = 0;
    while ((rc = rfile_line(f, SPK_MAX_LINE, &line, &len, e)) == 1) {
        rc = 0;
        lineno = f->lineno;
        if (len && line[len - 1] == '\n') len--;
        if (len && line[len - 1] == '\r') len--;
        line[len] = '\0';
        if (lineno == 1) {
            if (len != strlen(CSV_HEADER) || memcmp(line, CSV_HEADER, len)) {
                rc = err_set(e, ERR_INPUT, path, 1, "",
                             "not a spike file: expected the header '" CSV_HEADER
                             "' or the binary magic " BIN_MAGIC ", found '%s'",
                             rfile_quote(line, len, q));
                break;
            }
            continue;
        }
        rc = parse_csv_line(line, len, path, lineno, t, &x, &pops_cap, &cap, e);
        if (rc) break;
    }
    if (!rc && lineno == 0)
        rc = err_set(e, ERR_INPUT, path, 1, "", "empty file: expected the header '" CSV_HEADER "'");
    free(x.slot);
    return rc;
}

int spk_read(const char *path, struct spk_table *t, struct err *e) {
    memset(t, 0, sizeof *t);
    struct rfile f;
    int rc = rfile_open(&f, path, SPK_MAX_BYTES, e);
    if (rc) return rc;
    char magic[8];
    size_t got;
    rc = rfile_read(&f, magic, sizeof magic, &got, e);
    size_t plen = strlen(path);
    int h5 = !rc && ((got == sizeof magic && sonata_is_hdf5(magic)) ||
                     (plen > 3 && !strcmp(path + plen - 3, ".h5")) ||
                     (plen > 5 && !strcmp(path + plen - 5, ".hdf5")));
    if (h5) {
        rfile_close(&f);
        return sonata_read(path, t, e);
    }
    if (!rc && got == sizeof magic && !memcmp(magic, BIN_MAGIC, sizeof magic))
        rc = read_binary(&f, path, t, e);
    else if (!rc && !(rc = rfile_rewind(&f, e)))
        rc = read_csv(&f, path, t, e);
    rfile_close(&f);
    if (rc) spk_table_free(t);
    return rc;
}
