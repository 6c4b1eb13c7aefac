/* io/cfg: libconfig -> net_spec. Three stages: read (syntax, @include relative to the including
 * file), override (--set), validate into a spec. Validation walks every group with the list of
 * keys it allows, so an unknown key is an error, not a silently ignored setting. */
#include "io/cfg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/cfg_int.h"
#include "io/cfg_set.h"
#include "io/sink.h"
#include "io/spikes.h"
#include "io/suggest.h"
#include "io/circuit.h"
#include "io/edges.h"
#include "io/rates.h"
#include "io/weights.h"
#include "core/dist.h"
#include "neurons/registry.h"
#include "synapses/rules.h"
#include "synapses/proj.h"

#define PATH_LEN 256

/* Validation context: the top-level file name, for settings that carry none. */
struct cfg_ctx {
    const char *file;
    const char *base; /* the top-level file's name as libconfig knows it */
    const char *dir; /* folder of the top-level file, for relative data paths */
    const struct set_log *sets;
    struct err *e;
    double dt;
    double scale_n, scale_k;         /* scale.neurons, scale.indegree */
    const config_setting_t *scale;   /* the scale group, or NULL */
    int poisson_dc;                  /* simulation.poisson = "dc" */
    double *comp_pa;                 /* per population: dc compensating scaled in-degrees */
    uint32_t *size0;                 /* per population: size before scale.neurons */
    const struct cfg_ext *ext;       /* blocks another module reads (training), or NULL */
    const struct cfg_ext *absent;    /* an extension whose blocks this config lacks, or NULL */
};

/* ---- error helpers ---- */

/* libconfig names files as they were opened: relative to the top-level file's folder. */
static const char *display_file(const char *dir, const char *base, const char *top, const char *f,
                                char *buf, size_t n)
{
    if (!f || !strcmp(f, base)) return top;
    if (f[0] == '/' || !strcmp(dir, ".")) return f;
    if ((size_t)snprintf(buf, n, "%s/%s", dir, f) >= n) return f;
    return buf;
}

/* The latest --set that made s or one of its enclosing groups, or NULL. */
static const struct set_origin *set_origin(const struct cfg_ctx *c, const config_setting_t *s)
{
    for (const config_setting_t *x = s; c->sets && x; x = config_setting_parent(x))
        for (int i = c->sets->n - 1; i >= 0; i--)
            if (c->sets->v[i].s == x) return &c->sets->v[i];
    return NULL;
}

/* Where s comes from: "--set PATH=VALUE", or its file (the config itself for the root). */
static const char *where_file(const struct cfg_ctx *c, const config_setting_t *s)
{
    static _Thread_local char buf[1024];
    const struct set_origin *o = set_origin(c, s);
    if (o) {
        snprintf(buf, sizeof buf, "--set %s", o->arg);
        return buf;
    }
    if (s && !config_setting_parent(s)) return c->file;
    if (s && config_setting_source_line(s) == 0) return "--set"; /* made by --set, not logged */
    const char *f = s ? config_setting_source_file(s) : NULL;
    return display_file(c->dir, c->base, c->file, f, buf, sizeof buf);
}

static int where_line(const struct cfg_ctx *c, const config_setting_t *s)
{
    return s && !set_origin(c, s) ? (int)config_setting_source_line(s) : 0;
}

static int fail(const struct cfg_ctx *c, const config_setting_t *s, const char *path, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));
static int fail(const struct cfg_ctx *c, const config_setting_t *s, const char *path, const char *fmt,
                ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(c->e, ERR_INPUT, where_file(c, s), where_line(c, s), path, "%s", msg);
}

static void join(char *out, const char *base, const char *key)
{
    /* a path longer than PATH_LEN is cut short: it only names a place in messages */
    int n = base[0] ? snprintf(out, PATH_LEN, "%s.%s", base, key)
                    : snprintf(out, PATH_LEN, "%s", key);
    if (n >= PATH_LEN) out[PATH_LEN - 1] = '\0';
}

static int valid_name(const char *s);

/* The path of s as messages name it: group keys, and list elements by their name (a group
 * with a valid name key) or as [i]. */
static void setting_path(const config_setting_t *s, char *out)
{
    const config_setting_t *up = config_setting_parent(s);
    out[0] = '\0';
    if (!up) return;
    char base[PATH_LEN], key[PATH_LEN];
    setting_path(up, base);
    const char *name = NULL;
    if (config_setting_type(up) == CONFIG_TYPE_GROUP)
        name = config_setting_name(s);
    else if (config_setting_type(s) == CONFIG_TYPE_GROUP &&
             (!config_setting_lookup_string(s, "name", &name) || !valid_name(name)))
        name = NULL;
    if (name)
        snprintf(key, sizeof key, "%s", name);
    else
        snprintf(key, sizeof key, "[%d]", config_setting_index(s));
    join(out, base, key);
}

/* A setting path into out (PATH_LEN bytes), cut short if longer: it only names a place. */
static void pathf(char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, PATH_LEN, fmt, ap);
    va_end(ap);
}

/* The error for member m of the group at path, which is none of allowed (NULL-terminated):
 * "WHAT: did you mean PATH.NEAREST? (allowed here: ...)", the nearest by io/suggest. */
static int unknown_key(const struct cfg_ctx *c, const config_setting_t *m, const char *path,
                       const char *what, const char *const *allowed)
{
    char p[PATH_LEN], near[PATH_LEN], known[512] = "", hint[PATH_LEN + 32] = "";
    join(p, path, config_setting_name(m));
    for (const char *const *a = allowed; *a; a++) {
        strncat(known, *a, sizeof known - strlen(known) - 3);
        if (a[1]) strncat(known, ", ", sizeof known - strlen(known) - 1);
    }
    const char *n = suggest_nearest(config_setting_name(m), allowed);
    if (n) {
        join(near, path, n);
        snprintf(hint, sizeof hint, ": did you mean %s?", near);
    }
    return fail(c, m, p, "%s%s (allowed here: %s)", what, hint, known);
}

/* ": did you mean \"NEAREST\"?" for an unknown choice v, or "" (io/suggest). */
static const char *choice_hint(const char *v, const char *const *choices, char *buf, size_t n)
{
    const char *near = suggest_nearest(v, choices);
    if (!near) return "";
    snprintf(buf, n, ": did you mean \"%.60s\"?", near);
    return buf;
}

/* Every member of group g must be one of the NULL-terminated names in allowed. */
static int only_keys(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                     const char *const *allowed)
{
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++) ok = !strcmp(*a, name);
        if (!ok) return unknown_key(c, m, path, "unknown setting", allowed);
    }
    return 0;
}

/* A number (int or float) member of g; missing is fine when !required (out keeps its value). */
static int get_num(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                   const char *key, int required, double lo, double hi, double *out)
{
    char p[PATH_LEN];
    join(p, path, key);
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s) return required ? fail(c, g, p, "missing (a number is required)") : 0;
    if (!cfg_is_number(s)) return fail(c, s, p, "must be a number, not %s", cfg_type_name(s));
    double v = config_setting_type(s) == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
                                                          : (double)config_setting_get_int64(s);
    if (!isfinite(v)) return fail(c, s, p, "must be finite");
    if (v < lo || v > hi) return fail(c, s, p, "%g is out of range [%g, %g]", v, lo, hi);
    *out = v;
    return 0;
}

static int get_int(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                   const char *key, int required, long long lo, long long hi, long long *out)
{
    char p[PATH_LEN];
    join(p, path, key);
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s) return required ? fail(c, g, p, "missing (an integer is required)") : 0;
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_FLOAT) {
        double d = config_setting_get_float(s);
        if (isfinite(d) && (d < lo || d > hi))
            return fail(c, s, p, "%g is out of range [%lld, %lld]", d, lo, hi);
        if (d == floor(d) && isfinite(d))
            return fail(c, s, p, "must be an integer: write %.0f, without a decimal point or "
                        "exponent", d);
        return fail(c, s, p, "must be an integer, not %g", d);
    }
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return fail(c, s, p, "must be an integer, not %s", cfg_type_name(s));
    /* 64-bit whatever the literal (io/cfg_int widened what libconfig 1.5 wrapped) */
    long long v = config_setting_get_int64(s);
    if (v < lo || v > hi) return fail(c, s, p, "%lld is out of range [%lld, %lld]", v, lo, hi);
    *out = v;
    return 0;
}

static int get_str(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                   const char *key, int required, const char **out)
{
    char p[PATH_LEN];
    join(p, path, key);
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s) return required ? fail(c, g, p, "missing (a string is required)") : 0;
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return fail(c, s, p, "must be a string, not %s", cfg_type_name(s));
    *out = config_setting_get_string(s);
    return 0;
}

static int get_bool(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                    const char *key, int *out)
{
    char p[PATH_LEN];
    join(p, path, key);
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s) return 0;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return fail(c, s, p, "must be true or false, not %s", cfg_type_name(s));
    *out = config_setting_get_bool(s);
    return 0;
}

/* Redrawing needs bounds that a draw falls into often enough: at least DIST_MIN_MASS. */
static int check_mass(const struct cfg_ctx *c, const config_setting_t *s, const char *p,
                      const struct dist *d)
{
    if (!d->redraw || d->kind == DIST_CONST) return 0;
    double m = dist_mass(d);
    if (m < DIST_MIN_MASS)
        return fail(c, s, p, "[%g, %g] holds %.2g of the distribution, less than %g: redrawing "
                    "would not end (use bounds = \"clip\" or wider bounds)", d->lo, d->hi, m,
                    DIST_MIN_MASS);
    return 0;
}

/* A number, or a group { dist = "uniform"|"normal"|"lognormal"; ... ; min; max; bounds }. */
static int get_dist(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                    const char *key, int required, double lo, double hi, struct dist *d)
{
    char p[PATH_LEN];
    join(p, path, key);
    const config_setting_t *s = config_setting_get_member(g, key);
    d->lo = -INFINITY;
    d->hi = INFINITY;
    d->redraw = 0;
    if (!s) return required ? fail(c, g, p, "missing (a number or a distribution)") : 0;
    if (cfg_is_number(s)) {
        d->kind = DIST_CONST;
        return get_num(c, g, path, key, 1, lo, hi, &d->a);
    }
    if (config_setting_type(s) != CONFIG_TYPE_GROUP)
        return fail(c, s, p, "must be a number or a distribution group, not %s", cfg_type_name(s));
    const char *kind = NULL;
    int rc = get_str(c, s, p, "dist", 1, &kind);
    if (rc) return rc;
    static const char *const k_uni[] = {"dist", "low", "high", NULL};
    static const char *const k_norm[] = {"dist", "mean", "std", "min", "max", "bounds", NULL};
    static const char *const k_logn[] = {"dist", "mu", "sigma", "min", "max", "bounds", NULL};
    if (!strcmp(kind, "uniform")) {
        d->kind = DIST_UNIFORM;
        if ((rc = only_keys(c, s, p, k_uni)) || (rc = get_num(c, s, p, "low", 1, lo, hi, &d->a)) ||
            (rc = get_num(c, s, p, "high", 1, lo, hi, &d->b)))
            return rc;
        if (d->b < d->a) return fail(c, s, p, "high (%g) is below low (%g)", d->b, d->a);
        return 0;
    }
    if (!strcmp(kind, "normal") || !strcmp(kind, "lognormal")) {
        int logn = kind[0] == 'l';
        d->kind = logn ? DIST_LOGNORMAL : DIST_NORMAL;
        if ((rc = only_keys(c, s, p, logn ? k_logn : k_norm)) ||
            (rc = get_num(c, s, p, logn ? "mu" : "mean", 1, -1e12, 1e12, &d->a)) ||
            (rc = get_num(c, s, p, logn ? "sigma" : "std", 1, 0, 1e12, &d->b)))
            return rc;
        d->lo = lo;
        d->hi = hi;
        if ((rc = get_num(c, s, p, "min", 0, lo, hi, &d->lo)) ||
            (rc = get_num(c, s, p, "max", 0, lo, hi, &d->hi)))
            return rc;
        if (d->hi < d->lo) return fail(c, s, p, "max (%g) is below min (%g)", d->hi, d->lo);
        const char *bounds = "clip";
        if ((rc = get_str(c, s, p, "bounds", 0, &bounds))) return rc;
        if (strcmp(bounds, "clip") && strcmp(bounds, "redraw")) {
            char pb[PATH_LEN];
            join(pb, p, "bounds");
            return fail(c, config_setting_get_member(s, "bounds"), pb,
                        "unknown choice \"%s\" (clip, redraw)", bounds);
        }
        d->redraw = bounds[0] == 'r';
        return check_mass(c, s, p, d);
    }
    char pd[PATH_LEN];
    join(pd, p, "dist");
    return fail(c, config_setting_get_member(s, "dist"), pd,
                "unknown distribution \"%s\" (uniform, normal, lognormal)", kind);
}

/* ---- simulation ---- */

static int load_simulation(const struct cfg_ctx *c, const config_setting_t *root, struct net_spec *sp)
{
    static const char *const keys[] = {"dt", "duration", "seed", "threads", "poisson", NULL};
    const config_setting_t *g = config_setting_get_member(root, "simulation");
    sp->dt_ms = 0.1;
    sp->duration_ms = 1000.0;
    sp->seed = 1;
    sp->threads = 0;
    if (!g) return 0;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return fail(c, g, "simulation", "must be a group { ... }, not %s", cfg_type_name(g));
    long long seed = 1, threads = 0;
    int rc;
    if ((rc = only_keys(c, g, "simulation", keys)) ||
        (rc = get_num(c, g, "simulation", "dt", 0, 1e-6, 1000, &sp->dt_ms)) ||
        (rc = get_num(c, g, "simulation", "duration", 0, 0, 1e9, &sp->duration_ms)) ||
        (rc = get_int(c, g, "simulation", "seed", 0, 0, 0x7fffffffffffffffLL, &seed)) ||
        (rc = get_int(c, g, "simulation", "threads", 0, 0, 1024, &threads)))
        return rc;
    sp->seed = (uint64_t)seed;
    sp->threads = (int)threads;
    const char *poisson = "trains";
    if ((rc = get_str(c, g, "simulation", "poisson", 0, &poisson))) return rc;
    if (strcmp(poisson, "trains") && strcmp(poisson, "dc"))
        return fail(c, config_setting_get_member(g, "poisson"), "simulation.poisson",
                    "unknown choice \"%s\" (trains, dc)", poisson);
    ((struct cfg_ctx *)c)->poisson_dc = poisson[0] == 'd';
    if (sp->duration_ms / sp->dt_ms > 4e9)
        return fail(c, config_setting_get_member(g, "duration"), "simulation.duration",
                    "%g ms is more than 4e9 steps of %g ms", sp->duration_ms, sp->dt_ms);
    return 0;
}

