/* io/edges: nodes.h5 and edges.h5 written, one edge population read (see edges.h).
 *
 * Writing: every dataset is a chunked 1-D array (io/hdf) appended to a piece of at most
 * HDF_CHUNK elements at a time, so memory stays at a few buffers whatever the network's size.
 * The file is PATH.tmp until it is complete (io/afile's convention, as spikes.h5).
 *
 * Reading: the edge population's datasets are opened and checked (io/hdf: kind, rank, element
 * type, length backed by stored bytes), the arrays sized from the checked length, then filled
 * a chunk at a time with every id, weight and delay checked as it comes. */
#include "io/edges.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/afile.h"
#include "io/hdf.h"

#define READ_CHUNK 65536 /* elements read at once */

/* ---------------------------------------------------------------------------------------------
 * Writing.
 */

struct wfile {
    struct afile f; /* PATH.tmp: its name, and a descriptor that syncs it at commit */
    hid_t file, top;
    uint64_t *u64; /* HDF_CHUNK elements each */
    uint32_t *u32;
};

static int w_fail(const struct wfile *w, const char *what, struct err *e)
{
    return err_set(e, ERR_IO, w->f.tmp, 0, "", "HDF5 could not %s (disk full?)", what);
}

/* Checks names (np of them, `stride` bytes apart, a const char * each), then creates PATH.tmp
 * with its root attributes and the group top. */
static int w_open(struct wfile *w, const char *path, const char *top, const void *names,
                  size_t stride, int np, struct err *e)
{
    memset(w, 0, sizeof *w);
    w->file = w->top = -1;
    for (int i = 0; i < np; i++) {
        const char *s = *(const char *const *)((const char *)names + (size_t)i * stride);
        if (!hdf_name_ok(s))
            return err_set(e, ERR_INPUT, path, 0, "", "%s population %d: name '%s' cannot name "
                           "an HDF5 group", top, i, s ? s : "");
        for (int j = 0; j < i; j++)
            if (!strcmp(*(const char *const *)((const char *)names + (size_t)j * stride), s))
                return err_set(e, ERR_INPUT, path, 0, "", "%s population name '%s' is used twice",
                               top, s);
    }
    w->u64 = malloc(HDF_CHUNK * sizeof *w->u64);
    w->u32 = malloc(HDF_CHUNK * sizeof *w->u32);
    if (!w->u64 || !w->u32) return err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
    int rc = afile_open(&w->f, path, e);
    if (rc) return rc;
    H5E_BEGIN_TRY {
        w->file = hdf_create(w->f.tmp);
        if (w->file < 0) rc = w_fail(w, "create the file", e);
        else if (hdf_root_attrs(w->file)) rc = w_fail(w, "write the root's attributes", e);
        else if ((w->top = hdf_group(w->file, top)) < 0) rc = w_fail(w, "create its group", e);
    } H5E_END_TRY;
    return rc;
}

/* Closes the file; commits it (sync, rename) if ok, else removes it. Frees w's buffers. */
static int w_close(struct wfile *w, int ok, struct err *e)
{
    int bad = 0;
    H5E_BEGIN_TRY {
        if (w->top >= 0) bad |= H5Gclose(w->top) < 0;
        if (w->file >= 0) bad |= H5Fclose(w->file) < 0;
    } H5E_END_TRY;
    free(w->u64);
    free(w->u32);
    if (ok && bad) ok = 0, w_fail(w, "finish the file", e);
    if (!ok) {
        afile_abort(&w->f);
        return e && e->code ? e->code : ERR_IO;
    }
    return afile_commit(&w->f, e); /* syncs what HDF5 wrote, then renames */
}

/* A dataset of n elements of file type ftype: i (iota) or the constant v. */
static int put_fill(struct wfile *w, hid_t grp, const char *name, hid_t ftype, uint64_t n,
                    int iota, uint32_t v)
{
    hid_t ds = hdf_dataset(grp, name, ftype);
    int bad = ds < 0;
    for (uint64_t at = 0; !bad && at < n;) {
        size_t k = n - at < HDF_CHUNK ? (size_t)(n - at) : HDF_CHUNK;
        for (size_t i = 0; i < k; i++) {
            w->u64[i] = at + i;
            w->u32[i] = v;
        }
        bad = iota ? hdf_append(ds, at, H5T_NATIVE_UINT64, w->u64, k)
                   : hdf_append(ds, at, H5T_NATIVE_UINT32, w->u32, k);
        at += k;
    }
    if (ds >= 0) bad |= H5Dclose(ds) < 0;
    return bad ? -1 : 0;
}

