/* sweep/plot: SVG heatmaps, line plots and scatters. Layout: panels of PW x PH pixels side by
 * side, each with its own colour scale (heatmap, scatter) or y range (lines).
 *
 * Windows: a window [lo, hi] is made from the finite values only and widened until it is at
 * least a billionth of its magnitude wide (io/axis's narrowest), so its ticks are distinct and
 * log(hi) - log(lo) is not 0; widths and positions are taken from halves (frac), so ends near
 * +-DBL_MAX do not overflow. Linear ticks are io/axis's; log ticks count exponents rather than
 * multiply a double by ten. */
#include "sweep/plot.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/afile.h"
#include "io/axis.h"

#define PW 340 /* plotting area of a panel */
#define PH 280
#define ML 70  /* margins around it */
#define MR 80
#define MT 40
#define MB 56

/* viridis at 9 stops, interpolated */
static void color(double t, char *buf, size_t n)
{
    static const unsigned char stops[9][3] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},
                                              {44, 113, 142}, {33, 144, 141}, {39, 173, 129},
                                              {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
    if (!(t >= 0)) t = 0;
    if (t > 1) t = 1;
    double s = t * 8;
    int k = (int)s;
    if (k > 7) k = 7;
    double f = s - k;
    int rgb[3];
    for (int c = 0; c < 3; c++) rgb[c] = (int)lround(stops[k][c] + f * (stops[k + 1][c] - stops[k][c]));
    snprintf(buf, n, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

static void num(double v, char *buf, size_t n)
{
    if (!isfinite(v)) snprintf(buf, n, "n/a");
    else if (v != 0 && (fabs(v) >= 1e5 || fabs(v) < 1e-3)) snprintf(buf, n, "%.3g", v);
    else snprintf(buf, n, "%.4g", v);
}

/* Where v lies in [lo, hi], 0 to 1. Halves first: hi - lo overflows for ends beyond DBL_MAX / 2,
 * hi / 2 - lo / 2 never does. */
static double frac(double v, double lo, double hi) { return (v / 2 - lo / 2) / (hi / 2 - lo / 2); }

static void text(FILE *f, double x, double y, const char *anchor, int size, const char *s,
                 const char *extra)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\"%s>", x, y, anchor,
            size, extra ? extra : "");
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) fputc('?', f); /* not allowed in XML */
        else if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '"') fputs("&quot;", f);
        else fputc(*s, f);
    }
    fputs("</text>\n", f);
}

static int begin(struct afile *f, const char *path, int w, const struct plot_opts *o,
                 struct err *e)
{
    int rc = afile_open(f, path, e);
    if (rc) return rc;
    int h = MT + PH + MB + (o->title ? 24 : 0);
    fprintf(f->fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
                   "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            w, h, w, h);
    if (o->title) text(f->fp, w / 2.0, 20, "middle", 15, o->title, NULL);
    return 0;
}

/* The window of the finite values among v[0..n) (see the top of the file). */
static void range(const double *v, long n, double *lo, double *hi)
{
    double a = INFINITY, b = -INFINITY;
    for (long i = 0; i < n; i++)
        if (isfinite(v[i])) {
            if (v[i] < a) a = v[i];
            if (v[i] > b) b = v[i];
        }
    if (!(a <= b)) a = 0, b = 1;
    double m = fmax(fabs(a), fabs(b)), narrowest = fmax(m * 1e-9, 1e-300);
    /* one value, or several closer than the narrowest window: 10 % of their size, upwards
     * unless that passes the largest double */
    if (b / 2 - a / 2 < narrowest / 2) {
        double w = m > 0 ? fmax(m * 0.1, 2 * narrowest) : 1;
        if (isfinite(a + w)) b = a + w;
        else a = b - w;
    }
    *lo = a;
    *hi = b;
}

/* [lo, hi] grown by f of its width on each side, within the doubles */
static void pad(double *lo, double *hi, double f)
{
    double p = (*hi / 2 - *lo / 2) * 2 * f;
    *lo = isfinite(*lo - p) ? *lo - p : -DBL_MAX;
    *hi = isfinite(*hi + p) ? *hi + p : DBL_MAX;
}

/* A vertical colour bar at (x0, y0) for [lo, hi]. */
static void colorbar(FILE *f, double x0, double y0, double lo, double hi)
{
    char c[16], a[32];
    for (int k = 0; k < 50; k++) {
        color((k + 0.5) / 50, c, sizeof c);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.2f\" width=\"14\" height=\"%.2f\" fill=\"%s\"/>\n", x0,
                y0 + PH - (k + 1) * PH / 50.0, PH / 50.0 + 0.3, c);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"%d\" fill=\"none\" "
               "stroke=\"#444\"/>\n", x0, y0, PH);
    num(hi, a, sizeof a);
    text(f, x0 + 18, y0 + 10, "start", 11, a, NULL);
    num(lo, a, sizeof a);
    text(f, x0 + 18, y0 + PH, "start", 11, a, NULL);
}

