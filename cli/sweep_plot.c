/* cli/sweep_plot: `apical sweep plot OUT --x PATH [--y PATH] --z METRIC[,METRIC...] -o FILE.svg`.
 * Picks the picture from the sweep: a line plot over one swept path (one line per combination
 * of the other axes), a heatmap over two (the mean over any other axes, said in the title), a
 * scatter when the points were sampled at random. Reads the finished points, not results.csv. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sweep/plan.h"
#include "sweep/plot.h"
#include "sweep/table.h"

#define MAX_Z 8

static const char usage[] =
    "usage: apical sweep plot OUT --x PATH [--y PATH] --z METRIC[,METRIC...] -o FILE.svg\n"
    "  --x PATH, --y PATH   swept setting paths (one: line plot; two: heatmap)\n"
    "  --z METRICS          columns of OUT/results.csv, e.g. rate_hz,cv_isi,exc.rate_hz\n"
    "  --xscale F, --yscale F   multiply the shown values by F (e.g. weight to a ratio)\n"
    "  --xlabel T, --ylabel T, --title T\n";

struct plot_args {
    const char *out, *x, *y, *z, *svg, *title, *xlabel, *ylabel;
    double xscale, yscale;
};

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "apical: sweep plot: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "", usage);
    return 2;
}

/* "unknown option: --zz (did you mean --z?)" */
static int unknown_option(const char *s)
{
    static const char *const opts[] = {"--x",      "--y",      "--z",      "--out",    "--title",
                                       "--xlabel", "--ylabel", "--xscale", "--yscale", "--help",
                                       NULL};
    char msg[200];
    return bad("unknown option", cli_unknown_option(s, opts, msg, sizeof msg));
}

static int parse(int argc, char **argv, struct plot_args *a)
{
    memset(a, 0, sizeof *a);
    a->xscale = a->yscale = 1;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **dst = NULL;
        double *num = NULL;
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(usage, stdout);
            return -1;
        }
        if (!strcmp(s, "--x")) dst = &a->x;
        else if (!strcmp(s, "--y")) dst = &a->y;
        else if (!strcmp(s, "--z")) dst = &a->z;
        else if (!strcmp(s, "-o") || !strcmp(s, "--out")) dst = &a->svg;
        else if (!strcmp(s, "--title")) dst = &a->title;
        else if (!strcmp(s, "--xlabel")) dst = &a->xlabel;
        else if (!strcmp(s, "--ylabel")) dst = &a->ylabel;
        else if (!strcmp(s, "--xscale")) num = &a->xscale;
        else if (!strcmp(s, "--yscale")) num = &a->yscale;
        else if (s[0] == '-' && s[1]) return unknown_option(s);
        else if (!a->out) a->out = s;
        else return bad("unexpected argument", s);
        if (!dst && !num) continue;
        if (!v) return bad("missing value after", s);
        i++;
        if (dst) *dst = v;
        if (num) {
            char *end;
            errno = 0;
            *num = strtod(v, &end);
            if (!*v || *end || errno || !isfinite(*num) || *num == 0)
                return bad("a scale is a non-zero number", v);
        }
    }
    if (!a->out) return bad("missing OUT (the sweep's folder)", NULL);
    if (!a->x) return bad("missing --x PATH", NULL);
    if (!a->z) return bad("missing --z METRIC", NULL);
    if (!a->svg) return bad("missing -o FILE.svg", NULL);
    return 0;
}

static int axis_index(const struct plan *p, const char *path)
{
    for (int i = 0; i < p->naxes; i++)
        if (!strcmp(p->axes[i].path, path)) return i;
    return -1;
}

/* dimension of each axis: zipped axes share their leader's (plan_load refuses a first axis
 * that zips) */
static void dims(const struct plan *p, int *dim)
{
    int d = -1;
    for (int i = 0; i < p->naxes; i++) dim[i] = p->axes[i].zip && d >= 0 ? d : ++d;
}

