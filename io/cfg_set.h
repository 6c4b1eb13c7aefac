/* io/cfg_set: the --set overrides of io/cfg, applied to a parsed libconfig tree before it is
 * validated: PATH=VALUE, the value parsed as libconfig text (a bare word a string), a missing
 * group on the way created, elements addressed by index or by name. Every setting a --set
 * created or changed is logged with its argument, so that an error about it names the --set
 * instead of a file and line. */
#ifndef APICAL_CFG_SET_H
#define APICAL_CFG_SET_H

#include <libconfig.h>

#include "core/err.h"

/* Settings that a --set created or changed, each with its command-line argument. An error about
 * one of them, or about anything inside it, names that --set instead of a file and line. */
struct set_origin {
    const config_setting_t *s;
    const char *arg; /* "PATH=VALUE" as given */
};
struct set_log {
    struct set_origin *v;
    int n, cap;
};

/* Applies one "PATH=VALUE" to cfg, logging what it touched; ERR_INPUT naming the --set. */
int cfg_set_apply(config_t *cfg, const char *set, struct set_log *log, struct err *e);

/* What a setting is, for messages: "an integer", "a group", ... */
const char *cfg_type_name(const config_setting_t *s);
int cfg_is_integer(const config_setting_t *s); /* int or int64 */
int cfg_is_number(const config_setting_t *s);  /* int, int64 or float */

#endif
