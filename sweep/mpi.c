/* sweep/mpi: see mpi.h. Without APICAL_MPI there is one rank and nothing to share. */
#include "sweep/mpi.h"

#ifndef APICAL_MPI

void mpi_begin(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}
void mpi_end(void) {}
int mpi_rank(void) { return 0; }
int mpi_size(void) { return 1; }
void mpi_abort_all(void) {}
int mpi_sweep(const struct plan *p, const char *out, const struct exec_opts *o, int quiet)
{
    (void)p;
    (void)out;
    (void)o;
    (void)quiet;
    return 1;
}

#endif