static int put_node_pop(struct wfile *w, const struct edges_nodes *p, uint32_t type_id)
{
    char tmpl[128];
    snprintf(tmpl, sizeof tmpl, "apical:%s", p->model ? p->model : "");
    hid_t g = hdf_group(w->top, p->name), g0 = -1;
    int bad = g < 0 || hdf_attr_str(g, "model_type", p->is_virtual ? "virtual" : "point_neuron") ||
              hdf_attr_str(g, "model_template", tmpl) ||
              put_fill(w, g, "node_id", H5T_STD_U64LE, p->size, 1, 0) ||
              put_fill(w, g, "node_type_id", H5T_STD_U32LE, p->size, 0, type_id) ||
              put_fill(w, g, "node_group_id", H5T_STD_U32LE, p->size, 0, 0) ||
              put_fill(w, g, "node_group_index", H5T_STD_U64LE, p->size, 1, 0) ||
              (g0 = hdf_group(g, "0")) < 0;
    if (g0 >= 0) bad |= H5Gclose(g0) < 0;
    if (g >= 0) bad |= H5Gclose(g) < 0;
    return bad ? -1 : 0;
}

int edges_write_nodes(const char *path, const struct edges_nodes *p, int np, struct err *e)
{
    struct wfile w;
    int rc = w_open(&w, path, "nodes", &p[0].name, sizeof *p, np, e);
    for (int i = 0; !rc && i < np; i++) {
        int bad;
        H5E_BEGIN_TRY {
            bad = put_node_pop(&w, &p[i], (uint32_t)i);
        } H5E_END_TRY;
        if (bad) rc = w_fail(&w, "write a node population", e);
    }
    int closed = w_close(&w, !rc, e);
    return rc ? rc : closed;
}

/* An edge population's datasets, in the order they are appended to. */
enum { C_SRC, C_TGT, C_TYPE, C_GID, C_GIDX, C_W, C_D, NCOL };

static int edge_columns(hid_t g, hid_t g0, const struct edges_pop *p, hid_t *c)
{
    return (c[C_SRC] = hdf_dataset(g, "source_node_id", H5T_STD_U64LE)) < 0 ||
           hdf_attr_str(c[C_SRC], "node_population", p->src) ||
           hdf_attr_str(c[C_SRC], "source_population", p->src) ||
           (c[C_TGT] = hdf_dataset(g, "target_node_id", H5T_STD_U64LE)) < 0 ||
           hdf_attr_str(c[C_TGT], "node_population", p->tgt) ||
           hdf_attr_str(c[C_TGT], "target_population", p->tgt) ||
           (c[C_TYPE] = hdf_dataset(g, "edge_type_id", H5T_STD_U32LE)) < 0 ||
           (c[C_GID] = hdf_dataset(g, "edge_group_id", H5T_STD_U32LE)) < 0 ||
           (c[C_GIDX] = hdf_dataset(g, "edge_group_index", H5T_STD_U64LE)) < 0 ||
           (c[C_W] = hdf_dataset(g0, "syn_weight", H5T_IEEE_F32LE)) < 0 ||
           (c[C_D] = hdf_dataset(g0, "delay", H5T_IEEE_F64LE)) < 0 ||
           hdf_attr_str(c[C_D], "units", "ms") ? -1 : 0;
}

