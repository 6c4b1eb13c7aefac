/* learning/lspec: the training settings of a config (the learning, data and encoder blocks),
 * as plain data. learning/lcfg fills it, learning/train runs it; schema in docs/learning.md. */
#ifndef APICAL_LSPEC_H
#define APICAL_LSPEC_H

#include <stdint.h>

#include "core/err.h"
#include "learning/data.h"
#include "learning/optim.h"
#include "learning/snn.h"

enum lspec_set { LSPEC_FMNIST, LSPEC_YINYANG, LSPEC_XOR };
enum lspec_enc { LSPEC_LATENCY, LSPEC_POISSON, LSPEC_CURRENT };

struct learn_spec {
    int rule;                /* enum snn_rule */
    int soft;                /* spike = "soft" */
    int reset_grad;          /* 0 "detach" (default), 1 "full" */
    char surr_shape[32];
    double surr_beta, surr_gamma; /* NAN: the shape's default */
    int loss;                /* enum snn_loss */
    double mse_target;       /* mV: the readout potential wanted at the label (loss = "mse") */
    struct optim_cfg opt;
    double lr_decay;         /* epoch e (from 1) trains at lr * lr_decay^(e - 1) */
    double rate_target_hz, rate_strength;
    double feedback_decay;   /* learned feedback: B <- (1 - decay)(B + dW) per mini-batch */
    /* per projection: enum snn_feedback (SNN_FB_NONE: a forward projection) */
    int feedback[SNN_MAX_PROJS];
    uint32_t batch, epochs;
    int align;               /* report the cosine of apical update and BPTT gradient */
    uint32_t align_batches;  /* mini-batches it is averaged over per epoch */
    /* data */
    int set;                 /* enum lspec_set */
    char dir[512];           /* fashion-mnist folder */
    uint64_t data_seed;      /* yinyang */
    uint32_t n_train, n_test; /* 0: the whole split (yinyang: the publication's sizes) */
    /* how `apical run` presents the set: the split (1: train), the pause between samples, and
     * whether each sample starts from rest (as in training) */
    int present_train;
    double present_gap_ms;
    int present_reset;
    /* encoder */
    int enc;                 /* enum lspec_enc */
    int lat_mode;            /* enum enc_latency_mode */
    double tau, thr;         /* latency */
    double rate_max;         /* poisson, Hz */
    double gain, offset;     /* current, pA per unit weight */
    /* an online config (a network config with a teacher block, learning/present): the
     * populations fed with the samples and with the error, the one read out; an error's
     * amplitude per unit (teacher.gain); the moving accuracy's width in samples */
    int online;
    int in_pop, out_pop, err_pop;
    double teacher_gain;
    uint32_t acc_window;
};

/* The config's data sets (learning/data; the settings' sizes applied). */
int lspec_load_data(const struct learn_spec *ls, struct data_set **train, struct data_set **test,
                    struct err *e);

/* Sample x's input events for nin inputs over T steps of dt, as training and presentation
 * give it to the network (currents as events of every step; the Poisson encoder's draws a
 * function of seed and key): in must have room for nin x T events and es be initialised for
 * nin inputs and T steps (enc_spikes_init). ERR_INPUT for a feature outside [0, 1]. */
struct enc_spikes;
int lspec_encode(const struct learn_spec *ls, uint32_t nin, uint32_t T, double dt, uint64_t seed,
                 const float *x, uint32_t key, struct snn_input *in, struct enc_spikes *es,
                 struct err *e);

#endif
