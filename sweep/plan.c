/* sweep/plan: axes, expansion into points, validation through the config loader, sweep.json.
 *
 * Numbering: axes are taken in order (the config's `sweep` block first, then --grid/--zip
 * flags); an axis without zip starts a new dimension and zipped axes join it. Grid points are
 * numbered like nested loops with the last dimension innermost. In random sampling point i
 * draws one uniform number per dimension from Philox keyed by (seed, i, dimension), so a point's
 * values never depend on how many points are drawn. */
#include "sweep/plan.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "core/spec.h"
#include "core/version.h"
#include "io/cfg.h"
#include "io/cfg_int.h"
#include "sweep/store.h"

#define RNG_STREAM_SWEEP 0x7fff0000u /* apart from every stream the engine uses */

/* ---- values as libconfig literals ---- */

/* The shortest %g text that reads back as v, always with a '.' or an exponent so libconfig
 * reads a float. */
static void fmt_float(double v, char *buf, size_t n)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, n, "%.1f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    if (!strpbrk(buf, ".eEni")) {
        size_t k = strlen(buf);
        if (k + 2 < n) memcpy(buf + k, ".0", 3);
    }
}

static int is_int_text(const char *s)
{
    if (*s == '-' || *s == '+') s++;
    if (!isdigit((unsigned char)*s)) return 0;
    while (isdigit((unsigned char)*s)) s++;
    return *s == '\0';
}

static int parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && !errno && isfinite(*v);
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) abort(); /* a few bytes at plan time: running out here is not recoverable */
    return d;
}

static int axis_push(struct plan_axis *a, const char *lit)
{
    char **v = realloc(a->values, (size_t)(a->nvalues + 1) * sizeof *v);
    if (!v) return -1;
    a->values = v;
    a->values[a->nvalues++] = xstrdup(lit);
    return 0;
}

/* lin or log from lo to hi in n values, both ends included; integers stay integers when the
 * ends are written as integers and every step is whole. */
static int axis_range(struct plan_axis *a, int kind, double lo, double hi, long n, int ints,
                      struct err *e)
{
    const char *what = kind == AXIS_LOG ? "log" : "lin";
    if (n < 1 || n > PLAN_MAX_POINTS)
        return err_set(e, ERR_INPUT, "", 0, a->path, "%s range: n must be in [1, %ld]", what,
                       PLAN_MAX_POINTS);
    if (kind == AXIS_LOG && !(lo * hi > 0))
        return err_set(e, ERR_INPUT, "", 0, a->path,
                       "log range: both ends must be non-zero and of the same sign");
    a->kind = kind;
    /* beyond 2^53 a double does not hold every integer, and llround may not fit */
    if (fabs(lo) > 9007199254740992.0 || fabs(hi) > 9007199254740992.0) ints = 0;
    if (kind == AXIS_LIN && ints && n > 1 && fmod(hi - lo, (double)(n - 1)) != 0) ints = 0;
    if (kind == AXIS_LOG) ints = 0;
    for (long i = 0; i < n; i++) {
        double t = n > 1 ? (double)i / (double)(n - 1) : 0.0, v;
        if (kind == AXIS_LIN)
            v = i == n - 1 && n > 1 ? hi : lo + (hi - lo) * t;
        else
            v = i == n - 1 && n > 1 ? hi : lo * pow(hi / lo, t);
        /* 15 significant digits: 1000, not 999.9999999999998, and 0.3, not 0.30000000000000004 */
        char buf[64];
        snprintf(buf, sizeof buf, "%.15g", v);
        v = strtod(buf, NULL);
        if (ints)
            snprintf(buf, sizeof buf, "%lld", (long long)llround(v));
        else
            fmt_float(v, buf, sizeof buf);
        if (axis_push(a, buf)) return err_set(e, ERR_NOMEM, "", 0, a->path, "out of memory");
    }
    return 0;
}

static int axis_random(struct plan_axis *a, int kind, double lo, double hi, struct err *e)
{
    if (!(hi >= lo))
        return err_set(e, ERR_INPUT, "", 0, a->path, "random range: high must not be below low");
    if (kind == AXIS_LOGUNIFORM && !(lo > 0))
        return err_set(e, ERR_INPUT, "", 0, a->path, "loguniform: both ends must be > 0");
    a->kind = kind;
    a->lo = lo;
    a->hi = hi;
    return 0;
}

