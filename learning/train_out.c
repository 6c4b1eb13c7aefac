/* learning/train_out: training.csv, curves.svg, summary.json (see train_out.h). */
#include "learning/train_out.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/version.h"
#include "io/afile.h"
#include "io/curves.h"
#include "learning/lcfg.h"

static void csv_num(FILE *f, double v) {
    if (isfinite(v))
        fprintf(f, ",%.10g", v);
    else
        fputs(",", f);
}

static int write_csv(const char *path, const struct snn *n, const struct learn_spec *ls,
                     const struct train_epoch *h, uint32_t nh, struct err *e) {
    struct afile f;
    int rc = afile_open(&f, path, e);
    if (rc) return rc;
    fputs("epoch,loss,train_acc,test_loss,test_acc,seconds", f.fp);
    for (int l = 0; l < n->nlayers - 1; l++)
        fprintf(f.fp, ",rate_hz_%s", n->L[l].name);
    if (ls->align)
        for (int l = 0; l < n->nlayers; l++)
            fprintf(f.fp, ",cos_%s", n->L[l].name);
    fputc('\n', f.fp);
    for (uint32_t k = 0; k < nh; k++) {
        fprintf(f.fp, "%u", h[k].epoch);
        double v[] = {h[k].loss, h[k].acc, h[k].test_loss, h[k].test_acc, h[k].seconds};
        for (size_t i = 0; i < sizeof v / sizeof *v; i++)
            csv_num(f.fp, v[i]);
        for (int l = 0; l < n->nlayers - 1; l++)
            csv_num(f.fp, h[k].rate_hz[l]);
        if (ls->align)
            for (int l = 0; l < n->nlayers; l++)
                csv_num(f.fp, h[k].cos[l]);
        fputc('\n', f.fp);
    }
    return afile_commit(&f, e);
}

static int write_curves(const char *path, const char *config, const struct snn *n,
                        const struct learn_spec *ls, const struct train_epoch *h, uint32_t nh,
                        struct err *e) {
    double *buf = malloc(sizeof(double) * nh * (4 + SNN_MAX_LAYERS));
    if (!buf) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    double *ltr = buf, *lte = buf + nh, *atr = buf + 2 * nh, *ate = buf + 3 * nh;
    for (uint32_t k = 0; k < nh; k++) {
        ltr[k] = h[k].loss, lte[k] = h[k].test_loss, atr[k] = h[k].acc, ate[k] = h[k].test_acc;
        for (int l = 0; l < n->nlayers; l++)
            buf[(4 + l) * nh + k] = h[k].cos[l];
    }
    struct curves_panel p[3];
    memset(p, 0, sizeof p);
    p[0] = (struct curves_panel){
        .title = "loss", .ylabel = "loss", .nseries = 2, .s = {{"train", ltr}, {"test", lte}}};
    p[1] = (struct curves_panel){.title = "accuracy",
                                 .ylabel = "%",
                                 .nseries = 2,
                                 .s = {{"train", atr}, {"test", ate}},
                                 .ymin = 0,
                                 .ymax = 100};
    p[2] = (struct curves_panel){.title = "cosine of the apical update and the BPTT gradient",
                                 .ylabel = "cos",
                                 .ymin = -1,
                                 .ymax = 1};
    if (ls->align) {
        p[2].nseries = n->nlayers;
        for (int l = 0; l < n->nlayers; l++)
            p[2].s[l] = (struct curves_series){n->L[l].name, buf + (4 + l) * nh};
    }
    char title[1200];
    snprintf(title, sizeof title, "%s: %s", config, snn_rule_names[ls->rule]);
    int rc = curves_write(path, title, NULL, (int)nh, p, 3, e);
    free(buf);
    return rc;
}

