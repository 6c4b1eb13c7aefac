/* io/sonata: SONATA spike files, written as a run goes and read back (see sonata.h).
 *
 * Writing: spikes come in engine order (stamp, population, id) and are staged in one buffer;
 * when it is full (and at commit) a counting sort by population splits it, and each recorded
 * population's part is appended to its two chunked, unlimited datasets. Memory stays at the
 * two buffers whatever the run's length; each population's timestamps ascend, so its group is
 * sorted by_time. The file is PATH.tmp until commit (io/afile's convention): afile holds the
 * name and, through its own descriptor, syncs what HDF5 wrote before the rename.
 *
 * Reading: HDF5 parses the container; everything apical takes from it (groups, datasets, their
 * rank, element type, length, storage, layout) is checked before it sizes or indexes anything.
 * libhdf5 prints its error stack by default: every call here runs inside H5E_BEGIN_TRY. */
#include "io/sonata.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/afile.h"
#include "io/hdf.h"
#include "io/sink.h"
#include "io/timefmt.h"

#define STAGE 8192              /* spikes staged before they are appended: 256 KiB */
#define MAX_POPS 4096           /* population groups a file may hold */
#define MAX_SPIKES (1ull << 30) /* spikes a file may hold: 16 GiB in a spk_table */

enum sorting { SORT_NONE = 0, SORT_BY_ID = 1, SORT_BY_TIME = 2 };

int sonata_is_hdf5(const void *p)
{
    return !memcmp(p, "\x89HDF\r\n\x1a\n", 8);
}

/* ---------------------------------------------------------------------------------------------
 * Writer.
 */

struct out_pop {
    int pop;       /* index in the network */
    hid_t grp, ts, ids;
    uint64_t n;    /* spikes in its datasets */
    size_t at, k;  /* its part of the sorted scratch: [at, at + k) */
};

struct sonata_writer {
    struct afile f; /* PATH.tmp: its name, and a descriptor that syncs it at commit */
    hid_t file;
    struct tfmt tb;
    int npops;
    uint32_t *size;    /* per network population */
    int *slot;         /* per network population: index in rec, or -1 if not recorded */
    struct out_pop *rec;
    int nrec;
    int64_t *stamp;    /* staged spikes, engine order */
    uint32_t *spop, *sid;
    size_t len;
    double *t_ms;      /* the staged spikes sorted by population */
    uint64_t *node;
    int64_t last_stamp;
    int last_pop;
};

static int h5_fail(struct sonata_writer *w, const char *what, struct err *e)
{
    return err_set(e, ERR_IO, w->f.tmp, 0, "", "HDF5 could not %s (disk full?)", what);
}

static void close_handles(struct sonata_writer *w)
{
    H5E_BEGIN_TRY {
        for (int i = 0; w->rec && i < w->nrec; i++) {
            if (w->rec[i].ts > 0) H5Dclose(w->rec[i].ts);
            if (w->rec[i].ids > 0) H5Dclose(w->rec[i].ids);
            if (w->rec[i].grp > 0) H5Gclose(w->rec[i].grp);
            w->rec[i].ts = w->rec[i].ids = w->rec[i].grp = -1;
        }
        if (w->file > 0) H5Fclose(w->file);
    } H5E_END_TRY;
    w->file = -1;
}

static void writer_free(struct sonata_writer *w)
{
    close_handles(w);
    afile_abort(&w->f);
    free(w->size);
    free(w->slot);
    free(w->rec);
    free(w->stamp);
    free(w->spop);
    free(w->sid);
    free(w->t_ms);
    free(w->node);
    free(w);
}

/* sorting = by_time, as the enum libsonata reads: int8 {none, by_id, by_time}. */
static int put_sorting(hid_t grp)
{
    hid_t t = H5Tenum_create(H5T_STD_I8LE), scalar = H5Screate(H5S_SCALAR);
    int8_t v[3] = {SORT_NONE, SORT_BY_ID, SORT_BY_TIME};
    int rc = t < 0 || scalar < 0 || H5Tenum_insert(t, "none", &v[0]) < 0 ||
             H5Tenum_insert(t, "by_id", &v[1]) < 0 || H5Tenum_insert(t, "by_time", &v[2]) < 0 ||
             hdf_attr(grp, "sorting", t, scalar, &v[2]);
    if (t >= 0) H5Tclose(t);
    if (scalar >= 0) H5Sclose(scalar);
    return rc ? -1 : 0;
}

