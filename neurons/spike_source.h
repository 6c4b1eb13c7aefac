/* neurons/spike_source: a population that emits given spike times and has no dynamics.
 * The engine plays its schedule (from a list in the config or a spike file). */
#ifndef APICAL_SPIKE_SOURCE_H
#define APICAL_SPIKE_SOURCE_H

#include "core/neuron.h"

extern const struct nrn_ops spike_source_ops;

#endif