static void num_or_null(cJSON *o, const char *k, double v) {
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *settings(const struct net_spec *s, const struct learn_spec *ls, const struct snn *n) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "rule", snn_rule_names[ls->rule]);
    cJSON_AddStringToObject(o, "spike", lcfg_spike_names[ls->soft]);
    cJSON_AddStringToObject(o, "reset_grad", lcfg_reset_names[ls->reset_grad]);
    cJSON *sg = cJSON_AddObjectToObject(o, "surrogate");
    cJSON_AddStringToObject(sg, "shape", n->surr.shape->name);
    cJSON_AddNumberToObject(sg, "beta_per_mV", n->surr.beta);
    cJSON_AddNumberToObject(sg, "gamma", n->surr.gamma);
    cJSON_AddStringToObject(o, "loss", snn_loss_names[ls->loss]);
    if (ls->loss == SNN_LOSS_MSE) cJSON_AddNumberToObject(o, "mse_target_mV", ls->mse_target);
    cJSON *op = cJSON_AddObjectToObject(o, "optimizer");
    cJSON_AddStringToObject(op, "type", lcfg_optim_names[ls->opt.type]);
    cJSON_AddNumberToObject(op, "lr", ls->opt.lr);
    cJSON_AddNumberToObject(op, "lr_decay", ls->lr_decay);
    if (ls->opt.type == OPTIM_ADAM) {
        cJSON_AddNumberToObject(op, "beta1", ls->opt.beta1);
        cJSON_AddNumberToObject(op, "beta2", ls->opt.beta2);
        cJSON_AddNumberToObject(op, "eps", ls->opt.eps);
    } else {
        cJSON_AddNumberToObject(op, "momentum", ls->opt.momentum);
        cJSON_AddBoolToObject(op, "nesterov", ls->opt.nesterov);
    }
    cJSON_AddNumberToObject(op, "weight_decay", ls->opt.weight_decay);
    cJSON_AddNumberToObject(op, "clip", ls->opt.clip);
    cJSON *rr = cJSON_AddObjectToObject(o, "rate_reg");
    cJSON_AddNumberToObject(rr, "target_hz", ls->rate_target_hz);
    cJSON_AddNumberToObject(rr, "strength", ls->rate_strength);
    cJSON_AddNumberToObject(o, "batch", ls->batch);
    cJSON_AddNumberToObject(o, "epochs", ls->epochs);
    cJSON_AddNumberToObject(o, "steps", n->T);
    cJSON_AddNumberToObject(o, "dt_ms", n->dt);
    cJSON_AddNumberToObject(o, "seed", (double)s->seed);
    cJSON *d = cJSON_AddObjectToObject(o, "data");
    cJSON_AddStringToObject(d, "set", lcfg_set_names[ls->set]);
    if (ls->set == LSPEC_FMNIST) cJSON_AddStringToObject(d, "dir", ls->dir);
    cJSON *en = cJSON_AddObjectToObject(o, "encoder");
    cJSON_AddStringToObject(en, "type", lcfg_enc_names[ls->enc]);
    if (ls->enc == LSPEC_LATENCY) {
        cJSON_AddStringToObject(en, "mode", lcfg_lat_mode_names[ls->lat_mode]);
        cJSON_AddNumberToObject(en, "tau_ms", ls->tau);
        cJSON_AddNumberToObject(en, "thr", ls->thr);
    } else if (ls->enc == LSPEC_POISSON) {
        cJSON_AddNumberToObject(en, "rate_max_hz", ls->rate_max);
    } else {
        cJSON_AddNumberToObject(en, "gain", ls->gain);
        cJSON_AddNumberToObject(en, "offset", ls->offset);
    }
    cJSON *ly = cJSON_AddArrayToObject(o, "layers");
    for (int l = 0; l < n->nlayers; l++) {
        const struct snn_layer *L = &n->L[l];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", L->name);
        cJSON_AddNumberToObject(x, "units", L->n);
        cJSON_AddNumberToObject(x, "inputs", L->n_in);
        cJSON_AddStringToObject(x, "kind", L->spiking ? "spiking" : "readout");
        cJSON_AddNumberToObject(x, "state_size", L->D);
        if (L->spiking) cJSON_AddNumberToObject(x, "threshold_above_rest_mV", L->theta);
        cJSON_AddNumberToObject(x, "psp_peak_step0_mV_per_pA", L->q[0]);
        cJSON_AddNumberToObject(x, "psp_area_steps_mV_per_pA", L->kgain);
        cJSON_AddStringToObject(x, "feedback", snn_feedback_names[L->fb]);
        if (L->fb_src >= 0) cJSON_AddStringToObject(x, "feedback_from", n->L[L->fb_src].name);
        cJSON_AddItemToArray(ly, x);
    }
    return o;
}

