/* io/rfile: bounded reading of data files. The size is taken once, by fstat on the open file, and
 * is the end: a reader never asks the file whether there is more, which is what a device or a
 * file still being written would answer forever. Reads go through one 64 KiB buffer; a line is
 * copied out of it into a buffer that grows up to the caller's cap and no further.
 */
#include "io/rfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUF_SIZE (64u << 10)

const char *rfile_bytes(uint64_t n, char buf[32])
{
    if (n >= (1ull << 30) && n % (1ull << 30) == 0)
        snprintf(buf, 32, "%llu GiB", (unsigned long long)(n >> 30));
    else if (n >= (1ull << 20) && n % (1ull << 20) == 0)
        snprintf(buf, 32, "%llu MiB", (unsigned long long)(n >> 20));
    else if (n >= (1ull << 10) && n % (1ull << 10) == 0)
        snprintf(buf, 32, "%llu KiB", (unsigned long long)(n >> 10));
    else
        snprintf(buf, 32, "%llu bytes", (unsigned long long)n);
    return buf;
}

static const char *kind(mode_t m)
{
    return S_ISFIFO(m)   ? "a pipe (FIFO)"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

int rfile_open(struct rfile *f, const char *path, uint64_t max_bytes, struct err *e)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer before fstat could refuse it */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return err_set(e, ERR_INPUT, path, 0, "", "cannot open: %s", strerror(errno));
    struct stat st;
    char a[32], b[32];
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = err_set(e, ERR_INPUT, path, 0, "", "cannot read: %s", strerror(errno));
    else if (S_ISDIR(st.st_mode))
        rc = err_set(e, ERR_INPUT, path, 0, "", "is a folder, not a file");
    else if (!S_ISREG(st.st_mode))
        rc = err_set(e, ERR_INPUT, path, 0, "",
                     "is %s: only a regular file is read (a device or a pipe may never end)",
                     kind(st.st_mode));
    else if (st.st_size < 0 || (uint64_t)st.st_size > max_bytes)
        rc = err_set(e, ERR_INPUT, path, 0, "", "too large: %s, more than the %s read here",
                     rfile_bytes((uint64_t)st.st_size, a), rfile_bytes(max_bytes, b));
    else {
        int fl = fcntl(fd, F_GETFL);
        if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
            rc = err_set(e, ERR_INPUT, path, 0, "", "cannot read: %s", strerror(errno));
    }
    if (!rc && !(f->buf = malloc(BUF_SIZE)))
        rc = err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
    if (rc) {
        close(fd);
        return rc;
    }
    f->fd = fd;
    f->path = path;
    f->size = (uint64_t)st.st_size;
    return 0;
}

