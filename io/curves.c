/* io/curves: training curves, written as SVG text by hand. Owns the layout and the colours; the
 * windows and ticks are io/axis's, the XML escaping io/svg's. A series keeps its colour by its
 * index in the panel, so a picture redrawn every epoch does not recolour when a series starts or
 * stops having data. */
#include "io/curves.h"
#include "io/svg.h"

#include <math.h>
#include <stdio.h>

#include "io/afile.h"
#include "io/axis.h"

/* Layout, px. */
#define WIDTH 860
#define ML 76  /* y tick labels and the y label */
#define MR 190 /* legend */
#define PW (WIDTH - ML - MR)
#define TOP 44  /* picture title */
#define HEAD 26 /* panel title */
#define PH 200  /* plot area of a panel */
#define GAP 18
#define BOTTOM 50 /* x tick labels and "epoch" */
#define BOTTOM2 34 /* the second row of x tick labels and its name */
#define MAX_TICKS AXIS_MAX_TICKS

static const char *const palette[CURVES_MAX_SERIES] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#8c6d31", "#e7969c", "#637939", "#000000", "#aec7e8"};

/* What one panel maps: data ranges to its plot area, whose top edge is at `top` px. */
struct axes {
    double x0, x1, y0, y1, top;
};

/* Multiples of a 1-2-5 step of at least min_step in [lo, hi], about `want` of them. */
static int ticks(double lo, double hi, int want, double min_step, double *t, double *step) {
    return axis_ticks(lo, hi, want, min_step, t, MAX_TICKS, step);
}

static double xval(const double *x, int i) {
    return x ? x[i] : i + 1;
}

static double xpx(const struct axes *A, double v) {
    return ML + (v - A->x0) / (A->x1 - A->x0) * PW;
}

/* Values outside a fixed range land on its edge; a fitted range holds every value. */
static double ypx(const struct axes *A, double v) {
    v = fmin(fmax(v, A->y0), A->y1);
    return A->top + PH - (v - A->y0) / (A->y1 - A->y0) * PH;
}

static int has_data(const double *y, int n) {
    for (int i = 0; i < n; i++)
        if (isfinite(y[i])) return 1;
    return 0;
}

static int check(const double *x, int n, const struct curves_panel *p, int np, struct err *e) {
    if (n < 1) return err_set(e, ERR_INPUT, "", 0, "", "no points to draw (n = %d)", n);
    if (np < 1 || !p) return err_set(e, ERR_INPUT, "", 0, "", "no panels to draw");
    for (int i = 0; x && i < n; i++)
        if (!isfinite(x[i])) return err_set(e, ERR_INPUT, "", 0, "", "x[%d] is not finite", i);
    int any = 0;
    for (int k = 0; k < np; k++) {
        if (p[k].nseries < 0 || p[k].nseries > CURVES_MAX_SERIES)
            return err_set(e, ERR_INPUT, "", 0, "", "panel %d: %d series (at most %d)", k,
                           p[k].nseries, CURVES_MAX_SERIES);
        if (!isfinite(p[k].ymin) || !isfinite(p[k].ymax))
            return err_set(e, ERR_INPUT, "", 0, "", "panel %d: y range is not finite", k);
        if (p[k].mark_label && !isfinite(p[k].mark_y))
            return err_set(e, ERR_INPUT, "", 0, "", "panel %d: the mark's y is not finite", k);
        for (int j = 0; j < p[k].nseries; j++)
            if (!p[k].s[j].y)
                return err_set(e, ERR_INPUT, "", 0, "", "panel %d: series %d has no values", k, j);
        any |= p[k].nseries > 0;
    }
    return any ? 0 : err_set(e, ERR_INPUT, "", 0, "", "no series in any panel");
}

/* Panel k's y range: fixed, or from its finite values; a flat one is widened around it, a narrow
 * one far from 0 upwards (io/axis). A fixed range too narrow for its magnitude, or values whose
 * range overflows a double, is ERR_INPUT. */