/* Appends k edges (at `at` of the population) from part's element j on. */
static int put_edges(struct wfile *w, const hid_t *c, uint64_t at, const struct edges_part *pt,
                     size_t j, size_t k, uint32_t type_id)
{
    int bad = 0;
    for (size_t i = 0; i < k; i++) w->u64[i] = pt->src[j + i];
    bad |= hdf_append(c[C_SRC], at, H5T_NATIVE_UINT64, w->u64, k);
    for (size_t i = 0; i < k; i++) w->u64[i] = pt->tgt[j + i];
    bad |= hdf_append(c[C_TGT], at, H5T_NATIVE_UINT64, w->u64, k);
    for (size_t i = 0; i < k; i++) w->u32[i] = type_id;
    bad |= hdf_append(c[C_TYPE], at, H5T_NATIVE_UINT32, w->u32, k);
    memset(w->u32, 0, k * sizeof *w->u32);
    bad |= hdf_append(c[C_GID], at, H5T_NATIVE_UINT32, w->u32, k);
    for (size_t i = 0; i < k; i++) w->u64[i] = at + i;
    bad |= hdf_append(c[C_GIDX], at, H5T_NATIVE_UINT64, w->u64, k);
    bad |= hdf_append(c[C_W], at, H5T_NATIVE_FLOAT, pt->w + j, k);
    bad |= hdf_append(c[C_D], at, H5T_NATIVE_DOUBLE, pt->delay_ms + j, k);
    return bad ? -1 : 0;
}

static int put_edge_pop(struct wfile *w, const struct edges_pop *p, int i, edges_next_fn next,
                        void *self, struct err *e)
{
    hid_t g = -1, g0 = -1, c[NCOL];
    for (int k = 0; k < NCOL; k++) c[k] = -1;
    int rc = 0, bad;
    H5E_BEGIN_TRY {
        bad = (g = hdf_group(w->top, p->name)) < 0 || (g0 = hdf_group(g, "0")) < 0 ||
              edge_columns(g, g0, p, c);
    } H5E_END_TRY;
    if (bad) rc = w_fail(w, "create an edge population", e);
    for (uint64_t at = 0; !rc && at < p->nsyn;) {
        struct edges_part pt = {0};
        if ((rc = next(self, i, &pt, e))) break;
        if (pt.n == 0 || pt.n > p->nsyn - at) {
            rc = err_set(e, ERR_INPUT, w->f.path, 0, "", "edge population %s: %zu edges more "
                         "after %llu of %llu", p->name, pt.n, (unsigned long long)at,
                         (unsigned long long)p->nsyn);
            break;
        }
        for (size_t j = 0; !rc && j < pt.n;) {
            size_t k = pt.n - j < HDF_CHUNK ? pt.n - j : HDF_CHUNK;
            H5E_BEGIN_TRY {
                bad = put_edges(w, c, at, &pt, j, k, p->type_id);
            } H5E_END_TRY;
            if (bad) rc = w_fail(w, "append edges", e);
            j += k;
            at += k;
        }
    }
    H5E_BEGIN_TRY {
        for (int k = 0; k < NCOL; k++)
            if (c[k] >= 0) bad |= H5Dclose(c[k]) < 0;
        if (g0 >= 0) bad |= H5Gclose(g0) < 0;
        if (g >= 0) bad |= H5Gclose(g) < 0;
    } H5E_END_TRY;
    if (!rc && bad) rc = w_fail(w, "finish an edge population", e);
    return rc;
}

int edges_write(const char *path, const struct edges_pop *p, int np, edges_next_fn next,
                void *self, struct err *e)
{
    struct wfile w;
    int rc = w_open(&w, path, "edges", &p[0].name, sizeof *p, np, e);
    for (int i = 0; !rc && i < np; i++) rc = put_edge_pop(&w, &p[i], i, next, self, e);
    int closed = w_close(&w, !rc, e);
    return rc ? rc : closed;
}

/* ---------------------------------------------------------------------------------------------
 * Reading.
 */

/* The datasets read, by their place in the file (0/ is the edge group). */
enum { R_SRC, R_TGT, R_GID, R_GIDX, R_W, R_D, R_TYPE, NREAD };
static const char *const read_name[NREAD] = {"source_node_id", "target_node_id", "edge_group_id",
                                             "edge_group_index", "0/syn_weight", "0/delay",
                                             "edge_type_id"};

struct reader {
    const char *path;
    const struct edges_want *want;
    char where[4200]; /* /edges/<pop> */
    hid_t file, edges, pop, g0;
    hid_t ds[NREAD]; /* -1: not in the file (only the optional ones) */
    int is_signed[NREAD];
    uint64_t n;
    uint64_t *u;     /* READ_CHUNK each */
    double *d;
};