static struct plan_axis *new_axis(struct plan *p, const char *path, int zip, struct err *e)
{
    if (!*path) return err_set(e, ERR_INPUT, "", 0, "", "empty setting path in a sweep axis"), NULL;
    if (strlen(path) >= sizeof p->axes->path)
        return err_set(e, ERR_INPUT, "", 0, path, "setting path too long"), NULL;
    if (zip && p->naxes == 0)
        return err_set(e, ERR_INPUT, "", 0, path, "zip needs an axis before it to move with"),
               NULL;
    struct plan_axis *ax = realloc(p->axes, (size_t)(p->naxes + 1) * sizeof *ax);
    if (!ax) return err_set(e, ERR_NOMEM, "", 0, path, "out of memory"), NULL;
    p->axes = ax;
    struct plan_axis *a = &p->axes[p->naxes++];
    memset(a, 0, sizeof *a);
    snprintf(a->path, sizeof a->path, "%s", path);
    a->zip = zip;
    return a;
}

/* Splits a list at commas outside quotes and brackets. */
static int split_list(struct plan_axis *a, const char *s, struct err *e)
{
    a->kind = AXIS_LIST;
    char item[512];
    size_t k = 0;
    int depth = 0, quoted = 0;
    for (const char *c = s;; c++) {
        if (*c == '\0' || (*c == ',' && !depth && !quoted)) {
            while (k > 0 && isspace((unsigned char)item[k - 1])) k--;
            item[k] = '\0';
            const char *t = item;
            while (isspace((unsigned char)*t)) t++;
            if (!*t)
                return err_set(e, ERR_INPUT, "", 0, a->path, "empty value in the list \"%s\"", s);
            if (axis_push(a, t)) return err_set(e, ERR_NOMEM, "", 0, a->path, "out of memory");
            k = 0;
            if (*c == '\0') break;
            continue;
        }
        if (*c == '"' && (c == s || c[-1] != '\\')) quoted = !quoted;
        if (!quoted && strchr("[({", *c)) depth++;
        if (!quoted && strchr("])}", *c)) depth--;
        if (k + 1 >= sizeof item)
            return err_set(e, ERR_INPUT, "", 0, a->path, "a value longer than %zu characters",
                           sizeof item - 1);
        item[k++] = *c;
    }
    return 0;
}

/* SPEC of an axis (see plan.h). */
static int parse_spec(struct plan_axis *a, const char *spec, struct err *e)
{
    snprintf(a->spec, sizeof a->spec, "%s", spec);
    if (!*spec) return err_set(e, ERR_INPUT, "", 0, a->path, "empty list of values");
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    char *f[5];
    int nf = 0;
    if (!strchr(spec, '"') && !strchr(spec, ',')) {
        char *save = NULL;
        for (char *t = strtok_r(buf, ":", &save); t && nf < 5; t = strtok_r(NULL, ":", &save))
            f[nf++] = t;
    }
    if (nf >= 2) {
        int kind = -1, first = 0;
        if (!strcmp(f[0], "lin")) kind = AXIS_LIN, first = 1;
        else if (!strcmp(f[0], "log")) kind = AXIS_LOG, first = 1;
        else if (!strcmp(f[0], "uniform")) kind = AXIS_UNIFORM, first = 1;
        else if (!strcmp(f[0], "loguniform")) kind = AXIS_LOGUNIFORM, first = 1;
        else kind = AXIS_LIN;
        int want = kind == AXIS_UNIFORM || kind == AXIS_LOGUNIFORM ? 2 : 3;
        double lo, hi, n;
        if (nf - first != want || !parse_double(f[first], &lo) || !parse_double(f[first + 1], &hi) ||
            (want == 3 && (!is_int_text(f[first + 2]) || !parse_double(f[first + 2], &n))))
            return err_set(e, ERR_INPUT, "", 0, a->path,
                           "cannot read the range \"%s\" (lo:hi:n, lin:lo:hi:n, log:lo:hi:n, "
                           "uniform:lo:hi or loguniform:lo:hi)", spec);
        if (want == 2) return axis_random(a, kind, lo, hi, e);
        /* n is checked before the cast: (long)1e30 is undefined; -1 makes axis_range refuse */
        return axis_range(a, kind, lo, hi, n >= 1 && n <= PLAN_MAX_POINTS ? (long)n : -1,
                          is_int_text(f[first]) && is_int_text(f[first + 1]), e);
    }
    return split_list(a, spec, e);
}

int plan_add_axis_text(struct plan *p, const char *arg, int zip, struct err *e)
{
    const char *eq = strchr(arg, '=');
    const char *flag = zip ? "--zip" : "--grid";
    if (!eq || eq == arg) return err_set(e, ERR_INPUT, flag, 0, arg, "expected PATH=VALUES");
    char path[256];
    size_t plen = (size_t)(eq - arg);
    if (plen >= sizeof path) return err_set(e, ERR_INPUT, flag, 0, "", "setting path too long");
    memcpy(path, arg, plen);
    path[plen] = '\0';
    struct plan_axis *a = new_axis(p, path, zip, e);
    if (!a) return e->code;
    int rc = parse_spec(a, eq + 1, e);
    if (rc) snprintf(e->file, sizeof e->file, "%s", flag);
    return rc;
}

/* ---- the config's sweep block ---- */

