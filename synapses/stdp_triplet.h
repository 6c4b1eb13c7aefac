/* synapses/stdp_triplet: the triplet rule of Pfister & Gerstner 2006 (J Neurosci 26:9673) with
 * NEST stdp_triplet_synapse's update (additive, hard bounds, amplitudes in the weight's unit),
 * all-to-all or nearest-spike interaction, and the paper's fitted parameter sets (visual
 * cortex, hippocampal; full and minimal models) selectable by name. */
#ifndef APICAL_STDP_TRIPLET_H
#define APICAL_STDP_TRIPLET_H

#include "core/plast.h"

extern const struct pl_rule stdp_triplet_rule;

#endif
