/* synapses/rules: every plasticity rule, by name (the one list; adding a rule adds a line). */
#ifndef APICAL_RULES_H
#define APICAL_RULES_H

#include "core/plast.h"

const struct pl_rule *pl_find(const char *name);
const struct pl_rule *pl_rule_at(int i); /* NULL past the last */

#endif
