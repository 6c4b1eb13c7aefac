/* learning/lcfg: reading a training config: the network through io/cfg (populations and
 * projections, with `feedback` on projections) and the learning, data and encoder blocks into
 * a learn_spec, each setting checked with file, line and path. Schema: docs/learning.md. */
#ifndef APICAL_LCFG_H
#define APICAL_LCFG_H

#include "core/err.h"
#include "core/spec.h"
#include "learning/lspec.h"

/* Like cfg_load, plus the training blocks. A config without a learning block is ERR_INPUT
 * ("not a training config"). */
int lcfg_load(const char *path, const char *const *sets, int nsets, struct net_spec *spec,
              struct learn_spec *ls, char **resolved, struct err *e);
/* Either kind: *training = 1 and as lcfg_load for a config with a learning block, else
 * *training = 0 and as cfg_load (ls untouched but for defaults). */
int lcfg_load_any(const char *path, const char *const *sets, int nsets, struct net_spec *spec,
                  struct learn_spec *ls, char **resolved, int *training, struct err *e);

#endif