static int writer_open(struct sonata_writer *w, const char *const *names, struct err *e)
{
    w->file = hdf_create(w->f.tmp);
    if (w->file < 0) return h5_fail(w, "create the file", e);
    if (hdf_root_attrs(w->file)) return h5_fail(w, "write the root's attributes", e);
    hid_t spikes = hdf_group(w->file, "spikes");
    if (spikes < 0) return h5_fail(w, "create /spikes", e);
    int bad = 0;
    for (int i = 0; i < w->nrec && !bad; i++) {
        struct out_pop *r = &w->rec[i];
        r->grp = hdf_group(spikes, names[r->pop]);
        bad = r->grp < 0 || put_sorting(r->grp) ||
              (r->ts = hdf_dataset(r->grp, "timestamps", H5T_IEEE_F64LE)) < 0 ||
              hdf_attr_str(r->ts, "units", "ms") ||
              (r->ids = hdf_dataset(r->grp, "node_ids", H5T_STD_U64LE)) < 0;
    }
    H5Gclose(spikes);
    return bad ? h5_fail(w, "create the population groups", e) : 0;
}

static int sonata_open(void **self, const struct sink_args *a, const struct spk_mark *from,
                       struct err *e)
{
    *self = NULL;
    if (from)
        return err_set(e, ERR_INPUT, a->path, 0, "", "a SONATA spike file cannot go on after a "
                       "stop");
    if (!(a->dt_ms > 0) || !isfinite(a->dt_ms))
        return err_set(e, ERR_INPUT, "", 0, "", "spike writer: dt must be positive, got %g ms",
                       a->dt_ms);
    struct sonata_writer *w = calloc(1, sizeof *w);
    if (!w) return err_set(e, ERR_NOMEM, a->path, 0, "", "out of memory");
    w->file = -1;
    tfmt_init(&w->tb, a->dt_ms);
    w->last_stamp = INT64_MIN;
    w->npops = a->npops;
    size_t np = (size_t)a->npops + 1;
    const char **names = calloc(np, sizeof *names);
    w->size = calloc(np, sizeof *w->size);
    w->slot = calloc(np, sizeof *w->slot);
    w->rec = calloc(np, sizeof *w->rec);
    w->stamp = malloc(STAGE * sizeof *w->stamp);
    w->spop = malloc(STAGE * sizeof *w->spop);
    w->sid = malloc(STAGE * sizeof *w->sid);
    w->t_ms = malloc(STAGE * sizeof *w->t_ms);
    w->node = malloc(STAGE * sizeof *w->node);
    int rc = 0;
    if (!names || !w->size || !w->slot || !w->rec || !w->stamp || !w->spop || !w->sid ||
        !w->t_ms || !w->node) {
        rc = err_set(e, ERR_NOMEM, a->path, 0, "", "out of memory");
        goto done;
    }
    for (int i = 0; i < a->npops; i++) {
        const char *s = a->pops[i].name;
        names[i] = s;
        w->size[i] = a->pops[i].size;
        w->slot[i] = -1;
        if (!hdf_name_ok(s)) {
            rc = err_set(e, ERR_INPUT, "", 0, "", "population %d: name '%s' cannot name an "
                         "HDF5 group", i, s ? s : "");
            goto done;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(names[j], s)) {
                rc = err_set(e, ERR_INPUT, "", 0, "", "population name '%s' is used twice", s);
                goto done;
            }
        if (a->recorded && !a->recorded[i]) continue;
        w->slot[i] = w->nrec;
        w->rec[w->nrec++] = (struct out_pop){.pop = i, .grp = -1, .ts = -1, .ids = -1};
    }
    if ((rc = afile_open(&w->f, a->path, e))) goto done;
    H5E_BEGIN_TRY {
        rc = writer_open(w, names, e);
    } H5E_END_TRY;
done:
    free(names);
    if (rc) {
        writer_free(w);
        return rc;
    }
    *self = w;
    return 0;
}

/* The staged spikes, split by population (a counting sort keeps each one's time order), each
 * part appended to its population's datasets. */
