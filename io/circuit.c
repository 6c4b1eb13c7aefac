/* io/circuit: a SONATA circuit read into a net_spec (see circuit.h).
 *
 * Order: populations come in the order of networks.nodes, each file's node populations by
 * name (HDF5's order); projections likewise from networks.edges. A node type is resolved
 * once (template, dynamics_params, checked by the model's prepare) and cached per row of
 * its type table. Edges: io/edges reads an edge population whole into list arrays (24 bytes
 * an edge, plus 4 for edge_type_id while per-type values are filled in); a population whose
 * edges go to several receptors is split into one projection per receptor, the largest part
 * compacted in place and the others copied out, so at most 1.5 times the lists are held. */
#include "io/circuit.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/cfg.h"
#include "io/edges.h"
#include "io/hdf.h"
#include "io/typetab.h"
#include "neurons/registry.h"
#include "synapses/proj.h"

#define CIRCUIT_PATH 1024
#define JSON_MAX_BYTES (64u << 20)
#define MANIFEST_MAX 64 /* manifest variables substituted for one path, at most */

/* ---------------------------------------------------------------------------------------------
 * Model templates: NEST's names and defaults (NEST 3 documentation of each model), the same
 * units as apical's (pF, ms, mV, pA, nS). V_m, NEST's initial potential, is the initial v.
 */

struct nest_param {
    const char *nest, *apical; /* apical NULL: the initial membrane potential */
    double def;
};

static const struct nest_param psc_exp[] = {
    {"C_m", "c_m", 250.0},       {"tau_m", "tau_m", 10.0},         {"t_ref", "t_ref", 2.0},
    {"E_L", "e_l", -70.0},       {"V_th", "v_th", -55.0},          {"V_reset", "v_reset", -70.0},
    {"tau_syn_ex", "tau_syn_ex", 2.0}, {"tau_syn_in", "tau_syn_in", 2.0}, {"I_e", "i_e", 0.0},
    {"V_m", NULL, -70.0},        {NULL, NULL, 0}};

static const struct nest_param cond_exp[] = {
    {"C_m", "c_m", 250.0},       {"g_L", "g_l", 16.6667},          {"E_L", "e_l", -70.0},
    {"E_ex", "e_ex", 0.0},       {"E_in", "e_in", -85.0},          {"V_th", "v_th", -55.0},
    {"V_reset", "v_reset", -60.0}, {"t_ref", "t_ref", 2.0},        {"tau_syn_ex", "tau_syn_ex", 0.2},
    {"tau_syn_in", "tau_syn_in", 2.0}, {"I_e", "i_e", 0.0},       {"V_m", NULL, -70.0},
    {NULL, NULL, 0}};

static const struct nest_template {
    const char *name, *model;
    const struct nest_param *params;
} nest_templates[] = {{"nest:iaf_psc_exp", "lif", psc_exp},
                      {"nest:iaf_cond_exp", "lif_cond", cond_exp},
                      {NULL, NULL, NULL}};

/* A node type resolved: its model, parameters and initial values. */
struct ntype {
    int done;
    const struct nrn_ops *model;
    double params[NRN_MAX_PARAMS];
    int has_init[NRN_MAX_STATE];
    struct dist init[NRN_MAX_STATE];
};

/* An edge type's values where its table gives them (has_*: 0 absent). */
struct etype {
    int done, has_w, has_d;
    double w, d;
    const char *receptor;
};

struct ctx {
    const char *path;
    char dir[CIRCUIT_PATH];       /* the circuit config's folder */
    char absdir[CIRCUIT_PATH];    /* the same, absolute: ${configdir} (bmtk's) */
    char models_dir[CIRCUIT_PATH]; /* components.point_neuron_models_dir, or dir */
    const cJSON *manifest;
    double dt;
    struct net_spec *sp;
    int cap;                       /* projections sp->projs has room for, less the spare */
    struct err *e;
};

/* ---------------------------------------------------------------------------------------------
 * JSON files and paths.
 */

