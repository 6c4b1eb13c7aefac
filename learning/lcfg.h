/* learning/lcfg: reading a training config: the network through io/cfg (populations and
 * projections), then, through io/cfg's extension hook, the projections' `feedback` and the
 * learning, data and encoder blocks into a learn_spec, each setting checked with file, line
 * and path. Schema: docs/learning.md. */
#ifndef APICAL_LCFG_H
#define APICAL_LCFG_H

#include "core/err.h"
#include "core/spec.h"
#include "io/cfg.h"
#include "learning/lspec.h"

/* Like cfg_load, plus the training blocks. A config without a learning block is ERR_INPUT
 * ("not a training config"). */
int lcfg_load(const char *path, const char *const *sets, int nsets, struct net_spec *spec,
              struct learn_spec *ls, char **resolved, struct err *e);
/* Either kind: *training = 1 and as lcfg_load for a config with a learning block, else
 * *training = 0 and as cfg_load (ls untouched but for defaults). */
int lcfg_load_any(const char *path, const char *const *sets, int nsets, struct net_spec *spec,
                  struct learn_spec *ls, char **resolved, int *training, struct err *e);

/* For a cfg_ext of one's own (tests that compile a network without the training blocks):
 * the settings lcfg reads on projections (cfg_ext.proj_keys: `feedback`), and their reader.
 * lcfg_read_feedback stores every projection's mode (enum snn_feedback; SNN_FB_NONE where
 * `feedback` is left out) in fb[SNN_MAX_PROJS]; ERR_INPUT naming file, line and
 * projections.NAME.feedback for a name not in snn_feedback_names (after "none"), or
 * "projections" for more than SNN_MAX_PROJS of them. */
extern const char *const lcfg_proj_keys[];
int lcfg_read_feedback(const struct cfg_ctx *c, const config_setting_t *root,
                       const struct net_spec *s, int *fb);

#endif
