/* core/err: the error record every fallible function fills, and its status codes.
 * Functions return 0 or a negative ERR_* code; only cli/ prints the record and exits. */
#ifndef APICAL_ERR_H
#define APICAL_ERR_H

enum {
    ERR_OK = 0,
    ERR_INPUT = -2,  /* bad config, data file or flag: exit status 2 */
    ERR_IO = -3,     /* a file could not be read or written */
    ERR_NOMEM = -4,  /* an allocation failed */
    ERR_NONFINITE = -5, /* NaN or Inf appeared in the state */
    ERR_INTERRUPTED = -6 /* a signal asked the run to stop */
};

struct err {
    int code;
    int line;        /* 0 when there is no line to name */
    char file[512];  /* "" when there is no file to name */
    char path[256];  /* setting path, e.g. "populations.exc.size"; "" if none */
    char msg[512];
};

/* Fills e (if not NULL) and returns code, so callers can write `return err_set(...)`. */
int err_set(struct err *e, int code, const char *file, int line, const char *path,
            const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* "file:line: path: msg", leaving out the parts that are empty. */
void err_format(const struct err *e, char *buf, unsigned long n);

#endif