static double row_num(const cJSON *row, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static double cell_num(const struct plan *p, long i, int a)
{
    cJSON *v = table_value(plan_cell(p, i, a));
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    cJSON_Delete(v);
    return d;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* the sorted distinct values of v[0..n) into u; returns their number */
static int distinct(const double *v, long n, double *u)
{
    long k = 0;
    for (long i = 0; i < n; i++) u[k++] = v[i];
    qsort(u, (size_t)k, sizeof *u, cmp_double);
    int m = 0;
    for (long i = 0; i < k; i++)
        if (m == 0 || u[i] != u[m - 1]) u[m++] = u[i];
    return m;
}

/* index of v in the sorted distinct values u[0..n) (v is one of them) */
static int find(const double *u, int n, double v)
{
    const double *at = bsearch(&v, u, (size_t)n, sizeof *u, cmp_double);
    return at ? (int)(at - u) : 0;
}

/* ---- lines: the points grouped by the values of the axes outside x's (and y's) dimension ---- */

struct keyed {
    char *key; /* the group's values, each as "length:text;" so that no two groups share a key */
    long r;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->r > y->r) - (x->r < y->r);
}

static int cmp_first(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    return (x->r > y->r) - (x->r < y->r);
}

static char *group_key(const struct plan *p, long point, const int *grouped)
{
    size_t len = 1;
    for (int ax = 0; ax < p->naxes; ax++)
        if (grouped[ax]) len += strlen(plan_cell(p, point, ax)) + 24;
    char *key = malloc(len);
    if (!key) return NULL;
    size_t k = 0;
    key[0] = '\0';
    for (int ax = 0; ax < p->naxes; ax++)
        if (grouped[ax]) {
            const char *v = plan_cell(p, point, ax);
            k += (size_t)snprintf(key + k, len - k, "%zu:%s;", strlen(v), v);
        }
    return key;
}

/* gid[r] for rows row[0..n): groups numbered in order of first appearance, in O(n log n); the
 * label of each group into *labels (malloc'd). Returns the number of groups, or -1 when out of
 * memory. */
static long group_rows(const struct plan *p, const long *row, long n, const int *grouped, int *gid,
                       char ***labels)
{
    struct keyed *k = calloc((size_t)n + 1, sizeof *k);
    long ng = 0, rc = 0;
    *labels = NULL;
    for (long r = 0; k && r < n && !rc; r++)
        if (!(k[r].key = group_key(p, row[r], grouped))) rc = -1;
    if (!k || rc) goto out;
    for (long r = 0; r < n; r++) k[r].r = r;
    qsort(k, (size_t)n, sizeof *k, cmp_keyed);
    /* the first row of each run of equal keys, then those in row order */
    struct keyed *first = calloc((size_t)n + 1, sizeof *first);
    if (!first) {
        rc = -1;
        goto out;
    }
    for (long i = 0; i < n; i++)
        if (i == 0 || strcmp(k[i].key, k[i - 1].key)) first[ng++] = k[i];
    qsort(first, (size_t)ng, sizeof *first, cmp_first);
    /* group g's number is its place in row order; rows find it through their run's first row */
    for (long g = 0; g < ng; g++) gid[first[g].r] = (int)g;
    for (long i = 1; i < n; i++)
        if (!strcmp(k[i].key, k[i - 1].key)) gid[k[i].r] = gid[k[i - 1].r];
    *labels = calloc((size_t)ng + 1, sizeof **labels);
    for (long g = 0; *labels && g < ng && !rc; g++) {
        char label[512] = "";
        for (int ax = 0, m = 0; ax < p->naxes && m < (int)sizeof label - 1; ax++)
            if (grouped[ax])
                m += snprintf(label + m, sizeof label - (size_t)m, "%s%s=%s", m ? " " : "",
                              p->axes[ax].path, plan_cell(p, row[first[g].r], ax));
        if (!((*labels)[g] = strdup(label))) rc = -1;
    }
    if (!*labels) rc = -1;
    free(first);
out:
    for (long r = 0; k && r < n; r++) free(k[r].key);
    free(k);
    if (rc && *labels) {
        for (long g = 0; g < ng; g++) free((*labels)[g]);
        free(*labels);
        *labels = NULL;
    }
    return rc ? -1 : ng;
}

static int draw_points(const struct plot_args *a, const struct plan *p, const struct table *t,
                       int xa, int ya, const int *grouped, struct err *e);

static int draw(const struct plot_args *a, const struct plan *p, const struct table *t,
                struct err *e)
{
    int xa = axis_index(p, a->x), ya = a->y ? axis_index(p, a->y) : -1;
    char swept[1024] = "";
    for (int i = 0, k = 0; i < p->naxes && k < (int)sizeof swept - 1; i++)
        k += snprintf(swept + k, sizeof swept - (size_t)k, "%s%s", i ? ", " : "", p->axes[i].path);
    if (xa < 0) return err_set(e, ERR_INPUT, "--x", 0, a->x, "not a swept path (swept: %s)", swept);
    if (a->y && ya < 0) return err_set(e, ERR_INPUT, "--y", 0, a->y, "not a swept path (swept: %s)", swept);
    int *dim = calloc((size_t)p->naxes, sizeof *dim), *grouped = calloc((size_t)p->naxes, sizeof *grouped);
    if (!dim || !grouped) {
        free(dim);
        free(grouped);
        return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    }
    dims(p, dim);
    for (int ax = 0; ax < p->naxes; ax++)
        grouped[ax] = !p->axes[ax].zip && dim[ax] != dim[xa] && (ya < 0 || dim[ax] != dim[ya]);
    int same = ya >= 0 && dim[ya] == dim[xa];
    free(dim);
    if (same) {
        free(grouped);
        return err_set(e, ERR_INPUT, "--y", 0, a->y, "moves together with --x (zip): pick another");
    }
    int rc = draw_points(a, p, t, xa, ya, grouped, e);
    free(grouped);
    return rc;
}

static int draw_points(const struct plot_args *a, const struct plan *p, const struct table *t,
                       int xa, int ya, const int *grouped, struct err *e)
{
    /* metrics */
    char zbuf[512];
    snprintf(zbuf, sizeof zbuf, "%s", a->z);
    const char *zname[MAX_Z];
    int nz = 0;
    char *save = NULL;
    for (char *tok = strtok_r(zbuf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (nz == MAX_Z) return err_set(e, ERR_INPUT, "--z", 0, "", "at most %d metrics", MAX_Z);
        int seen = 0;
        for (long i = 0; i < p->npoints && !seen; i++)
            seen = t->rows[i] && cJSON_GetObjectItemCaseSensitive(t->rows[i], tok);
        if (!seen) {
            char cols[1024] = "";
            const cJSON *c;
            long i = 0;
            while (i < p->npoints && !t->rows[i]) i++;
            int k = 0;
            if (i < p->npoints)
                cJSON_ArrayForEach(c, t->rows[i]) if (cJSON_IsNumber(c) && k < (int)sizeof cols - 80)
                    k += snprintf(cols + k, sizeof cols - (size_t)k, "%s%s", k ? ", " : "", c->string);
            return err_set(e, ERR_INPUT, "--z", 0, tok, "no such metric in the finished points "
                                                        "(numbers there: %s)", cols[0] ? cols : "none");
        }
        zname[nz++] = tok;
    }
    /* the finished points' coordinates */
    long n = 0;
    double *px = calloc((size_t)p->npoints + 1, sizeof *px), *py = calloc((size_t)p->npoints + 1, sizeof *py);
    long *row = calloc((size_t)p->npoints + 1, sizeof *row);
    double *ux = calloc((size_t)p->npoints + 1, sizeof *ux), *uy = calloc((size_t)p->npoints + 1, sizeof *uy);
    double *zv[MAX_Z] = {0};
    char **group = NULL;
    int *gid = NULL;
    long ng = 0;
    int rc = 0;
    if (!px || !py || !row || !ux || !uy) rc = err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    for (long i = 0; !rc && i < p->npoints; i++) {
        if (!t->rows[i]) continue;
        px[n] = cell_num(p, i, xa) * a->xscale;
        py[n] = ya >= 0 ? cell_num(p, i, ya) * a->yscale : 0;
        /* inf, or a finite value that the scale overflows, has no place on an axis either */
        if (!isfinite(px[n]) || !isfinite(py[n]))
            rc = err_set(e, ERR_INPUT, "", 0, !isfinite(px[n]) ? a->x : a->y,
                         "plots need finite numbers, and point %ld has %s", i,
                         plan_cell(p, i, !isfinite(px[n]) ? xa : ya));
        row[n++] = i;
    }
    if (!rc && n == 0)
        rc = err_set(e, ERR_INPUT, a->out, 0, "", "no finished point to plot yet");
    char xl[300], yl[300], title[600];
    snprintf(xl, sizeof xl, a->xscale != 1 ? "%s x %g" : "%s", a->x, a->xscale);
    snprintf(yl, sizeof yl, a->yscale != 1 ? "%s x %g" : "%s", a->y ? a->y : "", a->yscale);
    struct plot_opts o = {.title = a->title, .xlabel = a->xlabel ? a->xlabel : xl,
                          .ylabel = a->ylabel ? a->ylabel : (a->y ? yl : NULL),
                          .xlog = p->axes[xa].kind == AXIS_LOG || p->axes[xa].kind == AXIS_LOGUNIFORM,
                          .ylog = ya >= 0 && (p->axes[ya].kind == AXIS_LOG ||
                                              p->axes[ya].kind == AXIS_LOGUNIFORM)};
    if (rc) goto done;
    int nx = distinct(px, n, ux), ny = ya >= 0 ? distinct(py, n, uy) : 1;
    if (ya >= 0 && p->samples > 0) {
        for (int k = 0; k < nz && !rc; k++) {
            if (!(zv[k] = malloc((size_t)n * sizeof **zv))) rc = err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
            for (long r = 0; !rc && r < n; r++) zv[k][r] = row_num(t->rows[row[r]], zname[k]);
        }
        if (!rc) rc = plot_scatter(a->svg, px, py, (int)n, (const double *const *)zv, zname, nz, &o, e);
        goto done;
    }
    /* lines: one per combination of the axes outside x's (and y's) dimension */
    gid = calloc((size_t)n + 1, sizeof *gid);
    if (!gid || (ng = group_rows(p, row, n, grouped, gid, &group)) < 0) {
        rc = err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
        goto done;
    }
    /* a grid's cells are at most its points; a sweep.json that is no grid may ask for more */
    long lines = ya < 0 ? ng : 1, cells = (long)nx * ny;
    if (cells > PLOT_MAX_CELLS / lines) {
        rc = err_set(e, ERR_INPUT, a->out, 0, "", "%d x %d values in %ld line(s): more than %ld "
                     "cells to draw", nx, ny, lines, (long)PLOT_MAX_CELLS);
        goto done;
    }
    cells *= lines;
    for (int k = 0; k < nz && !rc; k++) {
        double *cnt = calloc((size_t)cells, sizeof *cnt);
        zv[k] = calloc((size_t)cells, sizeof **zv);
        if (!cnt || !zv[k]) {
            free(cnt);
            rc = err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
            break;
        }
        for (long r = 0; r < n; r++) {
            double v = row_num(t->rows[row[r]], zname[k]);
            int i = find(ux, nx, px[r]), j = ya >= 0 ? find(uy, ny, py[r]) : gid[r];
            long c = (long)j * nx + i;
            if (isfinite(v)) zv[k][c] += v, cnt[c] += 1;
        }
        double most = 0;
        for (long c = 0; c < cells; c++) {
            zv[k][c] = cnt[c] > 0 ? zv[k][c] / cnt[c] : NAN;
            if (cnt[c] > most) most = cnt[c];
        }
        free(cnt);
        if (ya >= 0 && most > 1 && !a->title) {
            snprintf(title, sizeof title, "mean over %s", ng > 1 ? "the other swept paths" : "repeats");
            o.title = title;
        }
    }
    if (!rc && ya >= 0)
        rc = plot_heatmap(a->svg, ux, nx, uy, ny, (const double *const *)zv, zname, nz, &o, e);
    else if (!rc)
        rc = plot_lines(a->svg, ux, nx, (const double *const *)zv, zname, nz,
                        (const char *const *)group, (int)ng, &o, e);
done:
    for (long g = 0; group && g < ng; g++) free(group[g]);
    free(group);
    free(gid);
    for (int k = 0; k < MAX_Z; k++) free(zv[k]);
    free(px);
    free(py);
    free(row);
    free(ux);
    free(uy);
    return rc;
}

int cli_sweep_plot(int argc, char **argv)
{
    struct plot_args a;
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    struct plan p;
    struct table t;
    struct err e = {0};
    if (plan_load(&p, a.out, &e)) return cli_report(&e);
    if (table_load(&t, &p, a.out, &e)) {
        plan_free(&p);
        return cli_report(&e);
    }
    rc = draw(&a, &p, &t, &e);
    if (!rc) fprintf(stderr, "[sweep] wrote %s (%ld points)\n", a.svg, t.ndone);
    table_free(&t);
    plan_free(&p);
    return rc ? cli_report(&e) : 0;
}
