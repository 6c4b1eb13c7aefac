/* engine/net: a network built from a spec, and the time loop. Owns populations (struct of
 * arrays per population), projections, stimuli and the delay ring buffers; calls recorders
 * once per step. One OpenMP region spans the run: thread k updates and receives for the
 * neurons in its part of every population (core/part.h). Under MPI (engine/xchg) the parts
 * are those of every rank's threads, nranks x nthreads, and this rank runs its own nthreads
 * of them from part0; every other array indexed by part covers all of them. */
#ifndef APICAL_NET_H
#define APICAL_NET_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rng.h"
#include "core/spec.h"
#include "core/neuron.h"
#include "synapses/proj.h"

/* A plastic projection's state (NULL for static ones, which pay nothing for it). Everything
 * per (source, part) is kept by part k's thread; every part's copy sees the same spikes, so
 * the copies hold the same values. */
struct net_plast {
    int nrules;
    const struct pl_rule *rule[PL_MAX_RULES];
    void *derived[PL_MAX_RULES];
    struct pl_needs needs[PL_MAX_RULES];
    int trace[PL_MAX_RULES][PL_MAX_TRACES]; /* rule r's trace t in the target's entries */
    double *pre[PL_MAX_RULES];  /* needs.npre per (source, part): [(s * nparts + k) * npre] */
    float *syn[PL_MAX_RULES];   /* needs.nsyn per synapse, or NULL */
    double *synd[PL_MAX_RULES]; /* needs.nsynd per synapse (rules with on_step), or NULL */
    double *post[PL_MAX_RULES]; /* needs.npost per target neuron, or NULL */
    int steps;                  /* some rule has on_step */
    int64_t *last;              /* per (source, part): stamp of its last spike, or PL_NEVER */
    int64_t *seen;              /* per (source, part): postsynaptic spikes paired up to here */
    int flushes;                /* every rule can flush (core/plast.h: pl_row.flush) */
    double lo, hi;              /* the weights' bounds (the tightest of the rules') */
    int changes_weight;
};

/* A source fed by the caller (net_set_feed) instead of a schedule. */
struct net_feed {
    /* The ids in part k's range [begin, end) that fire in update `step` (stamped step + 1),
     * ascending, into ids, and (graded feeds) amp[j] the amplitude of ids[j]; returns how
     * many. Called by the thread that runs the part, concurrently for other parts (k <
     * nparts, so a feed may keep a cache per part). */
    uint32_t (*fire)(void *self, int k, int64_t step, uint32_t begin, uint32_t end,
                     uint32_t *ids, double *amp);
    void *self;
    int graded; /* every weight a spike delivers is multiplied by its amplitude */
};

#define NET_MAX_TRACES 8 /* distinct postsynaptic traces kept per population */

