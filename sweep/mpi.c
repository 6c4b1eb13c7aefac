/* sweep/mpi: see mpi.h. Without APICAL_MPI there is one rank and nothing to share. */
#include "sweep/mpi.h"

#include <stdlib.h>

/* Open MPI's mpirun; MPICH's hydra and Slurm's PMI-2; Slurm's srun with PMIx. */
static const char *const launch_vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS",
                                          NULL};

int mpi_launch_size(void)
{
    for (int i = 0; launch_vars[i]; i++) {
        const char *v = getenv(launch_vars[i]);
        /* a batch script's own SLURM_NTASKS is not a launch; srun's tasks have PMIX_RANK */
        if (!v || (i == 2 && !getenv("PMIX_RANK") && !getenv("PMI_RANK"))) continue;
        char *end;
        long n = strtol(v, &end, 10);
        if (end != v && !*end && n > 1 && n < 1L << 30) return (int)n;
    }
    return 1;
}

void mpi_forget_launch(void)
{
    for (int i = 0; launch_vars[i]; i++) unsetenv(launch_vars[i]);
}

#ifdef APICAL_MPI

#include <mpi.h>
#include <stdio.h>
#include <time.h>

#include "sweep/store.h"

enum { TAG_ASK = 1, TAG_WORK = 2 };

void mpi_begin(int *argc, char ***argv)
{
    int provided;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
}

void mpi_end(void)
{
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin) MPI_Finalize();
}

int mpi_rank(void)
{
    int r = 0, init = 0;
    MPI_Initialized(&init);
    if (init) MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int mpi_size(void)
{
    int n = 1, init = 0;
    MPI_Initialized(&init);
    if (init) MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

void mpi_abort_all(void)
{
    if (mpi_size() > 1) MPI_Abort(MPI_COMM_WORLD, 2);
}

void mpi_barrier(void)
{
    if (mpi_size() > 1) MPI_Barrier(MPI_COMM_WORLD);
}

void mpi_abort_code(int code)
{
    if (mpi_size() > 1) MPI_Abort(MPI_COMM_WORLD, code);
}

/* Rank 0: answers each request ({finished point or -1, its state}) with the next point that
 * needs running, or -1 when none is left. Polls instead of blocking so that it does not spin a
 * core that the points need. */
static int hand_out(const struct plan *p, const char *out, const struct exec_opts *o, int quiet)
{
    long next = 0, msg[2];
    int workers = mpi_size() - 1;
    while (workers > 0) {
        MPI_Request req;
        MPI_Status st;
        int got = 0;
        MPI_Irecv(msg, 2, MPI_LONG, MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &req);
        while (MPI_Test(&req, &got, &st), !got) {
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
        if (msg[0] >= 0 && !quiet)
            fprintf(stderr, "[sweep] point %ld %s on rank %d\n", msg[0],
                    msg[1] == STORE_DONE ? "done" : msg[1] == STORE_FAILED ? "FAILED" : "interrupted",
                    st.MPI_SOURCE);
        for (;;) {
            if (next >= p->npoints) break;
            int s = store_state(out, next);
            if (s == STORE_PENDING || (s == STORE_FAILED && o->retry_failed)) break;
            next++;
        }
        long work = (o->stop && *o->stop) || next >= p->npoints ? -1 : next++;
        MPI_Send(&work, 1, MPI_LONG, st.MPI_SOURCE, TAG_WORK, MPI_COMM_WORLD);
        if (work < 0) workers--;
    }
    return o->stop && *o->stop ? 130 : 0;
}

/* Ranks 1..: ask, run, tell, until told -1. */
static int work(const struct plan *p, const char *out, const struct exec_opts *o)
{
    long msg[2] = {-1, 0}, point;
    int failed = 0;
    for (;;) {
        MPI_Send(msg, 2, MPI_LONG, 0, TAG_ASK, MPI_COMM_WORLD);
        MPI_Recv(&point, 1, MPI_LONG, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (point < 0) break;
        struct err e = {0};
        int st = exec_one(p, out, point, o, &e);
        if (st < 0) {
            char buf[1200];
            err_format(&e, buf, sizeof buf);
            fprintf(stderr, "apical: sweep: rank %d, point %ld: %s\n", mpi_rank(), point, buf);
        }
        failed |= st == STORE_FAILED || st < 0;
        msg[0] = point;
        msg[1] = st;
    }
    return failed ? 1 : 0;
}

int mpi_sweep(const struct plan *p, const char *out, const struct exec_opts *o, int quiet)
{
    return mpi_rank() == 0 ? hand_out(p, out, o, quiet) : work(p, out, o);
}

#else /* one process: nothing to share */

void mpi_begin(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}
void mpi_end(void) {}
int mpi_rank(void) { return 0; }
int mpi_size(void) { return 1; }
void mpi_abort_all(void) {}
void mpi_barrier(void) {}
void mpi_abort_code(int code) { (void)code; }
int mpi_sweep(const struct plan *p, const char *out, const struct exec_opts *o, int quiet)
{
    (void)p;
    (void)out;
    (void)o;
    (void)quiet;
    return 1;
}

#endif
