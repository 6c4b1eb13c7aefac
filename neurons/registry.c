/* neurons/registry: the one list of neuron models. Adding a model adds one line here. */
#include <string.h>

#include "neurons/registry.h"

#include "neurons/li.h"
#include "neurons/lif.h"
#include "neurons/lif_cond.h"
#include "neurons/mc_lif.h"
#include "neurons/poisson_source.h"
#include "neurons/spike_source.h"

static const struct nrn_ops *const models[] = {
    &lif_ops,
    &lif_cond_ops,
    &mc_lif_ops,
    &li_ops,
    &spike_source_ops,
    &poisson_source_ops,
};

const struct nrn_ops *nrn_model(int i)
{
    if (i < 0 || i >= (int)(sizeof models / sizeof models[0])) return NULL;
    return models[i];
}

const struct nrn_ops *nrn_find(const char *name)
{
    for (int i = 0; nrn_model(i); i++)
        if (!strcmp(nrn_model(i)->name, name)) return nrn_model(i);
    return NULL;
}