struct pop {
    char name[SPEC_NAME];
    uint32_t n;
    const struct nrn_ops *ops;
    const struct nrn_shape *shape;
    int nstate, nports; /* for the whole neuron (all compartments) */
    void *derived;
    double *state[NRN_MAX_STATE]; /* state[v][i], arrays of one core/soa block */
    double *state_block;
    int32_t *refr;
    /* Input ring: nports x nslots x n. Slot (step mod nslots) holds what arrives at the end
     * of that step; nslots = max delay + 1 so no delay reaches the slot being read. */
    uint32_t nslots;
    size_t stride; /* doubles from one (port, slot) array of the ring to the next */
    double *ring;
    /* Sparse input (models with port_state only; else touch is NULL). For each port q, slot s
     * and part k, the neurons whose ring entry went from zero to non-zero: touch[(q * nslots
     * + s) * tstride + toff[k] + j], j < tcount[k * tcount_stride + q * nslots + s], at most
     * tcap[k]; a count above tcap[k] means too many to list: the model reads the whole slot. */
    uint32_t *touch, *tcount, *toff, *tcap;
    size_t tstride, tcount_stride;
    /* Step s's spikes: part k's ids at spk_buf[s & 1] + part_begin(k), as many as its post
     * says (read them with net_part_spikes). Steps alternate between two buffers so that one
     * step's update can run while the previous step's spikes are still being delivered. */
    uint32_t *spk_buf[2];
    /* Spike statistics, per neuron (written only by the owning thread). */
    int64_t *last_stamp;
    uint32_t *isi_n;
    double *isi_sum, *isi_sq;
    /* Targets of plastic projections: every neuron's recent spikes (core/plast.h), the traces
     * kept at each, and per part the stamp up to which every incoming plastic synapse has
     * seen them (older entries, but the newest of them, can go). hist is NULL otherwise. */
    struct pl_hist *hist;
    int ntraces;
    struct pl_trace traces[NET_MAX_TRACES];
    int64_t *hist_horizon; /* per part */
    double *rule_scratch;  /* per neuron, for rules with on_step (pl_step.scratch), or NULL */
    double *v_spike;       /* per neuron, with rule_scratch: nrn_ctx.v_spike */
    /* Spike sources: per part, events sorted by stamp then id, and a cursor. */
    size_t *src_begin, *src_cursor; /* nparts + 1 / nparts */
    int64_t *src_stamp;
    uint32_t *src_id;
    /* A source fed by the caller; a graded feed's amplitudes are kept beside spk_buf (same
     * layout) until the spikes are delivered. */
    struct net_feed feed;
    double *spk_amp[2];
};

/* Recorders observe the network once per step, on one thread, while the step's spikes are
 * delivered: the spikes stamped step + 1 and, when reads_state is set, the state at time
 * (step + 1) * dt. A recorder that reads only spikes lets the next step's update start at
 * once (one barrier per step); one that reads state makes the others wait for it (two). */
struct net;
struct recorder {
    int (*on_step)(void *self, const struct net *n, int64_t step, struct err *e);
    void *self;
    int reads_state;
};

/* What thread k tells the others about step s, in cache lines of its own (one set per step
 * parity): how many spikes it produced per population, whether it met a fault, and (thread 0)
 * whether to stop. Publishing seq = s + 1 (release) is the thread's arrival at the step's
 * barrier; the others wait until every post shows it (acquire). Carrying the counts and flags
 * in the barrier's own line saves the separate cache misses that cost most of a small step. */
struct net_post {
    _Atomic int64_t seq;  /* s + 1 once step s's update is done */
    _Atomic int64_t seq2; /* s + 1 once step s's recording is done (state recorders only) */
    uint32_t fault;       /* a neuron of this part became non-finite in step s */
    uint32_t halt;   /* thread 0: 1 stop after step s (a signal), 2 stop now (a recorder failed) */
    uint32_t next_m; /* thread 0: how many threads run the parts from step s + 1 */
    uint32_t nspk[]; /* per population */
};

/* A line per local part k (part part0 + k) and per thread k (net_run's team). */
struct net_lane {
    _Atomic int64_t handoff; /* part k: s + 1 once its step s is delivered (written at changes) */
    _Atomic long switches;   /* thread k: involuntary context switches, read every block */
    _Atomic int64_t exchanged; /* thread 0 (MPI): s + 1 once other ranks' step s is in */
    char pad[40];
};

struct net_counters {
    uint64_t spikes;
    uint64_t events;         /* synaptic events delivered */
    uint64_t sparse_updates; /* population updates that read listed inputs only */
    char pad[40];            /* one cache line per thread */
};

