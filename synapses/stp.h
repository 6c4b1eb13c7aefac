/* synapses/stp: Tsodyks–Markram short-term depression and facilitation with NEST
 * tsodyks2_synapse's parameters and update order (U, u0, x0, tau_rec, tau_fac). It scales what
 * a synapse delivers by u x and never changes the weight, so it works alone or under a rule
 * that does (plasticity = ( { rule = "stp"; ... }, { rule = "stdp"; ... } )).
 *
 * References: Tsodyks & Markram 1997 (PNAS 94:719), Fuhrmann et al. 2002 (J Neurophysiol
 * 87:140), Maass & Markram 2002 (Neural Netw 15:155, eqs. 4 and 5). */
#ifndef APICAL_STP_H
#define APICAL_STP_H

#include "core/plast.h"

extern const struct pl_rule stp_rule;

#endif
