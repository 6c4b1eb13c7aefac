/* core/spec: a validated, plain-data description of a network and a run. io/cfg fills it from
 * a config file; net_build turns it into a network. Units are the config's (ms, mV, pA, nS, pF,
 * Hz); the engine converts ms to steps in one place (net_build). */
#ifndef APICAL_SPEC_H
#define APICAL_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/neuron.h"
#include "core/plast.h"

#define SPEC_NAME 64

struct sink_ops; /* io/sink.h: a spike file format */

enum dist_kind { DIST_CONST, DIST_UNIFORM, DIST_NORMAL, DIST_LOGNORMAL };

/* A number drawn per element: const a; uniform [a, b); normal mean a, std b; lognormal with
 * log-mean a and log-std b. Draws outside [lo, hi] are clipped to the nearer bound, or drawn
 * again when redraw is set (io/cfg makes sure [lo, hi] holds enough of the distribution). */
struct dist {
    int kind;
    double a, b;
    double lo, hi;
    int redraw;
};

struct pop_spec {
    char name[SPEC_NAME];
    uint32_t size;
    const struct nrn_ops *model;
    double params[NRN_MAX_PARAMS];
    struct nrn_shape shape; /* compartments; one "soma" for point models */
    char size_file[256];    /* where size was set, for errors found after validation */
    int size_line;
    int has_init[NRN_MAX_STATE];
    struct dist init[NRN_MAX_STATE];
    /* spike sources: per-neuron spike times, CSR by neuron */
    size_t *src_offset; /* size + 1 entries, or NULL */
    double *src_times_ms;
};

enum conn_rule {
    CONN_ALL_TO_ALL, CONN_ONE_TO_ONE, CONN_FIXED_PROBABILITY, CONN_FIXED_INDEGREE,
    CONN_FIXED_OUTDEGREE, CONN_LIST, CONN_FIXED_TOTAL_NUMBER,
    CONN_TRANSPOSE /* the synapses of an earlier projection, reversed, with its live weights */
};

struct proj_spec {
    char name[SPEC_NAME];
    int from, to, port;
    int rule;
    double p;   /* fixed_probability */
    uint32_t k; /* fixed_indegree / fixed_outdegree */
    uint64_t n; /* fixed_total_number: synapses in all */
    int of;     /* transpose: the projection (earlier in the list) it reverses */
    int autapses, multapses;
    struct dist weight, delay; /* delay in ms */
    size_t nlist;              /* explicit list: sources, targets, optional weights and delays */
    uint32_t *list_src, *list_tgt;
    double *list_w, *list_d;
    /* plasticity: rules applied in order when a spike is delivered (none: static) */
    int nplast;
    struct plast_spec {
        const struct pl_rule *rule;
        double params[PL_MAX_PARAMS];
    } plast[PL_MAX_RULES];
};

enum stim_kind { STIM_POISSON, STIM_DC };

struct stim_spec {
    char name[SPEC_NAME];
    int kind;
    int target, port;
    double rate_hz, weight; /* poisson: independent train per neuron */
    double amplitude_pa;    /* dc */
    double start_ms, stop_ms; /* active in [start, stop); stop < 0 means to the end */
};

struct trace_spec {
    int pop;
    size_t nneurons;
    uint32_t *neurons;
    int nvars;
    int vars[NRN_MAX_STATE];
    double interval_ms; /* sampling interval, a multiple of dt */
};

/* record.weights: chosen synapses of one plastic projection, sampled every interval. Either a
 * count drawn from the seed (io/rec_weights) or explicit (source, target) pairs, whose synapses
 * are looked up once the network is built: file and line name the entry for that error. */
struct wrec_spec {
    int proj;
    uint64_t nsample;  /* synapses to draw (all of them if fewer); 0 when pairs are given */
    size_t npairs;
    uint32_t *pair_src, *pair_tgt;
    double interval_ms; /* a multiple of dt */
    char file[256];
    int line;
};

struct net_spec {
    double dt_ms, duration_ms;
    uint64_t seed;
    int threads; /* 0: all available */
    double scale_neurons, scale_indegree; /* already applied to sizes, counts and weights */
    unsigned long long config_hash; /* of the resolved config without simulation.threads */
    int npops, nprojs, nstims, ntraces, nwrecs;
    struct pop_spec *pops;
    struct proj_spec *projs;
    struct stim_spec *stims;
    struct trace_spec *traces;
    struct wrec_spec *wrecs; /* record.weights, nwrecs entries */
    /* outputs */
    int record_spikes[256]; /* per population: 1 to write its spikes (only first npops used) */
    int nsinks;             /* record.spikes.format: the spike files, each once, in config order */
    const struct sink_ops *sinks[8];
    int raster;               /* draw raster.svg */
    uint32_t raster_per_pop;  /* neurons per population in the raster */
    int record_connectivity;  /* write nodes.h5 and edges.h5 of the built network */
    double rates_bin_ms;      /* record.rates: population rates in bins of this (0: none) */
};

void spec_free(struct net_spec *s);

#endif