/* Reads the whole config (with @include) the way io/cfg does: from inside its folder. */
static int read_config(config_t *cfg, const char *path, struct err *e)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    const char *base = path;
    if (slash) {
        *slash = '\0';
        base = path + (slash - dir) + 1;
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (here < 0 || chdir(dir) != 0) {
        if (here >= 0) close(here);
        return err_set(e, ERR_INPUT, path, 0, "", "cannot enter its folder: %s", strerror(errno));
    }
    int ok = config_read_file(cfg, base) == CONFIG_TRUE;
    /* libconfig 1.5 wraps integer literals to 32 bits (samples = 4294967298 read as 2): read
     * them again as written, from inside the folder as io/cfg_int needs */
    struct cfg_int_bad bad = {0};
    int wide = ok ? cfg_int_widen(config_root_setting(cfg), NULL, &bad) : 0;
    int wide_errno = errno;
    int back = fchdir(here);
    close(here);
    if (back != 0) return err_set(e, ERR_IO, path, 0, "", "cannot return to the working folder");
    if (!ok) {
        const char *f = config_error_file(cfg);
        return err_set(e, ERR_INPUT, f ? f : path, config_error_line(cfg), "", "%s",
                       config_error_text(cfg));
    }
    if (wide < 0)
        return err_set(e, ERR_IO, path, 0, "", "cannot read again: %s", strerror(wide_errno));
    if (wide > 0) {
        const char *f = config_setting_source_file(bad.s);
        return err_set(e, ERR_INPUT, f ? f : path, (int)config_setting_source_line(bad.s), "",
                       "%s does not fit in a 64-bit integer", bad.text);
    }
    return 0;
}

static int bfail(const char *file, const config_setting_t *s, const char *path, struct err *e,
                 const char *msg)
{
    const char *f = s ? config_setting_source_file(s) : NULL;
    return err_set(e, ERR_INPUT, f ? f : file, s ? (int)config_setting_source_line(s) : 0, path,
                   "%s", msg);
}

/* A scalar setting as the literal --set would take. */
static int literal(const config_setting_t *s, char *buf, size_t n)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT: snprintf(buf, n, "%d", config_setting_get_int(s)); return 0;
    case CONFIG_TYPE_INT64: snprintf(buf, n, "%lldL", config_setting_get_int64(s)); return 0;
    case CONFIG_TYPE_FLOAT: fmt_float(config_setting_get_float(s), buf, n); return 0;
    case CONFIG_TYPE_BOOL: snprintf(buf, n, "%s", config_setting_get_bool(s) ? "true" : "false"); return 0;
    case CONFIG_TYPE_STRING: {
        const char *v = config_setting_get_string(s);
        size_t k = 0;
        buf[k++] = '"';
        for (; *v && k + 3 < n; v++) {
            if (*v == '"' || *v == '\\') buf[k++] = '\\';
            buf[k++] = *v;
        }
        if (*v) return -2; /* too long for buf: refused, not cut */
        buf[k++] = '"';
        buf[k] = '\0';
        return 0;
    }
    default: return -1;
    }
}

static int pair(const config_setting_t *s, double *lo, double *hi)
{
    int t = config_setting_type(s);
    if ((t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) || config_setting_length(s) != 2) return -1;
    const config_setting_t *a = config_setting_get_elem(s, 0), *b = config_setting_get_elem(s, 1);
    int ta = config_setting_type(a), tb = config_setting_type(b);
    if ((ta != CONFIG_TYPE_INT && ta != CONFIG_TYPE_INT64 && ta != CONFIG_TYPE_FLOAT) ||
        (tb != CONFIG_TYPE_INT && tb != CONFIG_TYPE_INT64 && tb != CONFIG_TYPE_FLOAT))
        return -1;
    *lo = ta == CONFIG_TYPE_FLOAT ? config_setting_get_float(a) : (double)config_setting_get_int64(a);
    *hi = tb == CONFIG_TYPE_FLOAT ? config_setting_get_float(b) : (double)config_setting_get_int64(b);
    return (ta != CONFIG_TYPE_FLOAT && tb != CONFIG_TYPE_FLOAT) ? 1 : 0;
}

