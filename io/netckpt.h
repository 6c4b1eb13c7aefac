/* io/netckpt: a simulation's whole state as one file, written atomically between two steps,
 * so that `apical run --resume` goes on as if never stopped: the step, every neuron's state
 * and refractory count, the delay rings (input already on its way), the spike statistics and
 * counters, and an opaque block of the caller's (the recorders' positions). Stimuli and
 * spike sources need nothing: they are functions of (seed, step). What belongs to threads is
 * rebuilt (net_resume_at), so a checkpoint resumes with any thread count.
 *
 * Format (docs/formats.md, checkpoint.bin of a run): 16-byte magic "APICAL-RUN-CKPT\0", u32
 * version, then a header that names the network (config hash, seed, dt, steps, populations
 * with sizes, state variables, ports and ring slots, projections with synapse counts), the
 * body, and a CRC-32 of everything before it. Native byte order (x86-64: little-endian). */
#ifndef APICAL_NETCKPT_H
#define APICAL_NETCKPT_H

#include <stddef.h>

#include "core/err.h"
#include "engine/net.h"

#define NCK_MAX_EXTRA (1u << 20) /* bytes of the caller's block */

/* Writes path (through PATH.tmp, renamed). extra: the caller's block, at most NCK_MAX_EXTRA. */
int nck_save(const struct net *n, const char *path, const void *extra, size_t extra_len,
             struct err *e);
/* Reads path into n, a network freshly built from the same config: ERR_INPUT (naming the file
 * and what differs) for another config, network or version, a truncated or corrupt file. On
 * success *extra (malloc'd, caller frees; NULL when empty) holds the caller's block. On error
 * n's state is undefined and n must not be run (net_free it). */
int nck_load(struct net *n, const char *path, void **extra, size_t *extra_len, struct err *e);

#endif