/* ---- scale ---- */

static int find_pop(const struct net_spec *sp, const char *name);

/* scale = { neurons = a; indegree = k; mean_rates = { POP = Hz; ... }; } is read here and
 * applied where sizes (load_pop), counts and weights (load_proj, load_stim) are read. */
static int load_scale(struct cfg_ctx *c, const config_setting_t *root, struct net_spec *sp)
{
    static const char *const keys[] = {"neurons", "indegree", "mean_rates", NULL};
    const config_setting_t *g = config_setting_get_member(root, "scale");
    c->scale_n = c->scale_k = 1;
    c->scale = g;
    if (g) {
        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
            return fail(c, g, "scale", "must be a group { neurons = ...; indegree = ...; }, not %s",
                        cfg_type_name(g));
        int rc;
        if ((rc = only_keys(c, g, "scale", keys)) ||
            (rc = get_num(c, g, "scale", "neurons", 0, 0, 1000, &c->scale_n)) ||
            (rc = get_num(c, g, "scale", "indegree", 0, 0, 1, &c->scale_k)))
            return rc;
        if (c->scale_n == 0 || c->scale_k == 0) {
            const char *key = c->scale_n == 0 ? "neurons" : "indegree";
            char p[PATH_LEN];
            join(p, "scale", key);
            return fail(c, config_setting_get_member(g, key), p, "0 is out of range (0, %s]",
                        c->scale_n == 0 ? "1000" : "1");
        }
        const config_setting_t *mr = config_setting_get_member(g, "mean_rates");
        if (mr && config_setting_type(mr) != CONFIG_TYPE_GROUP)
            return fail(c, mr, "scale.mean_rates", "must be a group { POPULATION = Hz; ... }, "
                        "not %s", cfg_type_name(mr));
    }
    sp->scale_neurons = c->scale_n;
    sp->scale_indegree = c->scale_k;
    return 0;
}

/* scale.mean_rates names populations and gives rates in Hz. */
static int check_mean_rates(const struct cfg_ctx *c, const struct net_spec *sp)
{
    const config_setting_t *mr = c->scale ? config_setting_get_member(c->scale, "mean_rates") : NULL;
    for (int i = 0; mr && i < config_setting_length(mr); i++) {
        const config_setting_t *m = config_setting_get_elem(mr, (unsigned)i);
        char p[PATH_LEN];
        join(p, "scale.mean_rates", config_setting_name(m));
        int rc = get_num(c, mr, "scale.mean_rates", config_setting_name(m), 1, 0, 1e6,
                         &(double){0});
        if (rc) return rc;
        if (find_pop(sp, config_setting_name(m)) < 0)
            return fail(c, m, p, "no population is called \"%s\"", config_setting_name(m));
    }
    return 0;
}

/* ---- populations ---- */

static int find_pop(const struct net_spec *sp, const char *name)
{
    for (int i = 0; i < sp->npops; i++)
        if (!strcmp(sp->pops[i].name, name)) return i;
    return -1;
}

static int valid_name(const char *s)
{
    if (!s[0] || strlen(s) >= SPEC_NAME || isdigit((unsigned char)s[0])) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return 0;
    return 1;
}

/* The element's path: "list.NAME" when it has a usable name, else "list.[i]". */
static void elem_path(char *out, const char *list, const config_setting_t *el, int i)
{
    const char *name = NULL;
    if (config_setting_type(el) == CONFIG_TYPE_GROUP &&
        config_setting_lookup_string(el, "name", &name) && valid_name(name))
        snprintf(out, PATH_LEN, "%s.%s", list, name);
    else
        snprintf(out, PATH_LEN, "%s.[%d]", list, i);
}

static int load_param(const struct cfg_ctx *c, const config_setting_t *m, const char *p,
                      const struct param *np, double *out)
{
    if (np->choices) {
        if (config_setting_type(m) != CONFIG_TYPE_STRING)
            return fail(c, m, p, "must be a string, not %s", cfg_type_name(m));
        const char *v = config_setting_get_string(m);
        for (int k = 0; np->choices[k]; k++)
            if (!strcmp(np->choices[k], v)) {
                *out = k;
                return 0;
            }
        char hint[80], known[256] = "";
        for (int k = 0; np->choices[k]; k++) {
            strncat(known, np->choices[k], sizeof known - strlen(known) - 3);
            if (np->choices[k + 1]) strncat(known, ", ", sizeof known - strlen(known) - 1);
        }
        return fail(c, m, p, "unknown choice \"%s\"%s (%s)", v,
                    choice_hint(v, np->choices, hint, sizeof hint), known);
    }
    if (!cfg_is_number(m)) return fail(c, m, p, "must be a number (%s), not %s", np->unit, cfg_type_name(m));
    double v = config_setting_type(m) == CONFIG_TYPE_FLOAT ? config_setting_get_float(m)
                                                          : (double)config_setting_get_int64(m);
    if (!isfinite(v) || v < np->min || v > np->max || (np->min_open && v == np->min) ||
        (np->max_open && v == np->max))
        return fail(c, m, p, "%g%s%s is out of range %s%g, %g%s", v, np->unit[0] ? " " : "", np->unit,
                    np->min_open ? "(" : "[", np->min, np->max, np->max_open ? ")" : "]");
    *out = v;
    return 0;
}

/* init = { VAR = number or distribution; ... } for compartment comp's variables. */
static int load_init(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                     struct pop_spec *ps, int comp)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return fail(c, g, path, "must be a group of state variables, not %s", cfg_type_name(g));
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        char p[PATH_LEN];
        join(p, path, name);
        int v = nrn_state_index(ps->model, name);
        if (v < 0) return fail(c, m, p, "model %s has no state variable \"%s\"", ps->model->name, name);
        v += comp * ps->model->nstate;
        int rc = get_dist(c, g, path, name, 1, -1e12, 1e12, &ps->init[v]);
        if (rc) return rc;
        ps->has_init[v] = 1;
    }
    return 0;
}

static char *resolve_data_path(const struct cfg_ctx *c, const char *f)
{
    size_t n = strlen(c->dir) + strlen(f) + 2;
    char *out = malloc(n);
    if (!out) return NULL;
    if (f[0] == '/' || !c->dir[0])
        snprintf(out, n, "%s", f);
    else
        snprintf(out, n, "%s/%s", c->dir, f);
    return out;
}

/* spike_times = ( [t, ...], ... ) one array per neuron, or spike_file = "x.csv". */
static int load_source(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                       struct pop_spec *ps, double duration)
{
    const config_setting_t *st = config_setting_get_member(g, "spike_times");
    const config_setting_t *sf = config_setting_get_member(g, "spike_file");
    char p[PATH_LEN];
    if (!st && !sf && c->ext) return 0; /* a training input: the encoder makes its spikes */
    if (!!st == !!sf)
        return fail(c, g, path, "a spike_source needs exactly one of spike_times, spike_file");
    ps->src_offset = calloc((size_t)ps->size + 1, sizeof *ps->src_offset);
    if (!ps->src_offset) return err_set(c->e, ERR_NOMEM, c->file, 0, path, "out of memory");
    if (st) {
        join(p, path, "spike_times");
        if (config_setting_type(st) != CONFIG_TYPE_LIST || config_setting_length(st) != (int)ps->size)
            return fail(c, st, p, "must be a list of %u arrays (one per neuron)", ps->size);
        size_t total = 0;
        for (uint32_t i = 0; i < ps->size; i++) {
            const config_setting_t *a = config_setting_get_elem(st, i);
            if (config_setting_type(a) != CONFIG_TYPE_ARRAY)
                return fail(c, a, p, "element %u must be an array of times in ms, not %s", i,
                            cfg_type_name(a));
            total += (size_t)config_setting_length(a);
        }
        ps->src_times_ms = malloc((total ? total : 1) * sizeof(double));
        if (!ps->src_times_ms) return err_set(c->e, ERR_NOMEM, c->file, 0, path, "out of memory");
        size_t w = 0;
        for (uint32_t i = 0; i < ps->size; i++) {
            const config_setting_t *a = config_setting_get_elem(st, i);
            ps->src_offset[i] = w;
            for (int j = 0; j < config_setting_length(a); j++) {
                const config_setting_t *x = config_setting_get_elem(a, (unsigned)j);
                double t = cfg_is_number(x) ? (config_setting_type(x) == CONFIG_TYPE_FLOAT
                                               ? config_setting_get_float(x)
                                               : (double)config_setting_get_int64(x))
                                        : NAN;
                if (!(t >= 0) || t > duration + 1e9)
                    return fail(c, a, p, "neuron %u: spike time %d must be a number >= 0 ms", i, j);
                ps->src_times_ms[w++] = t;
            }
        }
        ps->src_offset[ps->size] = w;
        return 0;
    }
    join(p, path, "spike_file");
    if (config_setting_type(sf) != CONFIG_TYPE_STRING)
        return fail(c, sf, p, "must be a string (a spike file path), not %s", cfg_type_name(sf));
    char *file = resolve_data_path(c, config_setting_get_string(sf));
    if (!file) return err_set(c->e, ERR_NOMEM, c->file, 0, path, "out of memory");
    struct spk_table t = {0};
    struct err re = {0};
    if (spk_read(file, &t, &re) != 0) {
        int rc = fail(c, sf, p, "%s%s%s", re.file, re.line ? "" : ": ", re.msg);
        if (re.line) {
            char loc[64];
            snprintf(loc, sizeof loc, ":%d: ", re.line);
            rc = fail(c, sf, p, "%s%s%s", re.file, loc, re.msg);
        }
        free(file);
        return rc;
    }
    /* the rows of this population, or all rows if the file names only one population */
    int want = -1;
    for (int k = 0; k < t.npops; k++)
        if (!strcmp(t.pop_names[k], ps->name)) want = k;
    if (want < 0 && t.npops == 1) want = 0;
    int rc = 0;
    if (want < 0 && t.npops > 1)
        rc = fail(c, sf, p, "%s has several populations and none named \"%s\"", file, ps->name);
    size_t m = 0;
    for (size_t j = 0; !rc && j < t.n; j++) {
        if ((int)t.pop[j] != want) continue;
        if (t.id[j] >= ps->size)
            rc = fail(c, sf, p, "%s: node id %u is not below the population size %u", file,
                      t.id[j], ps->size);
        else
            ps->src_offset[t.id[j] + 1]++, m++;
    }
    if (!rc) {
        for (uint32_t i = 0; i < ps->size; i++) ps->src_offset[i + 1] += ps->src_offset[i];
        ps->src_times_ms = malloc((m ? m : 1) * sizeof(double));
        size_t *cur = malloc(((size_t)ps->size + 1) * sizeof *cur);
        if (!ps->src_times_ms || !cur) {
            rc = err_set(c->e, ERR_NOMEM, c->file, 0, path, "out of memory");
        } else {
            memcpy(cur, ps->src_offset, ((size_t)ps->size + 1) * sizeof *cur);
            for (size_t j = 0; j < t.n; j++)
                if ((int)t.pop[j] == want) ps->src_times_ms[cur[t.id[j]]++] = t.t_ms[j];
        }
        free(cur);
    }
    spk_table_free(&t);
    free(file);
    return rc;
}

/* compartments = ( { name = "soma"; c_m = ...; }, { name = "apical"; parent = "soma"; ... } ):
 * the first is the soma; the others hang from a parent (default the soma) and must form a
 * tree rooted at the soma. */
static int load_compartments(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                             struct pop_spec *ps)
{
    const struct nrn_ops *m = ps->model;
    struct nrn_shape *s = &ps->shape;
    for (int k = 0; k < m->ncparams; k++) s->cparams[0][k] = m->cparams[k].def;
    const config_setting_t *l = config_setting_get_member(g, "compartments");
    if (!l) return 0; /* a lone soma with default parameters */
    char lp[PATH_LEN];
    join(lp, path, "compartments");
    if (config_setting_type(l) != CONFIG_TYPE_LIST || config_setting_length(l) < 1 ||
        config_setting_length(l) > m->max_comps)
        return fail(c, l, lp, "must be a list of 1 to %d groups ( { name = ...; }, ... )",
                    m->max_comps);
    s->ncomp = config_setting_length(l);
    const char *parents[NRN_MAX_COMPS] = {0};
    const config_setting_t *at[NRN_MAX_COMPS];
    for (int i = 0; i < s->ncomp; i++) {
        const config_setting_t *cg = config_setting_get_elem(l, (unsigned)i);
        at[i] = cg;
        char cp[PATH_LEN];
        pathf(cp, "%s.[%d]", lp, i);
        if (config_setting_type(cg) != CONFIG_TYPE_GROUP)
            return fail(c, cg, cp, "must be a group { name = ...; c_m = ...; ... }");
        const char *name = NULL;
        int rc;
        if ((rc = get_str(c, cg, cp, "name", 1, &name))) return rc;
        if (!valid_name(name) || strlen(name) >= NRN_COMP_NAME)
            return fail(c, cg, cp, "\"%s\" is not a compartment name (letters, digits, _; at "
                        "most %d)", name, NRN_COMP_NAME - 1);
        if (nrn_comp_index(s, name) >= 0 && nrn_comp_index(s, name) < i)
            return fail(c, cg, cp, "a compartment named \"%s\" exists already", name);
        snprintf(s->names[i], sizeof s->names[i], "%s", name);
        pathf(cp, "%s.%s", lp, name);
        for (int k = 0; k < m->ncparams; k++) s->cparams[i][k] = m->cparams[k].def;
        for (int j = 0; j < config_setting_length(cg); j++) {
            const config_setting_t *mm = config_setting_get_elem(cg, (unsigned)j);
            const char *key = config_setting_name(mm);
            char p[PATH_LEN];
            join(p, cp, key);
            if (!strcmp(key, "name")) continue;
            if (!strcmp(key, "parent")) {
                if (i == 0)
                    return fail(c, mm, p, "the first compartment is the soma and has no parent");
                if ((rc = get_str(c, cg, cp, "parent", 1, &parents[i]))) return rc;
                continue;
            }
            if (!strcmp(key, "init")) {
                if ((rc = load_init(c, mm, p, ps, i))) return rc;
                continue;
            }
            int k = nrn_cparam_index(m, key);
            if (k < 0) {
                const char *allowed[NRN_MAX_CPARAMS + 4] = {"name", "parent", "init"};
                for (int q = 0; q < m->ncparams && q < NRN_MAX_CPARAMS; q++)
                    allowed[3 + q] = m->cparams[q].name;
                return unknown_key(c, mm, cp, "unknown compartment setting", allowed);
            }
            if ((rc = load_param(c, mm, p, &m->cparams[k], &s->cparams[i][k]))) return rc;
        }
    }
    s->parent[0] = -1;
    for (int i = 1; i < s->ncomp; i++) {
        s->parent[i] = parents[i] ? nrn_comp_index(s, parents[i]) : 0;
        if (s->parent[i] < 0 || s->parent[i] == i) {
            char p[PATH_LEN];
            pathf(p, "%s.%s.parent", lp, s->names[i]);
            return fail(c, config_setting_get_member(at[i], "parent"), p,
                        s->parent[i] < 0 ? "unknown compartment \"%s\""
                                         : "\"%s\" cannot be its own parent",
                        parents[i]);
        }
    }
    /* every compartment must reach the soma: otherwise the parents form a cycle */
    for (int i = 1; i < s->ncomp; i++) {
        int x = i, hops = 0;
        while (x > 0 && hops <= s->ncomp) x = s->parent[x], hops++;
        if (x != 0) {
            char p[PATH_LEN], chain[256] = "";
            pathf(p, "%s.%s.parent", lp, s->names[i]);
            x = i;
            for (int h = 0; h <= s->ncomp && strlen(chain) < 200; h++, x = s->parent[x]) {
                strcat(chain, s->names[x]);
                if (h < s->ncomp) strcat(chain, " -> ");
            }
            return fail(c, config_setting_get_member(at[i], "parent"), p,
                        "the parents form a cycle (%s...), not a tree rooted at the soma", chain);
        }
    }
    return 0;
}

