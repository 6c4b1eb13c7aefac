/* sweep/store: point folders, markers and JSON files. */
#include "sweep/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/afile.h"

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

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

cJSON *store_json_read(const char *path, struct err *e)
{
    size_t len;
    char *text = slurp(path, &len);
    if (!text) return err_set(e, ERR_IO, path, 0, "", "cannot read: %s", strerror(errno)), NULL;
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    if (!j) err_set(e, ERR_INPUT, path, 0, "", "not valid JSON");
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
    size_t len = 0;
    char *text = slurp(path, &len);
    if (!text) return calloc(1, 1);
    size_t start = len;
    int seen = 0;
    /* a trailing newline does not start an empty last line */
    if (start > 0 && text[start - 1] == '\n') start--;
    while (start > 0 && len - start < max_bytes) {
        if (text[start - 1] == '\n' && ++seen == lines) break;
        start--;
    }
    char *tail = strdup(text + start);
    free(text);
    return tail ? tail : calloc(1, 1);
}
