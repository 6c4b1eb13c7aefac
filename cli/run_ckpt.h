/* cli/run_ckpt: checkpoints of `apical run` (--checkpoint-every, SIGTERM, --resume): the
 * network's state (io/netckpt) with where its recorders stand, in DIR/run.tmp/checkpoint.bin
 * beside the outputs being written; a resumed run cuts the outputs back to those positions and
 * goes on, so that it ends with the files an uninterrupted run writes. */
#ifndef APICAL_RUN_CKPT_H
#define APICAL_RUN_CKPT_H

#include <signal.h>

#include "core/err.h"
#include "engine/net.h"
#include "io/rec.h"
#include "io/rec_weights.h"

#define RUN_CKPT_NAME "checkpoint.bin"

/* What the recorders of a stopped run had written. */
struct run_ckpt_pos {
    int spikes, traces, weights; /* whether each recorder was open */
    struct spk_mark spk;
    unsigned long long traces_bytes, weights_bytes;
};

/* Writes the checkpoint at path: the network at n->step (between two steps), the positions of
 * rs (its writer may be NULL), rt and rw (each may be NULL). */
int run_ckpt_save(const struct net *n, struct rec_spikes *rs, struct rec_traces *rt,
                  struct rec_weights *rw, const char *path, struct err *e);
/* Loads path into n (built from the same config) and the recorders' positions into pos. */
int run_ckpt_load(struct net *n, const char *path, struct run_ckpt_pos *pos, struct err *e);

/* A recorder that asks the run to pause (*flag = RUN_CKPT_PAUSE) every `every` steps, so that
 * the caller can write a checkpoint and go on. */
#define RUN_CKPT_PAUSE (-1)
struct run_ckpt_timer {
    int64_t every;
    volatile sig_atomic_t *flag;
};
void run_ckpt_timer(struct run_ckpt_timer *t, struct recorder *out, int64_t every,
                    volatile sig_atomic_t *flag);

#endif