static void labels(FILE *f, double ox, const char *zname, const struct plot_opts *o, int title_h)
{
    double top = MT + title_h;
    text(f, ox + ML + PW / 2.0, top - 10, "middle", 13, zname, " font-weight=\"bold\"");
    if (o->xlabel) text(f, ox + ML + PW / 2.0, top + PH + 44, "middle", 12, o->xlabel, NULL);
    if (o->ylabel) {
        char tr[96];
        snprintf(tr, sizeof tr, " transform=\"rotate(-90 %.1f %.1f)\"", ox + 16, top + PH / 2.0);
        text(f, ox + 16, top + PH / 2.0, "middle", 12, o->ylabel, tr);
    }
}

/* Counts a picture can take: at least one of each, at most PLOT_MAX_CELLS cells. */
static int check_counts(const char *path, long a, long b, int nz, struct err *e)
{
    if (a < 1 || b < 1 || nz < 1) return err_set(e, ERR_INPUT, path, 0, "", "nothing to draw");
    if (a > PLOT_MAX_CELLS / b)
        return err_set(e, ERR_INPUT, path, 0, "", "%ld x %ld cells: more than %ld to draw", a, b,
                       PLOT_MAX_CELLS);
    return 0;
}

int plot_heatmap(const char *path, const double *x, int nx, const double *y, int ny,
                 const double *const *z, const char *const *zname, int nz,
                 const struct plot_opts *o, struct err *e)
{
    struct afile af;
    int rc = check_counts(path, nx, ny, nz, e);
    if (!rc) rc = begin(&af, path, nz * (ML + PW + MR), o, e);
    if (rc) return rc;
    FILE *f = af.fp;
    int th = o->title ? 24 : 0;
    double cw = (double)PW / nx, ch = (double)PH / ny;
    int write_values = nx * ny <= 120 && cw >= 30;
    for (int k = 0; k < nz; k++) {
        double ox = k * (ML + PW + MR), x0 = ox + ML, y0 = MT + th, lo, hi;
        range(z[k], (long)nx * ny, &lo, &hi);
        char c[16], a[32];
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) {
                double v = z[k][j * nx + i];
                double cx = x0 + i * cw, cy = y0 + (ny - 1 - j) * ch;
                if (isfinite(v)) color(frac(v, lo, hi), c, sizeof c);
                else snprintf(c, sizeof c, "#dddddd");
                fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">"
                           "<title>%g, %g: %g</title></rect>\n",
                        cx, cy, cw + 0.3, ch + 0.3, c, x[i], y[j], v);
                if (write_values) {
                    if (isfinite(v)) snprintf(a, sizeof a, fabs(v) >= 100 ? "%.0f" : "%.3g", v);
                    else snprintf(a, sizeof a, "n/a");
                    text(f, cx + cw / 2, cy + ch / 2 + 4, "middle", 10, a,
                         isfinite(v) && frac(v, lo, hi) > 0.6 ? " fill=\"#222\""
                                                                    : " fill=\"white\"");
                }
            }
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
                   "stroke=\"#444\"/>\n", x0, y0, PW, PH);
        int xstep = nx > 12 ? (nx + 11) / 12 : 1, ystep = ny > 14 ? (ny + 13) / 14 : 1;
        for (int i = 0; i < nx; i += xstep) {
            num(x[i], a, sizeof a);
            text(f, x0 + (i + 0.5) * cw, y0 + PH + 16, "middle", 11, a, NULL);
        }
        for (int j = 0; j < ny; j += ystep) {
            num(y[j], a, sizeof a);
            text(f, x0 - 6, y0 + (ny - 1 - j + 0.5) * ch + 4, "end", 11, a, NULL);
        }
        colorbar(f, x0 + PW + 12, y0, lo, hi);
        labels(f, ox, zname[k], o, th);
    }
    fputs("</svg>\n", f);
    return afile_commit(&af, e);
}

