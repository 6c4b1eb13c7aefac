/* io/tracefile: the reader of traces.csv as io/rec writes it. Header "t_ms,POP[ID].VAR,...", where
 * VAR is a state variable, compartment-prefixed for a dendrite ("v", "basal.v", "apical.i_ex");
 * then one row per sample: the time in ms and one number per column. Knows nothing of models:
 * a column is a name split three ways, and the units follow from the variable's last component. */
#ifndef APICAL_TRACEFILE_H
#define APICAL_TRACEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct trace_col {
    char *name;      /* the header field, e.g. "pyr[0].basal.v" */
    char *pop;       /* "pyr" */
    uint32_t id;     /* 0 */
    const char *var; /* "basal.v"; points into name */
};

/* Invariants after trace_read: t_ms strictly increasing, every value finite. */
struct trace_table {
    int ncols; /* value columns kept; t_ms is not one */
    struct trace_col *cols;
    size_t nrows;
    double *t_ms;        /* nrows sample times */
    double *v;           /* nrows * ncols values, row by row: v[row * ncols + col] */
    size_t file_neurons; /* distinct POP[ID] in the file, kept or not */
};

#define TRACE_MAX_BYTES ((uint64_t)16 << 30) /* larger files are refused: 16 GiB */
#define TRACE_MAX_LINE ((size_t)64 << 20)    /* longer lines are refused: 64 MiB */

/* Loads the whole file. Errors are ERR_INPUT naming the file and its 1-based line; a last line
 * without its newline is a truncated file. Only a regular file of at most TRACE_MAX_BYTES, with
 * lines of at most TRACE_MAX_LINE bytes, is read (io/rfile): a device, a pipe or a folder is
 * ERR_INPUT. */
int trace_read(const char *path, struct trace_table *t, struct err *e);
/* Like trace_read, but keeps only the columns of the first max_neurons distinct POP[ID] of the
 * header (0 keeps all). Every field is still checked: a picture of 6 neurons need not hold a
 * recording of thousands in memory, but it must not pass a corrupt file. */
int trace_read_neurons(const char *path, uint32_t max_neurons, struct trace_table *t,
                       struct err *e);
/* Frees what trace_read allocated and zeroes t; a zeroed table is fine. */
void trace_table_free(struct trace_table *t);

/* 1 if the file's first header field is "t_ms" (a traces file, not spikes), else 0, also when it
 * cannot be read or is no regular file: the caller's reader then names the problem. */
int trace_sniff(const char *path);

#endif