static int flush(struct sonata_writer *w, struct err *e)
{
    if (!w->len) return 0;
    for (int i = 0; i < w->nrec; i++) w->rec[i].k = 0;
    for (size_t j = 0; j < w->len; j++) w->rec[w->slot[w->spop[j]]].k++;
    size_t at = 0;
    for (int i = 0; i < w->nrec; i++) {
        w->rec[i].at = at;
        at += w->rec[i].k;
        w->rec[i].k = 0;
    }
    for (size_t j = 0; j < w->len; j++) {
        struct out_pop *r = &w->rec[w->slot[w->spop[j]]];
        size_t q = r->at + r->k++;
        w->t_ms[q] = tfmt_ms(&w->tb, w->stamp[j]);
        w->node[q] = w->sid[j];
    }
    int bad = 0;
    H5E_BEGIN_TRY {
        for (int i = 0; i < w->nrec && !bad; i++) {
            struct out_pop *r = &w->rec[i];
            if (!r->k) continue;
            bad = hdf_append(r->ts, r->n, H5T_NATIVE_DOUBLE, w->t_ms + r->at, r->k) ||
                  hdf_append(r->ids, r->n, H5T_NATIVE_UINT64, w->node + r->at, r->k);
            r->n += r->k;
        }
    } H5E_END_TRY;
    w->len = 0;
    return bad ? h5_fail(w, "append spikes", e) : 0;
}

static int sonata_step(void *self, int64_t stamp, int pop, const uint32_t *ids, size_t n,
                       struct err *e)
{
    struct sonata_writer *w = self;
    if (pop < 0 || pop >= w->npops)
        return err_set(e, ERR_INPUT, "", 0, "", "spike writer: population %d out of range", pop);
    if (stamp < w->last_stamp || (stamp == w->last_stamp && pop < w->last_pop))
        return err_set(e, ERR_INPUT, "", 0, "",
                       "spike writer: step %lld population %d comes after step %lld population "
                       "%d; spikes must come sorted by step, then population",
                       (long long)stamp, pop, (long long)w->last_stamp, w->last_pop);
    if (w->slot[pop] < 0)
        return err_set(e, ERR_INPUT, "", 0, "", "spike writer: population %d is not recorded",
                       pop);
    uint32_t size = w->size[pop];
    for (size_t i = 0; i < n; i++) {
        if (ids[i] >= size)
            return err_set(e, ERR_INPUT, "", 0, "",
                           "spike writer: id %u out of range for population %d (size %u)", ids[i],
                           pop, size);
        if (i > 0 && ids[i] <= ids[i - 1])
            return err_set(e, ERR_INPUT, "", 0, "",
                           "spike writer: ids of population %d at step %lld not ascending", pop,
                           (long long)stamp);
    }
    w->last_stamp = stamp;
    w->last_pop = pop;
    for (size_t i = 0; i < n; i++) {
        if (w->len == STAGE) {
            int rc = flush(w, e);
            if (rc) return rc;
        }
        w->stamp[w->len] = stamp;
        w->spop[w->len] = (uint32_t)pop;
        w->sid[w->len] = ids[i];
        w->len++;
    }
    return 0;
}

static int sonata_commit(void *self, struct err *e)
{
    struct sonata_writer *w = self;
    int rc = flush(w, e);
    if (!rc) {
        int bad = 0;
        H5E_BEGIN_TRY {
            for (int i = 0; i < w->nrec; i++) {
                bad |= H5Dclose(w->rec[i].ts) < 0;
                bad |= H5Dclose(w->rec[i].ids) < 0;
                bad |= H5Gclose(w->rec[i].grp) < 0;
                w->rec[i].ts = w->rec[i].ids = w->rec[i].grp = -1;
            }
            bad |= H5Fclose(w->file) < 0;
            w->file = -1;
        } H5E_END_TRY;
        if (bad) rc = h5_fail(w, "finish the file", e);
    }
    if (!rc) rc = afile_commit(&w->f, e); /* syncs what HDF5 wrote, then renames */
    writer_free(w);
    return rc;
}

static void sonata_detach(void *self)
{
    struct sonata_writer *w = self;
    if (!w) return;
    close_handles(w);
    afile_detach(&w->f);
    writer_free(w);
}

static void sonata_abort(void *self)
{
    if (self) writer_free(self);
}

const struct sink_ops sonata_sink = {
    .name = "sonata", .file = "spikes.h5", .open = sonata_open, .step = sonata_step,
    .mark = NULL, .commit = sonata_commit, .detach = sonata_detach, .abort = sonata_abort,
};

/* ---------------------------------------------------------------------------------------------
 * Reader.
 */

struct in_pop {
    hid_t grp, ts, ids;
    uint64_t n;
    int ids_signed;
};

struct reader {
    const char *path;
    hid_t file, spikes;
    struct in_pop *p;
    int np;
};