static int load_pop(const struct cfg_ctx *c, const config_setting_t *g, int idx, struct net_spec *sp)
{
    char path[PATH_LEN];
    elem_path(path, "populations", g, idx);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return fail(c, g, path, "must be a group { name = ...; size = ...; model = ...; }");
    struct pop_spec *ps = &sp->pops[idx];
    const char *name = NULL, *model = "lif";
    long long size = 0;
    int rc;
    if ((rc = get_str(c, g, path, "name", 1, &name))) return rc;
    if (!valid_name(name)) {
        char p[PATH_LEN];
        join(p, path, "name");
        return fail(c, config_setting_get_member(g, "name"), p,
                    "\"%s\" is not a name (letters, digits, _; at most %d; not starting with a "
                    "digit)", name, SPEC_NAME - 1);
    }
    if (find_pop(sp, name) >= 0)
        return fail(c, g, path, "a population named \"%s\" exists already", name);
    if ((rc = get_int(c, g, path, "size", 1, 1, 0x7fffffff, &size)) ||
        (rc = get_str(c, g, path, "model", 0, &model)))
        return rc;
    snprintf(ps->name, sizeof ps->name, "%s", name);
    ps->size = (uint32_t)size;
    const config_setting_t *size_at = config_setting_get_member(g, "size");
    snprintf(ps->size_file, sizeof ps->size_file, "%.255s", where_file(c, size_at));
    ps->size_line = where_line(c, size_at);
    nrn_shape_point(&ps->shape);
    ps->model = nrn_find(model);
    if (!ps->model) {
        char p[PATH_LEN], known[256] = "", hint[80];
        const char *names[33] = {0};
        join(p, path, "model");
        for (int i = 0; nrn_model(i); i++) {
            strncat(known, nrn_model(i)->name, sizeof known - strlen(known) - 3);
            if (nrn_model(i + 1)) strcat(known, ", ");
            if (i < 32) names[i] = nrn_model(i)->name;
        }
        return fail(c, config_setting_get_member(g, "model"), p, "unknown model \"%s\"%s (%s)",
                    model, choice_hint(model, names, hint, sizeof hint), known);
    }
    c->size0[idx] = ps->size;
    if (ps->model->update && c->scale_n != 1) {
        /* rounded half to even, like numpy's round in NEST's microcircuit example */
        double n = rint((double)size * c->scale_n);
        char p[PATH_LEN];
        join(p, path, "size");
        if (n < 1 || n > 0x7fffffff)
            return fail(c, size_at, p, "%lld x scale.neurons %g gives %.0f neurons, outside [1, "
                        "2147483647]", size, c->scale_n, n);
        ps->size = (uint32_t)n;
    }
    for (int i = 0; i < ps->model->nparams; i++) ps->params[i] = ps->model->params[i].def;
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(m);
        char p[PATH_LEN];
        join(p, path, key);
        if (!strcmp(key, "name") || !strcmp(key, "size") || !strcmp(key, "model")) continue;
        if (!strcmp(key, "init")) {
            if ((rc = load_init(c, m, p, ps, 0))) return rc;
            continue;
        }
        if (ps->model->max_comps && !strcmp(key, "compartments")) continue;
        if (!ps->model->update && (!strcmp(key, "spike_times") || !strcmp(key, "spike_file")))
            continue;
        int k = nrn_param_index(ps->model, key);
        if (k < 0) {
            const char *allowed[NRN_MAX_PARAMS + 6] = {"name", "size", "model"};
            int na = 3;
            for (int j = 0; j < ps->model->nparams && j < NRN_MAX_PARAMS; j++)
                allowed[na++] = ps->model->params[j].name;
            if (!ps->model->update) {
                allowed[na++] = "spike_times";
                allowed[na++] = "spike_file";
            } else {
                allowed[na++] = "init";
                if (ps->model->max_comps) allowed[na++] = "compartments";
            }
            char what[64];
            snprintf(what, sizeof what, "unknown setting for model %s", ps->model->name);
            return unknown_key(c, m, path, what, allowed);
        }
        if ((rc = load_param(c, m, p, &ps->model->params[k], &ps->params[k]))) return rc;
    }
    if (!ps->model->update) return load_source(c, g, path, ps, sp->duration_ms);
    if (ps->model->max_comps && (rc = load_compartments(c, g, path, ps))) return rc;
    if (ps->model->prepare) {
        char *scratch = calloc(1, ps->model->derived_size + 1);
        struct err pe = {0};
        if (!scratch) return err_set(c->e, ERR_NOMEM, c->file, 0, path, "out of memory");
        rc = ps->model->prepare(ps->params, &ps->shape, sp->dt_ms, scratch, &pe);
        free(scratch);
        if (rc) {
            char p[PATH_LEN];
            join(p, path, pe.path);
            const config_setting_t *at = config_setting_get_member(g, pe.path);
            return fail(c, at ? at : g, p, "%s", pe.msg);
        }
    }
    return 0;
}

static int load_list(const struct cfg_ctx *c, const config_setting_t *root, const char *key,
                     int required, const config_setting_t **out, int *n)
{
    const config_setting_t *l = config_setting_get_member(root, key);
    *out = l;
    *n = 0;
    if (!l) return required ? fail(c, root, key, "missing (a list ( { ... }, ... ))") : 0;
    if (config_setting_type(l) != CONFIG_TYPE_LIST)
        return fail(c, l, key, "must be a list ( { ... }, ... ), not %s", cfg_type_name(l));
    *n = config_setting_length(l);
    if (required && *n == 0) return fail(c, l, key, "must not be empty");
    return 0;
}

/* ---- projections ---- */

/* in the order of enum conn_rule */
static const char *const rule_names[] = {"all_to_all", "one_to_one", "fixed_probability",
                                         "fixed_indegree", "fixed_outdegree", "list",
                                         "fixed_total_number", "transpose", NULL};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int pop_ref(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                   const char *key, const struct net_spec *sp, int *out)
{
    const char *name = NULL;
    int rc = get_str(c, g, path, key, 1, &name);
    if (rc) return rc;
    *out = find_pop(sp, name);
    if (*out < 0) {
        char p[PATH_LEN];
        join(p, path, key);
        return fail(c, config_setting_get_member(g, key), p, "unknown population \"%s\"", name);
    }
    return 0;
}

/* receptor (default "ex") and, for compartmental targets, compartment (default the soma). */
static int port_ref(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                    const struct pop_spec *tgt, int *out)
{
    const char *rec = "ex", *comp = NULL;
    char p[PATH_LEN];
    join(p, path, "receptor");
    int rc = get_str(c, g, path, "receptor", 0, &rec);
    if (rc || (rc = get_str(c, g, path, "compartment", 0, &comp))) return rc;
    if (!tgt->model->nports)
        return fail(c, g, path, "population \"%s\" (%s) receives no input", tgt->name,
                    tgt->model->name);
    *out = nrn_port_index(tgt->model, rec);
    if (*out < 0) {
        const config_setting_t *at = config_setting_get_member(g, "receptor");
        return fail(c, at ? at : g, p, "model %s has no receptor \"%s\"", tgt->model->name, rec);
    }
    if (comp) {
        int ci = nrn_comp_index(&tgt->shape, comp);
        if (ci < 0) {
            join(p, path, "compartment");
            return fail(c, config_setting_get_member(g, "compartment"), p,
                        "population \"%s\" has no compartment \"%s\"", tgt->name, comp);
        }
        *out += ci * tgt->model->nports;
    }
    return 0;
}

/* Delays in ms must reach at least one step; drawn ones are clipped to [dt, max]. */
static int check_delay(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                       struct dist *d)
{
    char p[PATH_LEN];
    join(p, path, "delay");
    const config_setting_t *s = config_setting_get_member(g, "delay");
    double dmax = PROJ_MAX_DELAY_STEPS * c->dt;
    if (d->kind == DIST_CONST) {
        if (d->a < c->dt * (1 - 1e-9))
            return fail(c, s, p, "%g ms is shorter than one step (dt = %g ms)", d->a, c->dt);
        if (d->a > dmax) return fail(c, s, p, "%g ms is longer than %g ms", d->a, dmax);
    } else {
        if (d->kind == DIST_UNIFORM && d->a < c->dt * (1 - 1e-9))
            return fail(c, s, p, "low (%g ms) is shorter than one step (dt = %g ms)", d->a, c->dt);
        if (d->lo < c->dt) d->lo = c->dt;
        if (d->hi > dmax) d->hi = dmax;
        return check_mass(c, s, p, d); /* again, within the bounds just narrowed */
    }
    return 0;
}

static int load_index_array(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                            const char *key, uint32_t bound, size_t n, uint32_t **out)
{
    char p[PATH_LEN];
    join(p, path, key);
    const config_setting_t *a = config_setting_get_member(g, key);
    if (!a) return fail(c, g, p, "missing (an array of neuron indices)");
    if (config_setting_type(a) != CONFIG_TYPE_ARRAY)
        return fail(c, a, p, "must be an array [ ... ], not %s", cfg_type_name(a));
    if ((size_t)config_setting_length(a) != n)
        return fail(c, a, p, "has %d entries, expected %zu", config_setting_length(a), n);
    *out = malloc((n ? n : 1) * sizeof **out);
    if (!*out) return err_set(c->e, ERR_NOMEM, c->file, 0, p, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const config_setting_t *x = config_setting_get_elem(a, (unsigned)i);
        int t = config_setting_type(x);
        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
            return fail(c, x, p, "entry %zu must be an index in [0, %u), not %s", i, bound,
                        cfg_type_name(x));
        long long v = config_setting_get_int64(x);
        if (v < 0 || v >= bound)
            return fail(c, x, p, "entry %zu (%lld) must be an index in [0, %u)", i, v, bound);
        (*out)[i] = (uint32_t)v;
    }
    return 0;
}

static int load_num_array(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                          const char *key, size_t n, double lo, double **out)
{
    char p[PATH_LEN];
    join(p, path, key);
    const config_setting_t *a = config_setting_get_member(g, key);
    if (!a) return 0;
    if (config_setting_type(a) != CONFIG_TYPE_ARRAY)
        return fail(c, a, p, "must be an array [ ... ], not %s", cfg_type_name(a));
    if ((size_t)config_setting_length(a) != n)
        return fail(c, a, p, "has %d entries, expected %zu", config_setting_length(a), n);
    *out = malloc((n ? n : 1) * sizeof **out);
    if (!*out) return err_set(c->e, ERR_NOMEM, c->file, 0, p, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const config_setting_t *x = config_setting_get_elem(a, (unsigned)i);
        double v = !cfg_is_number(x) ? NAN
                   : config_setting_type(x) == CONFIG_TYPE_FLOAT
                       ? config_setting_get_float(x)
                       : (double)config_setting_get_int64(x);
        if (!isfinite(v) || v < lo)
            return fail(c, a, p, "entry %zu must be a number >= %g", i, lo);
        (*out)[i] = v;
    }
    return 0;
}

/* A receptor that feeds a conductance (state "g_RECEPTOR" in nS, as in lif_cond) takes only
 * weights >= 0: a negative conductance has no physical meaning and can drive the membrane to
 * infinity. */
int cfg_feeds_conductance(const struct pop_spec *ps, int port)
{
    const struct nrn_ops *m = ps->model;
    char name[NRN_COMP_NAME + 8];
    snprintf(name, sizeof name, "g_%s", m->port_names[port % m->nports]);
    int v = nrn_state_index(m, name);
    /* -- mc_lif conductance mode (neurons/mc_lif.h): a model whose "synapse" choice is
     * "conductance" feeds a conductance from every receptor -- */
    int syn = nrn_param_index(m, "synapse");
    if (syn >= 0 && m->params[syn].choices &&
        !strcmp(m->params[syn].choices[(int)ps->params[syn]], "conductance"))
        return 1;
    /* -- end mc_lif conductance mode -- */
    return v >= 0 && m->state_units && !strcmp(m->state_units[v], "nS");
}

static int nonneg_weight(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                         const struct pop_spec *tgt, int port, const struct dist *w)
{
    if (!cfg_feeds_conductance(tgt, port)) return 0;
    char p[PATH_LEN];
    join(p, path, "weight");
    const config_setting_t *at = config_setting_get_member(g, "weight");
    const char *rec = tgt->model->port_names[port % tgt->model->nports];
    if ((w->kind == DIST_CONST || w->kind == DIST_UNIFORM) && w->a < 0)
        return fail(c, at, p, "%g nS is negative: receptor \"%s\" of %s is a conductance, its "
                    "weights must be >= 0", w->a, rec, tgt->model->name);
    if (w->kind == DIST_NORMAL && w->lo < 0)
        return fail(c, at, p, "can draw negative values: receptor \"%s\" of %s is a "
                    "conductance, its weights must be >= 0 (add min = 0.0)", rec,
                    tgt->model->name);
    return 0;
}

