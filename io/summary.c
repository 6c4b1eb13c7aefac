/* io/summary: building summary.json. Non-finite numbers never reach the file as a silent null:
 * a statistic without data is written as null next to the count that explains it. */
#include "io/summary.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/version.h"
#include "io/afile.h"
#include "io/cfg.h"

static void add_num_or_null(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void add_wstats(cJSON *o, const char *k, const struct net_wstats *st)
{
    cJSON *w = cJSON_AddObjectToObject(o, k);
    add_num_or_null(w, "mean", st->mean);
    add_num_or_null(w, "std", st->std);
    add_num_or_null(w, "fraction_at_lower", st->at_lo);
    add_num_or_null(w, "fraction_at_upper", st->at_hi);
}

/* "plasticity": per plastic projection, its rules, bounds, and weights before and after */
static int add_plasticity(cJSON *root, const struct net *n, const struct summary_info *si,
                          struct err *e)
{
    cJSON *arr = NULL;
    for (int j = 0; j < n->nprojs; j++) {
        const struct net_plast *pl = n->plast[j];
        if (!pl) continue;
        if (!arr) arr = cJSON_AddArrayToObject(root, "plasticity");
        struct net_wstats fin;
        int rc = net_weight_stats(n, j, &fin, e);
        if (rc) return rc;
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "projection", n->spec->projs[j].name);
        cJSON *rules = cJSON_AddArrayToObject(p, "rules");
        for (int r = 0; r < pl->nrules; r++)
            cJSON_AddItemToArray(rules, cJSON_CreateString(pl->rule[r]->name));
        cJSON_AddNumberToObject(p, "synapses", (double)n->projs[j].nsyn);
        add_num_or_null(p, "w_lower", fin.lo);
        add_num_or_null(p, "w_upper", fin.hi);
        if (si->w0) add_wstats(p, "initial", &si->w0[j]);
        add_wstats(p, "final", &fin);
        cJSON_AddItemToArray(arr, p);
    }
    return 0;
}

int summary_write(const char *path, const struct net *n, const struct summary_info *si,
                  struct err *e)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) return err_set(e, ERR_NOMEM, path, 0, NULL, "out of memory");
    char hash[32];
    snprintf(hash, sizeof hash, "%016llx", n->spec->config_hash);
    cJSON_AddStringToObject(root, "program", "apical");
    cJSON_AddStringToObject(root, "version", APICAL_VERSION);
    cJSON_AddStringToObject(root, "config", si->config_path);
    cJSON_AddStringToObject(root, "config_hash", hash);
    cJSON_AddNumberToObject(root, "seed", (double)n->seed);
    cJSON_AddNumberToObject(root, "threads", n->nthreads);
    if (n->nranks > 1) /* threads is then per rank */
        cJSON_AddNumberToObject(root, "ranks", n->nranks);
    cJSON_AddNumberToObject(root, "dt_ms", n->dt_ms);
    cJSON_AddNumberToObject(root, "duration_ms", n->nsteps * n->dt_ms);
    cJSON_AddNumberToObject(root, "simulated_ms", n->step * n->dt_ms);
    cJSON_AddBoolToObject(root, "interrupted", n->interrupted);
    uint64_t neurons = 0, spikes = 0;
    cJSON *pops = cJSON_AddArrayToObject(root, "populations");
    for (int i = 0; i < n->npops; i++) {
        struct pop_stats st;
        net_pop_stats(n, i, &st);
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", n->pops[i].name);
        cJSON_AddStringToObject(p, "model", n->pops[i].ops->name);
        cJSON_AddNumberToObject(p, "neurons", n->pops[i].n);
        cJSON_AddNumberToObject(p, "spikes", (double)st.spikes);
        cJSON_AddNumberToObject(p, "rate_hz", st.rate_hz);
        add_num_or_null(p, "cv_isi", st.cv_isi);
        cJSON_AddNumberToObject(p, "cv_isi_neurons", st.cv_neurons);
        cJSON_AddNumberToObject(p, "synapses_in", (double)st.synapses_in);
        cJSON_AddItemToArray(pops, p);
        neurons += n->pops[i].n;
        spikes += st.spikes;
    }
    uint64_t syn = net_synapses(n), events = net_events(n);
    size_t proj_bytes = 0;
    for (int j = 0; j < n->nprojs; j++) proj_bytes += n->projs[j].bytes;
    cJSON_AddNumberToObject(root, "neurons", (double)neurons);
    cJSON_AddNumberToObject(root, "spikes", (double)spikes);
    cJSON_AddNumberToObject(root, "synapses", (double)syn);
    cJSON_AddNumberToObject(root, "projection_bytes", (double)proj_bytes);
    add_num_or_null(root, "bytes_per_synapse", syn ? (double)proj_bytes / syn : NAN);
    cJSON_AddNumberToObject(root, "synaptic_events", (double)events);
    cJSON *wall = cJSON_AddObjectToObject(root, "wall_s");
    cJSON_AddNumberToObject(wall, "build", n->build_s);
    cJSON_AddNumberToObject(wall, "simulate", n->sim_s);
    add_num_or_null(root, "events_per_s", n->sim_s > 0 ? events / n->sim_s : NAN);
    add_num_or_null(root, "real_time_factor",
                    n->sim_s > 0 ? n->step * n->dt_ms * 1e-3 / n->sim_s : NAN);
    cJSON_AddNumberToObject(root, "peak_rss_bytes", (double)si->peak_rss_kb * 1024.0);
    if (si->split) { /* a training config's data set, presented */
        cJSON *c = cJSON_AddObjectToObject(root, "classification");
        cJSON_AddStringToObject(c, "split", si->split);
        cJSON_AddNumberToObject(c, "samples", si->samples);
        cJSON_AddNumberToObject(c, "correct", si->correct);
        add_num_or_null(c, "accuracy", si->samples ? 100.0 * si->correct / si->samples : NAN);
        add_num_or_null(c, "samples_per_s",
                        n->sim_s > 0 ? ((double)si->samples + (double)si->learned) / n->sim_s : NAN);
        if (si->learned) { /* an online config: what it learned from, as it went */
            cJSON *o = cJSON_AddObjectToObject(c, "online");
            cJSON_AddNumberToObject(o, "samples_learned", (double)si->learned);
            add_num_or_null(o, "accuracy_last_window", si->learn_acc);
        }
    }
    int prc = add_plasticity(root, n, si, e);
    if (prc) {
        cJSON_Delete(root);
        return prc;
    }

    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return err_set(e, ERR_NOMEM, path, 0, NULL, "out of memory");
    int rc = afile_write_text(path, text, e);
    free(text);
    return rc;
}
