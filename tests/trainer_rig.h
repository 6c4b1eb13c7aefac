/* tests/trainer_rig: what the tests that hold the engine to the trainer share: a config loaded
 * as apical train and apical run read it, samples of input events, their feed into the engine
 * as apical run presents them, and the trainer's weights put into the engine. */
#ifndef APICAL_TRAINER_RIG_H
#define APICAL_TRAINER_RIG_H

#include <stdint.h>

#include "core/spec.h"
#include "engine/net.h"
#include "learning/snn.h"

#define RIG_MAX_SAMPLES 8

/* input events of every sample, T steps each */
struct rig_inputs {
    uint32_t T;
    int nsamples;
    struct snn_input in[RIG_MAX_SAMPLES];
};

/* A net_feed: sample step / T's events of step step % T in [begin, end), graded. */
uint32_t rig_feed(void *self, int k, int64_t step, uint32_t begin, uint32_t end, uint32_t *ids,
                  double *amp);
/* Writes text to name and loads it: with sn, as apical train (the feedback modes read, the
 * trainer's network built into *sn, fast_sigmoid beta 0.5); without, as apical run. Prints
 * the error; returns 0 or its code. */
int rig_load(const char *name, const char *text, const char *const *sets, int nsets,
             struct net_spec *spec, struct snn **sn);
/* The trainer's weights rounded to binary32, into the engine's projections (and the doubles
 * of plastic ones); asserts the canonical order is the trainer's rows. */
void rig_share_weights(struct snn *sn, struct net *n);
void rig_inputs_free(struct rig_inputs *x);

#endif
