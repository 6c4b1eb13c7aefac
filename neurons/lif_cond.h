/* neurons/lif_cond: conductance-based LIF with exponential conductances (the COBA benchmark).
 *
 *   c_m dv/dt = g_l (e_l - v) + g_ex (e_ex - v) + g_in (e_in - v) + i_e + i_stim
 *   dg_x/dt   = -g_x / tau_syn_x,   a spike of weight w (nS) adds w to g_x
 *
 * Conductances decay exactly. v is not linear in time (its coefficient g(t) varies), so each
 * step integrates it with the conductances frozen at their exact step averages,
 * v <- v_inf + (v - v_inf) exp(-h g_tot / c_m): an exponential integrator, second order in h,
 * exact for constant conductances and unconditionally stable. Refractoriness as in lif. */
#ifndef APICAL_LIF_COND_H
#define APICAL_LIF_COND_H

#include "core/neuron.h"

enum { LIFC_V, LIFC_G_EX, LIFC_G_IN };
enum {
    LIFC_C_M, LIFC_G_L, LIFC_E_L, LIFC_E_EX, LIFC_E_IN, LIFC_V_TH, LIFC_V_RESET, LIFC_T_REF,
    LIFC_TAU_SYN_EX, LIFC_TAU_SYN_IN, LIFC_I_E, LIFC_NPARAMS
};

extern const struct nrn_ops lif_cond_ops;

#endif
