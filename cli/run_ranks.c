/* cli/run_ranks: see run_ranks.h. */
#include "cli/run_ranks.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/net.h"
#include "learning/lcfg.h"
#include "sweep/mpi.h"

/* What a signal handler may touch (ranks 1..; rank 0 has cli/run's). */
static volatile sig_atomic_t worker_signal;

static void on_signal(int sig) { worker_signal = sig; }

int run_ranks_begin(struct run_ranks *rk, int *argc, char ***argv)
{
    memset(rk, 0, sizeof *rk);
    rk->size = 1;
    int launched = mpi_launch_size();
    if (launched <= 1) return 0;
#ifndef APICAL_MPI
    (void)argc;
    (void)argv;
    fprintf(stderr, "apical: started as %d MPI ranks, but this apical is not an MPI build: "
                    "make MPI=1 and start build-mpi/apical\n", launched);
    return 2;
#else
    mpi_begin(argc, argv);
    rk->rank = mpi_rank();
    rk->size = mpi_size();
    return 0;
#endif
}

int run_ranks_end(struct run_ranks *rk, int rc)
{
    if (rk->size <= 1) return rc;
    /* a rank that stops early while the others build or run would leave them waiting in a
     * collective: it takes the job down with it (its message is out already) */
    if (rc != 0 && rc != 130 && rc != 143 && rk->agreed && !rk->ran) mpi_abort_code(rc);
    mpi_end();
    return rc;
}

int run_ranks_refuse_args(const struct run_ranks *rk, const struct cli_args *a, struct err *e)
{
    if (rk->size <= 1) return 0;
    const char *opt = a->resume ? "--resume" : a->ckpt_every_ms > 0 ? "--checkpoint-every"
                                             : a->weights ? "--weights" : NULL;
    if (opt)
        return err_set(e, ERR_INPUT, NULL, 0, opt, "not on several MPI ranks yet (this run has "
                       "%d): run it as one process", rk->size);
    return 0;
}

int run_ranks_refuse_spec(const struct run_ranks *rk, const struct net_spec *s, int training,
                          const char *config, struct err *e)
{
    if (rk->size <= 1) return 0;
    const char *why = NULL, *path = NULL;
    char pbuf[SPEC_NAME + 32];
    if (training) {
        why = "a training config's presentation is one process's", path = "learning";
    } else if (s->nwrecs) {
        /* weights live on the rank owning the target (traces are sent along, engine/xchg) */
        why = "weights live on the targets' ranks", path = "record.weights";
    } else {
        for (int j = 0; j < s->nprojs && !why; j++)
            if (s->projs[j].nplast) {
                snprintf(pbuf, sizeof pbuf, "projections.%s.plasticity", s->projs[j].name);
                why = "plastic weights live on the targets' ranks", path = pbuf;
            }
    }
    if (!why) return 0;
    return err_set(e, ERR_INPUT, config, 0, path, "not on several MPI ranks yet (this run has %d; "
                   "%s): run it as one process", rk->size, why);
}

/* The exit status of an error, as cli_report chooses it, without printing. */
static int status_of(const struct err *e)
{
    if (e->code == ERR_INPUT) return 2;
    if (e->code == ERR_INTERRUPTED) return worker_signal == SIGTERM ? 143 : 130;
    return 1;
}

/* This rank's own failure: named, since rank 0 does not know it. */
static int report_own(const struct run_ranks *rk, struct err *e)
{
    char msg[sizeof e->msg];
    snprintf(msg, sizeof msg, "%s", e->msg);
    snprintf(e->msg, sizeof e->msg, "rank %d: %.400s", rk->rank, msg);
    int rc = cli_report(e);
    return rc == 130 ? status_of(e) : rc;
}

int run_ranks_worker(int argc, char **argv, struct run_ranks *rk)
{
    struct cli_args a;
    int rc = cli_parse_args(argc, argv, &a, 1);
    if (rc || a.help) return rc;
    struct err e = {0};
    struct net_spec spec;
    struct learn_spec ls;
    struct net net = {0};
    char *resolved = NULL;
    int training = 0;
    memset(&spec, 0, sizeof spec);
    /* the same checks as rank 0's, which reports them: every rank stops alike */
    if (run_ranks_refuse_args(rk, &a, &e) ||
        lcfg_load_any(a.config, a.sets, a.nsets, &spec, &ls, &resolved, &training, &e))
        return status_of(&e);
    if (run_ranks_refuse_spec(rk, &spec, training, a.config, &e)) {
        spec_free(&spec);
        free(resolved);
        return status_of(&e);
    }
    rk->agreed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (cli_check_memory(&spec, &e) || net_build(&net, &spec, &e)) {
        rc = report_own(rk, &e);
    } else {
        /* faults, stops and rank 0's failures reach every rank at the same step; rank 0 says
         * what happened */
        rc = net_run(&net, NULL, 0, &worker_signal, &e) ? status_of(&e) : 0;
        rk->ran = 1;
    }
    net_free(&net);
    spec_free(&spec);
    free(resolved);
    return rc;
}
