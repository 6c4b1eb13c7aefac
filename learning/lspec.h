/* learning/lspec: the training settings of a config (the learning, data and encoder blocks),
 * as plain data. learning/lcfg fills it, learning/train runs it; schema in docs/learning.md. */
#ifndef APICAL_LSPEC_H
#define APICAL_LSPEC_H

#include <stdint.h>

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
};

#endif
