/* core/plast: the contract between the engine and a plasticity rule, as core/neuron.h is for
 * neuron models. A rule is one const ops table in synapses/: its parameter schema, what it
 * keeps (per synapse, per presynaptic neuron), which traces of the postsynaptic neuron's
 * spikes it reads, and one hook called when a presynaptic spike is delivered.
 *
 * When: NEST's scheme. A synapse changes only when a presynaptic spike reaches it, from the
 * postsynaptic spikes since its previous spike; the whole transmission delay d counts as
 * dendritic. (A source silent for long is flushed: its synapses take the postsynaptic spikes
 * so far, exactly as its next spike would have, so that histories need not be kept.) In steps: a spike stamped S of a source whose previous spike was stamped L sees
 * the postsynaptic spikes stamped P with L - d < P <= S - d (they reached the synapse at
 * P + d, after the previous presynaptic spike and not after this one), then the trace of the
 * postsynaptic spikes with P < S - d, read at S - d. The weight delivered is the updated one.
 * Everything the hook touches belongs to the thread that owns the targets (the row is one
 * source's synapses onto one part), so no atomics, and results do not depend on threads. */
#ifndef APICAL_PLAST_H
#define APICAL_PLAST_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/neuron.h"
#include "core/param.h"

#define PL_MAX_PARAMS 24
#define PL_MAX_TRACES 4 /* postsynaptic traces one rule reads */
#define PL_MAX_PRE 8    /* doubles per presynaptic neuron (and part), for rules without on_step */
#define PL_MAX_SYN 4    /* floats per synapse besides the weight */
#define PL_MAX_RULES 2  /* rules on one projection (e.g. stp under stdp) */
#define PL_NEVER INT64_MIN /* the stamp of a spike that has not happened */

/* A trace of the postsynaptic neuron's spikes, kept at each spike: just after spike e,
 * x_e = x_{e-1} e^{-(t_e - t_{e-1})/tau} + 1 (all-to-all), or x_e = 1 (nearest: only the
 * latest spike counts). Between spikes it decays with tau. */
struct pl_trace {
    double tau_ms;
    int nearest;
};

/* What a rule needs, filled by its prepare() from its parameters. */
struct pl_needs {
    int ntraces;
    struct pl_trace traces[PL_MAX_TRACES];
    int npre;  /* doubles per (presynaptic neuron, part), zero at the start */
    int nsyn;  /* floats per synapse besides the weight, set by init_syn */
    int changes_weight; /* 0: the rule scales what is delivered only (stp) */
    int flushes;        /* on_pre handles pl_row.flush (see there) */
    /* rules with on_step, filled by bind() (prepare leaves them 0); npre may then be larger */
    int nsynd; /* doubles per synapse, zero at the start */
    int npost; /* doubles per postsynaptic neuron, zero at the start */
};

/* Where a rule with on_step acts: the projection's target population and port, as bind()
 * sees them. Such a rule reads its postsynaptic neurons at every step (dendritic rules: the
 * potentials of compartments, what the model declares in nrn_ops.quantities). */
struct pl_target {
    const struct nrn_ops *model;
    const double *params; /* the population's model parameters */
    const struct nrn_shape *shape;
    int port;             /* the projection's input port (nrn_port_index numbering) */
    double dt_ms;
    uint32_t delay;       /* every synapse's delay, in steps (on_step rules need one delay) */
};

/* One step of a rule with on_step, on the synapses of one part: every source's row onto the
 * part's targets (cell s * nparts + part, as pl_row's), after the target population's update
 * of `step` (its state is the state at stamp step + 1) and before that step's spikes are
 * delivered. The same thread delivers to these rows, so the hook may change their weights. */
struct pl_step {
    const void *derived;
    double dt_ms;
    int64_t step;
    int part, nparts;
    uint32_t nsrc;
    const uint64_t *row; /* synapses of cell c are [row[c], row[c + 1]) */
    const uint32_t *tgt;
    float *w;
    double *synd;  /* needs.nsynd per synapse: [q * nsynd + j] */
    double *pre;   /* needs.npre per cell: [c * npre + j] */
    double *post;  /* needs.npost per target neuron: [i * npost + j] */
    uint32_t begin, end; /* the part's target neurons */
    /* the target population: its model, constants and state after the update */
    const struct nrn_ops *model;
    const void *model_derived;
    double *const *state;
    const uint32_t *spikes; /* the part's targets that spiked in this update, ascending */
    uint32_t nspikes;
    const double *v_spike;  /* v_spike[i]: the soma of spiking target i before its reset */
    double *scratch; /* end - begin doubles the rule may use during the call */
};

