/* learning/lcfg: the learning, data and encoder blocks of a training config, and its
 * projections' `feedback`. */
#include "learning/lcfg.h"

#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/cfg.h"
#include "learning/data.h"
#include "learning/data_encode.h"
#include "core/surrogate.h"

/* ---- names (lcfg.h) ---- */

const char *const lcfg_set_names[] = {"fashion-mnist", "yinyang", "xor", NULL};
const char *const lcfg_split_names[] = {"test", "train", NULL};
const char *const lcfg_enc_names[] = {"latency", "poisson", "current", NULL};
const char *const lcfg_lat_mode_names[] = {"log", "linear", NULL};
const char *const lcfg_spike_names[] = {"hard", "soft", NULL};
const char *const lcfg_reset_names[] = {"detach", "full", NULL};
const char *const lcfg_optim_names[] = {"sgd", "adam", NULL};

/* ---- the learning, data and encoder blocks ---- */

static int optimizer(const struct cfg_ctx *c, const config_setting_t *g, struct learn_spec *ls) {
    static const char *const keys[] = {"type",  "lr",       "momentum", "nesterov",
                                       "beta1", "beta2",    "eps",      "weight_decay",
                                       "clip",  "lr_decay", NULL};
    const char *p = "learning.optimizer";
    int type = OPTIM_ADAM, rc;
    if ((rc = cfg_rd_keys(c, g, p, keys)) ||
        (rc = cfg_rd_choice(c, g, p, "type", lcfg_optim_names, &type)))
        return rc;
    struct optim_cfg *o = &ls->opt;
    optim_cfg_default(o, type);
    int nest = 0;
    if ((rc = cfg_rd_num(c, g, p, "lr", 0, 1e-12, 1e6, &o->lr)) ||
        (rc = cfg_rd_num(c, g, p, "momentum", 0, 0, 0.999999, &o->momentum)) ||
        (rc = cfg_rd_bool(c, g, p, "nesterov", &nest)) ||
        (rc = cfg_rd_num(c, g, p, "beta1", 0, 0, 0.999999, &o->beta1)) ||
        (rc = cfg_rd_num(c, g, p, "beta2", 0, 0, 0.999999999, &o->beta2)) ||
        (rc = cfg_rd_num(c, g, p, "eps", 0, 1e-300, 1, &o->eps)) ||
        (rc = cfg_rd_num(c, g, p, "weight_decay", 0, 0, 1e6, &o->weight_decay)) ||
        (rc = cfg_rd_num(c, g, p, "clip", 0, 0, 1e300, &o->clip)) ||
        (rc = cfg_rd_num(c, g, p, "lr_decay", 0, 1e-6, 1, &ls->lr_decay)))
        return rc;
    o->nesterov = nest;
    if (nest && o->momentum <= 0)
        return cfg_rd_fail(c, config_setting_get_member(g, "nesterov"),
                           "learning.optimizer.nesterov", "nesterov needs momentum > 0");
    if (type == OPTIM_ADAM && config_setting_get_member(g, "momentum"))
        return cfg_rd_fail(c, config_setting_get_member(g, "momentum"),
                           "learning.optimizer.momentum",
                           "for sgd; adam's moments are beta1 and beta2");
    static const char *const adam_only[] = {"beta1", "beta2", "eps", NULL};
    for (int k = 0; type == OPTIM_SGD && adam_only[k]; k++) {
        const config_setting_t *x = config_setting_get_member(g, adam_only[k]);
        if (!x) continue;
        char path[64];
        snprintf(path, sizeof path, "learning.optimizer.%s", adam_only[k]);
        return cfg_rd_fail(c, x, path, "for adam; sgd takes momentum (and nesterov)");
    }
    return 0;
}