static int y_range(const struct curves_panel *P, int k, int n, struct axes *A, struct err *e) {
    if (P->ymin < P->ymax) {
        A->y0 = P->ymin, A->y1 = P->ymax;
        return axis_usable(A->y0, A->y1)
                   ? 0
                   : err_set(e, ERR_INPUT, "", 0, "",
                             "panel %d: y range %.17g..%.17g is too narrow for its magnitude", k,
                             A->y0, A->y1);
    }
    double lo = INFINITY, hi = -INFINITY;
    for (int j = 0; j < P->nseries; j++)
        for (int i = 0; i < n; i++)
            if (isfinite(P->s[j].y[i])) lo = fmin(lo, P->s[j].y[i]), hi = fmax(hi, P->s[j].y[i]);
    if (P->mark_label) lo = fmin(lo, P->mark_y), hi = fmax(hi, P->mark_y);
    if (!(lo <= hi)) lo = 0, hi = 1;
    if (hi == lo) {
        double d = lo ? fabs(lo) * 0.1 : 1;
        lo -= d, hi += d;
    }
    if (axis_fit(&lo, &hi, 1))
        return err_set(e, ERR_INPUT, "", 0, "", "panel %d: values span more than a double holds",
                       k);
    A->y0 = lo, A->y1 = hi;
    return 0;
}

/* The x range shared by the panels: the x values (or 1..n), a single one widened by 1/2 each
 * way, a narrow one far from 0 upwards. */
static int x_range(const double *x, int n, struct axes *A, struct err *e) {
    A->x0 = INFINITY, A->x1 = -INFINITY;
    for (int i = 0; i < n; i++)
        A->x0 = fmin(A->x0, xval(x, i)), A->x1 = fmax(A->x1, xval(x, i));
    if (A->x1 == A->x0) A->x0 -= 0.5, A->x1 += 0.5;
    if (axis_fit(&A->x0, &A->x1, 1))
        return err_set(e, ERR_INPUT, "", 0, "", "x values span more than a double holds");
    return 0;
}

/* One polyline per run of finite values, then a marker on every point (a run of one point has
 * a line that draws nothing, and its marker). */
static void draw_series(FILE *fp, const struct axes *A, const double *x, int n,
                        const struct curves_series *s, int j) {
    fprintf(fp, "<g class=\"series\" data-name=\"");
    if (s->name)
        svg_xml_text(fp, s->name);
    else
        fprintf(fp, "series %d", j + 1);
    fprintf(fp, "\" stroke=\"%s\" fill=\"%s\">\n", palette[j], palette[j]);
    int open = 0;
    for (int i = 0; i <= n; i++) {
        if (i == n || !isfinite(s->y[i])) {
            if (open) fputs("\"/>\n", fp);
            open = 0;
            continue;
        }
        fprintf(fp,
                open ? " %.2f,%.2f"
                     : "<polyline class=\"curve\" fill=\"none\" stroke-width=\"1.5\" "
                       "points=\"%.2f,%.2f",
                xpx(A, xval(x, i)), ypx(A, s->y[i]));
        open = 1;
    }
    fprintf(fp, "<g class=\"markers\" stroke=\"none\">\n");
    for (int i = 0; i < n; i++)
        if (isfinite(s->y[i]))
            fprintf(fp, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.1f\"/>\n", xpx(A, xval(x, i)),
                    ypx(A, s->y[i]), n > 200 ? 1.2 : 2.5);
    fprintf(fp, "</g>\n</g>\n");
}

/* Swatches beside the plot area, for the series that have data. */
static void draw_legend(FILE *fp, const struct curves_panel *P, int n, double top) {
    int shown = 0;
    for (int j = 0; j < P->nseries; j++)
        shown += has_data(P->s[j].y, n);
    double pitch = fmin(16, (PH - 8.0) / (shown ? shown : 1)), x = ML + PW + 16, y = top + 12;
    fprintf(fp, "<g class=\"legend\" font-size=\"11\">\n");
    for (int j = 0; j < P->nseries; j++) {
        if (!has_data(P->s[j].y, n)) continue;
        fprintf(fp,
                "<path d=\"M%.1f %.1fh22\" stroke=\"%s\" stroke-width=\"1.5\"/><circle "
                "cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">",
                x, y, palette[j], x + 11, y, palette[j], x + 28, y + 4);
        if (P->s[j].name)
            svg_xml_text(fp, P->s[j].name);
        else
            fprintf(fp, "series %d", j + 1);
        fprintf(fp, "</text>\n");
        y += pitch;
    }
    fprintf(fp, "</g>\n");
}

