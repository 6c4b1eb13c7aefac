/* engine/xchg: one network on the MPI ranks of one mpirun or srun (make MPI=1). Rank r runs
 * parts [r T, (r + 1) T) of every population (T threads each); after every step's update its
 * thread 0 sends its parts' spike counts and ids to every rank, and writes the other ranks'
 * into the posts, spike lists and statistics as if its own threads had made them, so that
 * delivery, recorders and summaries read what one process holds. Without APICAL_MPI, or
 * before MPI_Init, there is one rank and only xchg_world is ever called. */
#ifndef APICAL_XCHG_H
#define APICAL_XCHG_H

#include <stdint.h>

#include "core/err.h"

struct net;
struct xchg;

/* The number of ranks sharing the network (1 without MPI), and this one's in *rank. */
int xchg_world(int *rank);
/* The smallest of every rank's v. */
int xchg_min(int v);
/* Buffers for n's exchange (n->nranks > 1), into n->xchg. ERR_NOMEM. */
int xchg_open(struct net *n, struct err *e);
/* Thread 0 of every rank, after the barrier of step's update: every rank's spikes of the step
 * into this rank's posts, the fault flags with them, and the greatest halt (net_post.halt) of
 * every rank into this rank's first part's post. */
void xchg_step(struct net *n, int64_t step);
/* After the run's loop (every rank at the same step): the first fault of any rank (neuron,
 * then weight) into n, the other ranks' synaptic events into n->events_other, *oom set when
 * any rank ran out of memory. rec_failed: this rank's recorder failed. Returns the lowest other
 * rank whose recorder failed, or -1. */
int xchg_finish(struct net *n, int rec_failed, int *oom);
void xchg_free(struct xchg *x);

#endif
