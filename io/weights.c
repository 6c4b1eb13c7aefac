/* io/weights: weights.bin, a network's plastic weights by projection (see weights.h).
 *
 * Reading trusts nothing before the checksum: each count is held against the bytes the file
 * still has before it sizes an allocation, so a corrupt count costs an error, never memory.
 * The values (names, ids, weights) are checked after the checksum, so that a flipped byte is
 * reported as what it is, a corrupt file, rather than as whatever field it happened to hit.
 */
#include "io/weights.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "io/afile.h"
#include "io/crcio.h"
#include "io/rfile.h"

static const char MAGIC[16] = WT_MAGIC;
enum { WT_VERSION = 1 };
/* Bytes of a projection's header (three names, two sizes, the synapse count), of a synapse
 * (two ids and a weight) and of the CRC. */
enum { PROJ_HEAD = 3 * WT_NAME + 4 + 4 + 8, SYN_BYTES = 4 + 4 + 4, CRC_BYTES = 4 };

/* 0 if name is a valid field: non-empty, NUL-terminated within WT_NAME, NUL-padded after. */
static int name_ok(const char name[WT_NAME])
{
    size_t len = strnlen(name, WT_NAME);
    if (len == 0 || len == WT_NAME) return -1;
    for (size_t k = len; k < WT_NAME; k++)
        if (name[k]) return -1;
    return 0;
}

/* ---- byte order ----
 * The file is little-endian on every host. On a little-endian one (x86-64, AArch64 Linux) the
 * arrays go to and from the file as they are; a big-endian one swaps them, in pieces on the
 * way out and in place on the way in. */

static const int host_le = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
_Static_assert(sizeof(float) == 4 && sizeof(uint32_t) == 4, "weights are 4-byte binary32");

static void put_u32(struct crc_wr *w, uint32_t v)
{
    const unsigned char b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
    crc_put(w, b, sizeof b);
}

static void put_u64(struct crc_wr *w, uint64_t v)
{
    put_u32(w, (uint32_t)v);
    put_u32(w, (uint32_t)(v >> 32));
}

/* count 4-byte values (u32 ids, f32 weights) */
static void put_array32(struct crc_wr *w, const void *p, uint64_t count)
{
    if (host_le) {
        crc_put_array(w, p, count, 4);
        return;
    }
    uint32_t buf[1024];
    const char *c = p;
    for (uint64_t k = 0; k < count;) {
        size_t m = count - k < 1024 ? (size_t)(count - k) : 1024;
        memcpy(buf, c + k * 4, m * 4);
        for (size_t i = 0; i < m; i++) buf[i] = __builtin_bswap32(buf[i]);
        crc_put(w, buf, m * 4);
        k += m;
    }
}