static int block_axis(struct plan *p, const char *file, const config_setting_t *g, int i,
                      struct err *e)
{
    char where[64];
    snprintf(where, sizeof where, "sweep.grid.[%d]", i);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return bfail(file, g, where, e, "each axis is a group { path = \"...\"; values = [...]; }");
    static const char *const keys[] = {"path", "values", "lin", "log", "uniform", "loguniform",
                                       "n", "spec", "zip", NULL};
    for (int k = 0; k < config_setting_length(g); k++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)k);
        int ok = 0;
        for (int j = 0; keys[j]; j++) ok |= !strcmp(config_setting_name(m), keys[j]);
        if (!ok) {
            char msg[256], path[128];
            snprintf(path, sizeof path, "%s.%s", where, config_setting_name(m));
            snprintf(msg, sizeof msg, "unknown setting (allowed: path, values, lin, log, uniform, "
                                      "loguniform, n, spec, zip)");
            return bfail(file, m, path, e, msg);
        }
    }
    const char *path;
    if (!config_setting_lookup_string(g, "path", &path))
        return bfail(file, g, where, e, "needs path = \"setting.path\" (a string)");
    int zip = 0;
    const config_setting_t *z = config_setting_get_member(g, "zip");
    if (z) {
        if (config_setting_type(z) != CONFIG_TYPE_BOOL)
            return bfail(file, z, "sweep.grid.zip", e, "zip must be true or false");
        zip = config_setting_get_bool(z);
    }
    static const char *const forms[] = {"values", "lin", "log", "uniform", "loguniform", "spec", NULL};
    const config_setting_t *form = NULL;
    int which = -1;
    for (int j = 0; forms[j]; j++) {
        const config_setting_t *m = config_setting_get_member(g, forms[j]);
        if (m && form)
            return bfail(file, m, path, e, "give one of values, lin, log, uniform, loguniform, spec");
        if (m) form = m, which = j;
    }
    if (!form) return bfail(file, g, path, e, "needs values, lin, log, uniform, loguniform or spec");
    const config_setting_t *nset = config_setting_get_member(g, "n");
    if (nset && (which != 1 && which != 2))
        return bfail(file, nset, path, e, "n belongs to lin and log");
    struct plan_axis *a = new_axis(p, path, zip, e);
    if (!a) return e->code;
    snprintf(a->spec, sizeof a->spec, "(sweep block)");
    int rc = 0;
    double lo, hi;
    int ints;
    if (which == 0) {
        int t = config_setting_type(form);
        if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
            return bfail(file, form, path, e, "values must be an array [a, b, ...]");
        if (config_setting_length(form) == 0) return bfail(file, form, path, e, "empty list of values");
        a->kind = AXIS_LIST;
        for (int k = 0; k < config_setting_length(form) && !rc; k++) {
            char lit[PLAN_MAX_VALUE + 1];
            int got = literal(config_setting_get_elem(form, (unsigned)k), lit, sizeof lit);
            if (got == -2)
                return bfail(file, form, path, e, "a string value longer than the limit (511)");
            if (got)
                return bfail(file, form, path, e, "values must be numbers, strings or booleans");
            if (axis_push(a, lit)) rc = err_set(e, ERR_NOMEM, file, 0, path, "out of memory");
        }
    } else if (which == 5) {
        if (config_setting_type(form) != CONFIG_TYPE_STRING)
            return bfail(file, form, path, e, "spec must be a string like \"1:10:5\"");
        rc = parse_spec(a, config_setting_get_string(form), e);
    } else if ((ints = pair(form, &lo, &hi)) < 0) {
        return bfail(file, form, path, e, "needs [low, high], two numbers");
    } else if (which == 1 || which == 2) {
        long long nv;
        if (!nset || !config_setting_lookup_int64(g, "n", &nv))
            return bfail(file, form, path, e, "needs n = number of values (an integer)");
        /* checked before it narrows: -1 makes axis_range refuse it */
        rc = axis_range(a, which == 1 ? AXIS_LIN : AXIS_LOG, lo, hi,
                        nv >= 1 && nv <= PLAN_MAX_POINTS ? (long)nv : -1, ints, e);
    } else {
        rc = axis_random(a, which == 3 ? AXIS_UNIFORM : AXIS_LOGUNIFORM, lo, hi, e);
    }
    if (rc && !e->file[0]) {
        e->line = (int)config_setting_source_line(form);
        snprintf(e->file, sizeof e->file, "%s", file);
    }
    return rc;
}

int plan_read_block(struct plan *p, const char *file, struct err *e)
{
    config_t cfg;
    config_init(&cfg);
    int rc = read_config(&cfg, file, e);
    const config_setting_t *s = rc ? NULL : config_lookup(&cfg, "sweep");
    if (s && config_setting_type(s) != CONFIG_TYPE_GROUP)
        rc = bfail(file, s, "sweep", e, "must be a group { grid = (...); samples; seed; }");
    for (int k = 0; s && !rc && k < config_setting_length(s); k++) {
        const config_setting_t *m = config_setting_get_elem(s, (unsigned)k);
        const char *name = config_setting_name(m);
        char path[64];
        snprintf(path, sizeof path, "sweep.%s", name);
        if (!strcmp(name, "grid")) {
            if (config_setting_type(m) != CONFIG_TYPE_LIST)
                rc = bfail(file, m, path, e, "must be a list of groups ( { path = ...; }, ... )");
            for (int i = 0; !rc && i < config_setting_length(m); i++)
                rc = block_axis(p, file, config_setting_get_elem(m, (unsigned)i), i, e);
        } else if (!strcmp(name, "samples") || !strcmp(name, "seed")) {
            int t = config_setting_type(m);
            long long v = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 ? config_setting_get_int64(m) : -1;
            if (v < 0 || (!strcmp(name, "samples") && v > PLAN_MAX_POINTS))
                rc = bfail(file, m, path, e, "must be an integer >= 0 (samples at most 1000000)");
            else if (!strcmp(name, "samples"))
                p->samples = (long)v;
            else
                p->seed = (uint64_t)v;
        } else {
            rc = bfail(file, m, path, e, "unknown setting (allowed: grid, samples, seed)");
        }
    }
    config_destroy(&cfg);
    return rc;
}

