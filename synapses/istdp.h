/* synapses/istdp: inhibitory spike-timing-dependent plasticity of Vogels, Sprekeler, Zenke,
 * Clopath & Gerstner 2011 (Science 334:1569), with NEST vogels_sprekeler_synapse's parameters
 * and semantics: a symmetric window that strengthens a synapse for near-coincident pre- and
 * postsynaptic spikes in either order, and a constant depression per presynaptic spike, which
 * together hold the postsynaptic rate at a target rate. */
#ifndef APICAL_ISTDP_H
#define APICAL_ISTDP_H

#include "core/plast.h"

extern const struct pl_rule istdp_rule;

#endif
