/* io/sonata: SONATA spike files (HDF5), the format of bmtk, libsonata and NEST's SONATA
 * support. Owns the "sonata" spike sink (spikes.h5, appended in chunks as the run goes) and the
 * reader of such files behind spk_read. Layout (docs/formats.md, spikes.h5):
 *   /                      attributes magic (uint32 0x0A7A) and version (uint32[2] = 0, 1)
 *   /spikes/<population>   one group per population, attribute sorting: an HDF5 enum of int8
 *                          {none = 0, by_id = 1, by_time = 2}; apical writes by_time
 *     timestamps           float64[n], attribute units = "ms"
 *     node_ids             uint64[n], 0-based within the population
 * Knows nothing of the simulation beyond population names and sizes. */
#ifndef APICAL_SONATA_H
#define APICAL_SONATA_H

#include "core/err.h"
#include "io/spikes.h"

/* The sink "sonata" (io/sink): spikes.h5 with a group per recorded population. It cannot be
 * checkpointed (no mark): a crash would leave an HDF5 file that may not open again. */
struct sink_ops;
extern const struct sink_ops sonata_sink;

/* 1 if the 8 bytes at p are HDF5's signature (the start of a file without a user block). */
int sonata_is_hdf5(const void *p);

/* Reads the SONATA spike file at path (a regular file, already checked by spk_read) into t:
 * every population group under /spikes, in the file's order of names. Every dataset's kind,
 * rank, element type and length is checked before it sizes anything: ERR_INPUT naming the
 * file and the dataset. A population's size is its largest node id + 1. */
int sonata_read(const char *path, struct spk_table *t, struct err *e);

#endif
