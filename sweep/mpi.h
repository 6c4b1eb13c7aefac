/* sweep/mpi: a sweep shared out between the ranks of one mpirun or srun. Rank 0 hands out point
 * numbers one at a time and collects the table; ranks 1.. run the points they are given (each
 * as a child process, like a local sweep). Built only with `make MPI=1` (APICAL_MPI); otherwise
 * these are stubs for a single process, so the same CLI code runs both ways. */
#ifndef APICAL_SWEEP_MPI_H
#define APICAL_SWEEP_MPI_H

#include "sweep/exec.h"
#include "sweep/plan.h"

void mpi_begin(int *argc, char ***argv);
void mpi_end(void);
int mpi_rank(void);
int mpi_size(void);
/* Ends every rank after rank 0 found bad input (a no-op without MPI). */
void mpi_abort_all(void);
/* Waits for every rank (a no-op without MPI). */
void mpi_barrier(void);
/* Ends every rank with exit status code (a no-op without MPI). */
void mpi_abort_code(int code);
/* How many ranks the launcher (mpirun, srun) started, from its variables: 1 when not
 * launched as one of several (in any build, so that a plain build can refuse). */
int mpi_launch_size(void);
/* In a child process: forgets the variables mpi_launch_size reads, so that a program it
 * executes (a sweep's point) runs as one process, not as a rank of this job. */
void mpi_forget_launch(void);
/* Runs the plan's points over the ranks. Returns the exit status for this rank. */
int mpi_sweep(const struct plan *p, const char *out, const struct exec_opts *o, int quiet);

#endif