void rfile_close(struct rfile *f)
{
    if (f->buf && f->fd >= 0) close(f->fd);
    free(f->buf);
    free(f->line);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

/* Refills buf from the file; 0 (nothing more when at == end after it) or ERR_INPUT. A file that
 * shrank while being read simply ends early; the reader then finds it truncated. */
static int fill(struct rfile *f, struct err *e)
{
    f->at = f->end = 0;
    uint64_t left = f->size - f->pos;
    size_t want = left < BUF_SIZE ? (size_t)left : BUF_SIZE;
    while (want) {
        ssize_t r = read(f->fd, f->buf, want);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return err_set(e, ERR_INPUT, f->path, 0, "", "cannot read: %s", strerror(errno));
        if (r == 0) f->size = f->pos; /* shrank */
        f->end = (size_t)r;
        f->pos += (uint64_t)r;
        break;
    }
    return 0;
}

int rfile_read(struct rfile *f, void *p, size_t n, size_t *got, struct err *e)
{
    unsigned char *dst = p;
    *got = 0;
    while (*got < n) {
        if (f->at == f->end) {
            int rc = fill(f, e);
            if (rc) return rc;
            if (f->at == f->end) break;
        }
        size_t k = f->end - f->at < n - *got ? f->end - f->at : n - *got;
        memcpy(dst + *got, f->buf + f->at, k);
        f->at += k;
        *got += k;
    }
    return 0;
}

/* Room for need bytes and a NUL in the line buffer (need <= max_len), doubling but never past
 * max_len + 1. */
static int line_room(struct rfile *f, size_t need, size_t max_len)
{
    if (need < f->line_cap) return 0;
    size_t c = f->line_cap ? f->line_cap : 256;
    while (c <= need) c = c > SIZE_MAX / 2 ? SIZE_MAX : 2 * c;
    if (max_len < SIZE_MAX && c > max_len + 1) c = max_len + 1;
    char *l = realloc(f->line, c);
    if (!l) return -1;
    f->line = l;
    f->line_cap = c;
    return 0;
}

int rfile_line(struct rfile *f, size_t max_len, char **s, size_t *len, struct err *e)
{
    size_t n = 0;
    int nl = 0;
    while (!nl) {
        if (f->at == f->end) {
            int rc = fill(f, e);
            if (rc) return rc;
            if (f->at == f->end) break;
        }
        const unsigned char *from = f->buf + f->at;
        const unsigned char *hit = memchr(from, '\n', f->end - f->at);
        size_t k = hit ? (size_t)(hit - from) + 1 : f->end - f->at;
        if (k > max_len - n) {
            int at = f->lineno < INT_MAX ? f->lineno + 1 : INT_MAX;
            char a[32];
            return err_set(e, ERR_INPUT, f->path, at, "",
                           "line longer than %s: not a file of this kind, or damaged",
                           rfile_bytes(max_len, a));
        }
        if (line_room(f, n + k, max_len))
            return err_set(e, ERR_NOMEM, f->path, 0, "", "out of memory");
        memcpy(f->line + n, from, k);
        n += k;
        f->at += k;
        nl = hit != NULL;
    }
    if (!n) return 0;
    f->line[n] = '\0';
    if (f->lineno < INT_MAX) f->lineno++;
    *s = f->line;
    *len = n;
    return 1;
}

int rfile_text_line(struct rfile *f, size_t max_len, char **s, size_t *len, struct err *e)
{
    int rc = rfile_line(f, max_len, s, len, e);
    if (rc != 1) return rc;
    char *line = *s;
    size_t n = *len;
    if (memchr(line, '\0', n)) return err_set(e, ERR_INPUT, f->path, f->lineno, "", "NUL byte in line");
    if (line[n - 1] != '\n')
        return err_set(e, ERR_INPUT, f->path, f->lineno, "",
                       "line not terminated by a newline: the file is truncated");
    n--;
    if (n && line[n - 1] == '\r') n--;
    line[n] = '\0';
    *len = n;
    return 1;
}

const char *rfile_quote(const char *s, size_t n, char out[48])
{
    size_t k = 0;
    for (; k < n && k < 40; k++) out[k] = (s[k] >= 0x20 && s[k] < 0x7f) ? s[k] : '?';
    if (n > 40) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

size_t rfile_fields(const char *s, size_t len, size_t max, const char **f, size_t *n)
{
    size_t nf = 0;
    for (const char *p = s;; p++) {
        const char *comma = memchr(p, ',', len - (size_t)(p - s));
        if (nf < max) {
            f[nf] = p;
            n[nf] = comma ? (size_t)(comma - p) : len - (size_t)(p - s);
        }
        nf++;
        if (!comma) return nf;
        p = comma;
    }
}

int rfile_number(const char *s, size_t n, double *x)
{
    if (!n || s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\v' || s[0] == '\f' ||
        s[0] == '\r')
        return -1;
    char *end;
    errno = 0;
    *x = strtod(s, &end);
    return end == s + n && isfinite(*x) ? 0 : -1;
}

int rfile_rewind(struct rfile *f, struct err *e)
{
    if (lseek(f->fd, 0, SEEK_SET) != 0)
        return err_set(e, ERR_INPUT, f->path, 0, "", "cannot seek: %s", strerror(errno));
    f->pos = 0;
    f->at = f->end = 0;
    f->lineno = 0;
    return 0;
}