/* The JSON file at path parsed, or NULL with e set (a syntax error names its line). */
static cJSON *read_json(const char *path, const char *what, struct err *e)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        err_set(e, ERR_INPUT, path, 0, "", "cannot open %s: %s", what, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > JSON_MAX_BYTES) {
        err_set(e, ERR_INPUT, path, 0, "", "%s is not a regular file of at most %u bytes", what,
                JSON_MAX_BYTES);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    char *text = f ? malloc((size_t)st.st_size + 1) : NULL;
    size_t n = text ? fread(text, 1, (size_t)st.st_size, f) : 0;
    if (f) fclose(f);
    if (!text) {
        err_set(e, f ? ERR_NOMEM : ERR_INPUT, path, 0, "", "cannot read %s", what);
        return NULL;
    }
    text[n] = '\0';
    const char *end = NULL;
    cJSON *j = memchr(text, 0, n) ? NULL : cJSON_ParseWithOpts(text, &end, 1);
    if (!j) {
        int line = 1;
        const char *at = end && end >= text && end <= text + n ? end : text;
        for (const char *p = text; p < at; p++) line += *p == '\n';
        char near[24] = "";
        snprintf(near, sizeof near, "%.20s", at);
        for (char *p = near; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
        err_set(e, ERR_INPUT, path, line, "", "JSON syntax error in %s near \"%s\"", what, near);
    }
    free(text);
    return j;
}

/* Expands manifest variables in s ("$NAME" as the manifest names them, the longest that
 * matches; "${configdir}": the config's folder) into out; field names s in messages. *left
 * counts down the substitutions one path may take (variables that name others many times
 * over would otherwise take exponential time even to an empty path). */
static int expand(const struct ctx *c, const char *s, const char *field, char *out, size_t n,
                  int depth, int *left)
{
    size_t k = 0;
    if (depth > 8)
        return err_set(c->e, ERR_INPUT, c->path, 0, field, "manifest variables refer to each "
                       "other without end");
    for (const char *p = s; *p;) {
        const char *val = NULL;
        size_t len = 0;
        if (*p == '$' && !strncmp(p, "${configdir}", 12)) {
            val = c->absdir, len = 12;
        } else if (*p == '$') {
            const cJSON *m;
            cJSON_ArrayForEach(m, c->manifest) {
                size_t l = strlen(m->string);
                if (l > len && !strncmp(p, m->string, l) && cJSON_IsString(m))
                    val = m->valuestring, len = l;
            }
            if (!val)
                return err_set(c->e, ERR_INPUT, c->path, 0, field, "\"%s\": no manifest "
                               "variable starts %.40s", s, p);
        }
        if (val) {
            if (--*left < 0)
                return err_set(c->e, ERR_INPUT, c->path, 0, field, "manifest variables "
                               "substituted more than %d times for one path", MANIFEST_MAX);
            char sub[CIRCUIT_PATH];
            int rc = expand(c, val, field, sub, sizeof sub, depth + 1, left);
            if (rc) return rc;
            size_t l = strlen(sub);
            if (k + l >= n) return err_set(c->e, ERR_INPUT, c->path, 0, field, "path too long");
            memcpy(out + k, sub, l);
            k += l;
            p += len;
        } else {
            if (k + 1 >= n) return err_set(c->e, ERR_INPUT, c->path, 0, field, "path too long");
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
    return 0;
}

/* A path from the config: expanded, then relative to base (the config's folder) unless
 * absolute. */
static int resolve(const struct ctx *c, const char *s, const char *base, const char *field,
                   char *out, size_t n)
{
    char x[CIRCUIT_PATH];
    int left = MANIFEST_MAX;
    int rc = expand(c, s, field, x, sizeof x, 0, &left);
    if (rc) return rc;
    int len = x[0] == '/' || !base[0] ? snprintf(out, n, "%s", x)
                                      : snprintf(out, n, "%s/%s", base, x);
    if (len < 0 || (size_t)len >= n)
        return err_set(c->e, ERR_INPUT, c->path, 0, field, "path too long");
    return 0;
}

/* The string member key of object o (named field), resolved as a path into out; a missing
 * optional one leaves out empty. */
static int json_path(const struct ctx *c, const cJSON *o, const char *key, int required,
                     const char *field, char *out, size_t n)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);
    out[0] = '\0';
    if (!m && !required) return 0;
    if (!cJSON_IsString(m) || !m->valuestring[0])
        return err_set(c->e, ERR_INPUT, c->path, 0, field, "%s (a file name)",
                       m ? "must be a string" : "missing");
    return resolve(c, m->valuestring, c->dir, field, out, n);
}

/* ---------------------------------------------------------------------------------------------
 * Node types.
 */

/* x checked against p's bounds into *out. */
static int param_num(const char *file, const char *field, const struct param *p, double x,
                     double *out, struct err *e)
{
    if (!isfinite(x) || x < p->min || x > p->max || (p->min_open && x == p->min) ||
        (p->max_open && x == p->max))
        return err_set(e, ERR_INPUT, file, 0, field, "%g %s is out of range %s%g, %g%s", x, p->unit,
                       p->min_open ? "(" : "[", p->min, p->max, p->max_open ? ")" : "]");
    *out = x;
    return 0;
}

/* A JSON value for parameter p: a number, or one of its choices as a string. */
static int param_value(const char *file, const char *field, const struct param *p,
                       const cJSON *v, double *out, struct err *e)
{
    if (p->choices) {
        for (int k = 0; cJSON_IsString(v) && p->choices[k]; k++)
            if (!strcmp(p->choices[k], v->valuestring)) {
                *out = k;
                return 0;
            }
        return err_set(e, ERR_INPUT, file, 0, field, "must be one of the strings %s%s%s",
                       p->choices[0], p->choices[1] ? ", " : "", p->choices[1] ? p->choices[1] : "");
    }
    if (!cJSON_IsNumber(v))
        return err_set(e, ERR_INPUT, file, 0, field, "must be a number (%s)", p->unit);
    return param_num(file, field, p, v->valuedouble, out, e);
}

/* init of an apical template: { "VAR": number | {"dist": "uniform", "low", "high"} |
 * {"dist": "normal", "mean", "std"} }. */
static int init_value(const char *file, const cJSON *o, struct ntype *t, struct err *e)
{
    if (!cJSON_IsObject(o)) return err_set(e, ERR_INPUT, file, 0, "init", "must be an object");
    const cJSON *m;
    cJSON_ArrayForEach(m, o) {
        char field[128];
        snprintf(field, sizeof field, "init.%.100s", m->string);
        int v = nrn_state_index(t->model, m->string);
        if (v < 0)
            return err_set(e, ERR_INPUT, file, 0, field, "model %s has no state variable \"%s\"",
                           t->model->name, m->string);
        struct dist *d = &t->init[v];
        *d = (struct dist){.kind = DIST_CONST, .lo = -INFINITY, .hi = INFINITY};
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(m, "dist");
        const char *a = "low", *b = "high";
        if (cJSON_IsNumber(m)) {
            d->a = m->valuedouble;
        } else if (cJSON_IsString(kind) && (!strcmp(kind->valuestring, "uniform") ||
                                            !strcmp(kind->valuestring, "normal"))) {
            if (kind->valuestring[0] == 'n') a = "mean", b = "std";
            d->kind = kind->valuestring[0] == 'n' ? DIST_NORMAL : DIST_UNIFORM;
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(m, a);
            const cJSON *y = cJSON_GetObjectItemCaseSensitive(m, b);
            if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y) || cJSON_GetArraySize(m) != 3)
                return err_set(e, ERR_INPUT, file, 0, field, "must hold dist, %s and %s, numbers",
                               a, b);
            d->a = x->valuedouble;
            d->b = y->valuedouble;
            if (d->b < (d->kind == DIST_UNIFORM ? d->a : 0))
                return err_set(e, ERR_INPUT, file, 0, field, "%s (%g) is below %s", b, d->b,
                               d->kind == DIST_UNIFORM ? a : "0");
        } else {
            return err_set(e, ERR_INPUT, file, 0, field, "must be a number or an object with "
                           "dist = \"uniform\" (low, high) or \"normal\" (mean, std)");
        }
        if (!isfinite(d->a) || !isfinite(d->b) || fabs(d->a) > 1e12 || fabs(d->b) > 1e12)
            return err_set(e, ERR_INPUT, file, 0, field, "numbers beyond 1e12");
        t->has_init[v] = 1;
    }
    return 0;
}