/* Frame, grid at the ticks, y tick labels, y label, the series, the legend; a note when a fixed
 * range put values on its edge. */
static void draw_panel(FILE *fp, const struct curves_panel *P, const struct axes *A,
                       const double *x, int n) {
    double top = A->top, t[MAX_TICKS], step;
    char label[AXIS_LABEL_LEN];
    fprintf(fp,
            "<g class=\"panel\" data-x0=\"%.17g\" data-x1=\"%.17g\" data-y0=\"%.17g\" "
            "data-y1=\"%.17g\">\n",
            A->x0, A->x1, A->y0, A->y1);
    if (P->title) {
        fprintf(fp, "<text x=\"%d\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">", ML,
                top - 8);
        svg_xml_text(fp, P->title);
        fprintf(fp, "</text>\n");
    }
    fprintf(fp,
            "<rect class=\"frame\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
            "stroke=\"#999\"/>\n<path stroke=\"#eee\" d=\"",
            ML, top, PW, PH);
    int nx = ticks(A->x0, A->x1, 8, 1, t, &step);
    for (int k = 0; k < nx; k++)
        fprintf(fp, "M%.2f %.1fv%d", xpx(A, t[k]), top, PH);
    int ny = ticks(A->y0, A->y1, 5, 0, t, &step);
    for (int k = 0; k < ny; k++)
        fprintf(fp, "M%d %.2fh%d", ML, ypx(A, t[k]), PW);
    fprintf(fp, "\"/>\n<g class=\"yticks\" font-size=\"10\" text-anchor=\"end\">\n");
    for (int k = 0; k < ny; k++)
        fprintf(fp,
                "<path d=\"M%d %.2fh-4\" stroke=\"#000\"/><text x=\"%d\" y=\"%.2f\">%s</text>\n",
                ML, ypx(A, t[k]), ML - 7, ypx(A, t[k]) + 3.5, axis_label(t[k], step, label));
    fprintf(fp, "</g>\n");
    if (P->ylabel) {
        fprintf(fp,
                "<text transform=\"translate(%d %.1f) rotate(-90)\" font-size=\"11\" "
                "text-anchor=\"middle\" fill=\"#444\">",
                18, top + PH / 2.0);
        svg_xml_text(fp, P->ylabel);
        fprintf(fp, "</text>\n");
    }
    int outside = 0, any = 0;
    for (int j = 0; j < P->nseries; j++) {
        if (!has_data(P->s[j].y, n)) continue;
        any = 1;
        draw_series(fp, A, x, n, &P->s[j], j);
        for (int i = 0; i < n; i++)
            outside += P->s[j].y[i] < A->y0 || P->s[j].y[i] > A->y1;
    }
    if (P->mark_label) {
        double y = ypx(A, P->mark_y);
        fprintf(fp,
                "<g class=\"mark\" data-y=\"%.17g\"><path d=\"M%d %.2fh%d\" stroke=\"#444\" "
                "stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%.2f\" font-size=\"10\" "
                "text-anchor=\"end\" fill=\"#444\">",
                P->mark_y, ML, y, PW, ML + PW - 4, y > A->top + 14 ? y - 4 : y + 12);
        svg_xml_text(fp, P->mark_label);
        fprintf(fp, "</text></g>\n");
    }
    draw_legend(fp, P, n, top);
    if (!any || outside)
        fprintf(fp,
                "<text class=\"note\" x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" "
                "fill=\"#a00\">",
                ML + PW, top - 8);
    if (!any)
        fprintf(fp, "no data yet</text>\n");
    else if (outside)
        fprintf(fp, "%d value%s outside %g..%g drawn at the edge</text>\n", outside,
                outside == 1 ? "" : "s", A->y0, A->y1);
    fprintf(fp, "</g>\n");
}

