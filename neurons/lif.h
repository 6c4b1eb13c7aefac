/* neurons/lif: current-based leaky integrate-and-fire neuron with exponential excitatory and
 * inhibitory synaptic currents (NEST iaf_psc_exp), integrated exactly.
 *
 *   c_m dv/dt = -(c_m/tau_m)(v - e_l) + i_ex + i_in + i_e + i_stim
 *   di_x/dt   = -i_x / tau_syn_x,   a spike of weight w adds w to i_x (pA)
 *
 * With synapse = "voltage" (the Vogels-Abbott CUBA benchmark) i_x is a voltage (mV) entering as
 * tau_m dv/dt = -(v - e_l) + i_ex + i_in, and weights are voltage jumps of i_x in mV.
 * After a spike v is clamped to v_reset for t_ref (rounded to steps); currents keep decaying.
 * Input arriving in a step is added to i_x at the end of that step, after v was advanced with
 * the currents at its start (the NEST order), so a spike at time t acts from t + delay on. */
#ifndef APICAL_LIF_H
#define APICAL_LIF_H

#include "core/neuron.h"

enum { LIF_V, LIF_I_EX, LIF_I_IN };
enum { LIF_PORT_EX, LIF_PORT_IN };
enum {
    LIF_C_M, LIF_TAU_M, LIF_E_L, LIF_V_TH, LIF_V_RESET, LIF_T_REF,
    LIF_TAU_SYN_EX, LIF_TAU_SYN_IN, LIF_I_E, LIF_SYNAPSE, LIF_NPARAMS
};
enum { LIF_SYN_CURRENT, LIF_SYN_VOLTAGE };

/* The constants of the exact step (docs/config.md), shared with neurons/li:
 *   v   <- e_l + p22 (v - e_l) + p21_ex i_ex + p21_in i_in + p20 (i_e + i_stim)
 *   i_x <- p11_x i_x + (input). c_syn is c_m, or tau_m for voltage synapses. */
struct lif_prop {
    double p22, p11_ex, p11_in, p21_ex, p21_in, p20;
};
void lif_prop_init(struct lif_prop *k, double h, double c_m, double tau_m, double c_syn,
                   double tau_syn_ex, double tau_syn_in);
/* Its nrn_linear for the ex current: z = (v - rest, i_ex), D = 2 (spiking and the threshold
 * are the caller's to set). */
void lif_prop_linear(const struct lif_prop *k, struct nrn_linear *out);

extern const struct nrn_ops lif_ops;

#endif