/* dynamics_params of an apical template: the model's own parameter names, and init. */
static int apical_params(const char *file, const cJSON *j, struct ntype *t, struct err *e)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, j) {
        if (!strcmp(m->string, "init")) {
            int rc = init_value(file, m, t, e);
            if (rc) return rc;
            continue;
        }
        int k = nrn_param_index(t->model, m->string);
        if (k < 0)
            return err_set(e, ERR_INPUT, file, 0, m->string, "model %s has no parameter \"%s\"",
                           t->model->name, m->string);
        int rc = param_value(file, m->string, &t->model->params[k], m, &t->params[k], e);
        if (rc) return rc;
    }
    return 0;
}

/* dynamics_params of a NEST template: NEST's names, translated by the template's table. */
static int nest_params(const char *file, const cJSON *j, const struct nest_template *nt,
                       struct ntype *t, struct err *e)
{
    int v = nrn_state_index(t->model, "v");
    for (const struct nest_param *p = nt->params; p->nest; p++) {
        const cJSON *m = j ? cJSON_GetObjectItemCaseSensitive(j, p->nest) : NULL;
        double x = p->def;
        if (m && !cJSON_IsNumber(m))
            return err_set(e, ERR_INPUT, file, 0, p->nest, "must be a number");
        if (m) x = m->valuedouble;
        if (!p->apical) {
            if (!isfinite(x) || fabs(x) > 1e4)
                return err_set(e, ERR_INPUT, file, 0, p->nest, "%g mV is out of range", x);
            t->init[v] = (struct dist){.kind = DIST_CONST, .a = x, .lo = -INFINITY,
                                       .hi = INFINITY};
            t->has_init[v] = 1;
            continue;
        }
        int k = nrn_param_index(t->model, p->apical);
        if (k < 0) continue; /* cannot happen: the tables name apical's parameters */
        int rc = param_num(file, p->nest, &t->model->params[k], x, &t->params[k], e);
        if (rc) return rc;
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, j) {
        int known = 0;
        for (const struct nest_param *p = nt->params; p->nest && !known; p++)
            known = !strcmp(p->nest, m->string);
        if (known) continue;
        char names[256] = "";
        for (const struct nest_param *p = nt->params; p->nest; p++) {
            strncat(names, p->nest, sizeof names - strlen(names) - 3);
            if (p[1].nest) strncat(names, ", ", sizeof names - strlen(names) - 1);
        }
        return err_set(e, ERR_INPUT, file, 0, m->string, "%s has no parameter that apical maps "
                       "to %s by this name (mapped: %s)", nt->name, t->model->name, names);
    }
    return 0;
}

/* A model a node type can give: a point model (no compartments) that integrates and has
 * receptors; spike sources (spike_source, poisson_source: no ports) are the config's
 * stimuli, and an edge population onto one could not be a projection. */
static int node_model(const struct nrn_ops *m)
{
    return m->update && !m->max_comps && m->nports > 0;
}

/* The template's model: "nest:NAME" from the table, "apical:NAME" or a bare NAME from
 * apical's models (node_model). */
static int find_template(const struct typetab *tt, size_t r, const char *tmpl,
                         const struct nest_template **nt, const struct nrn_ops **m,
                         struct err *e)
{
    *nt = NULL;
    *m = NULL;
    for (const struct nest_template *p = nest_templates; p->name && !*m; p++)
        if (!strcmp(p->name, tmpl)) *nt = p, *m = nrn_find(p->model);
    if (!*m && strncmp(tmpl, "nest:", 5))
        *m = nrn_find(!strncmp(tmpl, "apical:", 7) ? tmpl + 7 : tmpl);
    if (*m && node_model(*m)) return 0;
    char known[512] = "nest:iaf_psc_exp, nest:iaf_cond_exp";
    for (int i = 0; nrn_model(i); i++)
        if (node_model(nrn_model(i)))
            snprintf(known + strlen(known), sizeof known - strlen(known), ", apical:%s",
                     nrn_model(i)->name);
    return err_set(e, ERR_INPUT, tt->path, tt->line[r], "model_template", "%s model template "
                   "\"%s\" (apical maps: %s)", *m ? "no SONATA node type can give the" :
                   "unknown", tmpl, known);
}

/* Row r of node types table tt, resolved into t (once). */
static int node_type(const struct ctx *c, const struct typetab *tt, size_t r, struct ntype *t)
{
    if (t->done) return 0;
    struct err *e = c->e;
    int cmt = typetab_col(tt, "model_type"), ctm = typetab_col(tt, "model_template");
    const char *mt = typetab_cell(tt, r, cmt), *tmpl = typetab_cell(tt, r, ctm);
    if (mt && strcmp(mt, "point_neuron") && strcmp(mt, "point_process"))
        return err_set(e, ERR_INPUT, tt->path, tt->line[r], "model_type", "\"%s\": apical "
                       "builds point_neuron (or point_process) nodes only%s", mt,
                       !strcmp(mt, "virtual") ? "; inputs come from the config's stimuli" : "");
    if (!tmpl)
        return err_set(e, ERR_INPUT, tt->path, tt->line[r], "model_template", "%s (apical needs "
                       "a model template for every node type)", ctm < 0 ? "no such column" :
                       "NULL");
    const struct nest_template *nt;
    int rc = find_template(tt, r, tmpl, &nt, &t->model, e);
    if (rc) return rc;
    for (int k = 0; k < t->model->nparams; k++) t->params[k] = t->model->params[k].def;
    const char *dp = typetab_cell(tt, r, typetab_col(tt, "dynamics_params"));
    cJSON *j = NULL;
    char file[CIRCUIT_PATH] = "";
    if (dp) {
        if ((rc = resolve(c, dp, c->models_dir, "dynamics_params", file, sizeof file)) ||
            !(j = read_json(file, "dynamics_params", e)))
            return rc ? rc : e->code;
        if (!cJSON_IsObject(j)) {
            cJSON_Delete(j);
            return err_set(e, ERR_INPUT, file, 0, "", "dynamics_params must be a JSON object");
        }
    }
    rc = nt ? nest_params(file[0] ? file : tt->path, j, nt, t, e)
            : j ? apical_params(file, j, t, e) : 0;
    cJSON_Delete(j);
    if (rc) return rc;
    if (t->model->prepare) {
        struct nrn_shape shape;
        nrn_shape_point(&shape);
        char *scratch = calloc(1, t->model->derived_size + 1);
        struct err pe = {0};
        if (!scratch) return err_set(e, ERR_NOMEM, tt->path, 0, "", "out of memory");
        rc = t->model->prepare(t->params, &shape, c->dt, scratch, &pe);
        free(scratch);
        if (rc)
            return err_set(e, ERR_INPUT, file[0] ? file : tt->path, file[0] ? 0 : tt->line[r],
                           pe.path, "%s (node type %u)", pe.msg, tt->id[r]);
    }
    t->done = 1;
    return 0;
}