static int learning(const struct cfg_ctx *c, const config_setting_t *g, struct learn_spec *ls) {
    static const char *const keys[] = {"rule",          "spike",      "surrogate", "loss",
                                       "mse_target",    "optimizer",  "rate_reg",  "feedback_decay",
                                       "batch",         "reset_grad", "epochs",    "align",
                                       "align_batches", NULL};
    const char *p = "learning";
    int rc;
    long long batch = 32, epochs = 10, alignb = 4;
    if ((rc = cfg_rd_keys(c, g, p, keys)) ||
        (rc = cfg_rd_choice(c, g, p, "rule", snn_rule_names, &ls->rule)) ||
        (rc = cfg_rd_choice(c, g, p, "spike", lcfg_spike_names, &ls->soft)) ||
        (rc = cfg_rd_choice(c, g, p, "loss", snn_loss_names, &ls->loss)) ||
        (rc = cfg_rd_choice(c, g, p, "reset_grad", lcfg_reset_names, &ls->reset_grad)) ||
        (rc = cfg_rd_num(c, g, p, "mse_target", 0, -1e4, 1e4, &ls->mse_target)) ||
        (rc = cfg_rd_num(c, g, p, "feedback_decay", 0, 0, 1, &ls->feedback_decay)) ||
        (rc = cfg_rd_int(c, g, p, "batch", 0, 1, 1 << 20, &batch)) ||
        (rc = cfg_rd_int(c, g, p, "epochs", 0, 0, 1 << 20, &epochs)) ||
        (rc = cfg_rd_bool(c, g, p, "align", &ls->align)) ||
        (rc = cfg_rd_int(c, g, p, "align_batches", 0, 1, 1 << 20, &alignb)))
        return rc;
    if (!config_setting_get_member(g, "rule"))
        return cfg_rd_fail(c, g, "learning.rule", "missing (\"%s\" or \"%s\")",
                           snn_rule_names[SNN_APICAL], snn_rule_names[SNN_BPTT]);
    ls->batch = (uint32_t)batch;
    ls->epochs = (uint32_t)epochs;
    ls->align_batches = (uint32_t)alignb;
    const config_setting_t *s = config_setting_get_member(g, "surrogate");
    if (s) {
        static const char *const sk[] = {"shape", "beta", "gamma", NULL};
        const char *shape = NULL;
        if ((rc = cfg_rd_keys(c, s, "learning.surrogate", sk)) ||
            (rc = cfg_rd_str(c, s, "learning.surrogate", "shape", 0, &shape)) ||
            (rc = cfg_rd_num(c, s, "learning.surrogate", "beta", 0, 1e-9, 1e9, &ls->surr_beta)) ||
            (rc = cfg_rd_num(c, s, "learning.surrogate", "gamma", 0, 1e-9, 1e9, &ls->surr_gamma)))
            return rc;
        if (shape) {
            struct surr tmp;
            struct err e2 = {0};
            if (surr_init(&tmp, shape, NAN, NAN, "", &e2) != 0)
                return cfg_rd_fail(c, config_setting_get_member(s, "shape"),
                                   "learning.surrogate.shape", "%s", e2.msg);
            snprintf(ls->surr_shape, sizeof ls->surr_shape, "%s", shape);
        }
        if (ls->soft && config_setting_get_member(s, "gamma"))
            return cfg_rd_fail(c, config_setting_get_member(s, "gamma"), "learning.surrogate.gamma",
                               "spike = \"soft\" sets gamma = beta / mass (a unit step): leave "
                               "gamma out");
    }
    const config_setting_t *o = config_setting_get_member(g, "optimizer");
    optim_cfg_default(&ls->opt, OPTIM_ADAM);
    if (o && (rc = optimizer(c, o, ls))) return rc;
    const config_setting_t *r = config_setting_get_member(g, "rate_reg");
    if (r) {
        static const char *const rk[] = {"target", "strength", NULL};
        if ((rc = cfg_rd_keys(c, r, "learning.rate_reg", rk)) ||
            (rc =
                 cfg_rd_num(c, r, "learning.rate_reg", "target", 0, 0, 1e4, &ls->rate_target_hz)) ||
            (rc = cfg_rd_num(c, r, "learning.rate_reg", "strength", 0, 0, 1e6, &ls->rate_strength)))
            return rc;
    }
    return 0;
}