/* The mean current (pA) of a train of events of weight w (pA) at r Hz is w tau r / 1000 when
 * each event starts an exponential current of time constant tau (ms): its charge is w tau.
 * That holds for a receptor feeding a current "i_RECEPTOR" in pA that decays with the
 * parameter "tau_syn_RECEPTOR" (lif with synapse = "current"); -1 for any other receptor. */
static int charge_tau(const struct pop_spec *ps, int port, double *tau)
{
    const struct nrn_ops *m = ps->model;
    const char *rec = m->port_names[port % m->nports];
    char name[NRN_COMP_NAME + 16];
    snprintf(name, sizeof name, "i_%s", rec);
    int v = nrn_state_index(m, name);
    int syn = nrn_param_index(m, "synapse");
    snprintf(name, sizeof name, "tau_syn_%s", rec);
    int k = nrn_param_index(m, name);
    if (port >= m->nports || v < 0 || !m->state_units || strcmp(m->state_units[v], "pA") ||
        k < 0 || (syn >= 0 && (!m->params[syn].choices ||
                               strcmp(m->params[syn].choices[(int)ps->params[syn]], "current"))))
        return -1;
    *tau = ps->params[k];
    return 0;
}

static int need_charge(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                       const struct pop_spec *ps, int port, const char *why, double *tau)
{
    if (!charge_tau(ps, port, tau)) return 0;
    int syn = nrn_param_index(ps->model, "synapse");
    return fail(c, g, path, "%s needs the mean current of receptor \"%s\" of population \"%s\", "
                "which apical knows only for exponential currents (lif with synapse = "
                "\"current\"), not for %s%s", why, ps->model->port_names[port % ps->model->nports],
                ps->name, ps->model->name,
                syn >= 0 && ps->model->params[syn].choices ? " with synapse = \"voltage\"" : "");
}

/* The full-scale rate of population pop, from scale.mean_rates, for the compensation of a
 * projection or stimulus at (g, path). */
static int mean_rate(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                     const struct pop_spec *ps, double *hz)
{
    const config_setting_t *mr = c->scale ? config_setting_get_member(c->scale, "mean_rates") : NULL;
    const config_setting_t *r = mr ? config_setting_get_member(mr, ps->name) : NULL;
    if (!r)
        return fail(c, g, path, "scale.indegree = %g: the compensating dc needs the full-scale "
                    "mean rate of population \"%s\" in scale.mean_rates", c->scale_k, ps->name);
    *hz = cfg_is_number(r) ? (config_setting_type(r) == CONFIG_TYPE_FLOAT
                              ? config_setting_get_float(r)
                              : (double)config_setting_get_int64(r))
                       : NAN;
    return 0; /* checked by check_mean_rates */
}

/* Applies scale.neurons (a) and scale.indegree (k) to a projection read at full scale: counts
 * keep every target's in-degree times k (n * a_to * k, k_in * k, k_out * k a_to / a_from,
 * p k / a_from, where a_x is a for neurons and 1 for spike sources), weights are divided by
 * sqrt(k), and the target's compensating dc grows by (1 - sqrt(k)) tau w K r / 1000, the mean
 * current those inputs lose (w the full-scale mean weight, K the full-scale in-degree, r the
 * source's full-scale rate): van Albada, Helias & Diesmann (2015), as in NEST's microcircuit. */
static int scale_proj(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                      const struct net_spec *sp, struct proj_spec *pj)
{
    const double k = c->scale_k;
    const struct pop_spec *src = &sp->pops[pj->from], *tgt = &sp->pops[pj->to];
    const double a_from = src->model->update ? c->scale_n : 1, a_to = c->scale_n;
    char p[PATH_LEN];
    join(p, path, "rule");
    const config_setting_t *rule_at = config_setting_get_member(g, "rule");
    if (pj->rule == CONN_ONE_TO_ONE) return 0; /* in-degree 1 whatever the sizes */
    if ((pj->rule == CONN_ALL_TO_ALL && (a_from != 1 || k != 1)) ||
        (pj->rule == CONN_LIST && (a_from != 1 || a_to != 1 || k != 1)))
        return fail(c, rule_at, p, "rule %s cannot keep its in-degrees under scale (neurons %g, "
                    "indegree %g): use fixed_indegree, fixed_total_number, fixed_probability or "
                    "fixed_outdegree", rule_names[pj->rule], c->scale_n, k);
    if (pj->rule == CONN_ALL_TO_ALL || pj->rule == CONN_LIST) return 0;
    /* the full-scale in-degree, before the counts change */
    double full_in = proj_expected_count(pj, c->size0[pj->from], c->size0[pj->to],
                                         pj->from == pj->to) / c->size0[pj->to];
    if (pj->rule == CONN_FIXED_TOTAL_NUMBER) {
        double n = rint((double)pj->n * a_to * k);
        if (n > 4294967295.0) {
            join(p, path, "n");
            return fail(c, config_setting_get_member(g, "n"), p, "%.0f synapses after scaling, "
                        "more than 4294967295", n);
        }
        pj->n = (uint64_t)n;
    } else if (pj->rule == CONN_FIXED_INDEGREE) {
        pj->k = (uint32_t)rint(pj->k * k);
    } else if (pj->rule == CONN_FIXED_OUTDEGREE) {
        pj->k = (uint32_t)fmin(rint(pj->k * k * a_to / a_from), 2147483647.0);
    } else if (pj->rule == CONN_FIXED_PROBABILITY) {
        double q = pj->p * k / a_from;
        join(p, path, "p");
        if (q > 1)
            return fail(c, config_setting_get_member(g, "p"), p, "%g x scale.indegree %g / "
                        "scale.neurons %g = %g is above 1: the in-degree cannot be kept", pj->p,
                        k, a_from, q);
        pj->p = q;
    }
    if (k == 1) return 0;
    double tau = 0, rate = 0, w = dist_mean(&pj->weight);
    int rc;
    if ((rc = need_charge(c, g, path, tgt, pj->port, "scale.indegree < 1", &tau)) ||
        (rc = mean_rate(c, g, path, src, &rate)))
        return rc;
    c->comp_pa[pj->to] += 1e-3 * (1 - sqrt(k)) * tau * w * full_in * rate;
    dist_scale(&pj->weight, 1 / sqrt(k));
    return 0;
}

/* A list's entries against allow_autapses and allow_multapses. */
static int list_flags(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                      const struct proj_spec *pj)
{
    char p[PATH_LEN];
    join(p, path, "sources");
    const config_setting_t *at = config_setting_get_member(g, "sources");
    if (pj->from == pj->to && !pj->autapses)
        for (size_t j = 0; j < pj->nlist; j++)
            if (pj->list_src[j] == pj->list_tgt[j])
                return fail(c, at, p, "entry %zu connects %u to itself and allow_autapses is "
                            "false", j, pj->list_src[j]);
    if (pj->multapses || pj->nlist < 2) return 0;
    uint64_t *key = malloc(pj->nlist * sizeof *key);
    if (!key) return err_set(c->e, ERR_NOMEM, c->file, 0, path, "out of memory");
    for (size_t j = 0; j < pj->nlist; j++)
        key[j] = (uint64_t)pj->list_src[j] << 32 | pj->list_tgt[j];
    qsort(key, pj->nlist, sizeof *key, cmp_u64);
    int rc = 0;
    for (size_t j = 1; j < pj->nlist && !rc; j++) {
        if (key[j] != key[j - 1]) continue;
        uint32_t s = (uint32_t)(key[j] >> 32), t = (uint32_t)key[j];
        size_t first = SIZE_MAX, second = SIZE_MAX;
        for (size_t i = 0; i < pj->nlist && second == SIZE_MAX; i++)
            if (pj->list_src[i] == s && pj->list_tgt[i] == t) {
                if (first == SIZE_MAX) first = i;
                else second = i;
            }
        rc = fail(c, at, p, "entries %zu and %zu both connect %u to %u and allow_multapses is "
                  "false", first, second, s, t);
    }
    free(key);
    return rc;
}

/* A list's delays: each at least one step and at most PROJ_MAX_DELAY_STEPS steps. */
static int list_delays(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                       const struct proj_spec *pj)
{
    char p[PATH_LEN];
    join(p, path, "delays");
    for (size_t j = 0; pj->list_d && j < pj->nlist; j++)
        if (floor(pj->list_d[j] / c->dt + 0.5) > PROJ_MAX_DELAY_STEPS)
            return fail(c, config_setting_get_member(g, "delays"), p, "entry %zu (%g ms) is "
                        "longer than %g ms (%d steps of %g ms)", j, pj->list_d[j],
                        PROJ_MAX_DELAY_STEPS * c->dt, PROJ_MAX_DELAY_STEPS, c->dt);
    return 0;
}

/* k, n or p of the rules that take one; the others must not have them. */
static int load_count(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                      struct proj_spec *pj)
{
    char p[PATH_LEN];
    int rc;
    const int rule = pj->rule;
    if (rule == CONN_FIXED_PROBABILITY) {
        if ((rc = get_num(c, g, path, "p", 1, 0, 1, &pj->p))) return rc;
    } else if (config_setting_get_member(g, "p")) {
        join(p, path, "p");
        return fail(c, config_setting_get_member(g, "p"), p, "only for rule fixed_probability");
    }
    if (rule == CONN_FIXED_INDEGREE || rule == CONN_FIXED_OUTDEGREE) {
        long long k = 0;
        if ((rc = get_int(c, g, path, "k", 1, 0, 0x7fffffff, &k))) return rc;
        pj->k = (uint32_t)k;
    } else if (config_setting_get_member(g, "k")) {
        join(p, path, "k");
        return fail(c, config_setting_get_member(g, "k"), p,
                    "only for rules fixed_indegree and fixed_outdegree");
    }
    if (rule == CONN_FIXED_TOTAL_NUMBER) {
        long long n = 0;
        if ((rc = get_int(c, g, path, "n", 1, 0, 4294967295LL, &n))) return rc;
        pj->n = (uint64_t)n;
        if (!pj->multapses) {
            join(p, path, "allow_multapses");
            return fail(c, config_setting_get_member(g, "allow_multapses"), p,
                        "rule fixed_total_number draws pairs with replacement: it needs "
                        "allow_multapses = true (as in NEST)");
        }
    } else if (config_setting_get_member(g, "n")) {
        join(p, path, "n");
        return fail(c, config_setting_get_member(g, "n"), p, "only for rule fixed_total_number");
    }
    return 0;
}

/* After scaling: enough candidates for k (or n) draws. */
static int check_pool(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                      const struct net_spec *sp, const struct proj_spec *pj)
{
    uint32_t nsrc = sp->pops[pj->from].size, ntgt = sp->pops[pj->to].size;
    int self = pj->from == pj->to && !pj->autapses;
    char p[PATH_LEN];
    if (pj->rule == CONN_FIXED_INDEGREE || pj->rule == CONN_FIXED_OUTDEGREE) {
        uint32_t pool = (pj->rule == CONN_FIXED_INDEGREE ? nsrc : ntgt) - (self ? 1 : 0);
        if (pj->k > 0 && (pool == 0 || (!pj->multapses && pj->k > pool))) {
            join(p, path, "k");
            return fail(c, config_setting_get_member(g, "k"), p,
                        "%u exceeds the %u distinct candidates%s", pj->k, pool,
                        pj->multapses ? "" : " (allow_multapses is false)");
        }
    }
    if (pj->rule == CONN_FIXED_TOTAL_NUMBER && pj->n > 0 && nsrc - (self ? 1 : 0) == 0) {
        join(p, path, "n");
        return fail(c, config_setting_get_member(g, "n"), p,
                    "no pair to draw from: the only candidate would be an autapse");
    }
    return 0;
}

/* One rule of plasticity = { rule = "NAME"; PARAM = value; ... }: its schema is the rule's
 * (synapses/rules), checked here as a neuron model's parameters are. */
static int load_rule(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                     struct plast_spec *ps)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return fail(c, g, path, "must be a group { rule = \"stdp\"; ... }, not %s", cfg_type_name(g));
    const char *name = NULL;
    int rc;
    if ((rc = get_str(c, g, path, "rule", 1, &name))) return rc;
    char p[PATH_LEN];
    const struct pl_rule *r = pl_find(name);
    if (!r) {
        const char *names[64];
        int n = 0;
        char known[512] = "", hint[80];
        for (; pl_rule_at(n) && n < 63; n++) {
            names[n] = pl_rule_at(n)->name;
            strncat(known, names[n], sizeof known - strlen(known) - 3);
            if (pl_rule_at(n + 1)) strncat(known, ", ", sizeof known - strlen(known) - 1);
        }
        names[n] = NULL;
        join(p, path, "rule");
        return fail(c, config_setting_get_member(g, "rule"), p, "unknown plasticity rule \"%s\"%s "
                    "(known: %s)", name, choice_hint(name, names, hint, sizeof hint), known);
    }
    const char *keys[PL_MAX_PARAMS + 2];
    keys[0] = "rule";
    for (int i = 0; i < r->nparams; i++) keys[i + 1] = r->params[i].name;
    keys[r->nparams + 1] = NULL;
    if ((rc = only_keys(c, g, path, keys))) return rc;
    ps->rule = r;
    for (int i = 0; i < r->nparams; i++) {
        ps->params[i] = r->params[i].def;
        const config_setting_t *m = config_setting_get_member(g, r->params[i].name);
        join(p, path, r->params[i].name);
        if (m && (rc = load_param(c, m, p, &r->params[i], &ps->params[i]))) return rc;
    }
    /* relations between parameters: the rule's own check, named at its parameter */
    void *derived = calloc(1, r->derived_size ? r->derived_size : 1);
    if (!derived) return fail(c, g, path, "out of memory");
    struct pl_needs needs = {0};
    struct err pe = {0};
    rc = r->prepare(ps->params, c->dt, derived, &needs, &pe);
    free(derived);
    if (rc) {
        join(p, path, pe.path);
        const config_setting_t *m = config_setting_get_member(g, pe.path);
        return fail(c, m ? m : g, p, "%s", pe.msg);
    }
    return 0;
}

/* plasticity = { rule = ...; ... } or a list of up to PL_MAX_RULES such groups, applied in
 * order when a spike is delivered (e.g. stp, then stdp). */