struct net {
    double dt_ms;
    int64_t nsteps, step; /* step: the next step to run */
    uint64_t seed;
    int nthreads; /* this process's */
    /* the parts: nranks x nthreads, this rank's are [part0, part0 + nthreads) (1 rank: all) */
    int nparts, part0, rank, nranks;
    struct xchg *xchg;     /* the exchange between ranks, or NULL (one rank) */
    uint64_t events_other; /* synaptic events delivered by the other ranks (net_events) */
    int npops, nprojs;
    struct pop *pops;
    struct proj *projs;
    struct net_plast **plast; /* per projection, NULL when static */
    int tied_steps; /* a transpose reads weights a rule with on_step writes: a barrier after
                       delivery, so no update starts while a delivery reads them */
    const struct net_spec *spec;
    struct net_counters *ctr; /* per part */
    uint64_t *pop_spikes;     /* nparts rows of pop_stride: [k * pop_stride + pop] */
    size_t pop_stride;
    uint32_t *part_nspk; /* nparts rows of 2 pop_stride: this step's counts, before posting */
    double *zeros;       /* per local part, NRN_MAX_PORTS x NRN_ZERO_BLOCK: nrn_ctx.zeros */
    char *post;          /* 2 x nparts posts of post_bytes: [(s & 1) * nparts + k] */
    size_t post_bytes;
    /* The team: the local parts are always nthreads, but when threads wait for a late one (its core
     * shared with other work) fewer may run them (net_run). Never changes a result. */
    int adapt;           /* 1 (net_build's default): thread 0 chooses how many run; 0: all */
    uint64_t adapt_test; /* non-zero (tests): the count changes at random, seeded by this */
    struct net_lane *lanes; /* per part and per thread */
    _Atomic int ctl_gen; /* futex word of the parked threads, bumped when they are called */
    _Atomic int64_t ctl; /* step * NET_MAX_TEAM + active count they are called to, or -1 */
    struct rng_poisson_table *pois; /* per stimulus (Poisson ones used) */
    double build_s, sim_s;
    int interrupted;
    int failed; /* a run ended in a fault or a recorder's error: no further runs */
    /* set by a thread that met NaN/Inf; reported after the step */
    int fault_pop;
    uint32_t fault_neuron;
    int64_t fault_step;
    /* weight probes (net_probe_weights): per part k, probes [probe_begin[k], probe_begin[k+1])
     * in the order of probe_at (by part, then as given); values by step parity */
    int64_t probe_every;
    uint32_t nprobe, *probe_begin, *probe_slot;
    int *probe_proj;
    uint64_t *probe_q;
    float *probe_val[2];
    /* a plastic weight that became non-finite: per part a flag its next update posts, and the
     * first (step, projection, source, synapse) */
    uint32_t *wfault;
    int wfault_proj;
    uint32_t wfault_src, wfault_tgt;
    int64_t wfault_step;
    /* net_set_reset: every neuron back at rest, nothing in flight, at multiples of this */
    int64_t reset_every;
};

struct pop_stats {
    uint64_t spikes;
    double rate_hz;      /* mean over neurons, over the simulated time */
    double cv_isi;       /* mean over neurons with at least 2 intervals; NaN if none */
    uint32_t cv_neurons; /* how many neurons entered cv_isi */
    uint64_t synapses_in;
};

/* Estimated neurons, synapses and bytes, from the spec alone (printed before allocating). */
void net_estimate(const struct net_spec *s, uint64_t *neurons, double *synapses, double *bytes);
int net_build(struct net *n, const struct net_spec *s, struct err *e);
/* Runs until the end, a fault, or *stop becoming non-zero (read once per step, after the
 * update: a stop seen there ends the run when that step has been delivered and recorded; the
 * network can then be run further). After a fault or a recorder's error it cannot: with one
 * barrier per step the other threads have already updated the next step. */
int net_run(struct net *n, struct recorder *recs, int nrecs, const volatile sig_atomic_t *stop,
            struct err *e);
/* After a checkpoint's state (neurons, rings, spike statistics) has been put into a freshly
 * built network: goes on from `step`, with the counters of the run so far (spikes per
 * population, all spikes, synaptic events). What belongs to threads (spike-source cursors,
 * lists of touched inputs) is set up anew, so any thread count can resume any checkpoint. */
int net_resume_at(struct net *n, int64_t step, const uint64_t *pop_spikes, uint64_t spikes,
                  uint64_t events, struct err *e);
void net_pop_stats(const struct net *n, int pop, struct pop_stats *st);
uint64_t net_synapses(const struct net *n);
size_t net_bytes(const struct net *n);
uint64_t net_events(const struct net *n);
void net_free(struct net *n);

