/* learning/train_out: what a training run leaves in its folder after every epoch:
 * training.csv (one row per epoch), curves.svg (loss, accuracy, alignment) and summary.json
 * (the effective settings, echoed so none is silently ignored, and the history), each written
 * atomically, and staged under another name so that a caller can publish them together with
 * files of its own. Knows nothing of how the numbers were obtained. */
#ifndef APICAL_TRAIN_OUT_H
#define APICAL_TRAIN_OUT_H

#include "core/err.h"
#include "core/spec.h"
#include "learning/lspec.h"
#include "learning/snn.h"
#include "learning/train.h"

/* Writes the three files, each in full and atomically, as DIR/NAME + suffix (suffix "": the
 * final names). */
int tout_write(const char *dir, const char *suffix, const char *config, const struct net_spec *s,
               const struct learn_spec *ls, const struct snn *n, const struct train_epoch *h,
               uint32_t nh, int threads, struct err *e);
/* Renames DIR/NAME + suffix to DIR/NAME for the three, summary.json last. */
int tout_publish(const char *dir, const char *suffix, struct err *e);
/* Removes DIR/NAME + suffix of the three, where they exist. */
void tout_discard(const char *dir, const char *suffix);

#endif