/* One postsynaptic neuron's recent spikes, oldest first, in a ring of cap (a power of two)
 * entries: stamp, and the value of every trace of its population just after the spike
 * (val[entry * ntraces + trace]). */
#define PL_HIST_INLINE 1 /* traces of the newest entries kept in the struct itself */

struct pl_hist {
    int64_t *stamp;
    double *val;
    uint32_t cap, start, len;
    /* the newest two entries again (newest when len > 0, prev when len > 1) with their first
     * trace, on the struct's own cache line: most pairings read only them, and the ring lives
     * elsewhere in memory */
    int64_t newest, prev;
    double newest_val[PL_HIST_INLINE], prev_val[PL_HIST_INLINE];
};

static inline int64_t pl_hist_stamp(const struct pl_hist *h, uint32_t e)
{
    return h->stamp[(h->start + e) & (h->cap - 1)];
}

static inline double pl_hist_val(const struct pl_hist *h, int ntraces, uint32_t e, int trace)
{
    return h->val[(size_t)((h->start + e) & (h->cap - 1)) * (size_t)ntraces + (size_t)trace];
}

/* Trace t just after the newest spike (len > 0). */
static inline double pl_hist_newest_val(const struct pl_hist *h, int ntraces, int t)
{
    return t < PL_HIST_INLINE ? h->newest_val[t] : pl_hist_val(h, ntraces, h->len - 1, t);
}

/* The first entry whose stamp is above `stamp` (len if none). */
static inline uint32_t pl_hist_after(const struct pl_hist *h, int64_t stamp)
{
    uint32_t lo = 0, hi = h->len;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (pl_hist_stamp(h, mid) <= stamp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* One presynaptic spike delivered to the synapses [lo, hi) of one source onto one part. */
struct pl_row {
    const void *derived; /* the rule's constants from prepare() */
    double dt_ms;
    int64_t stamp;       /* S: the spike's stamp (time S * dt) */
    int64_t last;        /* L: the source's previous spike, or PL_NEVER */
    /* the postsynaptic spikes P <= seen - d have been paired already (seen >= last; PL_NEVER
     * with last): a flush brought the synapses up to date after the source's last spike */
    int64_t seen;
    /* a flush, not a spike: pair the postsynaptic spikes P with seen - d < P <= stamp - d as
     * the source's next spike would (same updates, same order), and nothing else: no
     * presynaptic pairing, no presynaptic trace. The engine flushes sources silent for long,
     * so that their targets' histories can be pruned. */
    int flush;
    double *pre;         /* needs.npre doubles of this (source, part), the rule's to keep */
    uint64_t lo, hi;
    const uint32_t *tgt;
    float *w;            /* the weights, changed in place */
    float *syn;          /* needs.nsyn floats per synapse (syn[q * nsyn + j]), or NULL */
    const uint16_t *delay; /* per synapse, in steps, or NULL: all delay_const */
    uint32_t delay_const;
    const struct pl_hist *hist; /* the target population's histories, by neuron */
    int ntraces;                /* traces per history entry in that population */
    const int *trace;           /* where the rule's trace t is in an entry: trace[t] */
    double amp;                 /* the spike's amplitude (1 but for graded feeds, net_feed) */
};

struct pl_rule {
    const char *name;
    const char *doc;
    const struct param *params;
    int nparams;
    size_t derived_size;
    /* Checks relations between parameters (on error ERR_INPUT with e->path the parameter's
     * name) and fills derived and needs. */
    int (*prepare)(const double *params, double dt_ms, void *derived, struct pl_needs *needs,
                   struct err *e);
    /* The bounds weights are kept in (a rule that changes weights; lo <= hi). */
    void (*bounds)(const void *derived, double *lo, double *hi);
    /* Per-synapse state at the start (syn has needs.nsyn floats), when nsyn > 0. */
    void (*init_syn)(const void *derived, float *syn);
    /* A spike reaches the row: update weights and state; returns the factor every synapse of
     * the row delivers its weight with (1 for rules that change weights only). */
    double (*on_pre)(const struct pl_row *r);
    /* Rules that act at every step (NULL for the rest): bind() sees the target (ERR_INPUT
     * with e->path a parameter's name, or the target's, when it cannot serve) and sets
     * needs' nsynd, npost and npre; init_synd gives a synapse's doubles from its weight;
     * on_step runs once per step and part. Their on_pre sees every spike of a source, in
     * every part, so per-cell state is the same in every part. */
    int (*bind)(void *derived, const struct pl_target *t, struct pl_needs *needs, struct err *e);
    void (*init_synd)(const void *derived, float w, double *synd);
    void (*on_step)(const struct pl_step *s);
};

#endif