/* Epochs are whole numbers, labelled in full up to 1e15, as a tick label beyond. */
static void draw_xaxis(FILE *fp, const struct axes *A, const struct curves_opts *o, double y) {
    double t[MAX_TICKS], step;
    char label[AXIS_LABEL_LEN];
    int nx = ticks(A->x0, A->x1, 8, 1, t, &step);
    fprintf(fp, "<g class=\"xaxis\" font-size=\"10\" text-anchor=\"middle\">\n");
    for (int k = 0; k < nx; k++) {
        if (fabs(t[k]) < 1e15)
            snprintf(label, sizeof label, "%.0f", t[k]);
        else
            axis_label(t[k], step, label);
        fprintf(fp,
                "<path d=\"M%.2f %.1fv4\" stroke=\"#000\"/><text x=\"%.2f\" y=\"%.1f\">%s</text>\n",
                xpx(A, t[k]), y, xpx(A, t[k]), y + 15, label);
    }
    fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", ML + PW / 2.0, y + 34);
    svg_xml_text(fp, o->xlabel ? o->xlabel : "epoch");
    fprintf(fp, "</text>\n</g>\n");
    if (!(o->x2_per_x > 0)) return;
    /* the second scale's ticks, placed back on the first: x = x2 / x2_per_x */
    double k2 = o->x2_per_x, y2 = y + BOTTOM2;
    int n2 = ticks(A->x0 * k2, A->x1 * k2, 8, 0, t, &step);
    fprintf(fp,
            "<g class=\"xaxis2\" data-per-x=\"%.17g\" font-size=\"10\" text-anchor=\"middle\" "
            "fill=\"#444\">\n",
            k2);
    for (int k = 0; k < n2; k++) {
        double px = xpx(A, t[k] / k2);
        if (px < ML - 0.5 || px > ML + PW + 0.5) continue;
        fprintf(fp, "<text x=\"%.2f\" y=\"%.1f\">%s</text>\n", px, y2 + 15,
                axis_label(t[k], step, label));
    }
    fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", ML + PW / 2.0, y2 + 30);
    svg_xml_text(fp, o->x2label ? o->x2label : "");
    fprintf(fp, "</text>\n</g>\n");
}

int curves_write(const char *path, const char *title, const double *x, int n,
                 const struct curves_panel *p, int npanels, struct err *e) {
    struct curves_opts o = {.title = title, .x = x};
    return curves_write_opts(path, &o, n, p, npanels, e);
}

int curves_write_opts(const char *path, const struct curves_opts *o, int n,
                      const struct curves_panel *p, int npanels, struct err *e) {
    const double *x = o->x;
    int rc = check(x, n, p, npanels, e);
    if (!rc && !(o->x2_per_x >= 0 && isfinite(o->x2_per_x)))
        rc = err_set(e, ERR_INPUT, "", 0, "", "the second x scale is not a finite number >= 0");
    struct axes A = {0};
    if (!rc) rc = x_range(x, n, &A, e);
    /* the second scale's window must be drawable too */
    if (!rc && o->x2_per_x > 0 && !axis_usable(A.x0 * o->x2_per_x, A.x1 * o->x2_per_x))
        rc = err_set(e, ERR_INPUT, "", 0, "", "the second x scale's range is not drawable");
    int shown = 0;
    for (int k = 0; !rc && k < npanels; k++) {
        if (p[k].nseries) rc = y_range(&p[k], k, n, &A, e); /* checked here, drawn below */
        shown += p[k].nseries > 0;
    }
    if (rc) return rc;
    double height =
        TOP + shown * (HEAD + PH + GAP) - GAP + BOTTOM + (o->x2_per_x > 0 ? BOTTOM2 : 0);
    struct afile f;
    if ((rc = afile_open(&f, path, e))) return rc;
    FILE *fp = f.fp;
    fprintf(fp,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
            "viewBox=\"0 0 %d %.0f\" font-family=\"sans-serif\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
            "<text x=\"%.1f\" y=\"26\" font-size=\"16\" text-anchor=\"middle\">",
            WIDTH, height, WIDTH, height, ML + PW / 2.0);
    svg_xml_text(fp, o->title ? o->title : "training");
    fprintf(fp, "</text>\n");
    A.top = TOP + HEAD;
    for (int k = 0; k < npanels; k++) {
        if (!p[k].nseries) continue;
        y_range(&p[k], k, n, &A, e);
        draw_panel(fp, &p[k], &A, x, n);
        A.top += PH + GAP + HEAD;
    }
    draw_xaxis(fp, &A, o, A.top - GAP - HEAD);
    fprintf(fp, "</svg>\n");
    return afile_commit(&f, e);
}
