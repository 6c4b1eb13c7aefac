/* neurons/registry: every neuron model, by name (the one list; adding a model adds a line). */
#ifndef APICAL_NRN_REGISTRY_H
#define APICAL_NRN_REGISTRY_H

#include "core/neuron.h"

const struct nrn_ops *nrn_find(const char *name);
const struct nrn_ops *nrn_model(int i); /* NULL past the last */

#endif
