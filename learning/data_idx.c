/* learning/data_idx: the IDX reader. io/rfile opens the file (a regular one, of bounded size)
 * and zlib reads it; gzread reads plain files as they are, so one path serves both. The header's
 * count is checked against what the file can hold before it sizes anything (a plain file: its
 * size; gzip: DEFLATE_RATIO bytes per byte), the buffer grows with the data actually read, and
 * past the count at most EXTRA_COUNTED more bytes are decompressed, to say how many follow. */
#include "learning/data_idx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io/rfile.h"

#define DEFLATE_RATIO 1032       /* deflate's largest expansion: 258 bytes from 2 bits */
#define EXTRA_COUNTED (1u << 20) /* bytes after the data counted for the message, at most */

static const char *type_name(int t)
{
    switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return "unknown";
    }
}

/* Reads up to n bytes; returns how many, or -1 with the zlib error in e. */
static long read_some(gzFile f, const char *path, uint8_t *buf, size_t n, struct err *e)
{
    size_t got = 0;
    while (got < n) {
        unsigned chunk = n - got > (1u << 20) ? 1u << 20 : (unsigned)(n - got);
        int r = gzread(f, buf + got, chunk);
        if (r < 0) {
            int zerr;
            const char *msg = gzerror(f, &zerr);
            if (zerr == Z_ERRNO)
                err_set(e, ERR_INPUT, path, 0, NULL, "read failed: %s", strerror(errno));
            else {
                /* gzerror says "path: what"; the record names the file already */
                size_t pl = strlen(path);
                if (strncmp(msg, path, pl) == 0 && msg[pl] == ':')
                    msg += pl + 1 + (msg[pl + 1] == ' ');
                err_set(e, ERR_INPUT, path, 0, NULL, "corrupt gzip data: %s", msg);
            }
            return -1;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    return (long)got;
}

/* After the last item: the stream must end here, and a gzip stream must end complete. */
static int check_end(gzFile f, const char *path, uint64_t want, struct err *e)
{
    uint8_t extra[256];
    long k = read_some(f, path, extra, sizeof extra, e);
    if (k < 0) return ERR_INPUT;
    if (k > 0) {
        /* counted up to a bound: a gzip file may expand to far more than it holds */
        uint64_t more = (uint64_t)k;
        long r = 0;
        while (more <= EXTRA_COUNTED && (r = read_some(f, path, extra, sizeof extra, e)) > 0)
            more += (uint64_t)r;
        if (r < 0) return ERR_INPUT;
        return err_set(e, ERR_INPUT, path, 0, NULL,
                       "%s%llu bytes after the %llu data bytes the header promises",
                       more > EXTRA_COUNTED ? "more than " : "",
                       (unsigned long long)(more > EXTRA_COUNTED ? EXTRA_COUNTED : more),
                       (unsigned long long)want);
    }
    int zerr;
    gzerror(f, &zerr);
    if (zerr == Z_BUF_ERROR)
        return err_set(e, ERR_INPUT, path, 0, NULL,
                       "gzip stream ends early: the file is truncated (its data are complete, "
                       "its checksum is missing)");
    return 0;
}

static int read_header(gzFile f, const char *path, struct idx *x, struct err *e)
{
    uint8_t h[4 + 4 * IDX_MAX_DIMS];
    long k = read_some(f, path, h, 4, e);
    if (k < 0) return ERR_INPUT;
    if (k < 4)
        return err_set(e, ERR_INPUT, path, 0, NULL,
                       "truncated: %ld bytes, an IDX header needs at least 4", k);
    if (h[0] != 0 || h[1] != 0)
        return err_set(e, ERR_INPUT, path, 0, NULL,
                       "not an IDX file: it begins 0x%02x 0x%02x, IDX begins with two zero bytes",
                       h[0], h[1]);
    if (h[2] != 0x08)
        return err_set(e, ERR_INPUT, path, 0, NULL,
                       "IDX item type 0x%02x (%s): only unsigned bytes (0x08) are read", h[2],
                       type_name(h[2]));
    x->ndim = h[3];
    if (x->ndim < 1 || x->ndim > IDX_MAX_DIMS)
        return err_set(e, ERR_INPUT, path, 0, NULL, "%d dimensions: IDX files here have 1 to %d",
                       x->ndim, IDX_MAX_DIMS);
    k = read_some(f, path, h + 4, 4 * (size_t)x->ndim, e);
    if (k < 0) return ERR_INPUT;
    if (k < 4 * x->ndim)
        return err_set(e, ERR_INPUT, path, 0, NULL,
                       "truncated header: %d dimensions need %d bytes after the magic number, "
                       "the file has %ld",
                       x->ndim, 4 * x->ndim, k);
    uint64_t n = 1;
    for (int d = 0; d < x->ndim; d++) {
        const uint8_t *p = h + 4 + 4 * d;
        x->dim[d] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        if (x->dim[d] == 0) return err_set(e, ERR_INPUT, path, 0, NULL, "dimension %d is 0", d + 1);
        n *= x->dim[d];
        if (n > IDX_MAX_BYTES)
            return err_set(e, ERR_INPUT, path, 0, NULL,
                           "the header promises more than %llu bytes of data: corrupt header?",
                           (unsigned long long)IDX_MAX_BYTES);
    }
    x->n = (size_t)n;
    return 0;
}

static void dims_text(const struct idx *x, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int d = 0; d < x->ndim && k < len; d++)
        k += (size_t)snprintf(buf + k, len - k, "%s%u", d ? " x " : "", x->dim[d]);
}

/* The header's count against what a file of fsize bytes can hold, before anything is allocated. */
static int check_count(gzFile f, const char *path, uint64_t fsize, const struct idx *x,
                       struct err *e)
{
    uint64_t head = 4 + 4 * (uint64_t)x->ndim;
    char d[96];
    dims_text(x, d, sizeof d);
    if (gzdirect(f) && x->n > fsize - head)
        return err_set(e, ERR_INPUT, path, 0, NULL,
                       "truncated: the header promises %s = %zu data bytes, the file has %llu", d,
                       x->n, (unsigned long long)(fsize - head));
    if (!gzdirect(f) && x->n / DEFLATE_RATIO > fsize)
        return err_set(e, ERR_INPUT, path, 0, NULL,
                       "the header promises %s = %zu data bytes, more than a gzip file of %llu "
                       "bytes can hold: corrupt header?",
                       d, x->n, (unsigned long long)fsize);
    return 0;
}

static int read_data(gzFile f, const char *path, struct idx *x, struct err *e)
{
    size_t cap = 0, got = 0;
    uint8_t *buf = NULL;
    while (got < x->n) {
        if (got == cap) {
            size_t ncap = cap ? 2 * cap : (size_t)1 << 20;
            if (ncap > x->n) ncap = x->n;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return err_set(e, ERR_NOMEM, path, 0, NULL, "out of memory for %zu bytes", ncap);
            }
            buf = nb;
            cap = ncap;
        }
        long r = read_some(f, path, buf + got, cap - got, e);
        if (r < 0) {
            free(buf);
            return ERR_INPUT;
        }
        got += (size_t)r;
        if (r == 0 || got < cap) break;
    }
    if (got < x->n) {
        char d[96];
        dims_text(x, d, sizeof d);
        free(buf);
        return err_set(e, ERR_INPUT, path, 0, NULL,
                       "truncated: the header promises %s = %zu data bytes, the file has %zu", d,
                       x->n, got);
    }
    x->data = buf;
    return 0;
}

int idx_read(const char *path, struct idx *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct rfile rf;
    int rc = rfile_open(&rf, path, IDX_MAX_FILE, e);
    if (rc) return rc;
    uint64_t fsize = rf.size;
    errno = 0;
    int fd = dup(rf.fd);
    gzFile f = fd >= 0 ? gzdopen(fd, "rb") : NULL;
    if (!f) {
        rc = err_set(e, ERR_INPUT, path, 0, NULL, "cannot open: %s",
                     errno ? strerror(errno) : "out of memory");
        if (fd >= 0) close(fd);
    }
    rfile_close(&rf);
    if (rc) return rc;
    gzbuffer(f, 1 << 17);
    struct idx x;
    memset(&x, 0, sizeof x);
    rc = read_header(f, path, &x, e);
    if (!rc) rc = check_count(f, path, fsize, &x, e);
    if (!rc) rc = read_data(f, path, &x, e);
    if (!rc) rc = check_end(f, path, x.n, e);
    gzclose(f);
    if (rc) {
        free(x.data);
        return rc;
    }
    *out = x;
    return 0;
}

void idx_free(struct idx *x)
{
    if (!x) return;
    free(x->data);
    x->data = NULL;
    x->n = 0;
}
