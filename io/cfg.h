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

/* 64-bit FNV-1a of a text (the config hash in summaries). */
unsigned long long cfg_hash(const char *text);

#endif
