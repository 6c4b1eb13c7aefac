/* io/cfg: reading a libconfig file (with @include and --set overrides) into a validated
 * net_spec. Everything is checked before anything is built; the first problem becomes one
 * error naming the file, the line and the setting path. Schema: docs/config.md. */
#ifndef APICAL_CFG_H
#define APICAL_CFG_H

#include "core/err.h"
#include "core/spec.h"

/* sets: "path=value" strings applied after reading, in order (e.g. "populations.exc.size=8000",
 * "simulation.seed=3"). On success *resolved is the config as run (malloc'd text). */
int cfg_load(const char *path, const char *const *sets, int nsets, struct net_spec *spec,
             char **resolved, struct err *e);

/* Whether receptor port of population ps feeds a conductance (a state "g_RECEPTOR" in nS, or
 * mc_lif with synapse = "conductance"): its weights must be >= 0, which the loader checks for
 * the config's weights and cli/run_weights for those of a weights file. */
int cfg_feeds_conductance(const struct pop_spec *ps, int port);

/* A config with top-level blocks that another module reads (the training blocks of
 * learning/lcfg): the named blocks pass the check for unknown settings, a spike_source may
 * come without spike times (its spikes come from an encoder), projections may carry the
 * extension's proj_keys, and read() is called with the validated config before cfg_load_ext
 * returns, so its errors name file, line and setting like every other (the cfg_rd_ readers
 * below). */
struct cfg_ctx;
typedef struct config_setting_t config_setting_t;
struct cfg_ext {
    const char *const *blocks; /* NULL-terminated, at most 9 */
    int (*read)(void *self, const struct cfg_ctx *c, const config_setting_t *root,
                const struct net_spec *spec);
    void *self;
    const char *const *unhashed; /* NULL-terminated setting paths left out of the config hash */
    /* NULL: the blocks are required (read() says so). Else a config without blocks[0] loads
     * as a plain one (read() is not called; a projection with one of proj_keys is refused as
     * belonging to configs with blocks[0]), and *present says which it was. */
    int *present;
    /* NULL-terminated settings, at most 8, that a projection may carry for read() to read
     * (learning/lcfg's `feedback`); a projection with one of them may leave out `weight`:
     * the extension decides its weights. Messages about unknown settings of a projection list
     * them only for configs that have the blocks. */
    const char *const *proj_keys;
    /* 1: projections may be plastic (configs that run, not train) */
    int plastic;
    /* Another extension tried when this one's blocks[0] is absent (with present: *present is
     * then 2 when alt's blocks[0] is there, its read() is called; 0 for neither). */
    const struct cfg_ext *alt;
};
int cfg_load_ext(const char *path, const char *const *sets, int nsets, const struct cfg_ext *ext,
                 struct net_spec *spec, char **resolved, struct err *e);

/* Checked readers for cfg_ext.read, with cfg's messages ("missing (a number is required)",
 * "%g is out of range [lo, hi]", "unknown setting (allowed here: ...)"); each returns 0 or
 * ERR_INPUT naming the file, line and path.key. Missing optional settings leave *out alone. */
int cfg_rd_fail(const struct cfg_ctx *c, const config_setting_t *s, const char *path,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int cfg_rd_keys(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                const char *const *allowed);
int cfg_rd_num(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
               const char *key, int required, double lo, double hi, double *out);
int cfg_rd_int(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
               const char *key, int required, long long lo, long long hi, long long *out);
int cfg_rd_str(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
               const char *key, int required, const char **out);
int cfg_rd_bool(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                const char *key, int *out);
/* A string member that must be one of choices (NULL-terminated); *out gets its index. */
int cfg_rd_choice(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                  const char *key, const char *const *choices, int *out);
/* The config's file name and folder (for relative data paths). */
const char *cfg_rd_file(const struct cfg_ctx *c);
const char *cfg_rd_dir(const struct cfg_ctx *c);

/* 64-bit FNV-1a of a text (the config hash in summaries). */
unsigned long long cfg_hash(const char *text);

#endif
