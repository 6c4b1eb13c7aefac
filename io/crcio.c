/* io/crcio: see crcio.h. */
#include "io/crcio.h"

#include <string.h>
#include <zlib.h>

enum { PIECE = 1u << 30 }; /* crc32 takes a uInt length */

void crc_wr_init(struct crc_wr *w, FILE *fp)
{
    w->fp = fp;
    w->crc = crc32(0L, Z_NULL, 0);
    w->bad = 0;
}

void crc_put(struct crc_wr *w, const void *p, size_t n)
{
    if (w->bad || !n) return;
    w->crc = crc32(w->crc, p, (uInt)n);
    if (fwrite(p, 1, n, w->fp) != n) w->bad = 1;
}

void crc_put_array(struct crc_wr *w, const void *p, uint64_t count, size_t size)
{
    const char *c = p;
    uint64_t left = count * size;
    while (left) {
        size_t k = left < PIECE ? (size_t)left : PIECE;
        crc_put(w, c, k);
        c += k;
        left -= k;
    }
}

int crc_wr_end(struct crc_wr *w)
{
    const uint32_t crc = (uint32_t)w->crc;
    const unsigned char le[4] = {crc & 0xff, (crc >> 8) & 0xff, (crc >> 16) & 0xff, crc >> 24};
    if (!w->bad && fwrite(le, sizeof le, 1, w->fp) != 1) w->bad = 1;
    return w->bad;
}

void crc_rd_init(struct crc_rd *r, const char *path, const char *what)
{
    memset(r, 0, sizeof *r);
    r->crc = crc32(0L, Z_NULL, 0);
    r->path = path;
    r->what = what;
}

int crc_get(struct crc_rd *r, void *p, size_t n, struct err *e)
{
    size_t got = 0;
    int rc = rfile_read(&r->f, p, n, &got, e);
    if (rc) return rc;
    if (got != n)
        return err_set(e, ERR_INPUT, r->path, 0, NULL, "%s truncated (%llu bytes)", r->what,
                       (unsigned long long)r->f.size);
    r->crc = crc32(r->crc, p, (uInt)n);
    return 0;
}

int crc_get_array(struct crc_rd *r, void *p, uint64_t count, size_t size, struct err *e)
{
    char *c = p;
    uint64_t todo = count * size;
    while (todo) {
        size_t k = todo < PIECE ? (size_t)todo : PIECE;
        int rc = crc_get(r, c, k, e);
        if (rc) return rc;
        c += k;
        todo -= k;
    }
    return 0;
}

uint64_t crc_left(const struct crc_rd *r) { return r->f.size - r->f.pos + (r->f.end - r->f.at); }

int crc_check(struct crc_rd *r, struct err *e)
{
    uint32_t want = (uint32_t)r->crc;
    unsigned char le[4];
    int rc = crc_get(r, le, sizeof le, e);
    if (rc) return rc;
    const uint32_t crc =
        le[0] | (uint32_t)le[1] << 8 | (uint32_t)le[2] << 16 | (uint32_t)le[3] << 24;
    if (crc != want) return err_set(e, ERR_INPUT, r->path, 0, NULL, "corrupt %s (checksum)", r->what);
    return 0;
}
