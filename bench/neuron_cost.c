/* bench/neuron_cost: per-neuron, per-step update cost of each neuron model, measured in the
 * same process on the same machine: lif, lif_cond and mc_lif with 1 to 4 compartments (and 3
 * with conductance synapses, and 3 with escape-noise spiking).
 * Prints one JSON line per model with the median ns per neuron-step over alternating
 * repetitions, and the ratio to lif. Without arguments it measures 10 000 neurons (state in
 * cache) and 100 000 (state streamed from memory). Usage: neuron_cost [neurons [steps [repeats]]] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/soa.h"
#include "neurons/lif.h"
#include "neurons/mc_lif.h"
#include "neurons/registry.h"

struct model_run {
    const char *label;
    const struct nrn_ops *m;
    int ncomp;
    const char *synapse; /* a value of the model's "synapse" choice, or NULL for its default */
    const char *spiking; /* the same for "spiking" */
    double params[NRN_MAX_PARAMS];
    struct nrn_shape shape;
    void *derived;
    int nstate, nports;
    double *state[NRN_MAX_STATE], *input[NRN_MAX_PORTS];
    int32_t *refr;
    uint32_t *spikes;
    double ns[64];
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void set_choice(struct model_run *r, const char *name, const char *value)
{
    int k = value ? nrn_param_index(r->m, name) : -1;
    for (int c = 0; k >= 0 && r->m->params[k].choices[c]; c++)
        if (!strcmp(r->m->params[k].choices[c], value)) r->params[k] = c;
}

static void setup(struct model_run *r, uint32_t n)
{
    const struct nrn_ops *m = r->m;
    for (int i = 0; i < m->nparams; i++) r->params[i] = m->params[i].def;
    set_choice(r, "synapse", r->synapse);
    set_choice(r, "spiking", r->spiking);
    nrn_shape_point(&r->shape);
    if (m->max_comps) {
        r->shape.ncomp = r->ncomp;
        for (int c = 0; c < r->ncomp; c++) {
            for (int k = 0; k < m->ncparams; k++) r->shape.cparams[c][k] = m->cparams[k].def;
            snprintf(r->shape.names[c], NRN_COMP_NAME, "c%d", c);
            r->shape.parent[c] = c ? 0 : -1;
        }
    }
    r->nstate = nrn_nstate(m, &r->shape);
    r->nports = nrn_nports(m, &r->shape);
    r->derived = calloc(1, m->derived_size);
    struct err e;
    if (m->prepare(r->params, &r->shape, 0.1, r->derived, &e)) {
        fprintf(stderr, "prepare failed: %s\n", e.msg);
        exit(1);
    }
    double s0[NRN_MAX_STATE];
    m->initial(r->params, &r->shape, s0);
    /* the engine's layout: one staggered block for states, one for inputs (core/soa) */
    size_t st;
    double *sb = soa_alloc((size_t)r->nstate, n, &st), *ib = soa_alloc((size_t)r->nports, n, &st);
    for (int v = 0; v < r->nstate; v++) {
        r->state[v] = sb + v * st;
        for (uint32_t i = 0; i < n; i++) r->state[v][i] = s0[v];
    }
    for (int q = 0; q < r->nports; q++) r->input[q] = ib + q * st;
    r->refr = calloc(n, sizeof *r->refr);
    r->spikes = malloc(n * sizeof *r->spikes);
}

/* one repetition: `steps` updates of all neurons, with sparse input to keep them busy */
static double run_once(struct model_run *r, uint32_t n, int steps)
{
    uint32_t bad = UINT32_MAX;
    struct nrn_ctx c = {.derived = r->derived, .state = r->state, .refr = r->refr,
                        .input = r->input, .i_ext = 0, .nonfinite = &bad, .seed = 1};
    uint64_t x = 12345;
    double t0 = now();
    for (int s = 0; s < steps; s++) {
        for (uint32_t j = 0; j < n / 50; j++) { /* 2 % of neurons get an input per step */
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            r->input[(x >> 60) % r->nports][(x >> 20) % n] += 50.0;
        }
        c.step = s; /* escape noise draws per step */
        r->m->update(&c, 0, n, r->spikes);
    }
    return (now() - t0) / ((double)n * steps) * 1e9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void measure(uint32_t n, int steps, int reps);

int main(int argc, char **argv)
{
    int reps = argc > 3 ? atoi(argv[3]) : 7;
    if (reps > 64) reps = 64;
    if (reps < 1) reps = 1;
    if (argc > 1) {
        uint32_t n = (uint32_t)atol(argv[1]);
        measure(n ? n : 1, argc > 2 ? atoi(argv[2]) : 1000, reps);
    } else {
        measure(10000, 3000, reps);
        measure(100000, 300, reps);
    }
    return 0;
}

static void measure(uint32_t n, int steps, int reps)
{
    struct model_run runs[] = {
        {.label = "lif", .m = &lif_ops, .ncomp = 1},
        {.label = "lif_cond", .m = NULL, .ncomp = 1},
        {.label = "mc_lif_1", .m = &mc_lif_ops, .ncomp = 1},
        {.label = "mc_lif_2", .m = &mc_lif_ops, .ncomp = 2},
        {.label = "mc_lif_3", .m = &mc_lif_ops, .ncomp = 3},
        {.label = "mc_lif_4", .m = &mc_lif_ops, .ncomp = 4},
        {.label = "mc_lif_3_cond", .m = &mc_lif_ops, .ncomp = 3, .synapse = "conductance"},
        {.label = "mc_lif_3_escape", .m = &mc_lif_ops, .ncomp = 3, .spiking = "escape"},
    };
    const int nr = sizeof runs / sizeof runs[0];
    runs[1].m = nrn_find("lif_cond");
    for (int k = 0; k < nr; k++) setup(&runs[k], n);
    for (int k = 0; k < nr; k++) run_once(&runs[k], n, steps / 10 + 1); /* warm up */
    for (int rep = 0; rep < reps; rep++) /* alternate so drift hits every model alike */
        for (int k = 0; k < nr; k++) runs[k].ns[rep] = run_once(&runs[k], n, steps);
    double lif_med = 0;
    for (int k = 0; k < nr; k++) {
        qsort(runs[k].ns, (size_t)reps, sizeof(double), cmp);
        double med = runs[k].ns[reps / 2];
        if (k == 0) lif_med = med;
        printf("{\"bench\":\"neuron_cost\",\"model\":\"%s\",\"neurons\":%u,\"steps\":%d,"
               "\"repeats\":%d,\"ns_per_neuron_step_median\":%.3f,\"min\":%.3f,\"max\":%.3f,"
               "\"ratio_to_lif\":%.3f}\n",
               runs[k].label, n, steps, reps, med, runs[k].ns[0], runs[k].ns[reps - 1],
               med / lif_med);
    }
    for (int k = 0; k < nr; k++) { /* the blocks start at the first state and input arrays */
        free(runs[k].derived);
        free(runs[k].state[0]);
        free(runs[k].input[0]);
        free(runs[k].refr);
        free(runs[k].spikes);
    }
}