static uint32_t le32(const unsigned char *b)
{
    return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static int get_u32(struct crc_rd *r, uint32_t *v, struct err *e)
{
    unsigned char b[4];
    int rc = crc_get(r, b, sizeof b, e);
    if (!rc) *v = le32(b);
    return rc;
}

static int get_u64(struct crc_rd *r, uint64_t *v, struct err *e)
{
    unsigned char b[8];
    int rc = crc_get(r, b, sizeof b, e);
    if (!rc) *v = le32(b) | (uint64_t)le32(b + 4) << 32;
    return rc;
}

static int get_array32(struct crc_rd *r, void *p, uint64_t count, struct err *e)
{
    int rc = crc_get_array(r, p, count, 4, e);
    char *c = p; /* floats too: through memcpy, not a uint32_t pointer */
    for (uint64_t k = 0; !rc && !host_le && k < count; k++) {
        uint32_t v;
        memcpy(&v, c + k * 4, 4);
        v = __builtin_bswap32(v);
        memcpy(c + k * 4, &v, 4);
    }
    return rc;
}

/* ---- writing ---- */


/* A name into its field, NUL-padded (so that equal networks give equal files). */
static void put_name(struct crc_wr *w, const char *name)
{
    char field[WT_NAME] = {0};
    memcpy(field, name, strlen(name));
    crc_put(w, field, sizeof field);
}

/* What wt_save refuses: anything its own reader would. */
static int check_proj(const char *path, const struct wt_proj *p, const struct wt_proj *all, int j,
                      struct err *e)
{
    const char *names[3] = {p->name, p->src, p->tgt};
    static const char *const what[3] = {"projection", "source population", "target population"};
    for (int k = 0; k < 3; k++) {
        size_t len = strnlen(names[k], WT_NAME);
        if (len == 0 || len == WT_NAME)
            return err_set(e, ERR_INPUT, path, 0, "",
                           "cannot write projection %d: its %s name is %s", j, what[k],
                           len ? "longer than 63 bytes" : "empty");
    }
    for (int i = 0; i < j; i++)
        if (!strcmp(all[i].name, p->name))
            return err_set(e, ERR_INPUT, path, 0, "",
                           "cannot write: two projections are named \"%s\"", p->name);
    if (p->nsyn && (!p->src_id || !p->tgt_id || !p->w))
        return err_set(e, ERR_INPUT, path, 0, "", "cannot write projection \"%s\": no synapses",
                       p->name);
    for (uint64_t s = 0; s < p->nsyn; s++) {
        if (p->src_id[s] >= p->nsrc || p->tgt_id[s] >= p->ntgt)
            return err_set(e, ERR_INPUT, path, 0, "",
                           "cannot write projection \"%s\": synapse %llu is %u -> %u, outside "
                           "%u x %u neurons",
                           p->name, (unsigned long long)s, p->src_id[s], p->tgt_id[s], p->nsrc,
                           p->ntgt);
        if (!isfinite(p->w[s]))
            return err_set(e, ERR_NONFINITE, path, 0, "",
                           "cannot write projection \"%s\": synapse %llu (%u -> %u) has weight "
                           "%g",
                           p->name, (unsigned long long)s, p->src_id[s], p->tgt_id[s],
                           (double)p->w[s]);
    }
    return 0;
}

int wt_save(const char *path, const struct wt_proj *p, int nproj, struct err *e)
{
    if (nproj < 0 || nproj > WT_MAX_PROJ)
        return err_set(e, ERR_INPUT, path, 0, "",
                       "cannot write %d projections: a weights file holds at most %d", nproj,
                       WT_MAX_PROJ);
    for (int j = 0; j < nproj; j++) {
        int rc = check_proj(path, &p[j], p, j, e);
        if (rc) return rc;
    }
    struct afile f;
    int rc = afile_open(&f, path, e);
    if (rc) return rc;
    struct crc_wr w;
    crc_wr_init(&w, f.fp);
    crc_put(&w, MAGIC, sizeof MAGIC);
    put_u32(&w, WT_VERSION);
    put_u32(&w, (uint32_t)nproj);
    for (int j = 0; j < nproj; j++) {
        const struct wt_proj *q = &p[j];
        put_name(&w, q->name);
        put_name(&w, q->src);
        put_name(&w, q->tgt);
        put_u32(&w, q->nsrc);
        put_u32(&w, q->ntgt);
        put_u64(&w, q->nsyn);
        put_array32(&w, q->src_id, q->nsyn);
        put_array32(&w, q->tgt_id, q->nsyn);
        put_array32(&w, q->w, q->nsyn);
    }
    if (crc_wr_end(&w)) {
        afile_abort(&f);
        return err_set(e, ERR_IO, path, 0, "", "weights: cannot write (disk full?)");
    }
    return afile_commit(&f, e);
}

/* ---- reading ---- */


static int corrupt(struct crc_rd *r, int j, const char *what, struct err *e)
{
    return err_set(e, ERR_INPUT, r->path, 0, "", "corrupt weights file: projection %d: %s", j,
                   what);
}

/* The header of projection j of nproj, then its arrays, allocated only once the bytes the
 * file has left are known to hold them. */
static int read_proj(struct crc_rd *r, struct wt_proj *p, int j, int nproj, struct err *e)
{
    int rc;
    if ((rc = crc_get(r, p->name, WT_NAME, e)) || (rc = crc_get(r, p->src, WT_NAME, e)) ||
        (rc = crc_get(r, p->tgt, WT_NAME, e)) || (rc = get_u32(r, &p->nsrc, e)) ||
        (rc = get_u32(r, &p->ntgt, e)) || (rc = get_u64(r, &p->nsyn, e)))
        return rc;
    /* the other projections' headers and the CRC still to come: file-level checks made sure
     * they fit in what is left */
    uint64_t rest = (uint64_t)(nproj - 1 - j) * PROJ_HEAD + CRC_BYTES;
    uint64_t room = (crc_left(r) - rest) / SYN_BYTES;
    if (p->nsyn > room)
        return err_set(e, ERR_INPUT, r->path, 0, "",
                       "weights file truncated or corrupt: projection %d has %llu synapses, the "
                       "%llu bytes left hold at most %llu",
                       j, (unsigned long long)p->nsyn, (unsigned long long)crc_left(r),
                       (unsigned long long)room);
    size_t n = p->nsyn ? (size_t)p->nsyn : 1;
    p->src_id = malloc(n * sizeof *p->src_id);
    p->tgt_id = malloc(n * sizeof *p->tgt_id);
    p->w = malloc(n * sizeof *p->w);
    if (!p->src_id || !p->tgt_id || !p->w)
        return err_set(e, ERR_NOMEM, r->path, 0, "", "out of memory for %llu synapses",
                       (unsigned long long)p->nsyn);
    if ((rc = get_array32(r, p->src_id, p->nsyn, e)) ||
        (rc = get_array32(r, p->tgt_id, p->nsyn, e)) || (rc = get_array32(r, p->w, p->nsyn, e)))
        return rc;
    return 0;
}

/* The values, once the checksum has vouched for the bytes. */
static int check_values(struct crc_rd *r, const struct wt_file *f, struct err *e)
{
    char msg[300];
    for (int j = 0; j < f->nproj; j++) {
        const struct wt_proj *p = &f->projs[j];
        if (name_ok(p->name) || name_ok(p->src) || name_ok(p->tgt))
            return corrupt(r, j, "a name is empty, not NUL-terminated or not NUL-padded", e);
        for (int i = 0; i < j; i++)
            if (!strcmp(f->projs[i].name, p->name)) {
                snprintf(msg, sizeof msg, "\"%s\" again (it is projection %d too)", p->name, i);
                return corrupt(r, j, msg, e);
            }
        for (uint64_t s = 0; s < p->nsyn; s++) {
            if (p->src_id[s] >= p->nsrc || p->tgt_id[s] >= p->ntgt) {
                snprintf(msg, sizeof msg,
                         "\"%s\": synapse %llu is %u -> %u, outside %u x %u neurons", p->name,
                         (unsigned long long)s, p->src_id[s], p->tgt_id[s], p->nsrc, p->ntgt);
                return corrupt(r, j, msg, e);
            }
            if (!isfinite(p->w[s])) {
                snprintf(msg, sizeof msg, "\"%s\": synapse %llu has weight %g", p->name,
                         (unsigned long long)s, (double)p->w[s]);
                return corrupt(r, j, msg, e);
            }
        }
    }
    return 0;
}

static int read_file(struct crc_rd *r, struct wt_file *f, struct err *e)
{
    char magic[sizeof MAGIC];
    uint32_t head[2];
    int rc;
    if ((rc = crc_get(r, magic, sizeof magic, e))) return rc;
    if (!memcmp(magic, "APICALCK", 8))
        return err_set(e, ERR_INPUT, r->path, 0, "",
                       "a training checkpoint (checkpoint.bin), not a weights file: take "
                       "weights.bin from the same folder");
    if (memcmp(magic, MAGIC, sizeof MAGIC))
        return err_set(e, ERR_INPUT, r->path, 0, "", "not a weights file of apical");
    if ((rc = get_u32(r, &head[0], e)) || (rc = get_u32(r, &head[1], e))) return rc;
    if (head[0] != WT_VERSION)
        return err_set(e, ERR_INPUT, r->path, 0, "",
                       "weights file version %u, this apical reads version %d", head[0],
                       WT_VERSION);
    if (head[1] > WT_MAX_PROJ)
        return err_set(e, ERR_INPUT, r->path, 0, "",
                       "corrupt weights file: %u projections, at most %d are read", head[1],
                       WT_MAX_PROJ);
    if ((uint64_t)head[1] * PROJ_HEAD + CRC_BYTES > crc_left(r))
        return err_set(e, ERR_INPUT, r->path, 0, "",
                       "weights file truncated or corrupt: %u projections, the %llu bytes left "
                       "do not hold their headers",
                       head[1], (unsigned long long)crc_left(r));
    if (head[1] && !(f->projs = calloc(head[1], sizeof *f->projs)))
        return err_set(e, ERR_NOMEM, r->path, 0, "", "out of memory");
    for (int j = 0; j < (int)head[1]; j++) {
        f->nproj = j + 1; /* so that wt_free frees what this one has allocated */
        if ((rc = read_proj(r, &f->projs[j], j, (int)head[1], e))) return rc;
    }
    if ((rc = crc_check(r, e))) return rc;
    if (crc_left(r))
        return err_set(e, ERR_INPUT, r->path, 0, "",
                       "corrupt weights file: %llu bytes after the checksum",
                       (unsigned long long)crc_left(r));
    return check_values(r, f, e);
}

int wt_load(const char *path, struct wt_file *f, struct err *e)
{
    memset(f, 0, sizeof *f);
    struct stat st;
    int n = stat(path, &st) == 0 && S_ISDIR(st.st_mode)
                ? snprintf(f->path, sizeof f->path, "%s/%s", path, WT_FILE)
                : snprintf(f->path, sizeof f->path, "%s", path);
    if (n < 0 || (size_t)n >= sizeof f->path)
        return err_set(e, ERR_INPUT, path, 0, "", "path too long");
    struct crc_rd r;
    crc_rd_init(&r, f->path, "weights file");
    int rc = rfile_open(&r.f, f->path, WT_MAX_BYTES, e);
    if (!rc) rc = read_file(&r, f, e);
    rfile_close(&r.f);
    if (rc) {
        char keep[sizeof f->path];
        memcpy(keep, f->path, sizeof keep);
        wt_free(f);
        memcpy(f->path, keep, sizeof keep);
    }
    return rc;
}

void wt_free(struct wt_file *f)
{
    for (int j = 0; j < f->nproj; j++) {
        free(f->projs[j].src_id);
        free(f->projs[j].tgt_id);
        free(f->projs[j].w);
    }
    free(f->projs);
    memset(f, 0, sizeof *f);
}

/* ---- applying ---- */

/* The projections' names, comma-separated, cut with ", ..." to fit n bytes. */
static void list_names(const struct wt_file *f, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int j = 0; j < f->nproj; j++) {
        const char *sep = j ? ", " : "";
        size_t need = strlen(sep) + strlen(f->projs[j].name);
        if (k + need + 6 >= n) { /* room for ", ..." and the NUL */
            snprintf(buf + k, n - k, "%s...", sep);
            return;
        }
        k += (size_t)snprintf(buf + k, n - k, "%s%s", sep, f->projs[j].name);
    }
}