/* position of v on an axis [lo, hi] of length len, linear or log */
static double place(double v, double lo, double hi, int log_, double len)
{
    if (log_) return (log(v) - log(lo)) / (log(hi) - log(lo)) * len;
    return frac(v, lo, hi) * len;
}

/* ticks: 1, 2, 5 x 10^k steps on a linear axis, powers of ten (or the ends) on a log axis */
static void ticks(FILE *f, double lo, double hi, int log_, int vertical, double x0, double y0)
{
    char a[32];
    if (log_) {
        int any = 0;
        /* by exponent: a power of ten below the smallest double is 0, and 0 * 10 stays 0 */
        for (int k = (int)floor(log10(lo)); k <= (int)ceil(log10(hi)); k++) {
            double t = pow(10, k);
            if (!isfinite(t) || t < lo * 0.9999 || t > hi * 1.0001) continue;
            any = 1;
            num(t, a, sizeof a);
            double p = place(t, lo, hi, 1, vertical ? PH : PW);
            if (vertical) text(f, x0 - 6, y0 + PH - p + 4, "end", 11, a, NULL);
            else text(f, x0 + p, y0 + PH + 16, "middle", 11, a, NULL);
        }
        if (any) return;
        log_ = 0; /* less than a decade: label the ends */
    }
    /* io/axis's 1-2-5 ticks; a window wider than a double is ticked at half scale */
    double tick[16], step = 0, scale = 1;
    int n = axis_ticks(lo, hi, 5, 0, tick, 16, &step);
    if (n == 0 && axis_usable(lo / 2, hi / 2)) {
        scale = 2;
        n = axis_ticks(lo / 2, hi / 2, 5, 0, tick, 16, &step);
    }
    for (int k = 0; k < n; k++) {
        double t = tick[k] * scale;
        char label[AXIS_LABEL_LEN];
        axis_label(t, step * scale, label);
        double p = place(t, lo, hi, 0, vertical ? PH : PW);
        if (vertical) {
            text(f, x0 - 6, y0 + PH - p + 4, "end", 11, label, NULL);
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n",
                    x0, x0 + PW, y0 + PH - p, y0 + PH - p);
        } else {
            text(f, x0 + p, y0 + PH + 16, "middle", 11, label, NULL);
        }
    }
}

static const char *const line_colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                          "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};