static int load_plasticity(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                           struct proj_spec *pj)
{
    const config_setting_t *pl = config_setting_get_member(g, "plasticity");
    if (!pl) return 0;
    char p[PATH_LEN];
    join(p, path, "plasticity");
    if (c->ext && !c->ext->plastic)
        return fail(c, pl, p, "plasticity belongs to apical run configs; apical train learns "
                              "with the rule in learning");
    if (config_setting_type(pl) == CONFIG_TYPE_GROUP) {
        pj->nplast = 1;
        return load_rule(c, pl, p, &pj->plast[0]);
    }
    if (config_setting_type(pl) != CONFIG_TYPE_LIST)
        return fail(c, pl, p, "must be a group { rule = \"stdp\"; ... } or a list of groups, "
                              "not %s", cfg_type_name(pl));
    int n = config_setting_length(pl);
    if (n < 1 || n > PL_MAX_RULES)
        return fail(c, pl, p, "holds %d rules; 1 to %d are allowed", n, PL_MAX_RULES);
    for (int i = 0; i < n; i++) {
        char q[PATH_LEN];
        snprintf(q, sizeof q, "%.200s.[%d]", p, i);
        int rc = load_rule(c, config_setting_get_elem(pl, (unsigned)i), q, &pj->plast[i]);
        if (rc) return rc;
    }
    pj->nplast = n;
    return 0;
}

/* A weight every draw of which lies within the bounds of the projection's rules. */
static int weight_in_bounds(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                            const struct proj_spec *pj)
{
    for (int r = 0; r < pj->nplast; r++) {
        const struct pl_rule *rule = pj->plast[r].rule;
        if (!rule->bounds) continue;
        void *d = calloc(1, rule->derived_size ? rule->derived_size : 1);
        struct pl_needs needs = {0};
        struct err pe = {0};
        if (!d) return fail(c, g, path, "out of memory");
        double lo = -INFINITY, hi = INFINITY;
        if (!rule->prepare(pj->plast[r].params, c->dt, d, &needs, &pe)) rule->bounds(d, &lo, &hi);
        free(d);
        const struct dist *w = &pj->weight;
        double wlo = w->kind == DIST_CONST ? w->a : w->kind == DIST_UNIFORM ? w->a : w->lo;
        double whi = w->kind == DIST_CONST ? w->a : w->kind == DIST_UNIFORM ? w->b : w->hi;
        for (size_t j = 0; pj->list_w && j < pj->nlist; j++) {
            wlo = j ? fmin(wlo, pj->list_w[j]) : pj->list_w[j];
            whi = j ? fmax(whi, pj->list_w[j]) : pj->list_w[j];
        }
        if (wlo >= lo && whi <= hi) continue;
        char p[PATH_LEN];
        const char *key = pj->list_w ? "weights" : "weight";
        join(p, path, key);
        return fail(c, config_setting_get_member(g, key), p,
                    "weights may reach [%g, %g], outside the bounds [%g, %g] of plasticity rule "
                    "\"%s\" (set the distribution's min and max, or the rule's w_max)",
                    wlo, whi, lo, hi, rule->name);
    }
    return 0;
}

/* Rules that read their target at every step (pl_rule.bind) check it here, where file and
 * line are known: its model, compartments and port, and one delay for every synapse. */
static int bind_check(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                      const struct pop_spec *tgt, const struct proj_spec *pj)
{
    for (int r = 0; r < pj->nplast; r++) {
        const struct pl_rule *rule = pj->plast[r].rule;
        if (!rule->bind) continue;
        char p[PATH_LEN];
        if (pj->nplast > 1) {
            join(p, path, "plasticity");
            return fail(c, config_setting_get_member(g, "plasticity"), p, "rule \"%s\" must be "
                        "the projection's only rule: it keeps the weight itself (another rule's "
                        "changes would be lost) and its trace is the unscaled PSP", rule->name);
        }
        if (pj->rule == CONN_LIST ? pj->list_d != NULL : pj->delay.kind != DIST_CONST) {
            join(p, path, pj->rule == CONN_LIST ? "delays" : "delay");
            return fail(c, config_setting_get_member(g, pj->rule == CONN_LIST ? "delays" : "delay"),
                        p, "plasticity rule \"%s\" needs one delay for every synapse", rule->name);
        }
        void *d = calloc(1, rule->derived_size ? rule->derived_size : 1);
        if (!d) return fail(c, g, path, "out of memory");
        struct pl_needs needs = {0};
        struct err pe = {0};
        const struct pl_target t = {.model = tgt->model,
                                    .params = tgt->params,
                                    .shape = &tgt->shape,
                                    .port = pj->port,
                                    .dt_ms = c->dt,
                                    .delay = (uint32_t)floor(pj->delay.a / c->dt + 0.5)};
        int rc = rule->prepare(pj->plast[r].params, c->dt, d, &needs, &pe) ||
                 rule->bind(d, &t, &needs, &pe);
        free(d);
        if (rc) {
            const config_setting_t *pl = config_setting_get_member(g, "plasticity");
            join(p, path, "plasticity");
            return fail(c, pl ? pl : g, p, "rule \"%s\": %s%s%s", rule->name,
                        pe.path[0] ? pe.path : "", pe.path[0] ? ": " : "", pe.msg);
        }
    }
    return 0;
}

/* weights_from = "FILE": a list projection's synapses and weights are the projection of the
 * same name in a weights file (io/weights: weights.bin, or a folder holding one), whose
 * populations must be this projection's by name and size. */
/* The file that setting `key` of g names (relative to the config's folder), into *file (the
 * caller frees it); what says what it should be, for the message if it names none. */
static int data_file(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                     const char *key, const char *what, char *p, char **file)
{
    const config_setting_t *at = config_setting_get_member(g, key);
    join(p, path, key);
    const char *f = config_setting_get_string(at);
    if (!f || !f[0]) return fail(c, at, p, "must be a file name (%s)", what);
    if (!(*file = resolve_data_path(c, f))) return fail(c, at, p, "out of memory");
    return 0;
}

static int list_from_file(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                          const struct net_spec *sp, struct proj_spec *pj)
{
    const config_setting_t *at = config_setting_get_member(g, "weights_from");
    char p[PATH_LEN], *file;
    int rc = data_file(c, g, path, "weights_from", "a weights.bin or its folder", p, &file);
    if (rc) return rc;
    struct wt_file wf;
    struct err le = {0};
    rc = wt_load(file, &wf, &le);
    free(file);
    if (rc) return fail(c, at, p, "%s", le.msg);
    const struct wt_proj *w = NULL;
    for (int k = 0; k < wf.nproj && !w; k++)
        if (!strcmp(wf.projs[k].name, pj->name)) w = &wf.projs[k];
    const struct pop_spec *ps = &sp->pops[pj->from], *pt = &sp->pops[pj->to];
    if (!w)
        rc = fail(c, at, p, "%s has no projection \"%s\"", wf.path, pj->name);
    else if (strcmp(w->src, ps->name) || strcmp(w->tgt, pt->name) || w->nsrc != ps->size ||
             w->ntgt != pt->size)
        rc = fail(c, at, p, "%s: projection \"%s\" runs %s (%u) -> %s (%u), this one %s (%u) -> "
                  "%s (%u)", wf.path, pj->name, w->src, w->nsrc, w->tgt, w->ntgt, ps->name,
                  ps->size, pt->name, pt->size);
    if (!rc) {
        size_t m = w->nsyn ? (size_t)w->nsyn : 1;
        pj->nlist = (size_t)w->nsyn;
        pj->list_src = malloc(m * sizeof *pj->list_src);
        pj->list_tgt = malloc(m * sizeof *pj->list_tgt);
        pj->list_w = malloc(m * sizeof *pj->list_w);
        if (!pj->list_src || !pj->list_tgt || !pj->list_w) {
            rc = err_set(c->e, ERR_NOMEM, c->file, 0, p, "out of memory");
        } else {
            memcpy(pj->list_src, w->src_id, pj->nlist * sizeof *pj->list_src);
            memcpy(pj->list_tgt, w->tgt_id, pj->nlist * sizeof *pj->list_tgt);
            for (size_t j = 0; j < pj->nlist; j++) pj->list_w[j] = w->w[j];
        }
    }
    wt_free(&wf);
    return rc;
}

/* edges_from = "FILE": a list projection's pairs, and its weights and delays where the file
 * has them, are edge population edge_population (default: the projection's name) of a SONATA
 * edges file (io/edges: edges.h5 of record.connectivity, or bmtk's), read and checked a chunk
 * at a time against the projection's populations and dt. */
static int list_from_edges(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                           const struct net_spec *sp, struct proj_spec *pj)
{
    const config_setting_t *at = config_setting_get_member(g, "edges_from");
    const char *pop = pj->name;
    char p[PATH_LEN], *file = NULL;
    int rc;
    if ((rc = get_str(c, g, path, "edge_population", 0, &pop)) ||
        (rc = data_file(c, g, path, "edges_from", "a SONATA edges file", p, &file)))
        return rc;
    const struct pop_spec *ps = &sp->pops[pj->from], *pt = &sp->pops[pj->to];
    struct edges_want w = {.pop = pop, .src_pop = ps->name, .tgt_pop = pt->name,
                           .nsrc = ps->size, .ntgt = pt->size, .dt_ms = c->dt,
                           .max_delay_steps = PROJ_MAX_DELAY_STEPS};
    struct edges_list l;
    struct err le = {0};
    rc = edges_read(file, &w, &l, &le);
    free(file);
    if (rc == ERR_NOMEM) return err_set(c->e, rc, c->file, 0, p, "%s: %s", le.file, le.msg);
    if (rc) return fail(c, at, p, "%s: %s", le.file, le.msg);
    pj->nlist = l.n;
    pj->list_src = l.src;
    pj->list_tgt = l.tgt;
    pj->list_w = l.w;
    pj->list_d = l.delay_ms;
    return 0;
}

/* The settings a projection may carry: io/cfg's own, then the extension's (cfg_ext.proj_keys).
 * A key of an extension whose blocks this config lacks (cfg_ext.present) says so, rather than
 * being just unknown. */
#define PROJ_EXT_KEYS 8
static int proj_keys(const struct cfg_ctx *c, const config_setting_t *g, const char *path)
{
    static const char *const own[] = {"name", "from", "to", "receptor", "compartment",
                                      "rule", "p", "k", "n",
                                      "allow_autapses", "allow_multapses", "weight", "delay",
                                      "sources", "targets", "weights", "delays",
                                      "weights_from", "edges_from", "edge_population",
                                      "plasticity", "of", NULL};
    enum { NOWN = sizeof own / sizeof *own - 1 };
    const char *keys[NOWN + PROJ_EXT_KEYS + 1];
    int n = 0;
    for (; own[n]; n++) keys[n] = own[n];
    for (int k = 0; k < PROJ_EXT_KEYS && c->ext && c->ext->proj_keys && c->ext->proj_keys[k]; k++)
        keys[n++] = c->ext->proj_keys[k];
    keys[n] = NULL;
    for (int k = 0; c->absent && c->absent->proj_keys && c->absent->proj_keys[k]; k++) {
        const config_setting_t *m = config_setting_get_member(g, c->absent->proj_keys[k]);
        if (!m) continue;
        char p[PATH_LEN];
        join(p, path, c->absent->proj_keys[k]);
        return fail(c, m, p, "only in configs with a %s block (this one has none)",
                    c->absent->blocks[0]);
    }
    return only_keys(c, g, path, keys);
}

/* Whether the projection carries one of the extension's settings: then the extension decides
 * its weights, and `weight` may be left out. */
static int has_ext_key(const struct cfg_ctx *c, const config_setting_t *g)
{
    for (int k = 0; k < PROJ_EXT_KEYS && c->ext && c->ext->proj_keys && c->ext->proj_keys[k]; k++)
        if (config_setting_get_member(g, c->ext->proj_keys[k])) return 1;
    return 0;
}

/* rule = "transpose"; of = "Q": projection Q (earlier in the list) reversed, synapse by
 * synapse, delivering Q's weights as they are at each spike (feedback tied to forward
 * weights). Its own settings: from, to, receptor or compartment, delay (one for all). */
static int load_transpose(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                          int idx, struct net_spec *sp)
{
    struct proj_spec *pj = &sp->projs[idx];
    char p[PATH_LEN];
    if (c->ext && !c->ext->plastic) {
        join(p, path, "rule");
        return fail(c, config_setting_get_member(g, "rule"), p, "transpose belongs to apical "
                    "run configs; a training config ties feedback with feedback = "
                    "\"symmetric\"");
    }
    static const char *const not_here[] = {"p", "k", "n", "allow_autapses", "allow_multapses",
                                           "sources", "targets", "weights", "delays",
                                           "weights_from", "edges_from", "edge_population",
                                           "plasticity", NULL};
    for (const char *const *k = not_here; *k; k++)
        if (config_setting_get_member(g, *k)) {
            join(p, path, *k);
            return fail(c, config_setting_get_member(g, *k), p, "not with rule transpose (its "
                        "synapses and weights are those of the projection named by of)");
        }
    const char *of = NULL;
    int rc = get_str(c, g, path, "of", 1, &of);
    if (rc) return rc;
    join(p, path, "of");
    const config_setting_t *m = config_setting_get_member(g, "of");
    pj->of = -1;
    for (int j = 0; j < idx; j++)
        if (!strcmp(sp->projs[j].name, of)) pj->of = j;
    if (pj->of < 0)
        return fail(c, m, p, "no projection \"%s\" before this one (transpose reverses an "
                    "earlier projection of the list)", of);
    const struct proj_spec *q = &sp->projs[pj->of];
    if (q->rule == CONN_TRANSPOSE)
        return fail(c, m, p, "projection %s is a transpose itself", of);
    if (sp->pops[pj->from].size != sp->pops[q->to].size ||
        sp->pops[pj->to].size != sp->pops[q->from].size)
        return fail(c, m, p, "%s goes from %s (%u) to %s (%u); its transpose needs %u sources "
                    "and %u targets, this one has %u and %u", of, sp->pops[q->from].name,
                    sp->pops[q->from].size, sp->pops[q->to].name, sp->pops[q->to].size,
                    sp->pops[q->to].size, sp->pops[q->from].size, sp->pops[pj->from].size,
                    sp->pops[pj->to].size);
    /* a rule that changes weights while spikes are delivered would race with the reading */
    for (int r = 0; r < q->nplast; r++)
        if (!q->plast[r].rule->on_step && q->plast[r].rule->bounds)
            return fail(c, m, p, "%s learns by rule %s, which changes weights as spikes are "
                        "delivered: a transpose reads them then (rules that change weights "
                        "each step, as apical, can be tied)", of, q->plast[r].rule->name);
    if (cfg_feeds_conductance(&sp->pops[pj->to], pj->port)) {
        join(p, path, "receptor");
        return fail(c, g, p, "a transpose delivers weights of either sign: not onto a "
                    "conductance");
    }
    pj->weight.kind = DIST_CONST; /* a gain on the reversed weights */
    pj->weight.a = 1.0;
    pj->delay.kind = DIST_CONST;
    pj->delay.a = c->dt;
    if ((rc = get_dist(c, g, path, "weight", 0, -1e12, 1e12, &pj->weight)) ||
        (rc = get_dist(c, g, path, "delay", 0, 0, 1e9, &pj->delay)) ||
        (rc = check_delay(c, g, path, &pj->delay)))
        return rc;
    if (pj->weight.kind != DIST_CONST) {
        join(p, path, "weight");
        return fail(c, config_setting_get_member(g, "weight"), p, "with rule transpose, one "
                    "number: the gain on the reversed weights");
    }
    if (pj->delay.kind != DIST_CONST) {
        join(p, path, "delay");
        return fail(c, config_setting_get_member(g, "delay"), p, "one delay for every synapse "
                    "of a transpose");
    }
    return 0;
}

