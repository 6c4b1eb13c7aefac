/* synapses/stdp: pair-based spike-timing-dependent plasticity with NEST stdp_synapse's
 * parameters and semantics: additive (Song, Miller & Abbott 2000, mu = 0), multiplicative
 * (mu = 1) or power-law (Gütig et al. 2003, 0 < mu < 1) weight dependence, and all-to-all or
 * one of the two nearest-spike pairings of Morrison, Diesmann & Gerstner 2008. */
#ifndef APICAL_STDP_H
#define APICAL_STDP_H

#include "core/plast.h"

extern const struct pl_rule stdp_rule;

#endif
