/* cli/run_ranks: `apical run` as the ranks of one mpirun or srun (make MPI=1): every rank
 * loads the config and refuses what cannot run distributed yet; rank 0 runs cli/run's whole
 * command (it alone writes the output folder), the others build the same network, run their
 * parts of it (engine/xchg) and write nothing. A rank that fails once every rank has passed
 * the refusals ends the job (MPI_Abort) with a message naming it, never a hang. */
#ifndef APICAL_RUN_RANKS_H
#define APICAL_RUN_RANKS_H

#include "cli/cli.h"
#include "core/spec.h"

struct run_ranks {
    int rank, size; /* 0 and 1: one process */
    int agreed;     /* this rank passed the refusals: from here on the others count on it */
    int ran;        /* net_run returned: no rank waits for this one in a collective */
};

/* Joins the job when the launcher started several ranks (MPI_Init). Returns 0, or an exit
 * status after printing the problem (several ranks of a build without MPI). */
int run_ranks_begin(struct run_ranks *rk, int *argc, char ***argv);
/* Leaves the job with this rank's exit status rc (MPI_Abort for a failure the others would
 * wait for); returns rc. */
int run_ranks_end(struct run_ranks *rk, int rc);
/* The options that cannot run on several ranks yet (ERR_INPUT); 0 on one. */
int run_ranks_refuse_args(const struct run_ranks *rk, const struct cli_args *a, struct err *e);
/* The same for the loaded config (training: lcfg_load_any's). */
int run_ranks_refuse_spec(const struct run_ranks *rk, const struct net_spec *s, int training,
                          const char *config, struct err *e);
/* Ranks 1..: the network of the command line, their parts of it, nothing written. Returns the
 * exit status; prints only what rank 0 cannot know (this rank's own failures). */
int run_ranks_worker(int argc, char **argv, struct run_ranks *rk);

#endif