static int write_summary(const char *path, const char *config, const struct net_spec *s,
                         const struct learn_spec *ls, const struct snn *n,
                         const struct train_epoch *h, uint32_t nh, int threads, struct err *e) {
    cJSON *root = cJSON_CreateObject();
    char hash[32];
    snprintf(hash, sizeof hash, "%016llx", s->config_hash);
    cJSON_AddStringToObject(root, "version", APICAL_VERSION);
    cJSON_AddStringToObject(root, "config", config);
    cJSON_AddStringToObject(root, "config_hash", hash);
    cJSON_AddNumberToObject(root, "threads", threads);
    cJSON_AddItemToObject(root, "settings", settings(s, ls, n));
    cJSON_AddNumberToObject(root, "epochs_done", nh);
    double best = -1, secs = 0;
    for (uint32_t k = 0; k < nh; k++) {
        best = h[k].test_acc > best ? h[k].test_acc : best;
        secs += h[k].seconds;
    }
    if (nh) {
        num_or_null(root, "final_test_acc", h[nh - 1].test_acc);
        num_or_null(root, "final_train_acc", h[nh - 1].acc);
        num_or_null(root, "best_test_acc", best);
        num_or_null(root, "mean_epoch_s", secs / nh);
    }
    cJSON *arr = cJSON_AddArrayToObject(root, "history");
    for (uint32_t k = 0; k < nh; k++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "epoch", h[k].epoch);
        num_or_null(x, "loss", h[k].loss);
        num_or_null(x, "train_acc", h[k].acc);
        num_or_null(x, "test_loss", h[k].test_loss);
        num_or_null(x, "test_acc", h[k].test_acc);
        num_or_null(x, "seconds", h[k].seconds);
        cJSON *r = cJSON_AddObjectToObject(x, "rate_hz");
        for (int l = 0; l < n->nlayers - 1; l++)
            num_or_null(r, n->L[l].name, h[k].rate_hz[l]);
        if (ls->align) {
            cJSON *c = cJSON_AddObjectToObject(x, "cos_apical_bptt");
            for (int l = 0; l < n->nlayers; l++)
                num_or_null(c, n->L[l].name, h[k].cos[l]);
        }
        cJSON_AddItemToArray(arr, x);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
    int rc = afile_write_text(path, text, e);
    free(text);
    return rc;
}

/* The three files in the order tout_publish renames them: summary.json, the completion mark,
 * last. */
static const char *const out_names[] = {"training.csv", "curves.svg", "summary.json"};

static int out_path(char *buf, size_t n, const char *dir, const char *name, const char *suffix,
                    struct err *e) {
    if ((size_t)snprintf(buf, n, "%s/%s%s", dir, name, suffix) >= n)
        return err_set(e, ERR_INPUT, dir, 0, "", "output path too long");
    return 0;
}

int tout_write(const char *dir, const char *suffix, const char *config, const struct net_spec *s,
               const struct learn_spec *ls, const struct snn *n, const struct train_epoch *h,
               uint32_t nh, int threads, struct err *e) {
    char path[1100];
    int rc = out_path(path, sizeof path, dir, out_names[0], suffix, e);
    if (!rc) rc = write_csv(path, n, ls, h, nh, e);
    if (!rc) rc = out_path(path, sizeof path, dir, out_names[1], suffix, e);
    if (!rc) rc = write_curves(path, config, n, ls, h, nh, e);
    if (!rc) rc = out_path(path, sizeof path, dir, out_names[2], suffix, e);
    if (!rc) rc = write_summary(path, config, s, ls, n, h, nh, threads, e);
    return rc;
}

int tout_publish(const char *dir, const char *suffix, struct err *e) {
    for (size_t k = 0; k < sizeof out_names / sizeof *out_names; k++) {
        char from[1100], to[1100];
        int rc = out_path(from, sizeof from, dir, out_names[k], suffix, e);
        if (!rc) rc = out_path(to, sizeof to, dir, out_names[k], "", e);
        if (rc) return rc;
        if (rename(from, to) != 0)
            return err_set(e, ERR_IO, to, 0, "", "cannot rename into place: %s",
                           strerror(errno));
    }
    return 0;
}

void tout_discard(const char *dir, const char *suffix) {
    for (size_t k = 0; k < sizeof out_names / sizeof *out_names; k++) {
        char path[1100];
        if (!out_path(path, sizeof path, dir, out_names[k], suffix, NULL)) unlink(path);
    }
}