static int data(const struct cfg_ctx *c, const config_setting_t *g, struct learn_spec *ls) {
    static const char *const keys[] = {"set",   "dir", "seed",  "train", "test",
                                       "split", "gap", "reset", NULL};
    const char *p = "data", *dir = NULL;
    long long seed = 42, ntr = 0, nte = 0;
    int rc;
    ls->present_reset = 1;
    if ((rc = cfg_rd_keys(c, g, p, keys)) ||
        (rc = cfg_rd_choice(c, g, p, "set", lcfg_set_names, &ls->set)) ||
        (rc = cfg_rd_str(c, g, p, "dir", 0, &dir)) ||
        (rc = cfg_rd_int(c, g, p, "seed", 0, 0, INT64_MAX, &seed)) ||
        (rc = cfg_rd_int(c, g, p, "train", 0, 0, 1 << 30, &ntr)) ||
        (rc = cfg_rd_int(c, g, p, "test", 0, 0, 1 << 30, &nte)) ||
        (rc = cfg_rd_choice(c, g, p, "split", lcfg_split_names, &ls->present_train)) ||
        (rc = cfg_rd_num(c, g, p, "gap", 0, 0, 1e6, &ls->present_gap_ms)) ||
        (rc = cfg_rd_bool(c, g, p, "reset", &ls->present_reset)))
        return rc;
    if (!config_setting_get_member(g, "set"))
        return cfg_rd_fail(c, g, "data.set", "missing (\"%s\", \"%s\" or \"%s\")",
                           lcfg_set_names[LSPEC_FMNIST], lcfg_set_names[LSPEC_YINYANG],
                           lcfg_set_names[LSPEC_XOR]);
    if (dir && ls->set != LSPEC_FMNIST)
        return cfg_rd_fail(c, config_setting_get_member(g, "dir"), "data.dir",
                           "only for set = \"%s\"", lcfg_set_names[LSPEC_FMNIST]);
    if (ls->set != LSPEC_YINYANG && config_setting_get_member(g, "seed"))
        return cfg_rd_fail(c, config_setting_get_member(g, "seed"), "data.seed",
                           "only for set = \"%s\" (the other sets are not generated)",
                           lcfg_set_names[LSPEC_YINYANG]);
    if (dir && dir[0] != '/')
        snprintf(ls->dir, sizeof ls->dir, "%s/%s", cfg_rd_dir(c), dir);
    else
        snprintf(ls->dir, sizeof ls->dir, "%s", dir ? dir : DATA_FMNIST_DIR);
    ls->data_seed = (uint64_t)seed;
    ls->n_train = (uint32_t)ntr;
    ls->n_test = (uint32_t)nte;
    return 0;
}