static int load_proj(const struct cfg_ctx *c, const config_setting_t *g, int idx, struct net_spec *sp)
{
    char path[PATH_LEN];
    elem_path(path, "projections", g, idx);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return fail(c, g, path, "must be a group { from = ...; to = ...; rule = ...; }");
    struct proj_spec *pj = &sp->projs[idx];
    int rc;
    if ((rc = proj_keys(c, g, path)) || (rc = pop_ref(c, g, path, "from", sp, &pj->from)) ||
        (rc = pop_ref(c, g, path, "to", sp, &pj->to)) ||
        (rc = port_ref(c, g, path, &sp->pops[pj->to], &pj->port)))
        return rc;
    const char *name = NULL;
    if ((rc = get_str(c, g, path, "name", 0, &name))) return rc;
    snprintf(pj->name, sizeof pj->name, "%.63s", name ? name : path + strlen("projections."));
    const char *rule = NULL;
    if ((rc = get_str(c, g, path, "rule", 1, &rule))) return rc;
    pj->rule = -1;
    for (int k = 0; rule_names[k]; k++)
        if (!strcmp(rule, rule_names[k])) pj->rule = k;
    char p[PATH_LEN];
    if (pj->rule < 0) {
        char hint[80];
        join(p, path, "rule");
        return fail(c, config_setting_get_member(g, "rule"), p,
                    "unknown rule \"%s\"%s (all_to_all, one_to_one, fixed_probability, "
                    "fixed_indegree, fixed_outdegree, fixed_total_number, list, transpose)", rule,
                    choice_hint(rule, rule_names, hint, sizeof hint));
    }
    pj->autapses = 1;
    pj->multapses = 1;
    if (pj->rule == CONN_TRANSPOSE) return load_transpose(c, g, path, idx, sp);
    if (config_setting_get_member(g, "of")) {
        join(p, path, "of");
        return fail(c, config_setting_get_member(g, "of"), p, "only for rule transpose");
    }
    if ((rc = get_bool(c, g, path, "allow_autapses", &pj->autapses)) ||
        (rc = get_bool(c, g, path, "allow_multapses", &pj->multapses)) ||
        (rc = load_count(c, g, path, pj)))
        return rc;
    uint32_t nsrc = sp->pops[pj->from].size, ntgt = sp->pops[pj->to].size;
    static const char *const list_only[] = {"sources", "targets", "weights", "delays",
                                            "weights_from", "edges_from", "edge_population",
                                            NULL};
    /* a file gives the synapses: weights_from (io/weights), edges_from (SONATA, io/edges) */
    const char *from = config_setting_get_member(g, "weights_from")  ? "weights_from"
                       : config_setting_get_member(g, "edges_from") ? "edges_from"
                                                                     : NULL;
    int edges = from && !strcmp(from, "edges_from");
    const config_setting_t *epop = config_setting_get_member(g, "edge_population");
    if (pj->rule == CONN_LIST && epop && !edges) {
        join(p, path, "edge_population");
        return fail(c, epop, p, "only with edges_from");
    }
    if (pj->rule == CONN_LIST && from) {
        /* edges_from: the file's delays, or `delay` where it has none */
        static const char *const from_file[] = {"sources", "targets", "weights", "weights_from",
                                                "edges_from", "delays", NULL};
        for (const char *const *k = from_file; *k; k++)
            if (config_setting_get_member(g, *k) && strcmp(*k, from) &&
                (edges || strcmp(*k, "delays"))) {
                join(p, path, *k);
                return fail(c, config_setting_get_member(g, *k), p,
                            "not with %s (the file gives the synapses)", from);
            }
        if ((rc = edges ? list_from_edges(c, g, path, sp, pj) : list_from_file(c, g, path, sp, pj)) ||
            (!pj->list_d && (rc = load_num_array(c, g, path, "delays", pj->nlist,
                                                 c->dt * (1 - 1e-9), &pj->list_d))) ||
            (rc = list_delays(c, g, path, pj)) || (rc = list_flags(c, g, path, pj)))
            return rc;
    } else if (pj->rule == CONN_LIST) {
        const config_setting_t *a = config_setting_get_member(g, "sources");
        join(p, path, "sources");
        if (!a || config_setting_type(a) != CONFIG_TYPE_ARRAY)
            return fail(c, a ? a : g, p, "rule list needs an array of source indices");
        pj->nlist = (size_t)config_setting_length(a);
        if ((rc = load_index_array(c, g, path, "sources", nsrc, pj->nlist, &pj->list_src)) ||
            (rc = load_index_array(c, g, path, "targets", ntgt, pj->nlist, &pj->list_tgt)) ||
            (rc = load_num_array(c, g, path, "weights", pj->nlist, -INFINITY, &pj->list_w)) ||
            (rc = load_num_array(c, g, path, "delays", pj->nlist, c->dt * (1 - 1e-9),
                                 &pj->list_d)) ||
            (rc = list_delays(c, g, path, pj)) || (rc = list_flags(c, g, path, pj)))
            return rc;
    } else {
        for (const char *const *k = list_only; *k; k++)
            if (config_setting_get_member(g, *k)) {
                join(p, path, *k);
                return fail(c, config_setting_get_member(g, *k), p, "only for rule list");
            }
    }
    /* the extension decides the weights of a projection with its settings */
    int need_w = (pj->rule != CONN_LIST || !pj->list_w) && !has_ext_key(c, g);
    int need_d = pj->rule != CONN_LIST || !pj->list_d;
    pj->delay.kind = DIST_CONST;
    pj->delay.a = c->dt;
    if ((rc = get_dist(c, g, path, "weight", need_w, -1e12, 1e12, &pj->weight)) ||
        (rc = get_dist(c, g, path, "delay", 0, 0, 1e9, &pj->delay)))
        return rc;
    if (need_d && (rc = check_delay(c, g, path, &pj->delay))) return rc;
    const struct pop_spec *tgt = &sp->pops[pj->to];
    if (need_w && (rc = nonneg_weight(c, g, path, tgt, pj->port, &pj->weight))) return rc;
    for (size_t j = 0; pj->list_w && j < pj->nlist && cfg_feeds_conductance(tgt, pj->port); j++)
        if (pj->list_w[j] < 0) {
            const char *wk = from ? from : "weights";
            join(p, path, wk);
            return fail(c, config_setting_get_member(g, wk), p, "entry %zu (%g nS) is "
                        "negative: receptor \"%s\" of %s is a conductance, its weights must be "
                        ">= 0", j, pj->list_w[j],
                        tgt->model->port_names[pj->port % tgt->model->nports], tgt->model->name);
        }
    if ((c->scale_n != 1 || c->scale_k != 1) && (rc = scale_proj(c, g, path, sp, pj))) return rc;
    if ((rc = load_plasticity(c, g, path, pj)) || (rc = weight_in_bounds(c, g, path, pj)) ||
        (rc = bind_check(c, g, path, tgt, pj)))
        return rc;
    return check_pool(c, g, path, sp, pj);
}

/* ---- stimuli ---- */

/* simulation.poisson = "dc" turns the train into its mean current. Else scale.indegree k < 1
 * treats the train as k times fewer inputs, each sqrt(k) times stronger (rate x k, weight /
 * sqrt(k)), and adds the lost mean current to the target's compensating dc (see scale_proj). */
static int scale_poisson(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                         const struct net_spec *sp, struct stim_spec *st)
{
    const struct pop_spec *tp = &sp->pops[st->target];
    double tau;
    int rc;
    if (c->poisson_dc) {
        if ((rc = need_charge(c, g, path, tp, st->port, "simulation.poisson = \"dc\"", &tau)))
            return rc;
        st->kind = STIM_DC;
        st->amplitude_pa = 1e-3 * tau * st->weight * st->rate_hz;
    } else if (c->scale_k != 1) {
        const double k = c->scale_k;
        if ((rc = need_charge(c, g, path, tp, st->port, "scale.indegree < 1", &tau))) return rc;
        c->comp_pa[st->target] += 1e-3 * (1 - sqrt(k)) * tau * st->weight * st->rate_hz;
        st->rate_hz *= k;
        st->weight /= sqrt(k);
    }
    return 0;
}

static int load_stim(const struct cfg_ctx *c, const config_setting_t *g, int idx, struct net_spec *sp)
{
    static const char *const k_poisson[] = {"name", "type", "target", "receptor", "compartment", "rate",
                                            "weight", "start", "stop", NULL};
    static const char *const k_dc[] = {"name", "type", "target", "amplitude", "start", "stop",
                                       NULL};
    char path[PATH_LEN];
    elem_path(path, "stimuli", g, idx);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return fail(c, g, path, "must be a group { type = ...; target = ...; }");
    struct stim_spec *st = &sp->stims[idx];
    const char *type = NULL, *name = NULL;
    int rc;
    if ((rc = get_str(c, g, path, "type", 1, &type)) || (rc = get_str(c, g, path, "name", 0, &name)))
        return rc;
    snprintf(st->name, sizeof st->name, "%.63s", name ? name : path + strlen("stimuli."));
    char p[PATH_LEN];
    if (!strcmp(type, "poisson")) {
        st->kind = STIM_POISSON;
        if ((rc = only_keys(c, g, path, k_poisson)) ||
            (rc = pop_ref(c, g, path, "target", sp, &st->target)) ||
            (rc = port_ref(c, g, path, &sp->pops[st->target], &st->port)) ||
            (rc = get_num(c, g, path, "rate", 1, 0, 1e9, &st->rate_hz)) ||
            (rc = get_num(c, g, path, "weight", 1, -1e12, 1e12, &st->weight)) ||
            (rc = nonneg_weight(c, g, path, &sp->pops[st->target], st->port,
                                &(struct dist){.kind = DIST_CONST, .a = st->weight})))
            return rc;
    } else if (!strcmp(type, "dc")) {
        st->kind = STIM_DC;
        if ((rc = only_keys(c, g, path, k_dc)) ||
            (rc = pop_ref(c, g, path, "target", sp, &st->target)) ||
            (rc = get_num(c, g, path, "amplitude", 1, -1e12, 1e12, &st->amplitude_pa)))
            return rc;
        /* a model without input ports (spike_source, poisson_source) takes no current either */
        if (!sp->pops[st->target].model->update || !sp->pops[st->target].model->nports)
            return fail(c, config_setting_get_member(g, "target"), path,
                        "population \"%s\" is a spike source and takes no current",
                        sp->pops[st->target].name);
    } else {
        join(p, path, "type");
        return fail(c, config_setting_get_member(g, "type"), p,
                    "unknown stimulus type \"%s\" (poisson, dc)", type);
    }
    st->start_ms = 0;
    st->stop_ms = -1;
    if ((rc = get_num(c, g, path, "start", 0, 0, 1e12, &st->start_ms)) ||
        (rc = get_num(c, g, path, "stop", 0, -1, 1e12, &st->stop_ms)))
        return rc;
    if (st->stop_ms >= 0 && st->stop_ms < st->start_ms) {
        join(p, path, "stop");
        return fail(c, config_setting_get_member(g, "stop"), p, "%g ms is before start (%g ms)",
                    st->stop_ms, st->start_ms);
    }
    return st->kind == STIM_POISSON ? scale_poisson(c, g, path, sp, st) : 0;
}

/* ---- record ---- */

static int load_traces(const struct cfg_ctx *c, const config_setting_t *l, struct net_spec *sp)
{
    static const char *const keys[] = {"population", "neurons", "variables", "interval", NULL};
    if (config_setting_type(l) != CONFIG_TYPE_LIST)
        return fail(c, l, "record.traces", "must be a list ( { ... }, ... ), not %s", cfg_type_name(l));
    sp->ntraces = config_setting_length(l);
    sp->traces = calloc((size_t)sp->ntraces + 1, sizeof *sp->traces);
    if (!sp->traces) return err_set(c->e, ERR_NOMEM, c->file, 0, "record.traces", "out of memory");
    for (int i = 0; i < sp->ntraces; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        struct trace_spec *tr = &sp->traces[i];
        char path[PATH_LEN], p[PATH_LEN];
        snprintf(path, sizeof path, "record.traces.[%d]", i);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
            return fail(c, g, path, "must be a group { population = ...; neurons = [...]; }");
        int rc;
        if ((rc = only_keys(c, g, path, keys)) ||
            (rc = pop_ref(c, g, path, "population", sp, &tr->pop)))
            return rc;
        const struct pop_spec *ps = &sp->pops[tr->pop];
        const int nstate = nrn_nstate(ps->model, &ps->shape);
        if (!nstate) return fail(c, g, path, "population \"%s\" has no state to record", ps->name);
        const config_setting_t *a = config_setting_get_member(g, "neurons");
        join(p, path, "neurons");
        if (!a || config_setting_type(a) != CONFIG_TYPE_ARRAY || config_setting_length(a) == 0)
            return fail(c, a ? a : g, p, "needs a non-empty array of neuron indices");
        tr->nneurons = (size_t)config_setting_length(a);
        if ((rc = load_index_array(c, g, path, "neurons", ps->size, tr->nneurons, &tr->neurons)))
            return rc;
        const config_setting_t *v = config_setting_get_member(g, "variables");
        join(p, path, "variables");
        if (!v) {
            tr->nvars = nstate;
            for (int k = 0; k < tr->nvars; k++) tr->vars[k] = k;
        } else {
            if (config_setting_type(v) != CONFIG_TYPE_ARRAY || config_setting_length(v) == 0 ||
                config_setting_length(v) > NRN_MAX_STATE)
                return fail(c, v, p, "must be a non-empty array of state variable names");
            tr->nvars = config_setting_length(v);
            for (int k = 0; k < tr->nvars; k++) {
                const char *name = config_setting_get_string_elem(v, (unsigned)k);
                int x = name ? nrn_state_lookup(ps->model, &ps->shape, name) : -1;
                if (x < 0)
                    return fail(c, v, p, "model %s has no state variable \"%s\"", ps->model->name,
                                name ? name : "(not a string)");
                tr->vars[k] = x;
            }
        }
        tr->interval_ms = sp->dt_ms;
        if ((rc = get_num(c, g, path, "interval", 0, sp->dt_ms * (1 - 1e-9), 1e9, &tr->interval_ms)))
            return rc;
        double r = tr->interval_ms / sp->dt_ms;
        if (fabs(r - floor(r + 0.5)) > 1e-6) {
            join(p, path, "interval");
            return fail(c, config_setting_get_member(g, "interval"), p,
                        "%g ms is not a multiple of dt (%g ms)", tr->interval_ms, sp->dt_ms);
        }
    }
    return 0;
}

