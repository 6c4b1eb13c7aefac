/* io/spikes: spike files. Writers for bmtk-style CSV text and apical's compact binary format
 * (docs/formats.md), streamed during a run and renamed into place at the end; readers of both,
 * and of SONATA files through io/sonata. */
#ifndef APICAL_SPIKES_H
#define APICAL_SPIKES_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct spk_pop {
    const char *name;
    uint32_t size;
};

struct spk_writer;

/* Opens csv_path and/or bin_path (either may be NULL) as temporary files. Spike times are
 * written as step * dt_ms, printed exactly from the integer step. */
int spk_writer_open(struct spk_writer **w, const char *csv_path, const char *bin_path,
                    double dt_ms, const struct spk_pop *pops, int npops, struct err *e);
/* Spikes of population pop at integer time stamp step, ids ascending. Calls come in ascending
 * step, and within a step in ascending pop, so files are sorted by time, population, id. */
int spk_writer_step(struct spk_writer *w, int64_t step, int pop, const uint32_t *ids, size_t n,
                    struct err *e);
/* Where a writer stands: what a checkpoint keeps to go on writing later. */
struct spk_mark {
    unsigned long long csv_bytes, bin_bytes, nspikes;
    long long last_step;
    int last_pop;
};
/* Writes out what is buffered (both files stay open) and says where the writer stands. */
int spk_writer_mark(struct spk_writer *w, struct spk_mark *m, struct err *e);
/* As spk_writer_open, but goes on with the temporary files a stopped writer left at mark m
 * (cut back to it); ERR_INPUT if they are missing or shorter. */
int spk_writer_reopen(struct spk_writer **w, const char *csv_path, const char *bin_path,
                      double dt_ms, const struct spk_pop *pops, int npops,
                      const struct spk_mark *m, struct err *e);
/* Finishes both files, renames them into place and frees the writer. */
int spk_writer_commit(struct spk_writer *w, struct err *e);
/* Closes the temporary files as they are (after spk_writer_mark: a stopped run) and frees the
 * writer. NULL is fine. */
void spk_writer_detach(struct spk_writer *w);
/* Removes the temporary files and frees the writer. NULL is fine. */
void spk_writer_abort(struct spk_writer *w);

/* The formats "csv" (spikes.csv) and "bin" (spikes.bin) as sinks (io/sink): one writer each.
 * Their marks fill csv_bytes and bin_bytes. */
struct sink_ops;
extern const struct sink_ops spk_sink_csv, spk_sink_bin;

/* Spikes loaded from a file, in file order. */
struct spk_table {
    int npops;
    char **pop_names;
    uint32_t *pop_size; /* from the binary header; for CSV, max node id + 1 */
    size_t n;
    double *t_ms;
    uint32_t *pop;
    uint32_t *id;
};

#define SPK_MAX_BYTES ((uint64_t)16 << 30) /* larger spike files are refused: 16 GiB */
#define SPK_MAX_LINE ((size_t)64 << 10)    /* longer CSV lines are refused: 64 KiB */

/* Reads CSV (header "timestamps population node_ids"), binary or SONATA HDF5 (io/sonata: a
 * file that starts with HDF5's signature or is named *.h5 or *.hdf5), chosen by content. Only a
 * regular file of at most SPK_MAX_BYTES is read (io/rfile): a device such as /dev/zero, a pipe
 * or a folder is ERR_INPUT naming the file, as is a CSV line over SPK_MAX_LINE bytes; every
 * count in a binary header is checked against the file's size before it sizes anything. */
int spk_read(const char *path, struct spk_table *t, struct err *e);
void spk_table_free(struct spk_table *t);

#endif
