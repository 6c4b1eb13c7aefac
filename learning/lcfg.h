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
/* Any kind: *training = 1 and as lcfg_load for a config with a learning block; 2 for an
 * online config (a network with plastic projections and a teacher block, its data and
 * encoder blocks: ls->online, docs/dendritic.md); else *training = 0 and as cfg_load (ls
 * untouched but for defaults). */
int lcfg_load_any(const char *path, const char *const *sets, int nsets, struct net_spec *spec,
                  struct learn_spec *ls, char **resolved, int *training, struct err *e);

/* The names a config spells for learn_spec's choices, in the order of their values and
 * NULL-terminated; apical check and the training outputs print the same ones. (Rules,
 * feedback modes and losses are the network's vocabulary: snn.h.) */
extern const char *const lcfg_set_names[];      /* data.set: enum lspec_set */
extern const char *const lcfg_split_names[];    /* data.split: present_train (0: test) */
extern const char *const lcfg_enc_names[];      /* encoder.type: enum lspec_enc */
extern const char *const lcfg_lat_mode_names[]; /* encoder.mode: enum enc_latency_mode */
extern const char *const lcfg_spike_names[];    /* learning.spike: soft (0: hard) */
extern const char *const lcfg_reset_names[];    /* learning.reset_grad: reset_grad (0: detach) */
extern const char *const lcfg_optim_names[];    /* learning.optimizer.type: enum optim_type */

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
