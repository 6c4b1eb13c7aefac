/* cli/check: `apical check`: validate a config and print the network it resolves to,
 * without allocating it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/net.h"
#include "io/cfg.h"
#include "io/circuit.h"
#include "learning/lcfg.h"
#include "learning/lspec.h"
#include "learning/snn.h"
#include "synapses/proj.h"

#define CHECK_CIRCUIT_DT_MS 0.1 /* simulation.dt's default (docs/config.md) */

static const char *const rule_text[] = {"all_to_all", "one_to_one", "fixed_probability",
                                        "fixed_indegree", "fixed_outdegree", "list",
                                        "fixed_total_number", "transpose"};

/* " name=value unit" for every parameter of a schema; one a rule leaves unset (NaN: it takes
 * its value from another, e.g. istdp's alpha from target_rate) is left out. */
static void print_params(const struct param *ps, int n, const double *v)
{
    for (int k = 0; k < n; k++) {
        if (isnan(v[k])) continue;
        if (ps[k].choices)
            printf(" %s=%s", ps[k].name, ps[k].choices[(int)v[k]]);
        else
            printf(" %s=%g%s", ps[k].name, v[k], ps[k].unit);
    }
}

/* A training config: what apical train does with it, and what apical run presents. */
static void print_training(const struct net_spec *s, const struct learn_spec *ls)
{
    printf("training: rule %s, batch %u, %u epochs; presentation %.0f steps of %g ms\n",
           snn_rule_names[ls->rule], ls->batch, ls->epochs, floor(s->duration_ms / s->dt_ms + 0.5),
           s->dt_ms);
    printf("data: %s, encoder %s; apical run presents the %s split, %g ms apart%s\n",
           lcfg_set_names[ls->set], lcfg_enc_names[ls->enc], lcfg_split_names[ls->present_train],
           ls->present_gap_ms, ls->present_reset ? ", each sample from rest" : "");
}

int cli_check(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse_args(argc, argv, &a, 0);
    if (rc || a.help) return rc;
    struct err e = {0};
    struct net_spec s;
    char *resolved = NULL;
    struct learn_spec ls;
    int training = 0;
    size_t len = strlen(a.config);
    int circuit = len > 5 && !strcmp(a.config + len - 5, ".json");
    if (circuit) {
        /* a SONATA circuit config directly: its network, delays against apical's default dt */
        memset(&s, 0, sizeof s);
        s.dt_ms = CHECK_CIRCUIT_DT_MS;
        if (a.nsets || circuit_load(a.config, s.dt_ms, &s, &e)) {
            if (a.nsets)
                err_set(&e, ERR_INPUT, a.config, 0, "", "--set applies to configs; a circuit "
                        "config is checked as it is");
            spec_free(&s);
            return cli_report(&e);
        }
    } else if (lcfg_load_any(a.config, a.sets, a.nsets, &s, &ls, &resolved, &training, &e)) {
        return cli_report(&e);
    }
    if (cli_check_memory(&s, &e)) {
        spec_free(&s);
        free(resolved);
        return cli_report(&e);
    }
    if (circuit)
        printf("%s: a valid SONATA circuit (delays checked against dt = %g ms)\n", a.config,
               s.dt_ms);
    else
        printf("%s: valid (hash %016llx)\n", a.config, s.config_hash);
    if (!circuit)
        printf("simulation: dt %g ms, duration %g ms (%.0f steps), seed %llu, threads %d%s\n",
               s.dt_ms, s.duration_ms, floor(s.duration_ms / s.dt_ms + 0.5),
               (unsigned long long)s.seed, s.threads, s.threads ? "" : " (all)");
    printf("populations:\n");
    for (int i = 0; i < s.npops; i++) {
        const struct pop_spec *p = &s.pops[i];
        printf("  %-12s %8u x %s", p->name, p->size, p->model->name);
        print_params(p->model->params, p->model->nparams, p->params);
        printf("\n");
        for (int c = 0; p->model->max_comps && c < p->shape.ncomp; c++) {
            printf("    compartment %-10s", p->shape.names[c]);
            if (c > 0) printf(" parent=%s", p->shape.names[p->shape.parent[c]]);
            for (int k = 0; k < p->model->ncparams; k++) {
                if (c == 0 && !strcmp(p->model->cparams[k].name, "g_c")) continue;
                printf(" %s=%g%s", p->model->cparams[k].name, p->shape.cparams[c][k],
                       p->model->cparams[k].unit);
            }
            printf("\n");
        }
    }
    printf("projections:\n");
    for (int j = 0; j < s.nprojs; j++) {
        const struct proj_spec *p = &s.projs[j];
        const struct proj_spec *cp = p->rule == CONN_TRANSPOSE ? &s.projs[p->of] : p;
        double n = proj_expected_count(cp, s.pops[cp->from].size, s.pops[cp->to].size,
                                       cp->from == cp->to);
        const struct pop_spec *tp = &s.pops[p->to];
        int np = tp->model->nports;
        printf("  %-12s %s -> %s.%s%s%s  %s", p->name, s.pops[p->from].name, tp->name,
               tp->model->max_comps ? tp->shape.names[p->port / np] : "",
               tp->model->max_comps ? "." : "", tp->model->port_names[p->port % np],
               rule_text[p->rule]);
        if (p->rule == CONN_FIXED_PROBABILITY) printf(" p=%g", p->p);
        if (p->rule == CONN_FIXED_INDEGREE || p->rule == CONN_FIXED_OUTDEGREE) printf(" k=%u", p->k);
        if (p->rule == CONN_FIXED_TOTAL_NUMBER) printf(" n=%llu", (unsigned long long)p->n);
        if (p->rule == CONN_TRANSPOSE) printf(" of %s (its weights, live)", s.projs[p->of].name);
        printf("  ~%.0f synapses\n", n);
        if (training && ls.feedback[j] != SNN_FB_NONE)
            printf("    feedback %s: apical train's error path; in apical run a plain "
                   "projection that no rule reads\n",
                   snn_feedback_names[ls.feedback[j]]);
        for (int r = 0; r < p->nplast; r++) {
            printf("    plasticity %s", p->plast[r].rule->name);
            print_params(p->plast[r].rule->params, p->plast[r].rule->nparams, p->plast[r].params);
            printf("\n");
        }
    }
    if (s.nstims) printf("stimuli:\n");
    for (int j = 0; j < s.nstims; j++) {
        const struct stim_spec *st = &s.stims[j];
        if (st->kind == STIM_POISSON)
            printf("  %-12s poisson %g Hz x %g -> %s\n", st->name, st->rate_hz, st->weight,
                   s.pops[st->target].name);
        else
            printf("  %-12s dc %g pA -> %s\n", st->name, st->amplitude_pa, s.pops[st->target].name);
    }
    if (training) print_training(&s, &ls);
    uint64_t neurons;
    double syn, bytes;
    net_estimate(&s, &neurons, &syn, &bytes);
    printf("total: %llu neurons, ~%.0f synapses, about %.1f MiB\n", (unsigned long long)neurons,
           syn, bytes / 1048576.0);
    spec_free(&s);
    free(resolved);
    return 0;
}