#define READ_CHUNK 65536

static int bad(const struct reader *r, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(const struct reader *r, struct err *e, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(e, ERR_INPUT, r->path, 0, "", "%s", msg);
}

/* Population pi's spikes into t from index *at on. */
static int read_pop(const struct reader *r, int pi, struct spk_table *t, size_t *at,
                    double *tbuf, uint64_t *ibuf, struct err *e)
{
    const struct in_pop *p = &r->p[pi];
    const char *name = t->pop_names[pi];
    uint64_t largest = 0;
    for (uint64_t done = 0; done < p->n;) {
        size_t k = p->n - done < READ_CHUNK ? (size_t)(p->n - done) : READ_CHUNK;
        if (hdf_read(p->ts, H5T_NATIVE_DOUBLE, done, k, tbuf))
            return bad(r, e, "/spikes/%s/timestamps: cannot read elements %llu to %llu "
                       "(damaged or truncated file)", name, (unsigned long long)done,
                       (unsigned long long)(done + k));
        if (hdf_read(p->ids, p->ids_signed ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64, done, k,
                      ibuf))
            return bad(r, e, "/spikes/%s/node_ids: cannot read elements %llu to %llu "
                       "(damaged or truncated file)", name, (unsigned long long)done,
                       (unsigned long long)(done + k));
        for (size_t j = 0; j < k; j++) {
            uint64_t id = ibuf[j];
            if (p->ids_signed && (int64_t)id < 0)
                return bad(r, e, "/spikes/%s/node_ids[%llu]: negative node id %lld", name,
                           (unsigned long long)(done + j), (long long)(int64_t)id);
            if (id >= UINT32_MAX)
                return bad(r, e, "/spikes/%s/node_ids[%llu]: node id %llu is too large "
                           "(apical's are below 2^32 - 1)", name, (unsigned long long)(done + j),
                           (unsigned long long)id);
            if (!isfinite(tbuf[j]))
                return bad(r, e, "/spikes/%s/timestamps[%llu]: %g is not a finite time", name,
                           (unsigned long long)(done + j), tbuf[j]);
            t->t_ms[*at] = tbuf[j];
            t->pop[*at] = (uint32_t)pi;
            t->id[*at] = (uint32_t)id;
            ++*at;
            if (id > largest) largest = id;
        }
        done += k;
    }
    t->pop_size[pi] = p->n ? (uint32_t)(largest + 1) : 0;
    return 0;
}

/* Opens population i of /spikes (by name order): its group and two datasets, checked. */
static int open_pop(struct reader *r, hsize_t i, struct spk_table *t, struct err *e)
{
    struct in_pop *p = &r->p[i];
    ssize_t len = H5Lget_name_by_idx(r->spikes, ".", H5_INDEX_NAME, H5_ITER_INC, i, NULL, 0,
                                     H5P_DEFAULT);
    if (len <= 0 || len > 4096)
        return bad(r, e, "/spikes: member %llu has %s name", (unsigned long long)i,
                   len <= 0 ? "an unreadable" : "too long a");
    char *name = malloc((size_t)len + 1);
    if (!name) return err_set(e, ERR_NOMEM, r->path, 0, "", "out of memory");
    t->pop_names[i] = name;
    t->npops = (int)i + 1;
    if (H5Lget_name_by_idx(r->spikes, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, (size_t)len + 1,
                           H5P_DEFAULT) != len)
        return bad(r, e, "/spikes: member %llu has an unreadable name", (unsigned long long)i);
    int rc = 0;
    char where[4200];
    snprintf(where, sizeof where, "/spikes/%s", name);
    hid_t o = H5Oopen(r->spikes, name, H5P_DEFAULT);
    int dataset = o >= 0 && H5Iget_type(o) == H5I_DATASET;
    if (o >= 0) H5Oclose(o);
    if (dataset)
        return bad(r, e, "%s: a dataset directly under /spikes (SONATA's layout before "
                   "populations); apical reads /spikes/<population>/timestamps and node_ids",
                   where);
    if ((p->grp = hdf_member(r->path, r->spikes, "/spikes", name, H5I_GROUP, e, &rc)) < 0) return rc;
    char ts_at[4220], ids_at[4220];
    snprintf(ts_at, sizeof ts_at, "%s/timestamps", where);
    snprintf(ids_at, sizeof ids_at, "%s/node_ids", where);
    uint64_t nts = 0, nids = 0;
    int sgn = 0;
    if ((p->ts = hdf_member(r->path, p->grp, where, "timestamps", H5I_DATASET, e, &rc)) < 0 ||
        (p->ids = hdf_member(r->path, p->grp, where, "node_ids", H5I_DATASET, e, &rc)) < 0)
        return rc;
    if ((rc = hdf_check_1d(r->path, p->ts, ts_at, 1, "float64 (or float32), times in ms",
                           MAX_SPIKES, &nts, &sgn, e)) ||
        (rc = hdf_check_1d(r->path, p->ids, ids_at, 0, "integers (uint64)", MAX_SPIKES, &nids,
                           &p->ids_signed, e)))
        return rc;
    if (nts != nids)
        return bad(r, e, "%s: %llu timestamps but %llu node_ids; the two must be as long",
                   where, (unsigned long long)nts, (unsigned long long)nids);
    p->n = nts;
    return 0;
}

static int read_file(struct reader *r, struct spk_table *t, struct err *e)
{
    struct stat st;
    if (stat(r->path, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > SPK_MAX_BYTES)
        return bad(r, e, "not a regular file of at most 16 GiB");
    r->file = H5Fopen(r->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (r->file < 0)
        return bad(r, e, "not a readable HDF5 file (truncated, damaged, or another format)");
    int rc = 0;
    if ((r->spikes = hdf_member(r->path, r->file, "", "spikes", H5I_GROUP, e, &rc)) < 0) {
        size_t m = strlen(e->msg);
        snprintf(e->msg + m, sizeof e->msg - m, ": not a SONATA spike file");
        return rc;
    }
    H5G_info_t gi;
    if (H5Gget_info(r->spikes, &gi) < 0)
        return bad(r, e, "/spikes: cannot list its members");
    if (gi.nlinks > MAX_POPS)
        return bad(r, e, "/spikes: %llu populations, more than %d", (unsigned long long)gi.nlinks,
                   MAX_POPS);
    size_t np = (size_t)gi.nlinks;
    r->p = calloc(np + 1, sizeof *r->p);
    t->pop_names = calloc(np + 1, sizeof *t->pop_names);
    t->pop_size = calloc(np + 1, sizeof *t->pop_size);
    if (!r->p || !t->pop_names || !t->pop_size)
        return err_set(e, ERR_NOMEM, r->path, 0, "", "out of memory");
    for (size_t i = 0; i < np; i++) r->p[i].grp = r->p[i].ts = r->p[i].ids = -1;
    r->np = (int)np;
    uint64_t total = 0;
    for (size_t i = 0; i < np; i++) {
        if ((rc = open_pop(r, i, t, e))) return rc;
        total += r->p[i].n;
        if (total > MAX_SPIKES)
            return bad(r, e, "/spikes: more than 2^30 spikes in all");
    }
    size_t cap = total ? (size_t)total : 1;
    t->t_ms = malloc(cap * sizeof *t->t_ms);
    t->pop = malloc(cap * sizeof *t->pop);
    t->id = malloc(cap * sizeof *t->id);
    double *tbuf = malloc(READ_CHUNK * sizeof *tbuf);
    uint64_t *ibuf = malloc(READ_CHUNK * sizeof *ibuf);
    if (!t->t_ms || !t->pop || !t->id || !tbuf || !ibuf)
        rc = err_set(e, ERR_NOMEM, r->path, 0, "", "out of memory");
    size_t at = 0;
    for (int i = 0; !rc && i < r->np; i++) rc = read_pop(r, i, t, &at, tbuf, ibuf, e);
    free(tbuf);
    free(ibuf);
    if (!rc) t->n = at;
    return rc;
}

int sonata_read(const char *path, struct spk_table *t, struct err *e)
{
    memset(t, 0, sizeof *t);
    struct reader r = {.path = path, .file = -1, .spikes = -1};
    int rc;
    H5E_BEGIN_TRY {
        rc = read_file(&r, t, e);
        for (int i = 0; r.p && i < r.np; i++) {
            if (r.p[i].ts >= 0) H5Oclose(r.p[i].ts);
            if (r.p[i].ids >= 0) H5Oclose(r.p[i].ids);
            if (r.p[i].grp >= 0) H5Oclose(r.p[i].grp);
        }
        if (r.spikes >= 0) H5Oclose(r.spikes);
        if (r.file >= 0) H5Fclose(r.file);
    } H5E_END_TRY;
    free(r.p);
    if (rc) spk_table_free(t);
    return rc;
}