/* ---- expansion ---- */

static long axis_len(const struct plan_axis *a)
{
    return a->kind == AXIS_UNIFORM || a->kind == AXIS_LOGUNIFORM ? -1 : a->nvalues;
}

int plan_expand(struct plan *p, struct err *e)
{
    if (p->naxes == 0)
        return err_set(e, ERR_INPUT, "", 0, "",
                       "nothing to sweep: give --grid PATH=VALUES or a sweep block in the config");
    for (int a = 0; a < p->naxes; a++)
        for (int b = 0; b < a; b++)
            if (!strcmp(p->axes[a].path, p->axes[b].path))
                return err_set(e, ERR_INPUT, "", 0, p->axes[a].path, "swept twice");
    /* dimensions: the first axis of each and its length */
    long dims = 0, len[64], total = 1;
    int dim_of[PLAN_MAX_AXES];
    if (p->naxes > PLAN_MAX_AXES)
        return err_set(e, ERR_INPUT, "", 0, "", "at most %d axes", PLAN_MAX_AXES);
    for (int a = 0; a < p->naxes; a++) {
        const struct plan_axis *x = &p->axes[a];
        if (!x->zip) {
            if (dims == 64) return err_set(e, ERR_INPUT, "", 0, x->path, "at most 64 dimensions");
            len[dims++] = axis_len(x);
        } else {
            long l = axis_len(x), *d = &len[dims - 1];
            if (*d < 0) *d = l;
            else if (l >= 0 && l != *d)
                return err_set(e, ERR_INPUT, "", 0, x->path,
                               "zipped with an axis of %ld values but has %ld", *d, l);
        }
        dim_of[a] = (int)dims - 1;
        if (axis_len(x) < 0 && p->samples == 0)
            return err_set(e, ERR_INPUT, "", 0, x->path,
                           "%s draws random values: give the number of points with --samples N "
                           "(or samples in the sweep block)", x->spec);
    }
    if (p->samples > 0) {
        total = p->samples;
    } else {
        for (long d = 0; d < dims; d++) {
            if (len[d] > PLAN_MAX_POINTS / total)
                return err_set(e, ERR_INPUT, "", 0, "", "more than %ld points", PLAN_MAX_POINTS);
            total *= len[d];
        }
    }
    if (total * p->naxes > PLAN_MAX_CELLS)
        return err_set(e, ERR_INPUT, "", 0, "", "%ld points of %d axes: more than %ld values",
                       total, p->naxes, PLAN_MAX_CELLS);
    p->npoints = total;
    p->cells = calloc((size_t)total * (size_t)p->naxes, sizeof *p->cells);
    if (!p->cells) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    for (long i = 0; i < total; i++) {
        long idx[64], rest = i;
        double u[64];
        for (long d = dims - 1; d >= 0; d--) {
            if (p->samples > 0) {
                struct rng r;
                rng_init(&r, p->seed, RNG_STREAM_SWEEP, (uint32_t)i, (uint32_t)d);
                u[d] = rng_uniform(&r);
                idx[d] = len[d] > 0 ? (long)(u[d] * (double)len[d]) : 0;
                if (len[d] > 0 && idx[d] >= len[d]) idx[d] = len[d] - 1;
            } else {
                idx[d] = rest % len[d];
                rest /= len[d];
            }
        }
        for (int a = 0; a < p->naxes; a++) {
            const struct plan_axis *x = &p->axes[a];
            int d = dim_of[a];
            char buf[64];
            const char *v = buf;
            if (x->kind == AXIS_UNIFORM)
                fmt_float(x->lo + u[d] * (x->hi - x->lo), buf, sizeof buf);
            else if (x->kind == AXIS_LOGUNIFORM)
                fmt_float(exp(log(x->lo) + u[d] * (log(x->hi) - log(x->lo))), buf, sizeof buf);
            else
                v = x->values[idx[d]];
            p->cells[i * p->naxes + a] = xstrdup(v);
        }
    }
    return 0;
}

const char *plan_cell(const struct plan *p, long i, int a) { return p->cells[i * p->naxes + a]; }