/* The string attribute name of ds, if it has one, must be want (a node population's name). */
static int check_population(struct reader *r, hid_t ds, int col, const char *name,
                            const char *want, struct err *e)
{
    char got[256];
    int has = want ? hdf_attr_text(ds, name, got, sizeof got) : 0;
    if (has < 0)
        return err_set(e, ERR_INPUT, r->path, 0, "", "%s/%s: attribute %s is not one readable "
                       "string", r->where, read_name[col], name);
    if (has && strcmp(got, want))
        return err_set(e, ERR_INPUT, r->path, 0, "", "%s/%s: %s is \"%s\", but this "
                       "projection's population is \"%s\"", r->where, read_name[col], name, got,
                       want);
    return 0;
}

/* Opens dataset col (an optional one may be absent) and checks it. */
static int open_col(struct reader *r, int col, int optional, struct err *e)
{
    const char *name = read_name[col];
    hid_t parent = r->pop;
    char where[4300];
    snprintf(where, sizeof where, "%s", r->where);
    if (!strncmp(name, "0/", 2)) {
        if (r->g0 < 0) return 0;
        parent = r->g0;
        name += 2;
        snprintf(where, sizeof where, "%s/0", r->where);
    }
    if (optional && H5Lexists(parent, name, H5P_DEFAULT) <= 0) return 0;
    int rc = 0;
    if ((r->ds[col] = hdf_member(r->path, parent, where, name, H5I_DATASET, e, &rc)) < 0)
        return rc;
    char at[4400];
    snprintf(at, sizeof at, "%s/%s", where, name);
    int fl = col == R_W || col == R_D;
    uint64_t n = 0;
    if ((rc = hdf_check_1d(r->path, r->ds[col], at, fl, fl ? "float32 or float64" :
                           "integers (uint64)", EDGES_MAX, &n, &r->is_signed[col], e)))
        return rc;
    if (col == R_SRC) r->n = n;
    else if (n != r->n)
        return err_set(e, ERR_INPUT, r->path, 0, "", "%s: %llu elements, but source_node_id has "
                       "%llu; an edge population's datasets must be as long", at,
                       (unsigned long long)n, (unsigned long long)r->n);
    return 0;
}

