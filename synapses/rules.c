/* synapses/rules: the one list of plasticity rules. */
#include "synapses/rules.h"

#include <string.h>

#include "synapses/apical.h"
#include "synapses/istdp.h"
#include "synapses/kolen_pollack.h"
#include "synapses/stdp.h"
#include "synapses/stdp_triplet.h"
#include "synapses/stp.h"
#include "synapses/urbanczik_senn.h"

static const struct pl_rule *const rules[] = {
    &stdp_rule,
    &stdp_triplet_rule,
    &istdp_rule,
    &stp_rule,
    &apical_rule,
    &kolen_pollack_rule,
    &urbanczik_senn_rule,
};

const struct pl_rule *pl_rule_at(int i)
{
    if (i < 0 || i >= (int)(sizeof rules / sizeof rules[0])) return NULL;
    return rules[i];
}

const struct pl_rule *pl_find(const char *name)
{
    for (int i = 0; pl_rule_at(i); i++)
        if (!strcmp(pl_rule_at(i)->name, name)) return pl_rule_at(i);
    return NULL;
}
