/* synapses/urbanczik_senn: Urbanczik & Senn's (2014) rule, learning by the dendritic prediction
 * of somatic spiking, with the semantics and parameters of NEST's urbanczik_synapse. A synapse
 * from source j onto a dendritic compartment of neuron i follows
 *
 *   w(t) = clip(w0 + eta 15 Integral_0^t (S(s) - phi(V*(s))) h(V*(s)) PSP_j(s) F(t - s) ds)
 *
 * S the soma's spikes (delta functions), V* the model's dendritic prediction, phi its escape
 * rate and h = 15 mV d ln phi / dV (NEST's h), both read from the model's declared quantities
 * "phi_star" and "h_star"; PSP_j(t) = sum over arrivals a of tau_L tau_s / (tau_L - tau_s)
 * (e^{-(t - a)/tau_L} - e^{-(t - a)/tau_s}) with tau_L = c_m / g_l of the synapses' compartment
 * and tau_s its receptor's synaptic time constant; F(u) = 1 - e^{-u/tau_Delta}, NEST's low-pass
 * filter of the change. On the step grid: one term per step, (n - phi dt) h PSP at its end.
 * The target must spike by escape noise and the synapses sit on a child of the soma; with
 * conductance synapses the kernel leaves the driving force out (docs/dendritic.md). */
#ifndef APICAL_SYN_URBANCZIK_SENN_H
#define APICAL_SYN_URBANCZIK_SENN_H

#include "core/plast.h"

extern const struct pl_rule urbanczik_senn_rule;

#endif