void plan_set_text(const struct plan *p, long i, int a, char *buf, size_t n)
{
    snprintf(buf, n, "%s=%s", p->axes[a].path, plan_cell(p, i, a));
}

/* ---- validation ---- */

int plan_validate(struct plan *p, struct err *e)
{
    int nsets = p->nsets + p->naxes;
    const char **sets = calloc((size_t)nsets + 1, sizeof *sets);
    char **own = calloc((size_t)p->naxes + 1, sizeof *own);
    free(p->hash);
    p->hash = calloc((size_t)p->npoints + 1, sizeof *p->hash);
    int rc = 0;
    if (!sets || !own || !p->hash) rc = err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    for (int a = 0; !rc && a < p->naxes; a++)
        if (!(own[a] = malloc(1024))) rc = err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    for (int s = 0; !rc && s < p->nsets; s++) sets[s] = p->sets[s];
    for (long i = 0; !rc && i < p->npoints; i++) {
        for (int a = 0; a < p->naxes; a++) {
            plan_set_text(p, i, a, own[a], 1024);
            sets[p->nsets + a] = own[a];
        }
        struct net_spec spec;
        char *resolved = NULL;
        struct err ce = {0};
        if (cfg_load(p->config, sets, nsets, &spec, &resolved, &ce)) {
            char what[2048], vals[600] = "";
            err_format(&ce, what, sizeof what);
            for (int a = 0, k = 0; a < p->naxes && k < (int)sizeof vals - 1; a++)
                k += snprintf(vals + k, sizeof vals - (size_t)k, "%s%s", a ? ", " : "", own[a]);
            rc = err_set(e, ce.code, "", 0, "", "sweep point %ld (%s): %s", i, vals, what);
            break;
        }
        p->hash[i] = spec.config_hash;
        spec_free(&spec);
        free(resolved);
    }
    for (int a = 0; own && a < p->naxes; a++) free(own[a]);
    free(own);
    free(sets);
    return rc;
}

/* ---- sweep.json ---- */

static const char *const kind_names[] = {"list", "lin", "log", "uniform", "loguniform"};

int plan_save(const struct plan *p, const char *out, struct err *e)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "program", "apical");
    cJSON_AddStringToObject(root, "version", APICAL_VERSION);
    cJSON_AddStringToObject(root, "config", p->config);
    cJSON *sets = cJSON_AddArrayToObject(root, "sets");
    for (int s = 0; s < p->nsets; s++) cJSON_AddItemToArray(sets, cJSON_CreateString(p->sets[s]));
    cJSON *axes = cJSON_AddArrayToObject(root, "axes");
    for (int a = 0; a < p->naxes; a++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "path", p->axes[a].path);
        cJSON_AddStringToObject(x, "kind", kind_names[p->axes[a].kind]);
        cJSON_AddBoolToObject(x, "zip", p->axes[a].zip);
        cJSON_AddStringToObject(x, "spec", p->axes[a].spec);
        cJSON_AddItemToArray(axes, x);
    }
    cJSON_AddNumberToObject(root, "samples", (double)p->samples);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)p->seed);
    cJSON_AddStringToObject(root, "seed", seed);
    cJSON_AddNumberToObject(root, "npoints", (double)p->npoints);
    cJSON *pts = cJSON_AddArrayToObject(root, "points");
    for (long i = 0; i < p->npoints; i++) {
        cJSON *pt = cJSON_CreateObject();
        cJSON_AddNumberToObject(pt, "point", (double)i);
        cJSON *vals = cJSON_AddArrayToObject(pt, "values");
        for (int a = 0; a < p->naxes; a++)
            cJSON_AddItemToArray(vals, cJSON_CreateString(plan_cell(p, i, a)));
        char h[32];
        snprintf(h, sizeof h, "%016llx", p->hash ? p->hash[i] : 0ULL);
        cJSON_AddStringToObject(pt, "config_hash", h);
        cJSON_AddItemToArray(pts, pt);
    }
    char path[1100];
    snprintf(path, sizeof path, "%s/sweep.json", out);
    int rc = store_json_write(path, root, e);
    cJSON_Delete(root);
    return rc;
}

/* ---- reading sweep.json back: every entry checked before it is used ---- */

/* s is a whole unsigned number in base 10 or 16 that fits 64 bits (digits only, no sign). */
static int parse_u64(const char *s, int base, uint64_t *v)
{
    if (!s || !*s || strlen(s) > 20) return -1;
    for (const char *c = s; *c; c++)
        if (base == 10 ? !isdigit((unsigned char)*c) : !isxdigit((unsigned char)*c)) return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, base);
    if (*end || errno) return -1;
    *v = (uint64_t)x;
    return 0;
}

