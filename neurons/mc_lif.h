/* neurons/mc_lif: a spiking LIF soma plus up to 8 passive dendritic compartments arranged as a
 * tree (compartment 0 is the soma; each other names its parent). For compartment c:
 *
 *   c_m dv_c/dt = -g_l (v_c - e_l) + sum over tree neighbours d of g_c(c,d) (v_d - v_c)
 *                 + i_syn,c + i_e,c  (+ i_stim on the soma)
 *
 * where g_c(c, parent) is compartment c's coupling conductance to its parent. The soma spikes
 * at v_th and is clamped at v_reset for t_ref; while it is clamped the dendrites keep evolving
 * under a second propagator of the clamped system. Dendrites never reset. g_c = 0 segregates
 * a compartment completely; a large g_c makes it one with its parent.
 *
 * synapse = "current" (default): i_syn,c = i_ex,c + i_in,c, di_x,c/dt = -i_x,c / tau_syn_x,c,
 * a spike of weight w (pA) onto (c, x) adds w to i_x,c. The system is linear, so one step is
 * exact: x(t + dt) = P x(t) + q + q_stim i_stim with P and q from the exponential of the
 * augmented system matrix, computed once per population (neurons/expm).
 *
 * synapse = "conductance": i_syn,c = g_ex,c (e_ex,c - v_c) + g_in,c (e_in,c - v_c),
 * dg_x,c/dt = -g_x,c / tau_syn_x,c, a spike of weight w (nS >= 0) adds w to g_x,c (the state
 * variables i_ex, i_in then hold g_ex, g_in in nS). No longer linear; each step splits it:
 *   1. each conductance is replaced by its exact step mean gm = g (tau/dt)(1 - e^{-dt/tau});
 *   2. each compartment's potential is predicted at mid-step by a half step of that
 *      compartment alone (neighbours held), relaxing towards its instantaneous equilibrium
 *      v + F_c/G_c by r(z) = 1/(1 + z + z^2/2) in place of e^{-z}, z = dt G_c / 2c_m:
 *      v*_c = v_c + (dt/2c_m) F_c (1 + z/2) / (1 + z + z^2/2), with F_c and G_c its total
 *      current and conductance at v (r = e^{-z} + O(z^2) suffices, and costs one division);
 *   3. u_c = gm_ex,c (e_ex,c - v*_c) + gm_in,c (e_in,c - v*_c) enters the exact propagator of
 *      the passive tree as a constant current: v <- P v + q + q_stim i_stim + Qu u, where
 *      column j of Qu is the response to 1 pA held in compartment j over the step;
 *   4. conductances decay exactly and take the step's input, as currents do.
 * The synaptic current is thus taken at mid-step to O(dt^2) (midpoint rule), so the scheme
 * is second order in dt (measured in tests/test_mc_lif.c); the passive tree stays exact, so
 * is any step without synaptic conductance, and so is the steady state under constant
 * conductances (at rest F = 0, v* = v). It is stable for any dt: v* stays between v_c and
 * the compartment's equilibrium, and with one compartment a deviation shrinks per step by
 * 1 - y r(y/2) in (0.17, 1], y = dt gm / c_m, so v moves monotonically; for y of 1 or more the
 * synaptic pull lags the true e^{-y} (accuracy, not stability, degrades), where lif_cond's
 * single-compartment exponential integrator is exact for frozen conductances. Everything is
 * per neuron, branch-free and in a fixed order, so it vectorises and gives the same bits for
 * any thread count.
 *
 * spiking = "escape": the soma has no threshold; it fires stochastically with the rate of
 * Urbanczik & Senn (2014) as NEST's pp_cond_exp_mc_urbanczik has it,
 *   phi(u) = phi_max / (1 + k exp(beta (theta - u)))   (1/ms; k = rate_slope),
 * u being the soma's potential at the end of the step (where the threshold is tested). A soma
 * that is not refractory in this step spikes with probability p = 1 - exp(-phi(u) dt), from
 * one uniform of core/rng keyed by (seed, the population's stream, neuron, step): at most one
 * spike per step, the same bits for any thread count. After a spike the soma is refractory
 * for t_ref (no draws), and with escape_reset = "clamp" clamped at v_reset as a threshold
 * spike leaves it; with "none" (NEST's model) its potential is left alone. The escape update
 * is the threshold update with its last pass replaced, in functions of their own, so the
 * threshold path compiles as before. */
#ifndef APICAL_MC_LIF_H
#define APICAL_MC_LIF_H

#include "core/neuron.h"

enum { MC_V, MC_I_EX, MC_I_IN, MC_NSTATE };
/* MC_PHI_MAX .. MC_ESC_RESET are the escape-noise settings, together (mc_prepare's check) */
enum {
    MC_V_TH, MC_V_RESET, MC_T_REF, MC_SYNAPSE,
    MC_SPIKING, MC_PHI_MAX, MC_RATE_SLOPE, MC_BETA_ESC, MC_THETA_ESC, MC_ESC_RESET,
    MC_NPARAMS
};
enum { MC_SYN_CURRENT, MC_SYN_CONDUCTANCE };
enum { MC_SPIKE_THRESHOLD, MC_SPIKE_ESCAPE };
enum { MC_ESC_CLAMP, MC_ESC_NONE };
enum {
    MC_C_M, MC_G_L, MC_E_L, MC_G_C, MC_TAU_SYN_EX, MC_TAU_SYN_IN, MC_I_E, MC_E_EX, MC_E_IN,
    MC_NCPARAMS
};

extern const struct nrn_ops mc_lif_ops;

#endif