/* Population pop (a spike source: a model without update) fires what f says instead of its
 * schedule. ERR_INPUT for a population that is not a source; ERR_NOMEM. Call before net_run. */
int net_set_feed(struct net *n, int pop, const struct net_feed *f, struct err *e);
/* From then on, at every step that is a multiple of `every` (0: never), before its update,
 * every neuron returns to its model's resting state (initial distributions are not drawn
 * again), refractory counts end and input still in flight is dropped: samples presented one
 * after another start from rest, as the trainer runs them. */
void net_set_reset(struct net *n, int64_t every);

/* Weight probes for recorders: synapse q[i] (storage index, see net_proj_order) of projection
 * proj[i] is copied out after the delivery of every step s with (s + 1) % every == 0, by the
 * thread that owns it. A recorder reads them one step later: in on_step(s + 1) every part has
 * finished step s, and nobody writes that step's copy until the recorder is done. Call before
 * net_run; again to replace. */
int net_probe_weights(struct net *n, uint32_t nprobe, const int *proj, const uint64_t *q,
                      int64_t every, struct err *e);
/* In on_step(s) with s % every == 0 and s >= every: probe i's weight at time s * dt. */
static inline float net_probe_value(const struct net *n, int64_t s, uint32_t i)
{
    return n->probe_val[(s - 1) & 1][n->probe_slot[i]];
}

/* Projection j's synapses in canonical order (by source, then target, then creation), the
 * same for any thread count: q[c] is where canonical synapse c is stored; src and tgt may be
 * NULL. Arrays of proj.nsyn. */
int net_proj_order(const struct net *n, int j, uint64_t *q, uint32_t *src, uint32_t *tgt,
                   struct err *e);
/* The same for the sources [s0, s1) alone: their net_proj_span(n, j, s0, s1) synapses, in the
 * order they have in net_proj_order, so a caller can go through a projection a few sources at
 * a time. */
int net_proj_order_range(const struct net *n, int j, uint32_t s0, uint32_t s1, uint64_t *q,
                         uint32_t *src, uint32_t *tgt, struct err *e);
uint64_t net_proj_span(const struct net *n, int j, uint32_t s0, uint32_t s1);

/* Projection j's weights: mean and standard deviation, and (plastic ones) the fractions within
 * 1e-6 of the bounds' span of the lower and upper bound (NaN bounds for static ones). */
struct net_wstats {
    double mean, std, at_lo, at_hi, lo, hi;
};
int net_weight_stats(const struct net *n, int j, struct net_wstats *st, struct err *e);

/* The spikes of step (stamped step + 1) that part k produced in population pop; valid in a
 * recorder's on_step for that step. */
static inline struct net_post *net_post(const struct net *n, int64_t step, int k)
{
    return (struct net_post *)(n->post + ((size_t)(step & 1) * (size_t)n->nparts + (size_t)k) *
                                             n->post_bytes);
}

/* More than simulation.threads may be (1024). */
#define NET_MAX_TEAM 4096

static inline struct net_lane *net_lane(const struct net *n, int k) { return &n->lanes[k]; }

static inline uint32_t net_part_spikes(const struct net *n, int pop, int k, int64_t step,
                                       const uint32_t **ids)
{
    const struct pop *p = &n->pops[pop];
    *ids = p->spk_buf[step & 1] + (uint32_t)((uint64_t)p->n * (uint64_t)k / (uint64_t)n->nparts);
    return net_post(n, step, k)->nspk[pop];
}

static inline double net_time_ms(const struct net *n, int64_t stamp) { return stamp * n->dt_ms; }

/* For engine/xchg: part k's m spikes of population pop stamped `stamp` (ids ascending) enter
 * the counts and the ISI statistics, as the part's own update enters them. */
void net_count_spikes(struct net *n, int pop, int k, int64_t stamp, const uint32_t *ids,
                      uint32_t m);

#endif