static int load_sets(struct plan *p, const cJSON *sets, const char *path, struct err *e)
{
    int n = cJSON_GetArraySize(sets);
    if (n > PLAN_MAX_SETS)
        return err_set(e, ERR_INPUT, path, 0, "sets", "more than %d overrides", PLAN_MAX_SETS);
    p->sets = calloc((size_t)n + 1, sizeof *p->sets);
    if (!p->sets) return err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
    const cJSON *it;
    cJSON_ArrayForEach(it, sets)
    {
        if (!cJSON_IsString(it) || !it->valuestring)
            return err_set(e, ERR_INPUT, path, 0, "sets", "entry %d is not a string", p->nsets);
        p->sets[p->nsets++] = xstrdup(it->valuestring);
    }
    return 0;
}

static int load_axes(struct plan *p, const cJSON *axes, const char *path, struct err *e)
{
    int n = cJSON_GetArraySize(axes);
    if (n < 1 || n > PLAN_MAX_AXES)
        return err_set(e, ERR_INPUT, path, 0, "axes", "needs 1 to %d axes, has %d", PLAN_MAX_AXES,
                       n);
    p->axes = calloc((size_t)n, sizeof *p->axes);
    if (!p->axes) return err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
    const cJSON *it;
    cJSON_ArrayForEach(it, axes)
    {
        int k = p->naxes;
        char where[64];
        snprintf(where, sizeof where, "axes[%d]", k);
        const char *ap = store_jstr(it, "path"), *kind = store_jstr(it, "kind");
        const char *spec = store_jstr(it, "spec");
        const cJSON *zip = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, "zip") : NULL;
        struct plan_axis *a = &p->axes[k];
        if (!ap || !*ap || strlen(ap) >= sizeof a->path)
            return err_set(e, ERR_INPUT, path, 0, where, "needs a path of 1 to %zu characters",
                           sizeof a->path - 1);
        a->kind = -1;
        for (int j = 0; kind && j < (int)(sizeof kind_names / sizeof *kind_names); j++)
            if (!strcmp(kind, kind_names[j])) a->kind = j;
        if (a->kind < 0)
            return err_set(e, ERR_INPUT, path, 0, where,
                           "kind must be list, lin, log, uniform or loguniform");
        if (zip && !cJSON_IsBool(zip))
            return err_set(e, ERR_INPUT, path, 0, where, "zip must be true or false");
        if (spec && strlen(spec) >= sizeof a->spec)
            return err_set(e, ERR_INPUT, path, 0, where, "spec longer than %zu characters",
                           sizeof a->spec - 1);
        memcpy(a->path, ap, strlen(ap) + 1);
        snprintf(a->spec, sizeof a->spec, "%s", spec ? spec : "");
        a->zip = cJSON_IsTrue(zip);
        if (a->zip && k == 0)
            return err_set(e, ERR_INPUT, path, 0, where, "the first axis cannot zip");
        for (int b = 0; b < k; b++)
            if (!strcmp(p->axes[b].path, a->path))
                return err_set(e, ERR_INPUT, path, 0, where, "%s swept twice", a->path);
        p->naxes++;
    }
    return 0;
}

static int load_points(struct plan *p, const cJSON *pts, const char *path, struct err *e)
{
    int n = cJSON_GetArraySize(pts);
    if (n < 1 || n > PLAN_MAX_POINTS)
        return err_set(e, ERR_INPUT, path, 0, "points", "needs 1 to %ld points, has %d",
                       PLAN_MAX_POINTS, n);
    if ((long)n * p->naxes > PLAN_MAX_CELLS)
        return err_set(e, ERR_INPUT, path, 0, "points", "%d points of %d axes: more than %ld values",
                       n, p->naxes, PLAN_MAX_CELLS);
    p->cells = calloc((size_t)n * (size_t)p->naxes, sizeof *p->cells);
    p->hash = calloc((size_t)n, sizeof *p->hash);
    if (!p->cells || !p->hash) return err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
    /* npoints counts the points whose cells are filled, so plan_free frees exactly those */
    const cJSON *it;
    cJSON_ArrayForEach(it, pts)
    {
        long i = p->npoints, at;
        char where[64];
        snprintf(where, sizeof where, "points[%ld]", i);
        const cJSON *vals = store_jarr(it, "values");
        uint64_t h;
        if (store_jlong(it, "point", 0, PLAN_MAX_POINTS, &at) || at != i)
            return err_set(e, ERR_INPUT, path, 0, where, "needs \"point\": %ld", i);
        if (!vals || cJSON_GetArraySize(vals) != p->naxes)
            return err_set(e, ERR_INPUT, path, 0, where, "needs %d values, one per axis", p->naxes);
        if (parse_u64(store_jstr(it, "config_hash"), 16, &h))
            return err_set(e, ERR_INPUT, path, 0, where, "config_hash must be 16 hex digits");
        const cJSON *v;
        int a = 0;
        cJSON_ArrayForEach(v, vals)
        {
            if (!cJSON_IsString(v) || !v->valuestring || !*v->valuestring ||
                strlen(v->valuestring) > PLAN_MAX_VALUE) {
                for (int b = 0; b < a; b++) free(p->cells[i * p->naxes + b]);
                return err_set(e, ERR_INPUT, path, 0, where,
                               "value %d must be a string of 1 to %d characters", a,
                               PLAN_MAX_VALUE);
            }
            p->cells[i * p->naxes + a++] = xstrdup(v->valuestring);
        }
        p->hash[i] = h;
        p->npoints++;
    }
    return 0;
}