static int encoder(const struct cfg_ctx *c, const config_setting_t *g, struct learn_spec *ls) {
    static const char *const keys[] = {"type",     "mode", "tau",    "thr",
                                       "rate_max", "gain", "offset", NULL};
    const char *p = "encoder";
    int rc;
    ls->tau = 20.0;
    ls->thr = 0.2;
    ls->rate_max = 100.0;
    ls->gain = 1.0;
    ls->offset = 0.0;
    if ((rc = cfg_rd_keys(c, g, p, keys)) ||
        (rc = cfg_rd_choice(c, g, p, "type", lcfg_enc_names, &ls->enc)) ||
        (rc = cfg_rd_choice(c, g, p, "mode", lcfg_lat_mode_names, &ls->lat_mode)) ||
        (rc = cfg_rd_num(c, g, p, "tau", 0, 1e-6, 1e6, &ls->tau)) ||
        (rc = cfg_rd_num(c, g, p, "thr", 0, 0, 0.999999, &ls->thr)) ||
        (rc = cfg_rd_num(c, g, p, "rate_max", 0, 0, 1e6, &ls->rate_max)) ||
        (rc = cfg_rd_num(c, g, p, "gain", 0, -1e9, 1e9, &ls->gain)) ||
        (rc = cfg_rd_num(c, g, p, "offset", 0, -1e9, 1e9, &ls->offset)))
        return rc;
    if (!config_setting_get_member(g, "type"))
        return cfg_rd_fail(c, g, "encoder.type", "missing (\"%s\", \"%s\" or \"%s\")",
                           lcfg_enc_names[LSPEC_LATENCY], lcfg_enc_names[LSPEC_POISSON],
                           lcfg_enc_names[LSPEC_CURRENT]);
    static const char *const only[3][4] = {
        {"mode", "tau", "thr", NULL}, {"rate_max", NULL}, {"gain", "offset", NULL}};
    for (int t = 0; t < 3; t++) {
        if (t == ls->enc) continue;
        for (int k = 0; only[t][k]; k++) {
            const config_setting_t *m = config_setting_get_member(g, only[t][k]);
            if (!m) continue;
            char path[64];
            snprintf(path, sizeof path, "encoder.%s", only[t][k]);
            return cfg_rd_fail(c, m, path, "only for type = \"%s\"", lcfg_enc_names[t]);
        }
    }
    return 0;
}

/* ---- projections ---- */

const char *const lcfg_proj_keys[] = {"feedback", NULL};

int lcfg_read_feedback(const struct cfg_ctx *c, const config_setting_t *root,
                       const struct net_spec *s, int *fb) {
    const config_setting_t *list = config_setting_get_member(root, "projections");
    if (s->nprojs > SNN_MAX_PROJS)
        return cfg_rd_fail(c, list, "projections",
                           "%d projections: a training network has at most %d", s->nprojs,
                           SNN_MAX_PROJS);
    for (int k = 0; k < s->nprojs; k++) {
        /* io/cfg read the list in order: element k is projection k */
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)k);
        char path[SPEC_NAME + 16];
        snprintf(path, sizeof path, "projections.%s", s->projs[k].name);
        /* configs name the modes after "none": the index in those, -1 (none) if left out */
        int mode = -1;
        int rc = cfg_rd_choice(c, g, path, "feedback", snn_feedback_names + 1, &mode);
        if (rc) return rc;
        fb[k] = SNN_FB_NONE + 1 + mode;
    }
    return 0;
}

/* ---- the whole config ---- */

struct reader {
    struct learn_spec *ls;
};

static int present_checks(const struct cfg_ctx *c, const config_setting_t *root,
                          const config_setting_t *d, const config_setting_t *en,
                          const struct net_spec *s, const struct learn_spec *ls);

static int read_blocks(void *self, const struct cfg_ctx *c, const config_setting_t *root,
                       const struct net_spec *s) {
    struct learn_spec *ls = ((struct reader *)self)->ls;
    const config_setting_t *l = config_setting_get_member(root, "learning");
    const config_setting_t *d = config_setting_get_member(root, "data");
    const config_setting_t *en = config_setting_get_member(root, "encoder");
    if (!l)
        return cfg_rd_fail(c, root, "learning",
                           "missing: not a training config (a network to "
                           "simulate runs with apical run)");
    if (config_setting_get_member(root, "teacher"))
        return cfg_rd_fail(c, config_setting_get_member(root, "teacher"), "teacher",
                           "belongs to online configs (no learning block: the circuit learns by "
                           "its plastic projections in apical run)");
    if (!d) return cfg_rd_fail(c, root, "data", "missing: which data set to train on");
    if (!en) return cfg_rd_fail(c, root, "encoder", "missing: how samples become input");
    int rc;
    if ((rc = lcfg_read_feedback(c, root, s, ls->feedback)) || (rc = learning(c, l, ls)) ||
        (rc = data(c, d, ls)) || (rc = encoder(c, en, ls)))
        return rc;
    return present_checks(c, root, d, en, s, ls);
}

