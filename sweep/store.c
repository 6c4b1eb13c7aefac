/* sweep/store: point folders, markers and JSON files. */
#include "sweep/store.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/afile.h"
#include "io/rfile.h"

int store_point_dir(const char *out, long point, char *buf, size_t n)
{
    int k = snprintf(buf, n, "%s/points/%05ld", out, point);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

int store_point_file(const char *out, long point, const char *name, char *buf, size_t n)
{
    int k = snprintf(buf, n, "%s/points/%05ld/%s", out, point, name);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

int store_state(const char *out, long point)
{
    char p[1200];
    if (store_point_file(out, point, "done.json", p, sizeof p)) return STORE_PENDING;
    if (access(p, F_OK) == 0) return STORE_DONE;
    store_point_file(out, point, "failed.json", p, sizeof p);
    if (access(p, F_OK) == 0) return STORE_FAILED;
    return STORE_PENDING;
}

int store_stopped(const char *out, long point)
{
    char p[1200];
    struct stat st;
    return !store_point_file(out, point, STORE_CKPT, p, sizeof p) && lstat(p, &st) == 0 &&
           S_ISREG(st.st_mode);
}

/* n bytes from offset off (fewer at the end of the file) into buf; the count read, or -1. */
static ssize_t read_at(int fd, char *buf, size_t n, off_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, buf + got, n - got, off + (off_t)got);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

cJSON *store_json_read(const char *path, struct err *e)
{
    /* missing is ERR_IO (a point not run, a folder without a sweep); anything else that cannot
     * be read is the folder's fault: io/rfile refuses devices, pipes and oversized files */
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return err_set(e, ERR_IO, path, 0, "", "cannot read: %s", strerror(ENOENT)), NULL;
    struct rfile f;
    if (rfile_open(&f, path, STORE_JSON_MAX, e)) return NULL;
    char *text = malloc((size_t)f.size + 1);
    size_t len = 0;
    int rc = text ? rfile_read(&f, text, (size_t)f.size, &len, e)
                  : err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
    rfile_close(&f);
    cJSON *j = rc ? NULL : cJSON_ParseWithLength(text, len);
    free(text);
    if (!rc && !j) err_set(e, ERR_INPUT, path, 0, "", "not valid JSON");
    return j;
}

int store_json_write(const char *path, const cJSON *j, struct err *e)
{
    char *text = cJSON_Print(j);
    if (!text) return err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
    int rc = afile_write_text(path, text, e);
    free(text);
    return rc;
}

char *store_tail(const char *path, int lines, size_t max_bytes)
{
    struct rfile f;
    struct err ignore;
    if (rfile_open(&f, path, UINT64_MAX, &ignore)) return calloc(1, 1);
    /* only the end is read: a log of any length costs max_bytes */
    off_t size = (off_t)f.size, from = size > (off_t)max_bytes ? size - (off_t)max_bytes : 0;
    char *text = malloc((size_t)(size - from) + 1);
    ssize_t got = text ? read_at(f.fd, text, (size_t)(size - from), from) : -1;
    rfile_close(&f);
    if (got < 0) {
        free(text);
        return calloc(1, 1);
    }
    size_t len = (size_t)got, start = len;
    text[len] = '\0';
    int seen = 0;
    /* a trailing newline does not start an empty last line */
    if (start > 0 && text[start - 1] == '\n') start--;
    while (start > 0) {
        if (text[start - 1] == '\n' && ++seen == lines) break;
        start--;
    }
    memmove(text, text + start, len - start + 1);
    return text;
}

/* ---- typed members ---- */

static const cJSON *member(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

const char *store_jstr(const cJSON *o, const char *key)
{
    const cJSON *v = member(o, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

const cJSON *store_jarr(const cJSON *o, const char *key)
{
    const cJSON *v = member(o, key);
    return cJSON_IsArray(v) ? v : NULL;
}

double store_jnum(const cJSON *o, const char *key)
{
    const cJSON *v = member(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int store_jtrue(const cJSON *o, const char *key) { return cJSON_IsTrue(member(o, key)); }

int store_jlong(const cJSON *o, const char *key, long lo, long hi, long *v)
{
    double d = store_jnum(o, key);
    /* compared as doubles first: a cast of 1e300 to long is undefined */
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d)) return -1;
    *v = (long)d;
    return 0;
}