static int open_pop(struct reader *r, struct err *e)
{
    const struct edges_want *w = r->want;
    struct stat st;
    if (stat(r->path, &st) != 0 || !S_ISREG(st.st_mode))
        return err_set(e, ERR_INPUT, r->path, 0, "", "not a regular file (missing?)");
    if ((r->file = H5Fopen(r->path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        return err_set(e, ERR_INPUT, r->path, 0, "", "not a readable HDF5 file (truncated, "
                       "damaged, or another format)");
    int rc = 0;
    if ((r->edges = hdf_member(r->path, r->file, "", "edges", H5I_GROUP, e, &rc)) < 0 ||
        !hdf_name_ok(w->pop) ||
        (r->pop = hdf_member(r->path, r->edges, "/edges", w->pop, H5I_GROUP, e, &rc)) < 0)
        return rc ? rc : err_set(e, ERR_INPUT, r->path, 0, "", "'%s' cannot name an edge "
                                 "population", w->pop);
    if (H5Lexists(r->pop, "0", H5P_DEFAULT) > 0 &&
        (r->g0 = hdf_member(r->path, r->pop, r->where, "0", H5I_GROUP, e, &rc)) < 0)
        return rc;
    if ((rc = open_col(r, R_SRC, 0, e)) || (rc = open_col(r, R_TGT, 0, e)) ||
        (rc = open_col(r, R_GID, 1, e)) || (rc = open_col(r, R_GIDX, 1, e)) ||
        (rc = open_col(r, R_W, 1, e)) || (rc = open_col(r, R_D, 1, e)) ||
        (w->types && (rc = open_col(r, R_TYPE, 0, e))))
        return rc;
    if ((rc = check_population(r, r->ds[R_SRC], R_SRC, "node_population", w->src_pop, e)) ||
        (rc = check_population(r, r->ds[R_TGT], R_TGT, "node_population", w->tgt_pop, e)) ||
        (rc = check_population(r, r->ds[R_SRC], R_SRC, "source_population", w->src_pop, e)) ||
        (rc = check_population(r, r->ds[R_TGT], R_TGT, "target_population", w->tgt_pop, e)))
        return rc;
    if (r->n > SIZE_MAX / 32)
        return err_set(e, ERR_INPUT, r->path, 0, "", "%s: %llu edges, too many for this machine",
                       r->where, (unsigned long long)r->n);
    return 0;
}

/* Integers [at, at + k) of col into r->u: -1 (with e set) for a negative one. */
static int read_ints(struct reader *r, int col, uint64_t at, size_t k, struct err *e)
{
    int sgn = r->is_signed[col];
    if (hdf_read(r->ds[col], sgn ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64, at, k, r->u))
        return err_set(e, ERR_INPUT, r->path, 0, "", "%s/%s: cannot read elements %llu to %llu "
                       "(damaged or truncated file)", r->where, read_name[col],
                       (unsigned long long)at, (unsigned long long)(at + k));
    for (size_t j = 0; sgn && j < k; j++)
        if ((int64_t)r->u[j] < 0)
            return err_set(e, ERR_INPUT, r->path, 0, "", "%s/%s[%llu]: negative value %lld",
                           r->where, read_name[col], (unsigned long long)(at + j),
                           (long long)(int64_t)r->u[j]);
    return 0;
}

/* Node ids of col [at, at + k) into out, each below size. */
static int read_ids(struct reader *r, int col, uint64_t at, size_t k, uint32_t size,
                    const char *pop, uint32_t *out, struct err *e)
{
    int rc = read_ints(r, col, at, k, e);
    for (size_t j = 0; !rc && j < k; j++) {
        if (r->u[j] >= size && col == R_TYPE)
            return err_set(e, ERR_INPUT, r->path, 0, "", "%s/%s[%llu]: %llu is not a 32-bit type "
                           "id", r->where, read_name[col], (unsigned long long)(at + j),
                           (unsigned long long)r->u[j]);
        if (r->u[j] >= size)
            return err_set(e, ERR_INPUT, r->path, 0, "", "%s/%s[%llu]: node id %llu out of range "
                           "for population %s of %u neurons", r->where, read_name[col],
                           (unsigned long long)(at + j), (unsigned long long)r->u[j], pop, size);
        out[j] = (uint32_t)r->u[j];
    }
    return rc;
}

/* Floats of col [at, at + k) into out, each finite; delays also within the engine's range. */
static int read_floats(struct reader *r, int col, uint64_t at, size_t k, double *out,
                       struct err *e)
{
    const struct edges_want *w = r->want;
    if (hdf_read(r->ds[col], H5T_NATIVE_DOUBLE, at, k, out))
        return err_set(e, ERR_INPUT, r->path, 0, "", "%s/%s: cannot read elements %llu to %llu "
                       "(damaged or truncated file)", r->where, read_name[col],
                       (unsigned long long)at, (unsigned long long)(at + k));
    for (size_t j = 0; j < k; j++) {
        double x = out[j];
        unsigned long long i = (unsigned long long)(at + j);
        if (!isfinite(x))
            return err_set(e, ERR_INPUT, r->path, 0, "", "%s/%s[%llu]: %g is not a finite "
                           "number", r->where, read_name[col], i, x);
        if (col != R_D) continue;
        if (x < w->dt_ms * (1 - 1e-9))
            return err_set(e, ERR_INPUT, r->path, 0, "", "%s/%s[%llu]: %g ms is shorter than "
                           "one step (dt = %g ms)", r->where, read_name[col], i, x, w->dt_ms);
        if (floor(x / w->dt_ms + 0.5) > w->max_delay_steps)
            return err_set(e, ERR_INPUT, r->path, 0, "", "%s/%s[%llu]: %g ms is longer than %u "
                           "steps of %g ms", r->where, read_name[col], i, x, w->max_delay_steps,
                           w->dt_ms);
    }
    return 0;
}

static int read_all(struct reader *r, struct edges_list *l, struct err *e)
{
    const struct edges_want *w = r->want;
    size_t n = (size_t)r->n, m = n ? n : 1;
    l->n = n;
    l->src = malloc(m * sizeof *l->src);
    l->tgt = malloc(m * sizeof *l->tgt);
    if (r->ds[R_W] >= 0) l->w = malloc(m * sizeof *l->w);
    if (r->ds[R_D] >= 0) l->delay_ms = malloc(m * sizeof *l->delay_ms);
    if (r->ds[R_TYPE] >= 0) l->type_id = malloc(m * sizeof *l->type_id);
    r->u = malloc(READ_CHUNK * sizeof *r->u);
    if (!l->src || !l->tgt || (r->ds[R_W] >= 0 && !l->w) || (r->ds[R_D] >= 0 && !l->delay_ms) ||
        (r->ds[R_TYPE] >= 0 && !l->type_id) || !r->u)
        return err_set(e, ERR_NOMEM, r->path, 0, "", "out of memory for %zu edges", n);
    int rc = 0;
    for (uint64_t at = 0; !rc && at < n;) {
        size_t k = n - at < READ_CHUNK ? (size_t)(n - at) : READ_CHUNK;
        if ((rc = read_ids(r, R_SRC, at, k, w->nsrc, w->src_pop, l->src + at, e)) ||
            (rc = read_ids(r, R_TGT, at, k, w->ntgt, w->tgt_pop, l->tgt + at, e)))
            break;
        if (r->ds[R_GID] >= 0 && !(rc = read_ints(r, R_GID, at, k, e)))
            for (size_t j = 0; !rc && j < k; j++)
                if (r->u[j] != 0)
                    rc = err_set(e, ERR_INPUT, r->path, 0, "", "%s/edge_group_id[%llu]: group "
                                 "%llu; apical reads edges of group 0 only", r->where,
                                 (unsigned long long)(at + j), (unsigned long long)r->u[j]);
        if (!rc && r->ds[R_GIDX] >= 0 && !(rc = read_ints(r, R_GIDX, at, k, e)))
            for (size_t j = 0; !rc && j < k; j++)
                if (r->u[j] != at + j)
                    rc = err_set(e, ERR_INPUT, r->path, 0, "", "%s/edge_group_index[%llu]: %llu; "
                                 "apical reads group 0 in the edges' order (index i for edge i)",
                                 r->where, (unsigned long long)(at + j),
                                 (unsigned long long)r->u[j]);
        if (!rc && l->type_id)
            rc = read_ids(r, R_TYPE, at, k, UINT32_MAX, "", l->type_id + at, e);
        if (!rc && l->w) rc = read_floats(r, R_W, at, k, l->w + at, e);
        if (!rc && l->delay_ms) rc = read_floats(r, R_D, at, k, l->delay_ms + at, e);
        at += k;
    }
    return rc;
}

int edges_read(const char *path, const struct edges_want *want, struct edges_list *l,
               struct err *e)
{
    memset(l, 0, sizeof *l);
    struct reader r = {.path = path, .want = want, .file = -1, .edges = -1, .pop = -1, .g0 = -1};
    for (int k = 0; k < NREAD; k++) r.ds[k] = -1;
    snprintf(r.where, sizeof r.where, "/edges/%.4096s", want->pop ? want->pop : "");
    int rc;
    H5E_BEGIN_TRY {
        rc = open_pop(&r, e);
        if (!rc) rc = read_all(&r, l, e);
        for (int k = 0; k < NREAD; k++)
            if (r.ds[k] >= 0) H5Oclose(r.ds[k]);
        if (r.g0 >= 0) H5Oclose(r.g0);
        if (r.pop >= 0) H5Oclose(r.pop);
        if (r.edges >= 0) H5Oclose(r.edges);
        if (r.file >= 0) H5Fclose(r.file);
    } H5E_END_TRY;
    free(r.u);
    if (rc) edges_list_free(l);
    return rc;
}

void edges_list_free(struct edges_list *l)
{
    free(l->src);
    free(l->tgt);
    free(l->w);
    free(l->delay_ms);
    free(l->type_id);
    memset(l, 0, sizeof *l);
}