/* What a presentation needs of any config: whole steps, a Poisson rate the steps can hold. */
static int present_checks(const struct cfg_ctx *c, const config_setting_t *root,
                          const config_setting_t *d, const config_setting_t *en,
                          const struct net_spec *s, const struct learn_spec *ls) {
    double steps = s->duration_ms / s->dt_ms;
    if (steps < 1 || fabs(steps - nearbyint(steps)) > 1e-9 * steps)
        return cfg_rd_fail(c, config_setting_get_member(root, "simulation"), "simulation.duration",
                           "a presentation is a whole number of steps dt");
    double gap = ls->present_gap_ms / s->dt_ms;
    if (fabs(gap - nearbyint(gap)) > 1e-9 * (gap > 1 ? gap : 1))
        return cfg_rd_fail(c, config_setting_get_member(d, "gap"), "data.gap",
                           "%g ms is not a whole number of steps dt = %g ms",
                           ls->present_gap_ms, s->dt_ms);
    if (ls->enc == LSPEC_POISSON && ls->rate_max * s->dt_ms > 1000.0)
        return cfg_rd_fail(c, config_setting_get_member(en, "rate_max"), "encoder.rate_max",
                           "%g Hz at dt = %g ms: at most one spike per step (rate_max dt <= 1000)",
                           ls->rate_max, s->dt_ms);
    return 0;
}

/* A population of the network named by teacher.KEY: its index in *out. A fed one (input,
 * error) must be a spike source with no spike times of its own. */
static int teacher_pop(const struct cfg_ctx *c, const config_setting_t *g, const struct net_spec *s,
                       const char *key, int fed, int *out) {
    char path[64];
    snprintf(path, sizeof path, "teacher.%s", key);
    const char *name = NULL;
    int rc = cfg_rd_str(c, g, "teacher", key, 1, &name);
    if (rc) return rc;
    const config_setting_t *m = config_setting_get_member(g, key);
    for (int i = 0; i < s->npops; i++) {
        if (strcmp(s->pops[i].name, name)) continue;
        const struct pop_spec *ps = &s->pops[i];
        if (fed && (ps->model->update || ps->src_offset))
            return cfg_rd_fail(c, m, path, "population %s must be a spike_source without "
                               "spike_times or spike_file: the presentation feeds it", name);
        if (!fed && !ps->model->update)
            return cfg_rd_fail(c, m, path, "population %s is a source; the readout must be "
                               "neurons", name);
        *out = i;
        return 0;
    }
    return cfg_rd_fail(c, m, path, "no population named \"%s\"", name);
}

/* teacher = { input; readout; error; loss; mse_target; gain; epochs; window; } */
static int teacher(const struct cfg_ctx *c, const config_setting_t *g, const struct net_spec *s,
                   struct learn_spec *ls) {
    static const char *const keys[] = {"input", "readout", "error", "loss", "mse_target",
                                       "gain", "epochs", "window", NULL};
    const char *p = "teacher";
    long long epochs = 1, window = 500;
    int rc;
    ls->teacher_gain = 1.0;
    if ((rc = cfg_rd_keys(c, g, p, keys)) || (rc = teacher_pop(c, g, s, "input", 1, &ls->in_pop)) ||
        (rc = teacher_pop(c, g, s, "readout", 0, &ls->out_pop)) ||
        (rc = teacher_pop(c, g, s, "error", 1, &ls->err_pop)) ||
        (rc = cfg_rd_choice(c, g, p, "loss", snn_loss_names, &ls->loss)) ||
        (rc = cfg_rd_num(c, g, p, "mse_target", 0, -1e4, 1e4, &ls->mse_target)) ||
        (rc = cfg_rd_num(c, g, p, "gain", 0, -1e9, 1e9, &ls->teacher_gain)) ||
        (rc = cfg_rd_int(c, g, p, "epochs", 0, 0, 1 << 20, &epochs)) ||
        (rc = cfg_rd_int(c, g, p, "window", 0, 1, 1 << 30, &window)))
        return rc;
    if (ls->loss == SNN_LOSS_CE_MEAN)
        return cfg_rd_fail(c, config_setting_get_member(g, "loss"), "teacher.loss",
                           "\"softmax_ce_mean\" needs the whole presentation before its error; "
                           "online, the error of each step is its own (\"softmax_ce\" or \"mse\")");
    if (ls->in_pop == ls->err_pop)
        return cfg_rd_fail(c, config_setting_get_member(g, "error"), "teacher.error",
                           "the error population cannot be the input too");
    ls->epochs = (uint32_t)epochs;
    ls->acc_window = (uint32_t)window;
    return 0;
}

