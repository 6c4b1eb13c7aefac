/* io/weights: a network's weights as one versioned binary file, weights.bin: every projection
 * it holds, named, with its populations' names and sizes and the (source, target, weight) of
 * each synapse in the network's canonical order. `apical run` writes it at the end of a run and
 * on SIGINT/SIGTERM, `--weights` loads it into a freshly built network; `apical train` writes
 * the trainer's weights after every epoch (learning/snn_weights). This module knows files, not
 * networks: the caller hands it projections as plain arrays and gets them back checked.
 *
 * Format (docs/formats.md, weights.bin): 16-byte magic "APICAL-WEIGHTS\0\0", u32 version (1),
 * u32 projections, then per projection its name, source and target population (64 bytes each,
 * NUL-terminated, NUL-padded), u32 source size, u32 target size, u64 synapses, u32
 * src_id[synapses], u32 tgt_id[synapses], f32 w[synapses]; then a CRC-32 (zlib) of everything
 * before it. Little-endian on every host (a big-endian one converts); f32 is IEEE-754
 * binary32. */
#ifndef APICAL_WEIGHTS_H
#define APICAL_WEIGHTS_H

#include <stdint.h>

#include "core/err.h"

#define WT_NAME 64
#define WT_MAX_PROJ 4096           /* projections in one file */
#define WT_MAX_BYTES (64ull << 30) /* the largest file read: about 5.7e9 synapses */
#define WT_FILE "weights.bin"      /* the file read when wt_load is given a folder */
#define WT_MAGIC "APICAL-WEIGHTS"  /* the first 16 bytes, NUL-padded */

struct wt_proj {                     /* one projection's synapses in canonical order */
    char name[WT_NAME];              /* projection name */
    char src[WT_NAME], tgt[WT_NAME]; /* population names */
    uint32_t nsrc, ntgt;             /* population sizes */
    uint64_t nsyn;
    uint32_t *src_id, *tgt_id; /* nsyn each: source and target neuron of every synapse */
    float *w;                  /* nsyn weights */
};

struct wt_file {
    int nproj;
    struct wt_proj *projs; /* arrays owned by the file: wt_free */
    char path[1040];       /* the file read (FOLDER/weights.bin for a folder) */
};

/* Writes path atomically (PATH.tmp then rename, io/afile). Refuses before creating anything
 * (ERR_INPUT) projections that could not be read back: a name empty or of WT_NAME bytes or
 * more, two projections of one name, more than WT_MAX_PROJ, an id not below its population's
 * size; a weight that is not finite is ERR_NONFINITE naming the projection and the synapse.
 * ERR_IO if the file cannot be written; then no file is left at path or PATH.tmp. */
int wt_save(const char *path, const struct wt_proj *p, int nproj, struct err *e);

/* Reads path (a regular file, bounded: every count checked against the file's length before it
 * sizes anything; CRC checked) into f. ERR_INPUT naming the file for a missing, truncated,
 * corrupt, or other-version file. Also accepts a folder: then reads FOLDER/weights.bin. On
 * error f holds nothing (wt_free is harmless). */
int wt_load(const char *path, struct wt_file *f, struct err *e);
void wt_free(struct wt_file *f);

/* Finds projection `want->name` in f and checks it describes the same synapses as want
 * (same populations by name and size, same nsyn, the same (src_id, tgt_id) sequence); on
 * success copies f's weights into want->w (nsyn floats, the caller's). ERR_INPUT naming the
 * file (path, or f->path when path is NULL) and what differs, e.g.
 * "out/song/weights.bin: projection \"in_exc\": 800000 synapses, the network has 799123" or
 * "... synapse 17 is 3 -> 41 in the file, 3 -> 40 in the network" or
 * "... has no projection \"ee\" (it has: in_exc, ...)". want->w is left as it was on error. */
int wt_apply(const struct wt_file *f, const char *path, struct wt_proj *want, struct err *e);

#endif