int plot_lines(const char *path, const double *x, int nx, const double *const *z,
               const char *const *zname, int nz, const char *const *label, int nlines,
               const struct plot_opts *o, struct err *e)
{
    /* room on the right for the legend (the first 16 lines have one) */
    size_t longest = 0;
    for (int l = 0; nlines > 1 && l < nlines && l < 16; l++)
        if (strlen(label[l]) > longest) longest = strlen(label[l]);
    int stride = ML + PW + (nlines > 1 ? 40 + 6 * (int)(longest < 60 ? longest : 60) : MR);
    struct afile af;
    int rc = check_counts(path, nx, nlines, nz, e);
    if (!rc) rc = begin(&af, path, nz * stride, o, e);
    if (rc) return rc;
    FILE *f = af.fp;
    int th = o->title ? 24 : 0;
    double xlo, xhi;
    range(x, nx, &xlo, &xhi);
    int xlog = o->xlog && xlo > 0;
    for (int k = 0; k < nz; k++) {
        double ox = k * stride, x0 = ox + ML, y0 = MT + th, lo, hi;
        range(z[k], (long)nx * nlines, &lo, &hi);
        pad(&lo, &hi, 0.05);
        ticks(f, lo, hi, 0, 1, x0, y0);
        ticks(f, xlo, xhi, xlog, 0, x0, y0);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
                   "stroke=\"#444\"/>\n", x0, y0, PW, PH);
        for (int l = 0; l < nlines; l++) {
            const char *col = line_colors[l % 10];
            int open = 0;
            for (int i = 0; i < nx; i++) {
                double v = z[k][(long)l * nx + i];
                if (!isfinite(v) || !isfinite(x[i])) {
                    if (open) fputs("\" fill=\"none\" stroke-width=\"1.5\"/>\n", f);
                    open = 0;
                    continue;
                }
                double px = x0 + place(x[i], xlo, xhi, xlog, PW), py = y0 + PH - place(v, lo, hi, 0, PH);
                if (!open) fprintf(f, "<polyline stroke=\"%s\" points=\"", col);
                fprintf(f, "%.1f,%.1f ", px, py);
                open = 1;
            }
            if (open) fputs("\" fill=\"none\" stroke-width=\"1.5\"/>\n", f);
            for (int i = 0; i < nx; i++) {
                double v = z[k][(long)l * nx + i];
                if (!isfinite(v) || !isfinite(x[i])) continue;
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
                        x0 + place(x[i], xlo, xhi, xlog, PW), y0 + PH - place(v, lo, hi, 0, PH), col);
            }
            if (nlines > 1 && l < 16) {
                double ly = y0 + 12 + l * 14;
                fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                           "stroke-width=\"2\"/>\n", x0 + PW + 6, x0 + PW + 20, ly - 4, ly - 4, col);
                text(f, x0 + PW + 23, ly, "start", 10, label[l], NULL);
            }
        }
        labels(f, ox, zname[k], o, th);
    }
    fputs("</svg>\n", f);
    return afile_commit(&af, e);
}

int plot_scatter(const char *path, const double *x, const double *y, int n,
                 const double *const *z, const char *const *zname, int nz,
                 const struct plot_opts *o, struct err *e)
{
    struct afile af;
    int rc = check_counts(path, n, 1, nz, e);
    if (!rc) rc = begin(&af, path, nz * (ML + PW + MR), o, e);
    if (rc) return rc;
    FILE *f = af.fp;
    int th = o->title ? 24 : 0;
    double xlo, xhi, ylo, yhi;
    range(x, n, &xlo, &xhi);
    range(y, n, &ylo, &yhi);
    int xlog = o->xlog && xlo > 0, ylog = o->ylog && ylo > 0;
    for (int k = 0; k < nz; k++) {
        double ox = k * (ML + PW + MR), x0 = ox + ML, y0 = MT + th, lo, hi;
        range(z[k], n, &lo, &hi);
        ticks(f, ylo, yhi, ylog, 1, x0, y0);
        ticks(f, xlo, xhi, xlog, 0, x0, y0);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
                   "stroke=\"#444\"/>\n", x0, y0, PW, PH);
        char c[16];
        for (int i = 0; i < n; i++) {
            double v = z[k][i];
            if (!isfinite(x[i]) || !isfinite(y[i])) continue;
            if (isfinite(v)) color(frac(v, lo, hi), c, sizeof c);
            else snprintf(c, sizeof c, "#bbbbbb");
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#333\" "
                       "stroke-width=\"0.4\"><title>%g, %g: %g</title></circle>\n",
                    x0 + place(x[i], xlo, xhi, xlog, PW), y0 + PH - place(y[i], ylo, yhi, ylog, PH),
                    c, x[i], y[i], v);
        }
        colorbar(f, x0 + PW + 12, y0, lo, hi);
        labels(f, ox, zname[k], o, th);
    }
    fputs("</svg>\n", f);
    return afile_commit(&af, e);
}