static int find_proj(const struct net_spec *sp, const char *name)
{
    for (int i = 0; i < sp->nprojs; i++)
        if (!strcmp(sp->projs[i].name, name)) return i;
    return -1;
}

/* record.weights.[i].pairs = ( [source, target], ... ): indices within the populations; whether
 * a synapse joins them is known only once the network is built (io/rec_weights). */
static int load_pairs(const struct cfg_ctx *c, const config_setting_t *a, const char *p,
                      const struct net_spec *sp, struct wrec_spec *wr)
{
    int t = config_setting_type(a);
    if ((t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY) || config_setting_length(a) == 0)
        return fail(c, a, p, "must be a non-empty list of [source, target] pairs");
    const struct proj_spec *pj = &sp->projs[wr->proj];
    const uint32_t bound[2] = {sp->pops[pj->from].size, sp->pops[pj->to].size};
    const char *const side[2] = {"source", "target"};
    wr->npairs = (size_t)config_setting_length(a);
    wr->pair_src = malloc(wr->npairs * sizeof *wr->pair_src);
    wr->pair_tgt = malloc(wr->npairs * sizeof *wr->pair_tgt);
    if (!wr->pair_src || !wr->pair_tgt)
        return err_set(c->e, ERR_NOMEM, c->file, 0, p, "out of memory");
    for (size_t k = 0; k < wr->npairs; k++) {
        const config_setting_t *x = config_setting_get_elem(a, (unsigned)k);
        if (config_setting_type(x) != CONFIG_TYPE_ARRAY || config_setting_length(x) != 2)
            return fail(c, x, p, "entry %zu must be a pair [source, target], not %s", k,
                        cfg_type_name(x));
        uint32_t v[2];
        for (int j = 0; j < 2; j++) {
            const config_setting_t *y = config_setting_get_elem(x, (unsigned)j);
            long long i = cfg_is_integer(y) ? config_setting_get_int64(y) : -1;
            if (!cfg_is_integer(y) || i < 0 || i >= bound[j])
                return fail(c, x, p, "entry %zu: the %s must be a neuron index in [0, %u) of "
                            "population \"%s\"", k, side[j], bound[j],
                            sp->pops[j ? pj->to : pj->from].name);
            v[j] = (uint32_t)i;
        }
        for (size_t m = 0; m < k; m++)
            if (wr->pair_src[m] == v[0] && wr->pair_tgt[m] == v[1])
                return fail(c, x, p, "entry %zu repeats entry %zu ([%u, %u])", k, m, v[0], v[1]);
        wr->pair_src[k] = v[0];
        wr->pair_tgt[k] = v[1];
    }
    return 0;
}

/* record.weights = ( { projection = "ee"; synapses = 20; interval = 10.0; }, ... ). */
static int load_wrecs(const struct cfg_ctx *c, const config_setting_t *l, struct net_spec *sp)
{
    static const char *const keys[] = {"projection", "synapses", "pairs", "interval", NULL};
    if (config_setting_type(l) != CONFIG_TYPE_LIST)
        return fail(c, l, "record.weights", "must be a list ( { projection = ...; ... }, ... ), "
                    "not %s", cfg_type_name(l));
    int n = config_setting_length(l);
    sp->wrecs = calloc((size_t)n + 1, sizeof *sp->wrecs);
    if (!sp->wrecs) return err_set(c->e, ERR_NOMEM, c->file, 0, "record.weights", "out of memory");
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        struct wrec_spec *wr = &sp->wrecs[i];
        sp->nwrecs = i + 1; /* spec_free releases this entry's pairs */
        char path[PATH_LEN], p[PATH_LEN];
        snprintf(path, sizeof path, "record.weights.[%d]", i);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
            return fail(c, g, path, "must be a group { projection = ...; synapses = N; }");
        const char *name = NULL;
        int rc;
        if ((rc = only_keys(c, g, path, keys)) ||
            (rc = get_str(c, g, path, "projection", 1, &name)))
            return rc;
        join(p, path, "projection");
        const config_setting_t *ps = config_setting_get_member(g, "projection");
        wr->proj = find_proj(sp, name);
        if (wr->proj < 0) {
            const char *names[65];
            int m = 0;
            for (; m < sp->nprojs && m < 64; m++) names[m] = sp->projs[m].name;
            names[m] = NULL;
            char hint[80];
            return fail(c, ps, p, "unknown projection \"%s\"%s", name,
                        choice_hint(name, names, hint, sizeof hint));
        }
        if (!sp->projs[wr->proj].nplast)
            return fail(c, ps, p, "projection \"%s\" is not plastic (its weights never change: "
                        "give it a plasticity rule, or record another)", name);
        const config_setting_t *a = config_setting_get_member(g, "pairs");
        const config_setting_t *cnt = config_setting_get_member(g, "synapses");
        if (a && cnt) {
            join(p, path, "pairs");
            return fail(c, a, p, "give synapses = N or pairs, not both");
        }
        if (!a && !cnt)
            return fail(c, g, path, "needs synapses = N (drawn from the seed) or pairs = "
                        "( [source, target], ... )");
        long long k = 0;
        if (cnt && (rc = get_int(c, g, path, "synapses", 1, 1, (long long)1 << 62, &k))) return rc;
        wr->nsample = (uint64_t)k;
        join(p, path, "pairs");
        if (a && (rc = load_pairs(c, a, p, sp, wr))) return rc;
        /* default 1 ms, or the multiple of dt nearest it */
        wr->interval_ms = fmax(1, floor(1 / sp->dt_ms + 0.5)) * sp->dt_ms;
        if ((rc = get_num(c, g, path, "interval", 0, sp->dt_ms * (1 - 1e-9), 1e9,
                          &wr->interval_ms)))
            return rc;
        double r = wr->interval_ms / sp->dt_ms;
        if (fabs(r - floor(r + 0.5)) > 1e-6) {
            join(p, path, "interval");
            return fail(c, config_setting_get_member(g, "interval"), p,
                        "%g ms is not a multiple of dt (%g ms)", wr->interval_ms, sp->dt_ms);
        }
        const config_setting_t *at = a ? a : g;
        snprintf(wr->file, sizeof wr->file, "%.255s", where_file(c, at));
        wr->line = where_line(c, at);
    }
    return 0;
}

/* Which populations' spikes are written: "all", "none" or an array of names, at path. */
static int load_spike_pops(const struct cfg_ctx *c, const config_setting_t *s, const char *path,
                           struct net_spec *sp)
{
    int t = config_setting_type(s);
    const char *v = t == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;
    if (v && !strcmp(v, "all")) {
        for (int i = 0; i < sp->npops; i++) sp->record_spikes[i] = 1;
    } else if (v && !strcmp(v, "none")) {
        for (int i = 0; i < sp->npops; i++) sp->record_spikes[i] = 0;
    } else if (t == CONFIG_TYPE_ARRAY) {
        for (int i = 0; i < sp->npops; i++) sp->record_spikes[i] = 0;
        for (int k = 0; k < config_setting_length(s); k++) {
            const char *name = config_setting_get_string_elem(s, (unsigned)k);
            int pi = name ? find_pop(sp, name) : -1;
            if (pi < 0)
                return fail(c, s, path, "unknown population \"%s\"",
                            name ? name : "(not a string)");
            sp->record_spikes[pi] = 1;
        }
    } else {
        return fail(c, s, path, "must be \"all\", \"none\" or an array of names");
    }
    return 0;
}

/* The spike files: an array of format names (io/sink's list), each taken once. */
static int load_spike_formats(const struct cfg_ctx *c, const config_setting_t *f,
                              const char *path, struct net_spec *sp)
{
    char names[128];
    sink_names(names, sizeof names);
    if (config_setting_type(f) != CONFIG_TYPE_ARRAY)
        return fail(c, f, path, "must be an array of format names (%s)", names);
    sp->nsinks = 0;
    for (int k = 0; k < config_setting_length(f); k++) {
        const char *v = config_setting_get_string_elem(f, (unsigned)k);
        const struct sink_ops *o = sink_find(v);
        if (!o)
            return fail(c, f, path, "unknown format \"%s\" (%s)", v ? v : "(not a string)",
                        names);
        int dup = 0;
        for (int j = 0; j < sp->nsinks; j++) dup |= sp->sinks[j] == o;
        if (!dup) sp->sinks[sp->nsinks++] = o;
    }
    return 0;
}

_Static_assert(sizeof ((struct net_spec *)0)->sinks / sizeof(void *) >= SINK_MAX,
               "net_spec.sinks holds every format");

/* record.rates = { bin = MS; }: every population's rate in bins of a whole number of steps
 * (io/rates), at most RATES_MAX_CELLS bins x populations. */
static int load_rates(const struct cfg_ctx *c, const config_setting_t *g, struct net_spec *sp)
{
    sp->rates_bin_ms = 0;
    const config_setting_t *r = config_setting_get_member(g, "rates");
    if (!r) return 0;
    if (config_setting_type(r) != CONFIG_TYPE_GROUP)
        return fail(c, r, "record.rates", "must be a group { bin = 1.0; }, not %s", cfg_type_name(r));
    static const char *const rk[] = {"bin", NULL};
    double bin = 1.0;
    int rc;
    if ((rc = only_keys(c, r, "record.rates", rk)) ||
        (rc = get_num(c, r, "record.rates", "bin", 0, c->dt * (1 - 1e-9), 1e9, &bin)))
        return rc;
    const double steps = floor(bin / c->dt + 0.5);
    const config_setting_t *b = config_setting_get_member(r, "bin");
    if (fabs(steps * c->dt - bin) > 1e-9 * bin)
        return fail(c, b ? b : r, "record.rates.bin", "%g ms is not a whole number of steps "
                    "(dt = %g ms)", bin, c->dt);
    const double cells = ceil(sp->duration_ms / bin) * sp->npops;
    if (cells > (double)RATES_MAX_CELLS)
        return fail(c, b ? b : r, "record.rates.bin", "%g ms makes %.0f bins x populations over "
                    "the run; at most %llu (a wider bin)", bin, cells, RATES_MAX_CELLS);
    sp->rates_bin_ms = steps * c->dt;
    return 0;
}

/* record.spikes is a population choice ("all", "none", names) or a group { populations;
 * format; }. record.formats is the older spelling of record.spikes.format; when a config has
 * both, record.spikes.format counts (a --set of it then works on any config). */
static int load_record(const struct cfg_ctx *c, const config_setting_t *root, struct net_spec *sp)
{
    static const char *const keys[] = {"spikes", "formats", "raster", "traces", "weights",
                                       "connectivity", "rates", NULL};
    static const char *const spike_keys[] = {"populations", "format", NULL};
    for (int i = 0; i < sp->npops; i++) sp->record_spikes[i] = 1;
    sp->nsinks = 0;
    sp->sinks[sp->nsinks++] = sink_find("csv");
    sp->sinks[sp->nsinks++] = sink_find("bin");
    sp->raster = 1;
    sp->raster_per_pop = 100;
    sp->record_connectivity = 0;
    const config_setting_t *g = config_setting_get_member(root, "record");
    if (!g) return 0;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return fail(c, g, "record", "must be a group { ... }, not %s", cfg_type_name(g));
    int rc = only_keys(c, g, "record", keys);
    if (rc) return rc;
    const config_setting_t *s = config_setting_get_member(g, "spikes");
    const config_setting_t *f = config_setting_get_member(g, "formats");
    if (f && (rc = load_spike_formats(c, f, "record.formats", sp))) return rc;
    if (s && config_setting_type(s) == CONFIG_TYPE_GROUP) {
        const config_setting_t *sp_pops = config_setting_get_member(s, "populations");
        const config_setting_t *sp_fmt = config_setting_get_member(s, "format");
        if ((rc = only_keys(c, s, "record.spikes", spike_keys)) ||
            (sp_pops && (rc = load_spike_pops(c, sp_pops, "record.spikes.populations", sp))) ||
            (sp_fmt && (rc = load_spike_formats(c, sp_fmt, "record.spikes.format", sp))))
            return rc;
    } else if (s && (rc = load_spike_pops(c, s, "record.spikes", sp))) {
        return rc;
    }
    const config_setting_t *r = config_setting_get_member(g, "raster");
    if (r) {
        static const char *const rk[] = {"neurons_per_population", NULL};
        if (config_setting_type(r) == CONFIG_TYPE_BOOL) {
            sp->raster = config_setting_get_bool(r);
        } else if (config_setting_type(r) == CONFIG_TYPE_GROUP) {
            long long m = 100;
            if ((rc = only_keys(c, r, "record.raster", rk)) ||
                (rc = get_int(c, r, "record.raster", "neurons_per_population", 0, 1, 100000, &m)))
                return rc;
            sp->raster_per_pop = (uint32_t)m;
        } else {
            return fail(c, r, "record.raster", "must be true, false or a group");
        }
    }
    if ((rc = get_bool(c, g, "record", "connectivity", &sp->record_connectivity)) ||
        (rc = load_rates(c, g, sp)))
        return rc;
    const config_setting_t *t = config_setting_get_member(g, "traces");
    if (t && (rc = load_traces(c, t, sp))) return rc;
    const config_setting_t *w = config_setting_get_member(g, "weights");
    return w ? load_wrecs(c, w, sp) : 0;
}

/* ---- the whole file ---- */

/* network = { sonata = "circuit_config.json"; }: the populations and projections are a SONATA
 * circuit's (io/circuit), read against the config's dt; populations, projections and scale
 * are then not the config's to give. */