static int same_type(const struct ntype *a, const struct ntype *b)
{
    if (a->model != b->model) return 0;
    for (int k = 0; k < a->model->nparams; k++)
        if (a->params[k] != b->params[k]) return 0;
    for (int v = 0; v < a->model->nstate; v++) {
        const struct dist *x = &a->init[v], *y = &b->init[v];
        if (a->has_init[v] != b->has_init[v] ||
            (a->has_init[v] && (x->kind != y->kind || x->a != y->a || x->b != y->b)))
            return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------------------------------------
 * Node populations.
 */

static int valid_name(const char *s)
{
    if (!s[0] || strlen(s) >= SPEC_NAME || (s[0] >= '0' && s[0] <= '9')) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

static int find_pop(const struct net_spec *sp, const char *name)
{
    for (int i = 0; i < sp->npops; i++)
        if (!strcmp(sp->pops[i].name, name)) return i;
    return -1;
}

/* The names of the groups under grp (named where), in HDF5's order (by name), malloc'd. */
static int list_groups(const char *file, hid_t grp, const char *where, char ***names, int *n,
                       struct err *e)
{
    H5G_info_t gi;
    *names = NULL;
    *n = 0;
    if (H5Gget_info(grp, &gi) < 0 || gi.nlinks > 4096)
        return err_set(e, ERR_INPUT, file, 0, where, "cannot list its members (or more than "
                       "4096)");
    *names = calloc(gi.nlinks + 1, sizeof **names);
    if (!*names) return err_set(e, ERR_NOMEM, file, 0, where, "out of memory");
    for (hsize_t i = 0; i < gi.nlinks; i++) {
        char buf[256];
        ssize_t len = H5Lget_name_by_idx(grp, ".", H5_INDEX_NAME, H5_ITER_INC, i, buf,
                                         sizeof buf, H5P_DEFAULT);
        if (len < 0 || (size_t)len >= sizeof buf)
            return err_set(e, ERR_INPUT, file, 0, where, "member %llu: no name, or a name of "
                           "more than 255 bytes", (unsigned long long)i);
        if (!((*names)[i] = strdup(buf))) return err_set(e, ERR_NOMEM, file, 0, where, "out of memory");
        *n = (int)i + 1;
    }
    return 0;
}

static void free_names(char **names, int n)
{
    for (int i = 0; names && i < n; i++) free(names[i]);
    free(names);
}

/* An HDF5 file opened for reading, or -1 with e set. */
static hid_t open_h5(const char *path, struct err *e)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        err_set(e, ERR_INPUT, path, 0, "", "not a regular file (missing?)");
        return -1;
    }
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        err_set(e, ERR_INPUT, path, 0, "", "not a readable HDF5 file (truncated, damaged, or "
                "another format)");
    return f;
}

/* The integers of dataset ds ([0, n)), a chunk at a time, each handed to fn; negative ones
 * refused. */
typedef int (*ints_fn)(void *self, uint64_t i, uint64_t v);
static int each_int(const char *file, hid_t ds, const char *where, uint64_t n, int sgn,
                    ints_fn fn, void *self, struct err *e)
{
    enum { CHUNK = 65536 };
    uint64_t *u = malloc(CHUNK * sizeof *u);
    if (!u) return err_set(e, ERR_NOMEM, file, 0, where, "out of memory");
    int rc = 0;
    for (uint64_t at = 0; !rc && at < n; at += CHUNK) {
        size_t k = n - at < CHUNK ? (size_t)(n - at) : CHUNK;
        if (hdf_read(ds, sgn ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64, at, k, u)) {
            rc = err_set(e, ERR_INPUT, file, 0, where, "cannot read elements %llu to %llu "
                         "(damaged or truncated file)", (unsigned long long)at,
                         (unsigned long long)(at + k));
            break;
        }
        for (size_t j = 0; !rc && j < k; j++) {
            if (sgn && (int64_t)u[j] < 0)
                rc = err_set(e, ERR_INPUT, file, 0, where, "[%llu]: negative value %lld",
                             (unsigned long long)(at + j), (long long)(int64_t)u[j]);
            else
                rc = fn(self, at + j, u[j]);
        }
    }
    free(u);
    return rc;
}

struct node_scan {
    const struct ctx *c;
    const char *file, *where;
    const struct typetab *tt;
    struct ntype *types; /* per row of tt */
    long first;          /* the row of the population's first node */
};

static int scan_type(void *self, uint64_t i, uint64_t v)
{
    struct node_scan *s = self;
    long r = v <= UINT32_MAX ? typetab_row(s->tt, (uint32_t)v) : -1;
    if (r < 0)
        return err_set(s->c->e, ERR_INPUT, s->file, 0, s->where, "[%llu]: node type %llu is not "
                       "in %s", (unsigned long long)i, (unsigned long long)v, s->tt->path);
    if (r == s->first) return 0;
    int rc = node_type(s->c, s->tt, (size_t)r, &s->types[r]);
    if (rc) return rc;
    if (s->first < 0) {
        s->first = r;
        return 0;
    }
    if (!same_type(&s->types[s->first], &s->types[r]))
        return err_set(s->c->e, ERR_INPUT, s->file, 0, s->where, "[%llu]: node type %u (%s line "
                       "%d) differs from type %u (line %d) in model or parameters: apical makes "
                       "one population of one node population, so give each kind of neuron "
                       "its own node population", (unsigned long long)i, s->tt->id[r],
                       s->tt->path, s->tt->line[r], s->tt->id[s->first], s->tt->line[s->first]);
    return 0;
}

static int scan_node_id(void *self, uint64_t i, uint64_t v)
{
    struct node_scan *s = self;
    if (v != i)
        return err_set(s->c->e, ERR_INPUT, s->file, 0, s->where, "[%llu]: node id %llu; apical "
                       "reads node i at position i", (unsigned long long)i, (unsigned long long)v);
    return 0;
}

/* Node population name of nodes file file (its group g) as population sp->npops. */
static int node_pop(struct ctx *c, const char *file, hid_t g, const char *name,
                    const struct typetab *tt, struct ntype *types)
{
    struct net_spec *sp = c->sp;
    struct err *e = c->e;
    char where[400];
    snprintf(where, sizeof where, "/nodes/%s", name);
    if (!valid_name(name))
        return err_set(e, ERR_INPUT, file, 0, where, "\"%s\" cannot name an apical population "
                       "(letters, digits, _; at most %d; not starting with a digit)", name,
                       SPEC_NAME - 1);
    if (find_pop(sp, name) >= 0)
        return err_set(e, ERR_INPUT, file, 0, where, "a node population \"%s\" came before (node "
                       "population names must differ across the circuit)", name);
    if (sp->npops == 256) return err_set(e, ERR_INPUT, file, 0, where, "more than 256 node populations");
    int rc = 0;
    uint64_t n = 0, nid = 0;
    int sgn = 0, sgn_id = 0;
    hid_t ds = hdf_member(file, g, where, "node_type_id", H5I_DATASET, e, &rc), di = -1;
    char at[420];
    snprintf(at, sizeof at, "%s/node_type_id", where);
    if (ds < 0 || (rc = hdf_check_1d(file, ds, at, 0, "integers", 0x7fffffff, &n, &sgn, e)))
        goto done;
    if (n == 0) {
        rc = err_set(e, ERR_INPUT, file, 0, at, "no nodes: an empty population");
        goto done;
    }
    struct node_scan s = {.c = c, .file = file, .where = at, .tt = tt, .types = types, .first = -1};
    if ((rc = each_int(file, ds, at, n, sgn, scan_type, &s, e))) goto done;
    if (H5Lexists(g, "node_id", H5P_DEFAULT) > 0) {
        snprintf(at, sizeof at, "%s/node_id", where);
        s.where = at;
        if ((di = hdf_member(file, g, where, "node_id", H5I_DATASET, e, &rc)) < 0 ||
            (rc = hdf_check_1d(file, di, at, 0, "integers", n, &nid, &sgn_id, e)))
            goto done;
        if (nid != n) {
            rc = err_set(e, ERR_INPUT, file, 0, at, "%llu elements, but node_type_id has %llu",
                         (unsigned long long)nid, (unsigned long long)n);
            goto done;
        }
        if ((rc = each_int(file, di, at, n, sgn_id, scan_node_id, &s, e))) goto done;
    }
    struct pop_spec *ps = &sp->pops[sp->npops++];
    const struct ntype *t = &types[s.first];
    snprintf(ps->name, sizeof ps->name, "%s", name);
    ps->size = (uint32_t)n;
    ps->model = t->model;
    memcpy(ps->params, t->params, sizeof ps->params);
    memcpy(ps->has_init, t->has_init, sizeof ps->has_init);
    memcpy(ps->init, t->init, sizeof ps->init);
    nrn_shape_point(&ps->shape);
    snprintf(ps->size_file, sizeof ps->size_file, "%.255s", file);
done:
    if (ds >= 0) H5Oclose(ds);
    if (di >= 0) H5Oclose(di);
    return rc;
}

/* networks.<list>[i]: an object with the data file file_key (required) and the type table
 * types_key (required if types_required), their paths into file and types (empty if absent). */
static int entry_files(const struct ctx *c, const cJSON *o, const char *list, int i,
                       const char *file_key, const char *types_key, int types_required,
                       char *file, char *types)
{
    char field[96];
    snprintf(field, sizeof field, "networks.%s", list);
    if (!cJSON_IsObject(o))
        return err_set(c->e, ERR_INPUT, c->path, 0, field, "entry %d is not an object", i);
    snprintf(field, sizeof field, "networks.%s[%d].%s", list, i, file_key);
    int rc = json_path(c, o, file_key, 1, field, file, CIRCUIT_PATH);
    snprintf(field, sizeof field, "networks.%s[%d].%s", list, i, types_key);
    return rc ? rc : json_path(c, o, types_key, types_required, field, types, CIRCUIT_PATH);
}

/* networks.nodes[i]: every node population of its nodes file. */
static int nodes_entry(struct ctx *c, const cJSON *o, int i)
{
    char file[CIRCUIT_PATH], types_file[CIRCUIT_PATH];
    struct err *e = c->e;
    int rc = entry_files(c, o, "nodes", i, "nodes_file", "node_types_file", 1, file, types_file);
    if (rc) return rc;
    struct typetab tt;
    if ((rc = typetab_load(types_file, "node_type_id", &tt, e))) return rc;
    struct ntype *types = calloc(tt.nrow + 1, sizeof *types);
    char **names = NULL;
    int n = 0;
    hid_t f = -1, top = -1;
    H5E_BEGIN_TRY {
        if (!types) rc = err_set(e, ERR_NOMEM, file, 0, "", "out of memory");
        else if ((f = open_h5(file, e)) < 0) rc = e->code;
        else if ((top = hdf_member(file, f, "", "nodes", H5I_GROUP, e, &rc)) >= 0)
            rc = list_groups(file, top, "/nodes", &names, &n, e);
        if (!rc && n == 0) rc = err_set(e, ERR_INPUT, file, 0, "/nodes", "no node population");
        for (int k = 0; !rc && k < n; k++) {
            char where[300];
            snprintf(where, sizeof where, "/nodes");
            hid_t g = hdf_member(file, top, where, names[k], H5I_GROUP, e, &rc);
            if (g >= 0) {
                rc = node_pop(c, file, g, names[k], &tt, types);
                H5Oclose(g);
            }
        }
        if (top >= 0) H5Oclose(top);
        if (f >= 0) H5Fclose(f);
    } H5E_END_TRY;
    free_names(names, n);
    free(types);
    typetab_free(&tt);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Edge populations.
 */

/* Row r of edge types tt into t (once): syn_weight, delay, receptor where given. */
static int edge_type(const struct ctx *c, const struct typetab *tt, size_t r, struct etype *t)
{
    if (t->done) return 0;
    static const char *const num[2] = {"syn_weight", "delay"};
    for (int k = 0; k < 2; k++) {
        const char *s = typetab_cell(tt, r, typetab_col(tt, num[k]));
        if (!s) continue;
        char *end = NULL;
        double x = strtod(s, &end);
        if (end == s || *end || !isfinite(x))
            return err_set(c->e, ERR_INPUT, tt->path, tt->line[r], num[k], "\"%s\" is not a "
                           "finite number", s);
        if (k == 1 && (x < c->dt * (1 - 1e-9) || floor(x / c->dt + 0.5) > PROJ_MAX_DELAY_STEPS))
            return err_set(c->e, ERR_INPUT, tt->path, tt->line[r], "delay", "%g ms is outside "
                           "[dt, %d dt] (dt = %g ms)", x, PROJ_MAX_DELAY_STEPS, c->dt);
        if (k == 0) t->w = x, t->has_w = 1;
        else t->d = x, t->has_d = 1;
    }
    const char *tmpl = typetab_cell(tt, r, typetab_col(tt, "model_template"));
    if (tmpl && strcmp(tmpl, "static_synapse") && strcmp(tmpl, "nest:static_synapse"))
        return err_set(c->e, ERR_INPUT, tt->path, tt->line[r], "model_template", "\"%s\": apical "
                       "maps static_synapse only", tmpl);
    t->receptor = typetab_cell(tt, r, typetab_col(tt, "receptor"));
    t->done = 1;
    return 0;
}

/* Per-type values filled in for edges that lack them, and each edge's port into port[]:
 * the type's receptor column where given, else the sign of the weight (NEST's rule: < 0
 * "in", else "ex"; onto a conductance the weight is then made positive). */
static int edge_values(const struct ctx *c, const char *file, const char *where,
                       const struct typetab *tt, struct edges_list *l, const struct pop_spec *tgt,
                       uint8_t *port)
{
    struct err *e = c->e;
    struct etype *types = tt->path[0] ? calloc(tt->nrow + 1, sizeof *types) : NULL;
    int own_w = !l->w, own_d = !l->delay_ms, rc = 0;
    size_t m = l->n ? l->n : 1;
    if (own_w) l->w = malloc(m * sizeof *l->w);
    if (own_d) l->delay_ms = malloc(m * sizeof *l->delay_ms);
    if ((tt->path[0] && !types) || !l->w || !l->delay_ms) rc = err_set(e, ERR_NOMEM, file, 0, where, "out of memory");
    int ex = nrn_port_index(tgt->model, "ex"), in = nrn_port_index(tgt->model, "in");
    int cond_in = in >= 0 && cfg_feeds_conductance(tgt, in);
    for (size_t k = 0; !rc && k < l->n; k++) {
        const struct etype *t = NULL;
        long r = -1;
        if (l->type_id) {
            r = typetab_row(tt, l->type_id[k]);
            if (r < 0) {
                rc = err_set(e, ERR_INPUT, file, 0, where, "edge_type_id[%zu]: type %u is not in "
                             "%s", k, l->type_id[k], tt->path);
                break;
            }
            if ((rc = edge_type(c, tt, (size_t)r, &types[r]))) break;
            t = &types[r];
        }
        if ((own_w && !(t && t->has_w)) || (own_d && !(t && t->has_d))) {
            const char *what = own_w && !(t && t->has_w) ? "syn_weight" : "delay";
            rc = t ? err_set(e, ERR_INPUT, tt->path, tt->line[r], what, "edge type %u has none, "
                             "and %s: %s has no 0/%s for edge %zu", l->type_id[k], file, where,
                             what, k)
                   : err_set(e, ERR_INPUT, file, 0, where, "no 0/%s, and no edge_types_file "
                             "to give one", what);
            break;
        }
        if (own_w) l->w[k] = t->w;
        if (own_d) l->delay_ms[k] = t->d;
        int p = l->w[k] < 0 ? in : ex;
        if (t && t->receptor) {
            p = nrn_port_index(tgt->model, t->receptor);
            if (p < 0) {
                rc = err_set(e, ERR_INPUT, tt->path, tt->line[r], "receptor", "model %s (%s) has "
                             "no receptor \"%s\"", tgt->model->name, tgt->name, t->receptor);
                break;
            }
            if (l->w[k] < 0 && cfg_feeds_conductance(tgt, p)) {
                rc = err_set(e, ERR_INPUT, file, 0, where, "0/syn_weight[%zu]: %g nS is negative, "
                             "onto the conductance of receptor %s", k, l->w[k], t->receptor);
                break;
            }
        } else if (p < 0) {
            rc = err_set(e, ERR_INPUT, file, 0, where, "edge %zu: weight %g, but %s (%s) has no "
                         "receptor \"%s\"", k, l->w[k], tgt->name, tgt->model->name,
                         l->w[k] < 0 ? "in" : "ex");
            break;
        } else if (p == in && cond_in) {
            l->w[k] = -l->w[k];
        }
        port[k] = (uint8_t)p;
    }
    free(types);
    return rc;
}

/* A new projection at the end of sp->projs (grown as needed), zeroed. */
static struct proj_spec *new_proj(struct ctx *c, const char *file, const char *where)
{
    struct net_spec *sp = c->sp;
    if (sp->nprojs == c->cap) {
        int cap = c->cap ? 2 * c->cap : 8;
        struct proj_spec *p = realloc(sp->projs, ((size_t)cap + 1) * sizeof *p);
        if (!p) {
            err_set(c->e, ERR_NOMEM, file, 0, where, "out of memory");
            return NULL;
        }
        memset(p + c->cap, 0, ((size_t)cap + 1 - (size_t)c->cap) * sizeof *p);
        sp->projs = p;
        c->cap = cap;
    }
    return &sp->projs[sp->nprojs++];
}

/* The edges of port q moved out of l into pj's lists: copied (copy) or, for the largest part,
 * compacted in place and l's arrays handed over. */
static int take_part(struct edges_list *l, const uint8_t *port, int q, size_t count, int copy,
                     struct proj_spec *pj)
{
    size_t m = count ? count : 1;
    uint32_t *s = l->src, *t = l->tgt;
    double *w = l->w, *d = l->delay_ms;
    if (copy) {
        s = malloc(m * sizeof *s);
        t = malloc(m * sizeof *t);
        w = malloc(m * sizeof *w);
        d = malloc(m * sizeof *d);
    }
    pj->list_src = s, pj->list_tgt = t, pj->list_w = w, pj->list_d = d;
    if (!s || !t || !w || !d) return ERR_NOMEM;
    size_t j = 0;
    for (size_t k = 0; k < l->n; k++)
        if (port[k] == q) {
            s[j] = l->src[k], t[j] = l->tgt[k], w[j] = l->w[k], d[j] = l->delay_ms[k];
            j++;
        }
    pj->nlist = count;
    if (copy) return 0;
    l->src = NULL, l->tgt = NULL, l->w = NULL, l->delay_ms = NULL;
    if (count == l->n) return 0;
    void *p; /* the part is smaller than the list: give the rest back */
    if ((p = realloc(s, m * sizeof *s))) pj->list_src = p;
    if ((p = realloc(t, m * sizeof *t))) pj->list_tgt = p;
    if ((p = realloc(w, m * sizeof *w))) pj->list_w = p;
    if ((p = realloc(d, m * sizeof *d))) pj->list_d = p;
    return 0;
}

/* Edge population l of file (source and target populations from, to) as one projection per
 * receptor its edges reach, in the order of the target's ports: named as the edge population
 * when there is one (an empty population: one onto "ex"), else "<edge population>_<receptor>".
 * The smaller parts are copied out first, then the largest is compacted in place. */
static int add_projections(struct ctx *c, const char *file, const char *where, const char *name,
                           int from, int to, struct edges_list *l, const uint8_t *port)
{
    const struct nrn_ops *m = c->sp->pops[to].model;
    size_t count[256] = {0};
    int parts = 0, largest = nrn_port_index(m, "ex"), at[256];
    if (m->nports < 1) /* node_model refuses such models: a projection needs a receptor */
        return err_set(c->e, ERR_INPUT, file, 0, where, "%s (%s) has no receptors",
                       c->sp->pops[to].name, m->name);
    if (largest < 0) largest = 0;
    for (size_t k = 0; k < l->n; k++) count[port[k]]++;
    for (int q = 0; q < m->nports; q++) {
        parts += count[q] > 0;
        if (count[q] > count[largest]) largest = q;
    }
    for (int q = 0; q < m->nports; q++) {
        at[q] = -1;
        if (parts ? !count[q] : q != largest) continue;
        char pname[SPEC_NAME];
        if (parts > 1) snprintf(pname, sizeof pname, "%s_%s", name, m->port_names[q]);
        else snprintf(pname, sizeof pname, "%s", name);
        for (int j = 0; j < c->sp->nprojs; j++)
            if (!strcmp(c->sp->projs[j].name, pname))
                return err_set(c->e, ERR_INPUT, file, 0, where, "a projection \"%s\" came before "
                               "(edge population names must differ across the circuit)", pname);
        struct proj_spec *pj = new_proj(c, file, where);
        if (!pj) return c->e->code;
        at[q] = c->sp->nprojs - 1;
        snprintf(pj->name, sizeof pj->name, "%s", pname);
        pj->from = from, pj->to = to, pj->port = q;
        pj->rule = CONN_LIST;
        pj->autapses = pj->multapses = 1;
        pj->of = -1;
        pj->weight = (struct dist){.kind = DIST_CONST, .lo = -INFINITY, .hi = INFINITY};
        pj->delay = (struct dist){.kind = DIST_CONST, .a = c->dt, .lo = -INFINITY, .hi = INFINITY};
    }
    for (int q = 0; q < m->nports; q++)
        if (at[q] >= 0 && q != largest &&
            take_part(l, port, q, count[q], 1, &c->sp->projs[at[q]]))
            return err_set(c->e, ERR_NOMEM, file, 0, where, "out of memory");
    if (take_part(l, port, largest, count[largest], 0, &c->sp->projs[at[largest]]))
        return err_set(c->e, ERR_NOMEM, file, 0, where, "out of memory");
    return 0;
}

/* The node population that attribute node_population of dataset col names (SONATA; apical's
 * files of before also as source_population/target_population): its index in sp. */
static int edge_end(const struct ctx *c, const char *file, hid_t g, const char *where,
                    const char *col, const char *alt, int *out)
{
    int rc = 0;
    hid_t ds = hdf_member(file, g, where, col, H5I_DATASET, c->e, &rc);
    if (ds < 0) return rc;
    char name[256];
    int has = hdf_attr_text(ds, "node_population", name, sizeof name);
    if (has == 0) has = hdf_attr_text(ds, alt, name, sizeof name);
    H5Oclose(ds);
    if (has <= 0)
        return err_set(c->e, ERR_INPUT, file, 0, where, "%s: attribute node_population %s", col,
                       has ? "is not one readable string" : "missing (SONATA names the node "
                       "population there)");
    *out = find_pop(c->sp, name);
    if (*out >= 0) return 0;
    char known[512] = "";
    for (int i = 0; i < c->sp->npops; i++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                 c->sp->pops[i].name);
    return err_set(c->e, ERR_INPUT, file, 0, where, "%s: node_population \"%s\" is not a node "
                   "population of the circuit (%s)", col, name, known);
}

/* Edge population name of edges file file: read, per-type values filled in, split by port. */
static int edge_pop(struct ctx *c, const char *file, hid_t top, const char *name,
                    const struct typetab *tt)
{
    char where[300];
    snprintf(where, sizeof where, "/edges/%s", name);
    if (!hdf_name_ok(name) || strlen(name) + 4 >= SPEC_NAME)
        return err_set(c->e, ERR_INPUT, file, 0, where, "a name of more than %d bytes",
                       SPEC_NAME - 5);
    int from = -1, to = -1, rc = 0;
    H5E_BEGIN_TRY {
        hid_t g = hdf_member(file, top, "/edges", name, H5I_GROUP, c->e, &rc);
        if (g >= 0) {
            rc = edge_end(c, file, g, where, "source_node_id", "source_population", &from);
            if (!rc) rc = edge_end(c, file, g, where, "target_node_id", "target_population", &to);
            H5Oclose(g);
        }
    } H5E_END_TRY;
    if (rc) return rc;
    const struct pop_spec *ps = &c->sp->pops[from], *pt = &c->sp->pops[to];
    struct edges_want w = {.pop = name, .src_pop = ps->name, .tgt_pop = pt->name,
                           .nsrc = ps->size, .ntgt = pt->size, .dt_ms = c->dt,
                           .max_delay_steps = PROJ_MAX_DELAY_STEPS, .types = tt->path[0] != 0};
    struct edges_list l;
    if ((rc = edges_read(file, &w, &l, c->e))) return rc;
    uint8_t *port = malloc(l.n ? l.n : 1);
    if (!port) rc = err_set(c->e, ERR_NOMEM, file, 0, where, "out of memory");
    if (!rc) rc = edge_values(c, file, where, tt, &l, pt, port);
    free(l.type_id);
    l.type_id = NULL;
    if (!rc) rc = add_projections(c, file, where, name, from, to, &l, port);
    free(port);
    edges_list_free(&l);
    return rc;
}

/* networks.edges[i]: every edge population of its edges file. */
static int edges_entry(struct ctx *c, const cJSON *o, int i)
{
    char file[CIRCUIT_PATH], types_file[CIRCUIT_PATH];
    struct err *e = c->e;
    int rc = entry_files(c, o, "edges", i, "edges_file", "edge_types_file", 0, file, types_file);
    if (rc) return rc;
    struct typetab tt;
    memset(&tt, 0, sizeof tt);
    if (types_file[0] && (rc = typetab_load(types_file, "edge_type_id", &tt, e))) return rc;
    char **names = NULL;
    int n = 0;
    hid_t f = -1, top = -1;
    H5E_BEGIN_TRY {
        if ((f = open_h5(file, e)) < 0) rc = e->code;
        else if ((top = hdf_member(file, f, "", "edges", H5I_GROUP, e, &rc)) >= 0)
            rc = list_groups(file, top, "/edges", &names, &n, e);
    } H5E_END_TRY;
    for (int k = 0; !rc && k < n; k++) rc = edge_pop(c, file, top, names[k], &tt);
    H5E_BEGIN_TRY {
        if (top >= 0) H5Oclose(top);
        if (f >= 0) H5Fclose(f);
    } H5E_END_TRY;
    free_names(names, n);
    typetab_free(&tt);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The circuit config.
 */

static int load(struct ctx *c, const cJSON *root)
{
    struct err *e = c->e;
    if (!cJSON_IsObject(root))
        return err_set(e, ERR_INPUT, c->path, 0, "", "a circuit config is a JSON object");
    c->manifest = cJSON_GetObjectItemCaseSensitive(root, "manifest");
    if (c->manifest && !cJSON_IsObject(c->manifest))
        return err_set(e, ERR_INPUT, c->path, 0, "manifest", "must be an object of strings");
    const cJSON *m;
    cJSON_ArrayForEach(m, c->manifest) {
        if (!cJSON_IsString(m) || m->string[0] != '$')
            return err_set(e, ERR_INPUT, c->path, 0, "manifest", "\"%s\": a manifest entry is "
                           "\"$NAME\": \"a string\"", m->string);
    }
    snprintf(c->models_dir, sizeof c->models_dir, "%s", c->dir);
    const cJSON *comp = cJSON_GetObjectItemCaseSensitive(root, "components");
    int rc;
    if (comp && (rc = json_path(c, comp, "point_neuron_models_dir", 0,
                                "components.point_neuron_models_dir", c->models_dir,
                                sizeof c->models_dir)))
        return rc;
    if (!c->models_dir[0]) snprintf(c->models_dir, sizeof c->models_dir, "%s", c->dir);
    const cJSON *nw = cJSON_GetObjectItemCaseSensitive(root, "networks");
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(nw, "nodes");
    const cJSON *edges = cJSON_GetObjectItemCaseSensitive(nw, "edges");
    if (!cJSON_IsObject(nw))
        return err_set(e, ERR_INPUT, c->path, 0, "networks", "%s (an object with nodes and "
                       "edges)", nw ? "must be an object" : "missing");
    if (!cJSON_IsArray(nodes) || !cJSON_GetArraySize(nodes))
        return err_set(e, ERR_INPUT, c->path, 0, "networks.nodes", "must be a list of "
                       "{ \"nodes_file\", \"node_types_file\" }, not empty");
    if (edges && !cJSON_IsArray(edges))
        return err_set(e, ERR_INPUT, c->path, 0, "networks.edges", "must be a list of "
                       "{ \"edges_file\", \"edge_types_file\" }");
    c->sp->pops = calloc(257, sizeof *c->sp->pops);
    c->sp->projs = calloc(1, sizeof *c->sp->projs);
    if (!c->sp->pops || !c->sp->projs) return err_set(e, ERR_NOMEM, c->path, 0, "", "out of memory");
    int i = 0;
    cJSON_ArrayForEach(m, nodes) {
        if ((rc = nodes_entry(c, m, i++))) return rc;
    }
    i = 0;
    cJSON_ArrayForEach(m, edges) {
        if ((rc = edges_entry(c, m, i++))) return rc;
    }
    return 0;
}

int circuit_load(const char *path, double dt_ms, struct net_spec *sp, struct err *e)
{
    struct ctx c = {.path = path, .dt = dt_ms, .sp = sp, .e = e};
    snprintf(c.dir, sizeof c.dir, "%s", path);
    char *slash = strrchr(c.dir, '/');
    if (slash) *slash = '\0';
    else snprintf(c.dir, sizeof c.dir, ".");
    char *abs = realpath(c.dir, NULL);
    snprintf(c.absdir, sizeof c.absdir, "%s", abs ? abs : c.dir);
    free(abs);
    cJSON *root = read_json(path, "the circuit config", e);
    if (!root) return e->code;
    int rc = load(&c, root);
    cJSON_Delete(root);
    return rc;
}