int plan_load(struct plan *p, const char *out, struct err *e)
{
    memset(p, 0, sizeof *p);
    char path[1100];
    snprintf(path, sizeof path, "%s/sweep.json", out);
    cJSON *root = store_json_read(path, e);
    if (!root) {
        if (e->code == ERR_IO)
            err_set(e, ERR_INPUT, path, 0, "", "no sweep here (run apical sweep CONFIG -o %s first)",
                    out);
        return e->code;
    }
    const cJSON *sets = store_jarr(root, "sets"), *axes = store_jarr(root, "axes");
    const cJSON *pts = store_jarr(root, "points");
    const char *cfgp = store_jstr(root, "config"), *seed = store_jstr(root, "seed");
    long npoints = -1;
    int rc = 0;
    if (!cfgp || !seed || !sets || !axes || !pts)
        rc = err_set(e, ERR_INPUT, path, 0, "", "not a sweep plan written by apical");
    else if (cfgp[0] != '/' || strlen(cfgp) >= sizeof p->config)
        rc = err_set(e, ERR_INPUT, path, 0, "config", "must be an absolute path of at most %zu "
                     "characters", sizeof p->config - 1);
    else if (store_jlong(root, "samples", 0, PLAN_MAX_POINTS, &p->samples))
        rc = err_set(e, ERR_INPUT, path, 0, "samples", "must be an integer in [0, %ld]",
                     PLAN_MAX_POINTS);
    else if (parse_u64(seed, 10, &p->seed))
        rc = err_set(e, ERR_INPUT, path, 0, "seed", "must be a decimal integer of 64 bits");
    else if (store_jlong(root, "npoints", 0, PLAN_MAX_POINTS, &npoints) ||
             npoints != cJSON_GetArraySize(pts))
        rc = err_set(e, ERR_INPUT, path, 0, "npoints", "must be the number of points (%d)",
                     cJSON_GetArraySize(pts));
    if (!rc) {
        memcpy(p->config, cfgp, strlen(cfgp) + 1);
        rc = load_sets(p, sets, path, e);
    }
    if (!rc) rc = load_axes(p, axes, path, e);
    if (!rc) rc = load_points(p, pts, path, e);
    cJSON_Delete(root);
    if (rc) plan_free(p);
    return rc;
}

int plan_same(const struct plan *a, const struct plan *b, const char *out, struct err *e)
{
    const char *what = NULL;
    char buf[300];
    if (strcmp(a->config, b->config)) what = "the config";
    else if (a->nsets != b->nsets) what = "the --set overrides";
    else if (a->naxes != b->naxes || a->npoints != b->npoints) what = "the axes or the number of points";
    for (int s = 0; !what && s < a->nsets; s++)
        if (strcmp(a->sets[s], b->sets[s])) what = "the --set overrides";
    for (int x = 0; !what && x < a->naxes; x++)
        if (strcmp(a->axes[x].path, b->axes[x].path)) what = "the swept paths";
    for (long i = 0; !what && i < a->npoints; i++) {
        for (int x = 0; !what && x < a->naxes; x++)
            if (strcmp(plan_cell(a, i, x), plan_cell(b, i, x))) {
                snprintf(buf, sizeof buf, "the values of point %ld", i);
                what = buf;
            }
        if (!what && a->hash && b->hash && a->hash[i] != b->hash[i]) {
            snprintf(buf, sizeof buf, "the resolved config of point %ld (was the config edited?)", i);
            what = buf;
        }
    }
    if (!what) return 0;
    return err_set(e, ERR_INPUT, out, 0, "",
                   "holds a different sweep (%s differs); choose another -o, or delete the folder "
                   "to start over",
                   what);
}

void plan_free(struct plan *p)
{
    for (int s = 0; s < p->nsets; s++) free(p->sets[s]);
    free(p->sets);
    for (int a = 0; a < p->naxes; a++) {
        for (int v = 0; v < p->axes[a].nvalues; v++) free(p->axes[a].values[v]);
        free(p->axes[a].values);
    }
    free(p->axes);
    for (long i = 0; p->cells && i < p->npoints * p->naxes; i++) free(p->cells[i]);
    free(p->cells);
    free(p->hash);
    memset(p, 0, sizeof *p);
}
