/* io/rfile: data files opened for reading, with bounds. Only a regular file is opened (a device
 * such as /dev/zero never ends, a pipe may never start, a folder is no file), no larger than the
 * reader's cap, and never read past the size it had when opened: a file still growing is read as
 * it was. Lines are read up to a cap on their length. Every reader of spikes, traces and IDX
 * data goes through here, so none of them can be made to take memory or time without end.
 * Errors are ERR_INPUT naming the file (and the line, for one too long). */
#ifndef APICAL_RFILE_H
#define APICAL_RFILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct rfile {
    int fd;
    const char *path;   /* the caller's string, for messages; must outlive the rfile */
    uint64_t size;      /* bytes when opened: nothing beyond is read */
    uint64_t pos;       /* bytes taken from the file into buf */
    unsigned char *buf; /* read-ahead: buf[at..end) not yet handed out */
    size_t at, end;
    char *line; /* rfile_line's buffer */
    size_t line_cap;
    int lineno; /* lines handed out by rfile_line (stops at INT_MAX) */
};

/* Opens path for reading: ERR_INPUT if it cannot be opened, is not a regular file, or holds more
 * than max_bytes; ERR_NOMEM if no buffer. A FIFO is refused without waiting for a writer. On
 * error nothing is left to close. */
int rfile_open(struct rfile *f, const char *path, uint64_t max_bytes, struct err *e);
/* Closes and frees; a zeroed or closed rfile is fine. */
void rfile_close(struct rfile *f);

/* Up to n bytes into p; *got < n only at the end of the file. 0, or ERR_INPUT on a read error. */
int rfile_read(struct rfile *f, void *p, size_t n, size_t *got, struct err *e);

/* The next line, with its '\n' if it has one (only the last line may lack it), NUL-terminated
 * at *len (the line itself may hold NUL bytes), in a buffer valid until the next call. Returns 1
 * for a line, 0 at the end of the file, or ERR_INPUT for a line longer than max_len bytes (its
 * number named) or a read error. */
int rfile_line(struct rfile *f, size_t max_len, char **s, size_t *len, struct err *e);
/* rfile_line for files apical writes whole lines into (traces.csv, weights.csv): a NUL byte or
 * a last line without its newline (a file cut short) is ERR_INPUT naming the line; the line
 * comes without its "\n" or "\r\n", NUL-terminated. */
int rfile_text_line(struct rfile *f, size_t max_len, char **s, size_t *len, struct err *e);

/* The whole of s[0..n) as a finite number (a field of a text file): 0, or -1. strtod alone
 * would skip leading blanks and stop early. */
int rfile_number(const char *s, size_t n, double *x);

/* The comma-separated fields of the line s[0..len): the first max of them in f[k] (start) and
 * n[k] (length); returns how many there are (more than max for a line too long). */
size_t rfile_fields(const char *s, size_t len, size_t max, const char **f, size_t *n);

/* Up to 40 characters of s[0..n) for a message, anything unprintable shown as '?', into out. */
const char *rfile_quote(const char *s, size_t n, char out[48]);

/* Back to the first byte (and line 0). 0, or ERR_INPUT. */
int rfile_rewind(struct rfile *f, struct err *e);

/* Text for a byte count in messages: "17 MiB", "3 GiB", "512 bytes"; returns buf. */
const char *rfile_bytes(uint64_t n, char buf[32]);

#endif