int wt_apply(const struct wt_file *f, const char *path, struct wt_proj *want, struct err *e)
{
    if (!path) path = f->path;
    const struct wt_proj *p = NULL;
    for (int j = 0; j < f->nproj && !p; j++)
        if (!strcmp(f->projs[j].name, want->name)) p = &f->projs[j];
    if (!p) {
        char names[300];
        list_names(f, names, sizeof names);
        return err_set(e, ERR_INPUT, path, 0, "", "has no projection \"%s\" (it has: %s)",
                       want->name, f->nproj ? names : "none");
    }
    const char *nm = want->name;
    if (strcmp(p->src, want->src) || strcmp(p->tgt, want->tgt))
        return err_set(e, ERR_INPUT, path, 0, "",
                       "projection \"%s\": %s -> %s in the file, %s -> %s in the network", nm,
                       p->src, p->tgt, want->src, want->tgt);
    if (p->nsrc != want->nsrc)
        return err_set(e, ERR_INPUT, path, 0, "",
                       "projection \"%s\": source population \"%s\" of %u neurons in the file, "
                       "%u in the network",
                       nm, p->src, p->nsrc, want->nsrc);
    if (p->ntgt != want->ntgt)
        return err_set(e, ERR_INPUT, path, 0, "",
                       "projection \"%s\": target population \"%s\" of %u neurons in the file, "
                       "%u in the network",
                       nm, p->tgt, p->ntgt, want->ntgt);
    if (p->nsyn != want->nsyn)
        return err_set(e, ERR_INPUT, path, 0, "",
                       "projection \"%s\": %llu synapses, the network has %llu", nm,
                       (unsigned long long)p->nsyn, (unsigned long long)want->nsyn);
    for (uint64_t s = 0; s < p->nsyn; s++)
        if (p->src_id[s] != want->src_id[s] || p->tgt_id[s] != want->tgt_id[s])
            return err_set(e, ERR_INPUT, path, 0, "",
                           "projection \"%s\": synapse %llu is %u -> %u in the file, %u -> %u "
                           "in the network",
                           nm, (unsigned long long)s, p->src_id[s], p->tgt_id[s], want->src_id[s],
                           want->tgt_id[s]);
    if (p->nsyn) memcpy(want->w, p->w, p->nsyn * sizeof *want->w);
    return 0;
}
