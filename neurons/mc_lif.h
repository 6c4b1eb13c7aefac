/* neurons/mc_lif: a spiking LIF soma plus up to 8 passive dendritic compartments arranged as a
 * tree (compartment 0 is the soma; each other names its parent). For compartment c:
 *
 *   c_m dv_c/dt = -g_l (v_c - e_l) + sum over tree neighbours d of g_c(c,d) (v_d - v_c)
 *                 + i_ex,c + i_in,c + i_e,c  (+ i_stim on the soma)
 *   di_x,c/dt   = -i_x,c / tau_syn_x,c,   a spike of weight w (pA) onto (c, x) adds w to i_x,c
 *
 * where g_c(c, parent) is compartment c's coupling conductance to its parent. The system is
 * linear, so one step is exact: x(t + dt) = P x(t) + q + q_stim i_stim with P and q from the
 * exponential of the augmented system matrix, computed once per population (neurons/expm).
 * The soma spikes at v_th and is clamped at v_reset for t_ref; while it is clamped the dendrites
 * keep evolving exactly under a second propagator of the clamped system. Dendrites never reset.
 * g_c = 0 segregates a compartment completely; a large g_c makes it one with its parent. */
#ifndef APICAL_MC_LIF_H
#define APICAL_MC_LIF_H

#include "neurons/neuron.h"

enum { MC_V, MC_I_EX, MC_I_IN, MC_NSTATE };
enum { MC_V_TH, MC_V_RESET, MC_T_REF, MC_NPARAMS };
enum { MC_C_M, MC_G_L, MC_E_L, MC_G_C, MC_TAU_SYN_EX, MC_TAU_SYN_IN, MC_I_E, MC_NCPARAMS };

extern const struct nrn_ops mc_lif_ops;

#endif