/* A network config with a teacher block: the data set presented while the circuit learns by
 * its own plastic projections (apical run). */
static int read_online(void *self, const struct cfg_ctx *c, const config_setting_t *root,
                       const struct net_spec *s) {
    struct learn_spec *ls = ((struct reader *)self)->ls;
    const config_setting_t *d = config_setting_get_member(root, "data");
    const config_setting_t *en = config_setting_get_member(root, "encoder");
    if (!d) return cfg_rd_fail(c, root, "data", "missing: which data set to present");
    if (!en) return cfg_rd_fail(c, root, "encoder", "missing: how samples become input");
    int rc;
    ls->online = 1;
    ls->present_train = 1;
    if ((rc = data(c, d, ls)) || (rc = encoder(c, en, ls)) ||
        (rc = teacher(c, config_setting_get_member(root, "teacher"), s, ls)))
        return rc;
    if (config_setting_get_member(d, "split"))
        return cfg_rd_fail(c, config_setting_get_member(d, "split"), "data.split",
                           "an online config presents teacher.epochs passes of the training "
                           "split, then the test split");
    if ((rc = present_checks(c, root, d, en, s, ls))) return rc;
    /* the presentation's buffers hold a sample's events, up to inputs x steps */
    if (s->duration_ms / s->dt_ms > 1e8)
        return cfg_rd_fail(c, config_setting_get_member(root, "simulation"), "simulation.duration",
                           "a presentation of %.0f steps; at most 1e8", s->duration_ms / s->dt_ms);
    return 0;
}

static int load(const char *path, const char *const *sets, int nsets, struct net_spec *spec,
                struct learn_spec *ls, char **resolved, int *training, struct err *e) {
    static const char *const blocks[] = {"learning", "data", "encoder", NULL};
    static const char *const oblocks[] = {"teacher", "data", "encoder", NULL};
    memset(ls, 0, sizeof *ls);
    ls->surr_beta = NAN;
    ls->surr_gamma = NAN;
    snprintf(ls->surr_shape, sizeof ls->surr_shape, "fast_sigmoid");
    ls->mse_target = 10.0;
    ls->rate_target_hz = 10.0;
    ls->lr_decay = 1.0;
    struct reader r = {.ls = ls};
    /* training longer (a larger learning.epochs) resumes the same run */
    /* settings that change no weight: a run may resume with other values */
    static const char *const unhashed[] = {"learning.epochs", "learning.align",
                                           "learning.align_batches", NULL};
    const struct cfg_ext online = {.blocks = oblocks, .read = read_online, .self = &r,
                                   .plastic = 1};
    struct cfg_ext x = {.blocks = blocks, .read = read_blocks, .self = &r, .unhashed = unhashed,
                        .present = training, .proj_keys = lcfg_proj_keys, .alt = &online};
    return cfg_load_ext(path, sets, nsets, &x, spec, resolved, e);
}

int lcfg_load(const char *path, const char *const *sets, int nsets, struct net_spec *spec,
              struct learn_spec *ls, char **resolved, struct err *e) {
    return load(path, sets, nsets, spec, ls, resolved, NULL, e);
}

int lcfg_load_any(const char *path, const char *const *sets, int nsets, struct net_spec *spec,
                  struct learn_spec *ls, char **resolved, int *training, struct err *e) {
    return load(path, sets, nsets, spec, ls, resolved, training, e);
}
