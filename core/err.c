/* core/err: error records. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, int code, const char *file, int line, const char *path,
            const char *fmt, ...)
{
    if (!e) return code;
    e->code = code;
    e->line = line;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    snprintf(e->path, sizeof e->path, "%s", path ? path : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

void err_format(const struct err *e, char *buf, unsigned long n)
{
    size_t k = 0;
    buf[0] = '\0';
    if (e->file[0]) {
        if (e->line > 0)
            k += snprintf(buf + k, n - k, "%s:%d: ", e->file, e->line);
        else
            k += snprintf(buf + k, n - k, "%s: ", e->file);
    }
    if (k < n && e->path[0]) k += snprintf(buf + k, n - k, "%s: ", e->path);
    if (k < n) snprintf(buf + k, n - k, "%s", e->msg);
}