static int load_network(const struct cfg_ctx *c, const config_setting_t *root,
                        struct net_spec *sp)
{
    static const char *const keys[] = {"sonata", NULL};
    static const char *const not_with[] = {"populations", "projections", "scale", NULL};
    const config_setting_t *g = config_setting_get_member(root, "network");
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return fail(c, g, "network", "must be a group { sonata = \"circuit_config.json\"; }, "
                    "not %s", cfg_type_name(g));
    int rc = only_keys(c, g, "network", keys);
    if (rc) return rc;
    if (!config_setting_get_member(g, "sonata"))
        return fail(c, g, "network.sonata", "missing (a SONATA circuit config, JSON)");
    for (const char *const *k = not_with; *k; k++)
        if (config_setting_get_member(root, *k))
            return fail(c, config_setting_get_member(root, *k), *k, "not with network.sonata: "
                        "the SONATA circuit gives the populations and projections");
    char p[PATH_LEN], *file = NULL;
    if ((rc = data_file(c, g, "network", "sonata", "a SONATA circuit config, JSON", p, &file)))
        return rc;
    rc = circuit_load(file, c->dt, sp, c->e);
    free(file);
    return rc;
}

static int validate(const struct cfg_ctx *c, config_t *cfg, struct net_spec *sp)
{
    const char *top[16] = {"simulation", "scale", "populations", "projections", "stimuli",
                           "record", "network"};
    int t = 7;
    for (int k = 0; c->ext && c->ext->blocks[k] && t < 15; k++) top[t++] = c->ext->blocks[k];
    /* the other kind's blocks are known too: its reader says what the config is not */
    for (int k = 0; c->ext && c->ext->alt && c->ext->alt->blocks[k] && t < 15; k++) {
        int dup = 0;
        for (int i = 7; i < t; i++) dup |= !strcmp(top[i], c->ext->alt->blocks[k]);
        if (!dup) top[t++] = c->ext->alt->blocks[k];
    }
    const config_setting_t *root = config_root_setting(cfg);
    int rc;
    if ((rc = only_keys(c, root, "", top)) || (rc = load_simulation(c, root, sp)) ||
        (rc = load_scale((struct cfg_ctx *)c, root, sp)))
        return rc;
    ((struct cfg_ctx *)c)->dt = sp->dt_ms;
    const config_setting_t *pl = NULL, *jl = NULL, *sl;
    int np = 0, nj = 0, ns;
    const int sonata = config_setting_get_member(root, "network") != NULL;
    if (sonata) {
        if ((rc = load_network(c, root, sp))) return rc;
        np = sp->npops;
    } else if ((rc = load_list(c, root, "populations", 1, &pl, &np)) ||
               (rc = load_list(c, root, "projections", 0, &jl, &nj))) {
        return rc;
    }
    if ((rc = load_list(c, root, "stimuli", 0, &sl, &ns))) return rc;
    if (np > 256) return fail(c, pl, "populations", "at most 256 populations");
    if (!sonata) {
        sp->pops = calloc((size_t)np, sizeof *sp->pops);
        sp->projs = calloc((size_t)nj + 1, sizeof *sp->projs);
    }
    /* room for one compensating dc per population after the stimuli (scale.indegree) */
    sp->stims = calloc((size_t)ns + np + 1, sizeof *sp->stims);
    ((struct cfg_ctx *)c)->comp_pa = calloc((size_t)np + 1, sizeof *c->comp_pa);
    ((struct cfg_ctx *)c)->size0 = calloc((size_t)np + 1, sizeof *c->size0);
    if (!sp->pops || !sp->projs || !sp->stims || !c->comp_pa || !c->size0)
        return err_set(c->e, ERR_NOMEM, c->file, 0, "", "out of memory");
    for (int i = 0; i < np && !sonata; i++) {
        rc = load_pop(c, config_setting_get_elem(pl, (unsigned)i), i, sp);
        sp->npops = i + 1; /* spec_free releases what this population allocated */
        if (rc) return rc;
    }
    if ((rc = check_mean_rates(c, sp))) return rc;
    for (int i = 0; i < nj; i++) {
        rc = load_proj(c, config_setting_get_elem(jl, (unsigned)i), i, sp);
        sp->nprojs = i + 1;
        if (rc) return rc;
    }
    for (int i = 0; i < ns; i++) {
        rc = load_stim(c, config_setting_get_elem(sl, (unsigned)i), i, sp);
        sp->nstims = i + 1;
        if (rc) return rc;
    }
    for (int i = 0; i < np; i++) {
        if (c->comp_pa[i] == 0) continue;
        struct stim_spec *st = &sp->stims[sp->nstims++];
        snprintf(st->name, sizeof st->name, "compensation");
        st->kind = STIM_DC;
        st->target = i;
        st->amplitude_pa = c->comp_pa[i];
        st->stop_ms = -1;
    }
    return load_record(c, root, sp);
}

/* libconfig says "cannot open include file" without naming it: find the @include on the
 * reported line and add its name. */
static void name_missing_include(const char *dir, const char *file, int line, struct err *e)
{
    if (!strstr(e->msg, "include") || line < 1) return;
    FILE *f = fopen(file, "r");
    if (!f) return;
    char buf[1024];
    for (int l = 1; fgets(buf, sizeof buf, f); l++) {
        if (l != line) continue;
        char *at = strstr(buf, "@include"), *q1 = at ? strchr(at, '"') : NULL;
        char *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
        if (q2) {
            *q2 = '\0';
            size_t k = strlen(e->msg);
            snprintf(e->msg + k, sizeof e->msg - k, " \"%s\" (looked in %s)", q1 + 1,
                     q1[1] == '/' ? "/" : dir);
        }
        break;
    }
    fclose(f);
}

unsigned long long cfg_hash(const char *text)
{
    unsigned long long h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static char *write_text(config_t *cfg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    config_write(cfg, f);
    fclose(f);
    return buf;
}

/* libconfig's scanner ends the process (exit 2, naming nothing) when an @include names a
 * folder, and waits for ever on a FIFO: every @include of the file (and of what it includes,
 * as deep as libconfig goes) must name a regular file. Paths resolve as libconfig resolves
 * them: against the working folder, which is the top config's folder while it is read. */
static int check_includes(const char *file, const char *shown, int depth, struct err *e)
{
    if (depth > 10)
        return err_set(e, ERR_INPUT, shown, 0, "", "@include nested more than 10 deep");
    FILE *f = fopen(file, "rb");
    if (!f) return 0; /* libconfig says what it cannot open */
    char line[4096];
    int rc = 0, lineno = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        const char *s = line + strspn(line, " \t");
        if (strncmp(s, "@include", 8)) continue;
        const char *q1 = strchr(s + 8, '"'), *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
        if (!q2) continue; /* a syntax error libconfig reports */
        char inc[1024];
        snprintf(inc, sizeof inc, "%.*s", (int)(q2 - q1 - 1), q1 + 1);
        struct stat st;
        if (stat(inc, &st) != 0) continue; /* "cannot open include file", named later */
        if (!S_ISREG(st.st_mode))
            rc = err_set(e, ERR_INPUT, shown, lineno, "@include",
                         "@include \"%s\": not a regular file", inc);
        else
            rc = check_includes(inc, inc, depth + 1, e);
    }
    fclose(f);
    return rc;
}

int cfg_load(const char *path, const char *const *sets, int nsets, struct net_spec *spec,
             char **resolved, struct err *e)
{
    return cfg_load_ext(path, sets, nsets, NULL, spec, resolved, e);
}

int cfg_load_ext(const char *path, const char *const *sets, int nsets, const struct cfg_ext *ext,
                 struct net_spec *spec, char **resolved, struct err *e)
{
    memset(spec, 0, sizeof *spec);
    *resolved = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, ERR_INPUT, path, 0, "", "cannot open: %s", strerror(errno));
    if (S_ISDIR(st.st_mode)) return err_set(e, ERR_INPUT, path, 0, "", "is a folder, not a config");
    if (st.st_size == 0) return err_set(e, ERR_INPUT, path, 0, "", "empty file");
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(e, ERR_INPUT, path, 0, "", "cannot open: %s", strerror(errno));
    /* libconfig stops at a NUL byte without complaint: refuse binary files ourselves */
    int ch, line = 1;
    while ((ch = fgetc(f)) != EOF) {
        if (ch == '\n') line++;
        if (ch == 0) {
            fclose(f);
            return err_set(e, ERR_INPUT, path, line, "", "binary data (NUL byte): not a config");
        }
    }
    fclose(f);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");

    const char *base = slash ? path + (slash - dir) + 1 : path;

    /* libconfig 1.5 prepends its include dir even to absolute @include paths, so instead of
     * setting one we read from inside the config's folder: relative includes resolve against
     * it and absolute ones stay absolute. Configs are read before any thread starts. */
    config_t cfg;
    config_init(&cfg);
    int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (here < 0 || chdir(dir) != 0) {
        if (here >= 0) close(here);
        config_destroy(&cfg);
        return err_set(e, ERR_INPUT, path, 0, "", "cannot enter its folder: %s", strerror(errno));
    }
    int inc_rc = check_includes(base, path, 0, e);
    if (inc_rc) {
        if (fchdir(here) != 0) { /* nothing more to do: the error stands */
        }
        close(here);
        config_destroy(&cfg);
        return inc_rc;
    }
    int read_ok = config_read_file(&cfg, base) == CONFIG_TRUE;
    /* libconfig 1.5 wraps integer literals to 32 bits: read them again as written */
    struct cfg_int_bad bad = {0};
    int wide = read_ok ? cfg_int_widen(config_root_setting(&cfg), NULL, &bad) : 0;
    int wide_errno = errno;
    int back = fchdir(here);
    close(here);
    if (back != 0) {
        config_destroy(&cfg);
        return err_set(e, ERR_IO, path, 0, "", "cannot return to the working folder");
    }
    if (!read_ok) {
        char buf[1024];
        const char *ef = display_file(dir, base, path, config_error_file(&cfg), buf, sizeof buf);
        int rc = err_set(e, ERR_INPUT, ef, config_error_line(&cfg), "", "%s",
                         config_error_text(&cfg));
        name_missing_include(dir, ef, config_error_line(&cfg), e);
        if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO && !config_error_line(&cfg))
            snprintf(e->msg, sizeof e->msg, "cannot read: %s", strerror(errno));
        config_destroy(&cfg);
        return rc;
    }
    if (wide) {
        char p[PATH_LEN];
        struct cfg_ctx c0 = {.file = path, .base = base, .dir = dir, .e = e};
        int rc = wide < 0 ? err_set(e, ERR_IO, path, 0, "", "cannot read again: %s",
                                    strerror(wide_errno))
                          : (setting_path(bad.s, p),
                             fail(&c0, bad.s, p, "%s does not fit in a 64-bit integer", bad.text));
        config_destroy(&cfg);
        return rc;
    }
    int rc = 0;
    /* a top-level sweep block describes many runs of this config (io/sweep reads and
     * validates it); one run ignores it, and it is not part of the resolved config or its hash */
    config_setting_remove(config_root_setting(&cfg), "sweep");
    struct set_log log = {0};
    for (int i = 0; i < nsets && !rc; i++) rc = cfg_set_apply(&cfg, sets[i], &log, e);
    const struct cfg_ext *absent = NULL;
    if (!rc && ext && ext->present) {
        const config_setting_t *root = config_root_setting(&cfg);
        const struct cfg_ext *x = ext;
        *ext->present = 0;
        for (int k = 1; x && k <= 2; x = x->alt, k++)
            if (config_setting_get_member(root, x->blocks[0])) {
                *ext->present = k;
                break;
            }
        if (!*ext->present) absent = ext, ext = NULL; /* a plain config */
        else ext = x;
    }
    struct cfg_ctx c = {.file = path, .base = base, .dir = dir, .sets = &log, .e = e, .dt = 0.1,
                        .ext = ext, .absent = absent};
    if (!rc) rc = validate(&c, &cfg, spec);
    if (!rc && ext) rc = ext->read(ext->self, &c, config_root_setting(&cfg), spec);
    free(c.comp_pa);
    free(c.size0);
    free(log.v);
    if (!rc) {
        *resolved = write_text(&cfg);
        /* the hash names the results, which threads do not change: hash without them */
        config_setting_t *sim = config_lookup(&cfg, "simulation");
        if (sim && config_setting_get_member(sim, "threads"))
            config_setting_remove(sim, "threads");
        for (int k = 0; ext && ext->unhashed && ext->unhashed[k]; k++) {
            config_setting_t *u = config_lookup(&cfg, ext->unhashed[k]);
            if (u && config_setting_parent(u))
                config_setting_remove(config_setting_parent(u), config_setting_name(u));
        }
        char *hashed = write_text(&cfg);
        if (!*resolved || !hashed) rc = err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
        else spec->config_hash = cfg_hash(hashed);
        free(hashed);
    }
    config_destroy(&cfg);
    if (rc) spec_free(spec);
    return rc;
}

/* ---- readers for other modules' blocks (io/cfg.h, cfg_ext) ---- */

int cfg_rd_fail(const struct cfg_ctx *c, const config_setting_t *s, const char *path,
                const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fail(c, s, path, "%s", msg);
}

int cfg_rd_keys(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                const char *const *allowed)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return fail(c, g, path, "must be a group { ... }, not %s", cfg_type_name(g));
    return only_keys(c, g, path, allowed);
}

int cfg_rd_num(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
               const char *key, int required, double lo, double hi, double *out)
{
    return get_num(c, g, path, key, required, lo, hi, out);
}

int cfg_rd_int(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
               const char *key, int required, long long lo, long long hi, long long *out)
{
    return get_int(c, g, path, key, required, lo, hi, out);
}

int cfg_rd_str(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
               const char *key, int required, const char **out)
{
    return get_str(c, g, path, key, required, out);
}

int cfg_rd_bool(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                const char *key, int *out)
{
    return get_bool(c, g, path, key, out);
}

int cfg_rd_choice(const struct cfg_ctx *c, const config_setting_t *g, const char *path,
                  const char *key, const char *const *choices, int *out)
{
    const char *v = NULL;
    int rc = get_str(c, g, path, key, 0, &v);
    if (rc || !v) return rc;
    char known[256] = "";
    for (int k = 0; choices[k]; k++) {
        if (!strcmp(v, choices[k])) {
            *out = k;
            return 0;
        }
        strncat(known, choices[k], sizeof known - strlen(known) - 3);
        if (choices[k + 1]) strncat(known, ", ", sizeof known - strlen(known) - 1);
    }
    char p[PATH_LEN], hint[80];
    join(p, path, key);
    return fail(c, config_setting_get_member(g, key), p, "unknown choice \"%s\"%s (%s)", v,
                choice_hint(v, choices, hint, sizeof hint), known);
}

const char *cfg_rd_file(const struct cfg_ctx *c) { return c->file; }
const char *cfg_rd_dir(const struct cfg_ctx *c) { return c->dir; }
