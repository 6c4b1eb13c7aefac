/* learning/present: a training config's data set presented to the engine (`apical run` of a
 * training config). The input population is fed sample after sample, each through the
 * trainer's encoder (train_encode: the events evaluation uses, currents as graded spikes),
 * for T steps and then a gap; each sample may start from rest (net_set_reset) as in training.
 * A recorder sums the readout's potentials relative to rest over each presentation and
 * classifies the sample by the largest sum, as the trainer predicts. */
#ifndef APICAL_PRESENT_H
#define APICAL_PRESENT_H

#include <stdint.h>

#include "core/err.h"
#include "engine/net.h"
#include "learning/train.h"

struct present;

/* Steps of the whole presentation of the config's chosen split (data.split, data.gap), for
 * sizing the run before the network is built. */
int64_t present_steps(const struct train *t);

/* Feeds t's input population of n (built from train_netspec(t) with present_steps steps) and
 * fills rec with the classifying recorder (it reads state). ERR_NOMEM. */
int present_open(struct present **out, const struct train *t, struct net *n,
                 struct recorder *rec, struct err *e);
/* Samples classified so far, and how many of them were right. */
uint32_t present_done(const struct present *p, uint32_t *correct);
/* An encoding error met while feeding (ERR_INPUT: a feature outside [0, 1]), or 0. */
int present_error(const struct present *p, struct err *e);
/* predictions.csv: sample,label,prediction, then the readout's mean potential relative to rest
 * per class (mV), one row per classified sample; written atomically. */
int present_write_csv(const struct present *p, const char *path, struct err *e);
/* The split's name ("test" or "train") and size. */
const char *present_split(const struct present *p, uint32_t *n);
void present_close(struct present *p);

#endif
