/* learning/present: a data set presented to the engine: a training config's (`apical run` of a
 * training config), or an online config's, whose circuit learns while it is shown. The input
 * population is fed sample after sample, each through the trainer's encoder (lspec_encode: the
 * events evaluation uses, currents as graded spikes), for T steps and then a gap; each sample may start from rest (net_set_reset) as in training.
 * A recorder sums the readout's potentials relative to rest over each presentation and
 * classifies the sample by the largest sum, as the trainer predicts. */
#ifndef APICAL_PRESENT_H
#define APICAL_PRESENT_H

#include <stdint.h>

#include "core/err.h"
#include "engine/net.h"
#include "learning/train.h"

struct present;

/* A training config's chosen split (data.split, data.gap, data.reset) as apical run presents
 * it: planned from the trainer's network and data. */
int present_train(struct present **out, const struct train *t, struct err *e);
/* An online config (ls->online: a network config with a teacher block, learning/lcfg): its
 * data set loaded and checked against the populations teacher.input, .readout and .error
 * (ERR_INPUT naming the config and the setting); teacher.epochs shuffled passes over the
 * training split, the circuit learning by its plastic projections while the error population
 * carries the teacher's error, then the test split classified with the teacher silent. */
int present_online(struct present **out, const struct learn_spec *ls, const struct net_spec *s,
                   const char *config, struct err *e);
/* Steps of the whole presentation, for sizing the run before the network is built. */
int64_t present_steps(const struct present *p);
/* Feeds the input (and error) populations of n, built for present_steps steps, and fills rec
 * with the classifying recorder (it reads state). ERR_NOMEM. */
int present_start(struct present *p, struct net *n, struct recorder *rec, struct err *e);
/* Samples of the classified split done so far, and how many of them were right. */
uint32_t present_done(const struct present *p, uint32_t *correct);
/* An encoding error met while feeding (ERR_INPUT: a feature outside [0, 1]), or 0. */
int present_error(const struct present *p, struct err *e);
/* predictions.csv: sample,label,prediction, then the readout's mean potential relative to rest
 * per class (mV), one row per classified sample; written atomically. */
int present_write_csv(const struct present *p, const char *path, struct err *e);
/* The classified split's name ("test" or "train") and size. */
const char *present_split(const struct present *p, uint32_t *n);
/* Online: training samples presented so far and the accuracy (%) over the last
 * teacher.window of them; returns 0 (and leaves nothing useful) for other presentations. */
int present_learning(const struct present *p, int64_t *learned, double *last);
/* Online: learning.csv, samples,epoch,accuracy: the accuracy over the last teacher.window
 * training samples, every window samples and at the end; written atomically. */
int present_write_learning(const struct present *p, const char *path, struct err *e);
void present_close(struct present *p);

#endif
