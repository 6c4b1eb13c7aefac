/* learning/train: training and evaluating a learning/snn network on a data set: epochs of
 * shuffled mini-batches, samples spread over OpenMP threads in fixed chunks whose gradients are
 * summed in a fixed order (the same bits for any thread count), the optimizer, learned
 * feedback, alignment with BPTT, NaN checks, and checkpoints (weights, optimizer state and the
 * history, written atomically with the epoch's outputs; resuming continues bit-identically).
 * The per-epoch outputs are learning/train_out's. */
#ifndef APICAL_TRAIN_H
#define APICAL_TRAIN_H

#include <signal.h>
#include <stdint.h>

#include "core/err.h"
#include "core/spec.h"
#include "learning/data.h"
#include "learning/lspec.h"
#include "learning/optim.h"
#include "learning/snn.h"

/* Philox stream of the epoch shuffles (+ nothing: the epoch is the id). */
#define TRAIN_STREAM 0x01000400u
/* A mini-batch is cut into this many chunks (fewer for small batches), whatever the threads. */
#define TRAIN_CHUNKS 8

struct train_epoch {
    uint32_t epoch;                  /* 1-based */
    double loss, acc;                /* over the epoch's training samples, as they were trained */
    double test_loss, test_acc;      /* after the epoch */
    double rate_hz[SNN_MAX_LAYERS];  /* mean rate of each spiking layer on the training samples */
    double cos[SNN_MAX_LAYERS];      /* apical update vs BPTT gradient per layer (NaN: not asked) */
    double seconds;                  /* training and evaluation */
};

struct train;

/* What a run will hold in memory, in bytes, known before any of it is allocated. */
struct train_mem {
    double weights;    /* weights, optimizer state, gradient buffers, mini-batch bookkeeping */
    double per_thread; /* one thread's workspace: T steps of every layer's state, the events */
    double data;       /* both splits, as loaded */
    double total;      /* weights + threads x per_thread + data */
    int threads;
};

/* After every mini-batch: where the run is, and the time to go at the pace so far (the
 * mini-batches of the remaining epochs; evaluations count once an epoch has ended). */
struct train_progress {
    uint32_t epoch, epochs; /* 1-based */
    uint32_t batch, nbatch; /* 1-based */
    double elapsed_s, eta_s;
};

struct train_opts {
    int threads;                          /* 0: simulation.threads or all */
    int quiet;
    const volatile sig_atomic_t *stop;    /* checked after every mini-batch */
    double max_bytes; /* > 0: a run whose train_mem total exceeds it is ERR_INPUT */
    /* Called (when not NULL) with ctx: on_plan once the network is laid out and the data loaded,
     * before the weights and workspaces are allocated (train_net's params are NULL then);
     * on_progress after every mini-batch of train_run. */
    void (*on_plan)(void *ctx, const struct train *t, const struct train_mem *m);
    void (*on_progress)(void *ctx, const struct train_progress *p);
    void *ctx;
    uint64_t team_test; /* tests: non-zero seeds random changes of the working-thread count */
};

/* Loads the config (learning/lcfg), the data and the network; refuses (ERR_INPUT, naming the
 * largest layer's size or simulation.duration) a run larger than o->max_bytes before
 * allocating it. */
int train_open(struct train **out, const char *config, const char *const *sets, int nsets,
               const struct train_opts *o, struct err *e);
void train_close(struct train *t);

/* Trains until learning.epochs, writing OUT/training.csv, curves.svg, summary.json,
 * checkpoint.bin and weights.bin after every epoch, all five or none: each is staged whole as
 * NAME.next, then the five are renamed into place, summary.json last; a failed write (ERR_IO: a
 * full disk) removes what was staged, so the folder keeps the previous epoch's five files
 * (weights.bin is left out, and an older one removed, while a weight exceeds binary32: a note
 * on stdout says so). With resume, starts from OUT/checkpoint.bin (which must come from the
 * same config; any other or corrupt file is ERR_INPUT). Returns 0, ERR_INTERRUPTED (a
 * checkpoint of the state after the last finished mini-batch, and its weights.bin, were
 * written), ERR_NONFINITE (a weight became NaN or infinite: the message
 * names the layer and epoch; checkpoint.bin keeps the last good state) or another error. */
int train_run(struct train *t, const char *out_dir, int resume, struct err *e);

/* Loads the weights of a checkpoint (doubles) or of a weights.bin (binary32, widened;
 * learning/snn_weights), told apart by the magic; a folder means its weights.bin, else its
 * checkpoint.bin. Either must describe this config's network (ERR_INPUT naming the file and
 * the difference); nothing changes unless the whole file fits. */
int train_load_weights(struct train *t, const char *path, struct err *e);
/* Loss and accuracy (%) on the test split (the training split with use_train). */
int train_eval(struct train *t, int use_train, double *loss, double *acc, struct err *e);

/* The Poisson encoder's key of test (or training) sample i in evaluations: TRAIN_EVAL_KEY + i. */
#define TRAIN_EVAL_KEY 0x80000000u

/* Sample x's input events, as training and evaluation present it under key (the Poisson
 * encoder's draws are a function of it): in must have room for nin x T events and es be
 * initialised for nin inputs and T steps (enc_spikes_init). ERR_INPUT for a feature outside
 * [0, 1]. */
struct enc_spikes;
int train_encode(const struct train *t, const float *x, uint32_t key, struct snn_input *in,
                 struct enc_spikes *es, struct err *e);

/* For tests and outputs. */
const struct snn *train_net(const struct train *t);
const struct learn_spec *train_spec(const struct train *t);
const struct train_epoch *train_history(const struct train *t, uint32_t *n);
int train_threads(const struct train *t);
const struct net_spec *train_netspec(const struct train *t);
const struct data_set *train_data(const struct train *t, int use_train);

#endif
