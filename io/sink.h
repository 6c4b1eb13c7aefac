/* io/sink: spike file formats as plug-ins. A sink is an ops table (open, step, mark, commit,
 * detach, abort) for one format, named by its word in record.spikes.format; io/sink.c holds
 * the one list of them. The spike recorder (io/rec) feeds every chosen sink the same spikes,
 * sorted by stamp, then population, then id; a sink knows nothing of the network beyond the
 * population names and sizes it is opened with. Adding a format adds its own files and one
 * line to the list in io/sink.c. */
#ifndef APICAL_SINK_H
#define APICAL_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct spk_pop;  /* io/spikes.h: a population's name and size */
struct spk_mark; /* io/spikes.h: where the sinks of a stopped run stood */

#define SINK_MAX 8 /* formats in the list, and chosen at once */

/* What a sink is opened with. */
struct sink_args {
    const char *path;           /* the file to write, as PATH.tmp renamed into place by commit */
    double dt_ms;               /* a spike at stamp s is at s * dt_ms ms */
    const struct spk_pop *pops; /* every population of the network, in config order */
    int npops;
    const int *recorded;        /* per population: 1 if its spikes are written */
};

struct sink_ops {
    const char *name; /* its word in record.spikes.format: "csv" */
    const char *file; /* its file in the output folder: "spikes.csv" */
    /* from: NULL for a new file; else the mark of a stopped run, to go on with its file (only
     * for sinks with a mark). */
    int (*open)(void **self, const struct sink_args *a, const struct spk_mark *from,
                struct err *e);
    /* The spikes of population pop at integer stamp, ids ascending; calls come in ascending
     * stamp, and within a stamp in ascending pop. */
    int (*step)(void *self, int64_t stamp, int pop, const uint32_t *ids, size_t n,
                struct err *e);
    /* Writes out what is buffered and fills this sink's fields of m (its file's bytes, the
     * spikes written, the last stamp and population), for a checkpoint. NULL: the format
     * cannot go on after a stop, and runs that write it take no checkpoints. */
    int (*mark)(void *self, struct spk_mark *m, struct err *e);
    /* Finishes the file, renames it into place and frees self, in every case. */
    int (*commit)(void *self, struct err *e);
    /* Closes the file as it is (a stopped run, after mark) and frees self. */
    void (*detach)(void *self);
    /* Removes the file and frees self. */
    void (*abort)(void *self);
};

/* The i-th format of the list (0, 1, ...); NULL past the end. */
const struct sink_ops *sink_at(int i);
/* The format named name; NULL if none is. */
const struct sink_ops *sink_find(const char *name);
/* "csv, bin, sonata": the names of the list, for messages, into buf (n bytes, cut if short). */
void sink_names(char *buf, size_t n);

#endif
