/* io/wtrace: the reader of weights.csv as io/rec_weights writes it. Header exactly
 * "t_ms,projection,source,target,weight"; then one row per recorded synapse per sample time:
 * the time in ms, the projection's name, the source and target neuron indices and the weight.
 * Rows come in time order. A synapse's series is the rows of its (projection, source, target);
 * a pair recorded twice (two synapses of a multapse) is told apart by order within a time: its
 * k-th row at each time belongs to its k-th series. */
#ifndef APICAL_WTRACE_H
#define APICAL_WTRACE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define WTR_HEADER "t_ms,projection,source,target,weight"

struct wtr_series {
    int proj; /* index into the table's projection names */
    uint32_t src, tgt;
    size_t n;     /* samples */
    double *t_ms; /* strictly increasing */
    double *w;    /* finite */
};

/* Projections and series in the order they first appear in the file. */
struct wtr_table {
    int nprojs;
    char **projs;
    size_t nseries;
    struct wtr_series *s;
    size_t nrows;
};

#define WTR_MAX_BYTES ((uint64_t)16 << 30) /* larger files are refused: 16 GiB */
#define WTR_MAX_LINE 4096                  /* longer lines are refused */

/* Loads the whole file. Errors are ERR_INPUT naming the file and its 1-based line: another
 * header, a row of other than 5 fields, a time that is not finite or goes back, an empty or
 * unprintable projection name, an index that is not a whole number below 2^32, a weight that
 * is not a finite number, a last line without its newline (a truncated file). Only a regular
 * file of at most WTR_MAX_BYTES is read (io/rfile). */
int wtr_read(const char *path, struct wtr_table *t, struct err *e);
/* Frees what wtr_read allocated and zeroes t; a zeroed table is fine. */
void wtr_table_free(struct wtr_table *t);

/* 1 if the file's first line is WTR_HEADER (a weights file), else 0, also when it cannot be
 * read or is no regular file. */
int wtr_sniff(const char *path);

#endif
