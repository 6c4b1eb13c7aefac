/* io/svg: the spike raster with population rates below it, and voltage traces, written as SVG text
 * by hand. Owns the layout, the choice of neurons shown and the colours; draws whatever a spk_table
 * or trace_table holds and knows nothing of the simulator. Each population's rates go into a
 * data-rates attribute (Hz, one number per bin), and each trace panel states its axes in data-*
 * attributes, so scripts and tests can read the numbers a curve shows.
 */
#include "io/svg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/afile.h"
#include "io/axis.h"

#define MAX_DOTS 200000 /* keeps the file near a few MB; beyond it neurons, then spikes, thin */
#define MAX_BINS 20000  /* far more than the plot has pixels */
#define AUTO_BINS 100   /* bins over the window when the caller picks none */

/* Layout, in px. */
#define WIDTH 1000
#define MARGIN_L 130 /* population labels and the "neuron" label */
#define MARGIN_R 30
#define TOP 56 /* title */
#define RASTER_H 420
#define GAP 64 /* raster time axis labels */
#define RATE_H 200
#define BOTTOM 48
#define LEGEND_MAX 16

static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
#define NCOLOURS (sizeof palette / sizeof palette[0])

struct plot {
    FILE *fp;
    const struct spk_table *t;
    double t0, t1; /* time window, ms */
    double bin;    /* histogram bin, ms */
    size_t nbins;
    uint32_t m;    /* neurons shown per population at most (after thinning) */
    size_t stride; /* every stride-th spike of a shown neuron in the window is drawn */
    size_t ndots;  /* dots drawn */
    size_t nshown; /* spikes of shown neurons in the window */
};

static const char *colour(int pop) {
    return palette[(size_t)pop % NCOLOURS];
}

/* x of a time dt ms after the window's start; the window is usable (io/axis), so it is finite */
static double xoff(const struct plot *P, double dt) {
    return MARGIN_L + dt / (P->t1 - P->t0) * (WIDTH - MARGIN_L - MARGIN_R);
}

static double xpx(const struct plot *P, double t) {
    return xoff(P, t - P->t0);
}

void svg_xml_text(FILE *fp, const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int extra = c >= 0xf0 && c < 0xf5 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : 0;
        if (c >= 0x80) {
            int ok = c >= 0xc2 && c < 0xf5;
            for (int i = 1; ok && i <= extra; i++)
                ok = (p[i] & 0xc0) == 0x80;
            if (ok) {
                fwrite(p, 1, (size_t)extra + 1, fp);
                p += extra + 1;
            } else {
                fputc('?', fp);
                p++;
            }
            continue;
        }
        switch (c) {
        case '&':
            fputs("&amp;", fp);
            break;
        case '<':
            fputs("&lt;", fp);
            break;
        case '>':
            fputs("&gt;", fp);
            break;
        case '"':
            fputs("&quot;", fp);
            break;
        case '\'':
            fputs("&apos;", fp);
            break;
        default:
            fputc(c < 0x20 || c == 0x7f ? '?' : (int)c, fp);
        }
        p++;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Which spikes become dots.
 */

/* Neurons shown of a population of `size`: ids i*size/m for i in [0, m), or all if size <= m. */
static uint32_t shown_of(uint32_t size, uint32_t m) {
    return size < m ? size : m;
}

/* Row of id among the shown neurons, or -1 if it is not shown. */
static int64_t sample_row(uint32_t id, uint32_t size, uint32_t m) {
    if (id >= size) return -1;
    if (size <= m) return (int64_t)id;
    /* the smallest i with i*size/m >= id; products stay below 2^64 as all values are < 2^32 */
    uint64_t i = ((uint64_t)id * m + size - 1) / size;
    return i < m && i * size / m == id ? (int64_t)i : -1;
}

/* Row of spike i if it is from a shown neuron and in the window, else -1. */
static int64_t dot_row(const struct plot *P, uint32_t m, size_t i) {
    const struct spk_table *t = P->t;
    double tm = t->t_ms[i];
    if (!(tm >= P->t0 && tm <= P->t1) || t->pop[i] >= (uint32_t)t->npops) return -1;
    return sample_row(t->id[i], t->pop_size[t->pop[i]], m);
}

static size_t count_shown(const struct plot *P, uint32_t m) {
    size_t c = 0;
    for (size_t i = 0; i < P->t->n; i++)
        c += dot_row(P, m, i) >= 0;
    return c;
}

/* Fewer neurons first (a raster of fewer rows still reads right), then every k-th spike. */
static void choose_sample(struct plot *P, uint32_t max_per_pop) {
    uint32_t m = max_per_pop;
    size_t c = count_shown(P, m);
    while (c > MAX_DOTS && m > 1) {
        double f = 0.95 * MAX_DOTS / (double)c;
        uint32_t next = (uint32_t)(m * f);
        m = next < 1 ? 1 : next < m ? next : m - 1;
        c = count_shown(P, m);
    }
    P->m = m;
    P->nshown = c;
    P->stride = c > MAX_DOTS ? (c + MAX_DOTS - 1) / MAX_DOTS : 1;
}

/* ---------------------------------------------------------------------------------------------
 * Drawing.
 */

/* Ticks at multiples of a 1-2-5 step, about 8 over [t0, t1]; returns how many (at most max). */
static int time_ticks(double t0, double t1, double *tick, int max, double *step) {
    return axis_ticks(t0, t1, 8, 0, tick, max, step);
}

/* The time axis along y, from x0 to x1 px for t0 to t1 ms. */
static void time_axis(FILE *fp, double t0, double t1, double x0, double x1, double y) {
    fprintf(fp, "<g font-size=\"11\" text-anchor=\"middle\">\n");
    fprintf(fp, "<path d=\"M%.1f %.1fH%.1f\" stroke=\"#000\"/>\n", x0, y, x1);
    double tick[AXIS_MAX_TICKS], step;
    char label[AXIS_LABEL_LEN];
    int n = time_ticks(t0, t1, tick, AXIS_MAX_TICKS, &step);
    for (int k = 0; k < n; k++) {
        double x = x0 + (tick[k] - t0) / (t1 - t0) * (x1 - x0);
        fprintf(fp, "<path d=\"M%.1f %.1fv5\" stroke=\"#000\"/>", x, y);
        fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x, y + 17,
                axis_label(tick[k], step, label));
    }
    fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">time (ms)</text>\n</g>\n",
            (x0 + x1) / 2, y + 34);
}

static void draw_time_axis(const struct plot *P, double y) {
    time_axis(P->fp, P->t0, P->t1, MARGIN_L, WIDTH - MARGIN_R, y);
}

/* One band per population, its name on the left; dots grouped into one path per population. */
static int draw_raster(struct plot *P, struct err *e) {
    const struct spk_table *t = P->t;
    FILE *fp = P->fp;
    int np = t->npops;
    size_t *count = calloc((size_t)np + 1, sizeof *count);
    size_t *at = calloc((size_t)np + 1, sizeof *at);
    size_t *idx = malloc((P->nshown / P->stride + 1) * sizeof *idx);
    if (!count || !at || !idx) {
        free(count), free(at), free(idx);
        return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    }
    /* bucket the drawn spikes by population, keeping file order within one */
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (dot_row(P, P->m, i) >= 0 && k++ % P->stride == 0) count[t->pop[i]]++;
    for (int p = 0; p < np; p++)
        at[p + 1] = at[p] + count[p];
    P->ndots = at[np];
    k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (dot_row(P, P->m, i) >= 0 && k++ % P->stride == 0) idx[at[t->pop[i]]++] = i;

    double slots = 0;
    for (int p = 0; p < np; p++) {
        uint32_t r = shown_of(t->pop_size[p], P->m);
        slots += r ? r : 1;
    }
    double gap = np > 1 ? fmin(8, 0.2 * RASTER_H / np) : 0;
    double pitch = slots > 0 ? (RASTER_H - gap * (np - 1)) / slots : 0;
    double tick = fmax(0.5, fmin(6, 0.8 * pitch));

    fprintf(fp,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>\n",
            MARGIN_L, TOP, WIDTH - MARGIN_L - MARGIN_R, RASTER_H);
    fprintf(fp,
            "<text transform=\"translate(18 %d) rotate(-90)\" font-size=\"12\" "
            "text-anchor=\"middle\">neuron (by population)</text>\n",
            TOP + RASTER_H / 2);
    double top = TOP;
    size_t from = 0;
    for (int p = 0; p < np; p++) {
        uint32_t size = t->pop_size[p], r = shown_of(size, P->m);
        double h = (r ? r : 1) * pitch;
        fprintf(fp, "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\" fill=\"%s\">",
                MARGIN_L - 8, top + h / 2, colour(p));
        svg_xml_text(fp, t->pop_names[p]);
        fprintf(fp,
                "</text>\n<text x=\"%d\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\" "
                "fill=\"#666\">%u of %u</text>\n",
                MARGIN_L - 8, top + h / 2 + 12, r, size);
        if (p > 0)
            fprintf(fp, "<path d=\"M%d %.1fH%d\" stroke=\"#eee\"/>\n", MARGIN_L, top - gap / 2,
                    WIDTH - MARGIN_R);
        if (count[p]) {
            fprintf(fp, "<path class=\"spikes\" data-pop=\"");
            svg_xml_text(fp, t->pop_names[p]);
            fprintf(fp, "\" stroke=\"%s\" stroke-width=\"1\" d=\"", colour(p));
            for (size_t j = from; j < from + count[p]; j++) {
                size_t i = idx[j];
                int64_t row = sample_row(t->id[i], size, P->m);
                fprintf(fp, "M%.1f %.2fv%.2f", xpx(P, t->t_ms[i]),
                        top + (row + 0.5) * pitch - tick / 2, tick);
            }
            fprintf(fp, "\"/>\n");
        }
        from += count[p];
        top += h + gap;
    }
    draw_time_axis(P, TOP + RASTER_H);
    free(count), free(at), free(idx);
    return 0;
}

/* Spikes per bin / (neurons * bin seconds); the last bin may be shorter when the window is. */
static double *rates(const struct plot *P, struct err *e) {
    const struct spk_table *t = P->t;
    size_t np = (size_t)t->npops;
    double *r = calloc(np * P->nbins + 1, sizeof *r);
    if (!r) {
        err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < t->n; i++) {
        double tm = t->t_ms[i];
        if (!(tm >= P->t0 && tm <= P->t1) || t->pop[i] >= np) continue;
        double b = floor((tm - P->t0) / P->bin);
        r[t->pop[i] * P->nbins + (b < (double)P->nbins ? (size_t)b : P->nbins - 1)] += 1;
    }
    /* widths as offsets from t0: at a large t0, t0 + b * bin would round */
    for (size_t p = 0; p < np; p++)
        for (size_t b = 0; b < P->nbins; b++) {
            double width = b + 1 < P->nbins ? P->bin : (P->t1 - P->t0) - (double)b * P->bin;
            double n = t->pop_size[p];
            r[p * P->nbins + b] =
                n > 0 && width > 0 ? r[p * P->nbins + b] / (n * width * 1e-3) : 0;
        }
    return r;
}

static void draw_legend(const struct plot *P, double y) {
    FILE *fp = P->fp;
    int np = P->t->npops, shown = np < LEGEND_MAX ? np : LEGEND_MAX;
    double x = WIDTH - MARGIN_R - 130;
    fprintf(fp, "<g font-size=\"11\">\n");
    for (int p = 0; p < shown; p++) {
        double yy = y + 14 + 14 * p;
        fprintf(fp, "<path d=\"M%.1f %.1fh20\" stroke=\"%s\" stroke-width=\"2\"/>", x, yy - 4,
                colour(p));
        fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\">", x + 26, yy);
        svg_xml_text(fp, P->t->pop_names[p]);
        fprintf(fp, "</text>\n");
    }
    if (np > shown)
        fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\">and %d more</text>\n", x + 26, y + 14 + 14 * shown,
                np - shown);
    fprintf(fp, "</g>\n");
}

static int draw_rates(const struct plot *P, struct err *e) {
    FILE *fp = P->fp;
    const struct spk_table *t = P->t;
    double *r = rates(P, e);
    if (!r) return ERR_NOMEM;
    double top = TOP + RASTER_H + GAP, bottom = top + RATE_H;
    double rmax = 0;
    for (size_t i = 0; i < (size_t)t->npops * P->nbins; i++)
        rmax = fmax(rmax, r[i]);
    if (!isfinite(rmax)) {
        free(r);
        return err_set(e, ERR_INPUT, "", 0, "", "rates in bins of %g ms are too high to draw",
                       P->bin);
    }
    double step = axis_step(rmax / 4); /* 0 when rmax is 0 or too small to have a step */
    if (!step) step = axis_step(0.25);
    double ymax = fmax(step, ceil(rmax / step - 1e-9) * step);

    fprintf(fp,
            "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
            "stroke=\"#ccc\"/>\n",
            MARGIN_L, top, WIDTH - MARGIN_L - MARGIN_R, RATE_H);
    fprintf(fp, "<g font-size=\"11\" text-anchor=\"end\">\n");
    for (int k = 0; k < 64 && k * step <= ymax * (1 + 1e-9); k++) {
        double y = bottom - k * step / ymax * RATE_H;
        fprintf(fp,
                "<path d=\"M%d %.1fh-5\" stroke=\"#000\"/><text x=\"%d\" y=\"%.1f\">%g</text>\n",
                MARGIN_L, y, MARGIN_L - 8, y + 4, k * step);
    }
    fprintf(fp, "</g>\n<path d=\"M%d %.1fV%.1f\" stroke=\"#000\"/>\n", MARGIN_L, top, bottom);
    fprintf(fp,
            "<text transform=\"translate(70 %.1f) rotate(-90)\" font-size=\"12\" "
            "text-anchor=\"middle\">rate (Hz)</text>\n",
            top + RATE_H / 2);

    for (int p = 0; p < t->npops; p++) {
        const double *rp = r + (size_t)p * P->nbins;
        fprintf(fp, "<path class=\"rate\" data-pop=\"");
        svg_xml_text(fp, t->pop_names[p]);
        fprintf(fp, "\" data-bin-ms=\"%.17g\" data-rates=\"", P->bin);
        for (size_t b = 0; b < P->nbins; b++)
            fprintf(fp, b ? " %.9g" : "%.9g", rp[b]);
        fprintf(fp, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" d=\"", colour(p));
        for (size_t b = 0; b < P->nbins; b++) {
            double y = bottom - rp[b] / ymax * RATE_H;
            double x0 = xoff(P, (double)b * P->bin);
            double x1 = b + 1 < P->nbins ? xoff(P, (double)(b + 1) * P->bin) : xpx(P, P->t1);
            if (b == 0)
                fprintf(fp, "M%.1f %.1f", x0, y);
            else
                fprintf(fp, "V%.1f", y);
            fprintf(fp, "H%.1f", x1);
        }
        fprintf(fp, "\"/>\n");
    }
    free(r);
    draw_legend(P, top);
    draw_time_axis(P, bottom);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Window and bins.
 */

static int choose_window(struct plot *P, const struct svg_raster_opts *o, struct err *e) {
    const struct spk_table *t = P->t;
    int from_data = !(o->t_end_ms > o->t_start_ms);
    if (!from_data) {
        P->t0 = o->t_start_ms;
        P->t1 = o->t_end_ms;
        if (!isfinite(P->t0) || !isfinite(P->t1))
            return err_set(e, ERR_INPUT, "", 0, "", "time window must be finite");
        if (!axis_usable(P->t0, P->t1))
            return err_set(e, ERR_INPUT, "", 0, "",
                           "time window %.17g..%.17g ms cannot be drawn: too narrow for its "
                           "magnitude, or wider than a double holds",
                           P->t0, P->t1);
    } else {
        double lo = 0, hi = 0; /* runs start at 0 ms */
        for (size_t i = 0; i < t->n; i++) {
            lo = fmin(lo, t->t_ms[i]);
            hi = fmax(hi, t->t_ms[i]);
        }
        /* one spike, or spikes at one time: a window of 1 ms, or wider far from 0 */
        if (axis_fit(&lo, &hi, 1))
            return err_set(e, ERR_INPUT, "", 0, "",
                           "spike times from %g to %g ms span more than a double holds", lo, hi);
        P->t0 = lo;
        P->t1 = hi;
    }
    double span = P->t1 - P->t0;
    if (!isfinite(o->bin_ms))
        return err_set(e, ERR_INPUT, "", 0, "", "histogram bin must be a finite number of ms");
    P->bin = o->bin_ms > 0 ? o->bin_ms : axis_step(span / AUTO_BINS);
    double nb = ceil(span / P->bin - 1e-6);
    if (!(nb <= MAX_BINS))
        return err_set(e, ERR_INPUT, "", 0, "",
                       "histogram bin of %g ms over %g ms makes %.0f bins; at most %d", P->bin,
                       span, nb, MAX_BINS);
    P->nbins = nb < 1 ? 1 : (size_t)nb;
    /* a window taken from the data ends on a bin edge, so no bin is cut short (unless that edge
     * is past the largest double); never before the last spike, where nbins * bin rounds down */
    double end = P->t0 + (double)P->nbins * P->bin;
    if (from_data && axis_usable(P->t0, end)) P->t1 = fmax(P->t1, end);
    return 0;
}

int svg_raster_write(const char *path, const struct spk_table *t, const struct svg_raster_opts *o,
                     struct err *e) {
    if (o->max_per_pop < 1)
        return err_set(e, ERR_INPUT, "", 0, "", "neurons shown per population must be at least 1");
    struct plot P = {.t = t};
    int rc = choose_window(&P, o, e);
    if (rc) return rc;
    choose_sample(&P, o->max_per_pop);

    struct afile f;
    if ((rc = afile_open(&f, path, e))) return rc;
    P.fp = f.fp;
    int height = TOP + RASTER_H + GAP + RATE_H + BOTTOM;
    fprintf(f.fp,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n",
            WIDTH, height, WIDTH, height);
    fprintf(f.fp,
            "<!-- apical raster: window %.17g..%.17g ms, bin %.17g ms, at most %u neurons "
            "per population shown, every %zu-th of %zu spikes of shown neurons drawn -->\n",
            P.t0, P.t1, P.bin, P.m, P.stride, P.nshown);
    fprintf(f.fp, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
    fprintf(f.fp, "<text x=\"%d\" y=\"26\" font-size=\"16\" text-anchor=\"middle\">",
            (WIDTH + MARGIN_L - MARGIN_R) / 2);
    svg_xml_text(f.fp, o->title && *o->title ? o->title : "spike raster");
    fprintf(f.fp,
            "</text>\n<text x=\"%d\" y=\"44\" font-size=\"11\" text-anchor=\"middle\" "
            "fill=\"#666\">%zu spikes in the file; rates in %g ms bins</text>\n",
            (WIDTH + MARGIN_L - MARGIN_R) / 2, t->n, P.bin);
    rc = draw_raster(&P, e);
    if (!rc) rc = draw_rates(&P, e);
    if (rc) {
        afile_abort(&f);
        return rc;
    }
    fprintf(f.fp, "</svg>\n");
    return afile_commit(&f, e);
}

/* ---------------------------------------------------------------------------------------------
 * Line panels, shared by traces and weights: a frame over the plot's width mapping [t0, t1] ms
 * to x and [lo, hi] to y, with time grid lines and y ticks, and series drawn as polylines.
 */

struct frame {
    double t0, t1; /* time window, ms: a usable axis (io/axis) */
    double lo, hi; /* y range, a usable axis */
    double top, h; /* px */
};

static double frame_x(const struct frame *F, double t) {
    return MARGIN_L + (t - F->t0) / (F->t1 - F->t0) * (WIDTH - MARGIN_L - MARGIN_R);
}

/* The frame, faint lines at the time ticks, y ticks at lo + k step, and ylabel along the y axis. */
static void frame_axes(FILE *fp, const struct frame *F, double step, const char *ylabel) {
    fprintf(fp,
            "<rect class=\"frame\" x=\"%d\" y=\"%.0f\" width=\"%d\" height=\"%.0f\" "
            "fill=\"none\" stroke=\"#ccc\"/>\n",
            MARGIN_L, F->top, WIDTH - MARGIN_L - MARGIN_R, F->h);
    double tick[AXIS_MAX_TICKS], tstep;
    char label[AXIS_LABEL_LEN];
    int nt = time_ticks(F->t0, F->t1, tick, AXIS_MAX_TICKS, &tstep);
    fprintf(fp, "<path stroke=\"#eee\" d=\"");
    for (int k = 0; k < nt; k++)
        fprintf(fp, "M%.1f %.0fv%.0f", frame_x(F, tick[k]), F->top, F->h);
    fprintf(fp, "\"/>\n<g font-size=\"10\" text-anchor=\"end\">\n");
    double lo = F->lo, hi = F->hi;
    for (int k = 0; k < AXIS_MAX_TICKS; k++) {
        double v = lo + k * step; /* hi + step * 1e-9 may overflow: compare the difference */
        if (!isfinite(v) || v - hi > step * 1e-9) break;
        double y = F->top + F->h - (v - lo) / (hi - lo) * F->h;
        fprintf(fp,
                "<path d=\"M%d %.1fh-4\" stroke=\"#000\"/><text x=\"%d\" y=\"%.1f\">%s</text>\n",
                MARGIN_L, y, MARGIN_L - 7, y + 3.5,
                axis_label(fabs(v) < step * 1e-9 ? 0 : v, step, label));
    }
    fprintf(fp,
            "</g>\n<text transform=\"translate(%d %.1f) rotate(-90)\" font-size=\"11\" "
            "text-anchor=\"middle\" fill=\"#444\">",
            MARGIN_L - 50, F->top + F->h / 2);
    svg_xml_text(fp, ylabel);
    fprintf(fp, "</text>\n");
}

/* Samples r0 <= r < r1 at times t[r] and values y[r * stride], as a polyline's points. Within
 * each pixel column only the first, lowest, highest and last samples are kept, in time order:
 * the drawn envelope is exact, and a long run at a fine dt stays a few thousand points. Each
 * pixel column takes at least one sample, whatever the arithmetic says, so the walk always
 * ends. */
static void frame_points(FILE *fp, const struct frame *F, const double *t, const double *y,
                         size_t stride, size_t r0, size_t r1) {
    double lo = F->lo, span = F->hi - lo;
    int first = 1;
    size_t r = r0;
    while (r < r1) {
        double b = floor(frame_x(F, t[r]));
        size_t end = r + 1, mn = r, mx = r;
        while (end < r1 && floor(frame_x(F, t[end])) == b) {
            double v = y[end * stride];
            if (v < y[mn * stride]) mn = end;
            if (v > y[mx * stride]) mx = end;
            end++;
        }
        size_t keep[4] = {r, mn < mx ? mn : mx, mn < mx ? mx : mn, end - 1};
        for (int i = 0; i < 4; i++) {
            if (i && keep[i] == keep[i - 1]) continue;
            size_t q = keep[i];
            double yy = F->top + F->h - (y[q * stride] - lo) / span * F->h;
            fprintf(fp, first ? "%.1f,%.1f" : " %.1f,%.1f", frame_x(F, t[q]), yy);
            first = 0;
        }
        r = end;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Traces: panels stacked over one time axis; per neuron a potential panel and, if asked, an input
 * panel below it. A column is a potential when its variable's last part is "v"; any other column
 * (i_*, g_*) is input. Colour names the compartment, the dash the receptor.
 */

#define TR_TOP 84    /* title, subtitle, legend */
#define TR_V_H 150   /* potential panel, px */
#define TR_I_H 80    /* input panel */
#define TR_PAD 14    /* between the panels of one neuron; keeps edge tick labels apart */
#define TR_GAP 26    /* between neurons */
#define TR_BOTTOM 50 /* time axis labels */
#define TR_NAME 64   /* compartment names are cut to this */
#define TR_MAX_COMPS 32

/* Panels of one class share a y range, so neurons compare at a glance. */
enum { TR_MV, TR_CURRENT, TR_CONDUCTANCE, TR_OTHER, TR_NCLASS };
static const char *const class_label[TR_NCLASS] = {"v (mV)", "input", "input (nS)", "other"};

struct tr_col {
    int neuron;   /* index among the drawn neurons, or -1 when not drawn */
    int cls;      /* TR_MV for a potential, else its input class */
    int comp;     /* index into the compartment names, for the colour */
    int receptor; /* 0 ex (solid), 1 in (dashed), 2 anything else (dotted) */
};

struct tr_neuron {
    int first;  /* its first column, for the name */
    int has_v;  /* potential columns */
    int has_in; /* input columns */
    int in_cls; /* class of its input panel: one class, or TR_OTHER when they mix */
};

struct tr_plot {
    FILE *fp;
    const struct trace_table *t;
    int currents;
    double t0, t1; /* window, ms */
    size_t r0, r1; /* rows in the window: [r0, r1) */
    struct tr_col *col;
    struct tr_neuron *nrn;
    int nneurons; /* drawn */
    char comps[TR_MAX_COMPS][TR_NAME];
    int ncomps;
    int receptors; /* bit per receptor style drawn in an input panel */
    double ylo[TR_NCLASS], yhi[TR_NCLASS], ystep[TR_NCLASS];
};

static const char *last_part(const char *var) {
    const char *dot = strrchr(var, '.');
    return dot ? dot + 1 : var;
}

static int input_class(const char *var) {
    const char *v = last_part(var);
    return !strncmp(v, "i_", 2) ? TR_CURRENT : !strncmp(v, "g_", 2) ? TR_CONDUCTANCE : TR_OTHER;
}

/* Index of var's compartment ("basal" of "basal.v"; "soma" for a plain "v"), added if new. */
static int comp_index(struct tr_plot *P, const char *var) {
    const char *dot = strrchr(var, '.');
    char name[TR_NAME];
    if (dot)
        snprintf(name, sizeof name, "%.*s", (int)(dot - var), var);
    else
        snprintf(name, sizeof name, "soma");
    int m = 0;
    while (m < P->ncomps && strcmp(P->comps[m], name))
        m++;
    if (m == P->ncomps && m < TR_MAX_COMPS) memcpy(P->comps[P->ncomps++], name, sizeof name);
    return m < TR_MAX_COMPS ? m : TR_MAX_COMPS - 1;
}

static int same_neuron(const struct trace_col *a, const struct trace_col *b) {
    return a->id == b->id && !strcmp(a->pop, b->pop);
}

static int tr_input_shown(const struct tr_plot *P, const struct tr_neuron *n) {
    return n->has_in && (P->currents || !n->has_v);
}

/* Groups the columns into neurons (distinct POP[ID] in the file's order), compartments and classes;
 * columns of neurons past max_neurons are left out. */
static int tr_classify(struct tr_plot *P, uint32_t max_neurons, struct err *e) {
    const struct trace_table *t = P->t;
    P->col = calloc((size_t)t->ncols + 1, sizeof *P->col);
    P->nrn = calloc((size_t)t->ncols + 1, sizeof *P->nrn);
    if (!P->col || !P->nrn) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    int nn = 0;
    for (int k = 0; k < t->ncols; k++) {
        const struct trace_col *c = &t->cols[k];
        struct tr_col *tc = &P->col[k];
        int j = 0;
        while (j < nn && !same_neuron(&t->cols[P->nrn[j].first], c))
            j++;
        if (j == nn && (uint32_t)nn >= max_neurons) {
            tc->neuron = -1;
            continue;
        }
        if (j == nn) P->nrn[nn++] = (struct tr_neuron){.first = k, .in_cls = -1};
        struct tr_neuron *n = &P->nrn[j];
        tc->neuron = j;
        tc->comp = comp_index(P, c->var);
        if (!strcmp(last_part(c->var), "v")) {
            tc->cls = TR_MV;
            n->has_v = 1;
            continue;
        }
        tc->cls = input_class(c->var);
        n->has_in = 1;
        n->in_cls = n->in_cls < 0 || n->in_cls == tc->cls ? tc->cls : TR_OTHER;
        const char *r = strrchr(last_part(c->var), '_');
        tc->receptor = !r ? 2 : !strcmp(r, "_ex") ? 0 : !strcmp(r, "_in") ? 1 : 2;
    }
    P->nneurons = nn;
    return 0;
}

/* The class a column is drawn with: its neuron's input panel may mix classes. */
static int tr_panel_class(const struct tr_plot *P, const struct tr_col *c) {
    return c->cls == TR_MV ? TR_MV : P->nrn[c->neuron].in_cls;
}

/* Rows with t0 <= t <= t1; times increase strictly. */
static void tr_rows(struct tr_plot *P) {
    const struct trace_table *t = P->t;
    size_t lo = 0, hi = t->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->t_ms[mid] < P->t0)
            lo = mid + 1;
        else
            hi = mid;
    }
    P->r0 = lo;
    hi = t->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->t_ms[mid] <= P->t1)
            lo = mid + 1;
        else
            hi = mid;
    }
    P->r1 = lo;
}

/* Per class, the range of the drawn values in the window, widened to multiples of a 1-2-5 step
 * (about 4 of them; 2 or 3 in the lower input panels); a flat line gets +-1 around it (more far
 * from 0). Values whose range overflows a double are ERR_INPUT. */
static int tr_ranges(struct tr_plot *P, struct err *e) {
    const struct trace_table *t = P->t;
    for (int c = 0; c < TR_NCLASS; c++) {
        P->ylo[c] = INFINITY;
        P->yhi[c] = -INFINITY;
    }
    for (int k = 0; k < t->ncols; k++) {
        const struct tr_col *tc = &P->col[k];
        if (tc->neuron < 0 || (tc->cls != TR_MV && !tr_input_shown(P, &P->nrn[tc->neuron])))
            continue;
        int c = tr_panel_class(P, tc);
        for (size_t r = P->r0; r < P->r1; r++) {
            double v = t->v[r * (size_t)t->ncols + (size_t)k];
            if (!isfinite(v)) continue;
            P->ylo[c] = fmin(P->ylo[c], v);
            P->yhi[c] = fmax(P->yhi[c], v);
        }
    }
    for (int c = 0; c < TR_NCLASS; c++) {
        double lo = P->ylo[c], hi = P->yhi[c];
        if (!(lo <= hi)) lo = hi = 0;
        if (!axis_usable(lo, hi)) lo -= 1, hi += 1;
        if (axis_fit(&lo, &hi, 2))
            return err_set(e, ERR_INPUT, "", 0, "",
                           "%s values from %g to %g span more than a double holds",
                           class_label[c], P->ylo[c], P->yhi[c]);
        axis_round_out(&lo, &hi, c == TR_MV ? 4 : 2.5, &P->ystep[c]);
        P->ylo[c] = lo;
        P->yhi[c] = hi;
    }
    return 0;
}

/* Class c's panel at top, h px. */
static struct frame tr_frame(const struct tr_plot *P, int c, double top, double h) {
    return (struct frame){P->t0, P->t1, P->ylo[c], P->yhi[c], top, h};
}

/* One column as a polyline. */
static void tr_line(const struct tr_plot *P, int k, double top, double h) {
    const struct trace_table *t = P->t;
    const struct tr_col *tc = &P->col[k];
    const struct frame F = tr_frame(P, tr_panel_class(P, tc), top, h);
    static const char *const dash[3] = {"", " stroke-dasharray=\"5 3\"",
                                        " stroke-dasharray=\"1.5 2\""};
    fprintf(P->fp, "<polyline class=\"trace\" data-col=\"");
    svg_xml_text(P->fp, t->cols[k].name);
    fprintf(P->fp, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\"%s points=\"",
            palette[(size_t)tc->comp % NCOLOURS], tc->cls == TR_MV ? "" : dash[tc->receptor]);
    frame_points(P->fp, &F, t->t_ms, t->v + k, (size_t)t->ncols, P->r0, P->r1);
    fprintf(P->fp, "\"/>\n");
}

/* A frame with the y ticks of class c, faint lines at the time ticks, and the lines of neuron j's
 * columns of that kind. */
static void tr_panel(const struct tr_plot *P, int j, int input, double top, double h) {
    FILE *fp = P->fp;
    int c = input ? P->nrn[j].in_cls : TR_MV;
    const struct trace_col *n = &P->t->cols[P->nrn[j].first];
    fprintf(fp, "<g class=\"panel\" data-neuron=\"");
    svg_xml_text(fp, n->pop);
    fprintf(fp,
            "[%u]\" data-kind=\"%s\" data-t0=\"%.17g\" data-t1=\"%.17g\" data-y0=\"%.17g\" "
            "data-y1=\"%.17g\">\n",
            n->id, input ? "input" : "v", P->t0, P->t1, P->ylo[c], P->yhi[c]);
    const struct frame F = tr_frame(P, c, top, h);
    frame_axes(fp, &F, P->ystep[c], class_label[c]);
    for (int k = 0; k < P->t->ncols; k++)
        if (P->col[k].neuron == j && (P->col[k].cls != TR_MV) == input) tr_line(P, k, top, h);
    fprintf(fp, "</g>\n");
}

/* Compartment colours, and the receptor dashes when an input panel is drawn. */
static void tr_legend(const struct tr_plot *P, double y) {
    FILE *fp = P->fp;
    double x = MARGIN_L;
    fprintf(fp, "<g class=\"legend\" font-size=\"11\">\n");
    for (int m = 0; m < P->ncomps; m++) {
        fprintf(fp,
                "<path d=\"M%.1f %.1fh20\" stroke=\"%s\" stroke-width=\"2\"/><text x=\"%.1f\" "
                "y=\"%.1f\">",
                x, y - 4, palette[(size_t)m % NCOLOURS], x + 25, y);
        svg_xml_text(fp, P->comps[m]);
        fprintf(fp, "</text>\n");
        x += 40 + 7 * strlen(P->comps[m]);
    }
    static const char *const rname[3] = {"ex", "in", "other"};
    static const char *const dash[3] = {"", " stroke-dasharray=\"5 3\"",
                                        " stroke-dasharray=\"1.5 2\""};
    for (int r = 0; r < 3; r++) {
        if (!(P->receptors & 1 << r)) continue;
        fprintf(fp,
                "<path d=\"M%.1f %.1fh20\" stroke=\"#444\"%s/><text x=\"%.1f\" y=\"%.1f\">input "
                "%s</text>\n",
                x + 10, y - 4, dash[r], x + 35, y, rname[r]);
        x += 90;
    }
    fprintf(fp, "</g>\n");
}

static int tr_window(struct tr_plot *P, const struct svg_traces_opts *o, struct err *e) {
    const struct trace_table *t = P->t;
    if (isnan(o->t_start_ms) || isnan(o->t_end_ms))
        return err_set(e, ERR_INPUT, "", 0, "", "time window must be finite");
    if (o->t_end_ms > o->t_start_ms) {
        P->t0 = o->t_start_ms;
        P->t1 = o->t_end_ms;
        if (!isfinite(P->t0) || !isfinite(P->t1))
            return err_set(e, ERR_INPUT, "", 0, "", "time window must be finite");
        if (!axis_usable(P->t0, P->t1))
            return err_set(e, ERR_INPUT, "", 0, "",
                           "time window %.17g..%.17g ms cannot be drawn: too narrow for its "
                           "magnitude, or wider than a double holds",
                           P->t0, P->t1);
    } else if (t->nrows) {
        /* one sample, or samples too close for their magnitude (t0 + 1 may be t0): io/axis
         * widens the window from the first sample on */
        double lo = t->t_ms[0], hi = t->t_ms[t->nrows - 1];
        if (axis_fit(&lo, &hi, 1))
            return err_set(e, ERR_INPUT, "", 0, "",
                           "samples from %g to %g ms span more than a double holds", lo, hi);
        P->t0 = lo;
        P->t1 = hi;
    }
    tr_rows(P);
    if (P->r0 == P->r1) {
        if (!t->nrows) return err_set(e, ERR_INPUT, "", 0, "", "no samples to draw");
        return err_set(e, ERR_INPUT, "", 0, "",
                       "no samples between %g and %g ms; the traces run from %g to %g ms", P->t0,
                       P->t1, t->t_ms[0], t->t_ms[t->nrows - 1]);
    }
    return 0;
}

/* A neuron's panels and the space between them, px. */
static double tr_neuron_h(const struct tr_plot *P, const struct tr_neuron *n) {
    int in = tr_input_shown(P, n);
    return (n->has_v ? TR_V_H : 0) + (in ? TR_I_H : 0) + (n->has_v && in ? TR_PAD : 0);
}

static void tr_draw(struct tr_plot *P, const struct svg_traces_opts *o) {
    FILE *fp = P->fp;
    double height = TR_TOP + TR_BOTTOM + (P->nneurons - 1) * TR_GAP;
    for (int j = 0; j < P->nneurons; j++)
        height += tr_neuron_h(P, &P->nrn[j]);
    fprintf(fp,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
            "viewBox=\"0 0 %d %.0f\" font-family=\"sans-serif\">\n",
            WIDTH, height, WIDTH, height);
    fprintf(fp,
            "<!-- apical traces: window %.17g..%.17g ms, %zu samples, %d of %zu neurons drawn; "
            "each line keeps the first, lowest, highest and last sample per pixel column -->\n",
            P->t0, P->t1, P->r1 - P->r0, P->nneurons, P->t->file_neurons);
    fprintf(fp, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
    fprintf(fp, "<text x=\"%d\" y=\"26\" font-size=\"16\" text-anchor=\"middle\">",
            (WIDTH + MARGIN_L - MARGIN_R) / 2);
    svg_xml_text(fp, o->title && *o->title ? o->title : "traces");
    fprintf(fp,
            "</text>\n<text x=\"%d\" y=\"44\" font-size=\"11\" text-anchor=\"middle\" "
            "fill=\"#666\">%d of %zu neurons; %zu samples from %g to %g ms</text>\n",
            (WIDTH + MARGIN_L - MARGIN_R) / 2, P->nneurons, P->t->file_neurons, P->r1 - P->r0,
            P->t->t_ms[P->r0], P->t->t_ms[P->r1 - 1]);
    for (int k = 0; k < P->t->ncols; k++)
        if (P->col[k].neuron >= 0 && P->col[k].cls != TR_MV &&
            tr_input_shown(P, &P->nrn[P->col[k].neuron]))
            P->receptors |= 1 << P->col[k].receptor;
    tr_legend(P, 68);
    double top = TR_TOP;
    for (int j = 0; j < P->nneurons; j++) {
        const struct tr_neuron *n = &P->nrn[j];
        double h = tr_neuron_h(P, n);
        const struct trace_col *c = &P->t->cols[n->first];
        fprintf(fp, "<g class=\"neuron\" data-neuron=\"");
        svg_xml_text(fp, c->pop);
        fprintf(fp,
                "[%u]\">\n<text transform=\"translate(22 %.1f) rotate(-90)\" font-size=\"13\" "
                "font-weight=\"bold\" text-anchor=\"middle\">",
                c->id, top + h / 2);
        svg_xml_text(fp, c->pop);
        fprintf(fp, "[%u]</text>\n", c->id);
        if (n->has_v) tr_panel(P, j, 0, top, TR_V_H);
        if (tr_input_shown(P, n)) tr_panel(P, j, 1, top + (n->has_v ? TR_V_H + TR_PAD : 0), TR_I_H);
        fprintf(fp, "</g>\n");
        top += h + TR_GAP;
    }
    time_axis(fp, P->t0, P->t1, MARGIN_L, WIDTH - MARGIN_R, top - TR_GAP);
    fprintf(fp, "</svg>\n");
}

int svg_traces_write(const char *path, const struct trace_table *t, const struct svg_traces_opts *o,
                     struct err *e) {
    if (t->ncols < 1) return err_set(e, ERR_INPUT, "", 0, "", "no trace columns to draw");
    struct tr_plot P = {.t = t, .currents = o->currents};
    int rc = tr_window(&P, o, e);
    if (!rc) rc = tr_classify(&P, o->max_neurons ? o->max_neurons : SVG_TRACES_NEURONS, e);
    if (!rc) rc = tr_ranges(&P, e);
    struct afile f;
    if (!rc) rc = afile_open(&f, path, e);
    if (!rc) {
        P.fp = f.fp;
        tr_draw(&P, o);
        rc = afile_commit(&f, e);
    }
    free(P.col);
    free(P.nrn);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Weights: one panel of trajectories (a line per synapse, coloured by projection) over the time
 * axis, and below it per projection a histogram of the weights at the first and at the last
 * sample in the window ("before" filled grey, "after" outlined in the projection's colour).
 */

#define WG_TOP 84     /* title, subtitle, legend */
#define WG_LINES_H 300
#define WG_HIST_H 110
#define WG_HIST_GAP 58 /* weight axis labels, the next panel's title */
#define WG_BINS 20

struct wg_plot {
    FILE *fp;
    const struct wtr_table *t;
    double t0, t1;
    size_t *r0, *r1; /* per series: its samples in the window */
    size_t nshown;   /* series with samples in the window */
    double ylo, yhi, ystep;
};

/* Series with samples in the window are numbered 0..nshown-1 in file order; a line is drawn for
 * the one whose number starts a new share of nshown / SVG_WEIGHTS_MAX_LINES. */
static int wg_drawn(const struct wg_plot *P, size_t j) {
    if (P->nshown <= SVG_WEIGHTS_MAX_LINES) return 1;
    return j * SVG_WEIGHTS_MAX_LINES / P->nshown != (j + 1) * SVG_WEIGHTS_MAX_LINES / P->nshown ||
           j == 0;
}

static int wg_window(struct wg_plot *P, const struct svg_weights_opts *o, struct err *e) {
    const struct wtr_table *t = P->t;
    if (!t->nseries) return err_set(e, ERR_INPUT, "", 0, "", "no weights to draw");
    double first = INFINITY, last = -INFINITY;
    for (size_t k = 0; k < t->nseries; k++) {
        first = fmin(first, t->s[k].t_ms[0]);
        last = fmax(last, t->s[k].t_ms[t->s[k].n - 1]);
    }
    if (isnan(o->t_start_ms) || isnan(o->t_end_ms))
        return err_set(e, ERR_INPUT, "", 0, "", "time window must be finite");
    if (o->t_end_ms > o->t_start_ms) {
        P->t0 = o->t_start_ms;
        P->t1 = o->t_end_ms;
        if (!axis_usable(P->t0, P->t1))
            return err_set(e, ERR_INPUT, "", 0, "",
                           "time window %.17g..%.17g ms cannot be drawn: not finite, too narrow "
                           "for its magnitude, or wider than a double holds",
                           P->t0, P->t1);
    } else {
        double lo = first, hi = last;
        if (axis_fit(&lo, &hi, 1))
            return err_set(e, ERR_INPUT, "", 0, "",
                           "samples from %g to %g ms span more than a double holds", lo, hi);
        P->t0 = lo;
        P->t1 = hi;
    }
    for (size_t k = 0; k < t->nseries; k++) {
        const struct wtr_series *s = &t->s[k];
        size_t a = 0, b = s->n;
        while (a < s->n && s->t_ms[a] < P->t0) a++;
        while (b > a && s->t_ms[b - 1] > P->t1) b--;
        P->r0[k] = a;
        P->r1[k] = b;
        P->nshown += b > a;
    }
    if (!P->nshown)
        return err_set(e, ERR_INPUT, "", 0, "",
                       "no samples between %g and %g ms; the weights run from %g to %g ms", P->t0,
                       P->t1, first, last);
    return 0;
}

/* The y range of the drawn lines, as tr_ranges does it. */
static int wg_range(struct wg_plot *P, struct err *e) {
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0, j = 0; k < P->t->nseries; k++) {
        if (P->r1[k] == P->r0[k] || !wg_drawn(P, j++)) continue;
        for (size_t r = P->r0[k]; r < P->r1[k]; r++) {
            lo = fmin(lo, P->t->s[k].w[r]);
            hi = fmax(hi, P->t->s[k].w[r]);
        }
    }
    double a = lo, b = hi;
    if (!axis_usable(a, b)) a -= 1, b += 1;
    if (axis_fit(&a, &b, 2))
        return err_set(e, ERR_INPUT, "", 0, "", "weights from %g to %g span more than a double "
                       "holds", lo, hi);
    axis_round_out(&a, &b, 5, &P->ystep);
    P->ylo = a;
    P->yhi = b;
    return 0;
}

static void wg_lines(struct wg_plot *P) {
    FILE *fp = P->fp;
    const struct frame F = {P->t0, P->t1, P->ylo, P->yhi, WG_TOP, WG_LINES_H};
    fprintf(fp,
            "<g class=\"panel\" data-kind=\"weights\" data-t0=\"%.17g\" data-t1=\"%.17g\" "
            "data-y0=\"%.17g\" data-y1=\"%.17g\">\n",
            P->t0, P->t1, P->ylo, P->yhi);
    frame_axes(fp, &F, P->ystep, "weight");
    for (size_t k = 0, j = 0; k < P->t->nseries; k++) {
        const struct wtr_series *s = &P->t->s[k];
        if (P->r1[k] == P->r0[k] || !wg_drawn(P, j++)) continue;
        fprintf(fp, "<polyline class=\"weight\" data-proj=\"");
        svg_xml_text(fp, P->t->projs[s->proj]);
        fprintf(fp,
                "\" data-source=\"%u\" data-target=\"%u\" fill=\"none\" stroke=\"%s\" "
                "stroke-width=\"1\" stroke-opacity=\"0.7\" points=\"",
                s->src, s->tgt, colour(s->proj));
        frame_points(fp, &F, s->t_ms, s->w, 1, P->r0[k], P->r1[k]);
        fprintf(fp, "\"/>\n");
    }
    fprintf(fp, "</g>\n");
}

/* Bin of w in [lo, hi] cut into WG_BINS. */
static int wg_bin(double w, double lo, double hi) {
    double b = floor((w - lo) / (hi - lo) * WG_BINS);
    return b < 0 ? 0 : b >= WG_BINS ? WG_BINS - 1 : (int)b;
}

/* Projection p's histogram panel at top: the weights of its series at their first and last
 * sample in the window, over the range of both, cut into WG_BINS bins. */
static void wg_hist(struct wg_plot *P, int p, double top) {
    FILE *fp = P->fp;
    const struct wtr_table *t = P->t;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < t->nseries; k++) {
        if (t->s[k].proj != p || P->r1[k] == P->r0[k]) continue;
        lo = fmin(lo, fmin(t->s[k].w[P->r0[k]], t->s[k].w[P->r1[k] - 1]));
        hi = fmax(hi, fmax(t->s[k].w[P->r0[k]], t->s[k].w[P->r1[k] - 1]));
    }
    if (!(lo <= hi)) lo = hi = 0;
    double step;
    if (!axis_usable(lo, hi)) lo -= 1, hi += 1;
    if (axis_fit(&lo, &hi, 2) == 0) axis_round_out(&lo, &hi, 5, &step);
    if (!axis_usable(lo, hi)) lo = -1, hi = 1; /* weights near the largest double */
    unsigned before[WG_BINS] = {0}, after[WG_BINS] = {0}, most = 1;
    for (size_t k = 0; k < t->nseries; k++) {
        if (t->s[k].proj != p || P->r1[k] == P->r0[k]) continue;
        before[wg_bin(t->s[k].w[P->r0[k]], lo, hi)]++;
        after[wg_bin(t->s[k].w[P->r1[k] - 1], lo, hi)]++;
    }
    for (int b = 0; b < WG_BINS; b++) {
        if (before[b] > most) most = before[b];
        if (after[b] > most) most = after[b];
    }
    double cstep, clo = 0, chi = most;
    axis_round_out(&clo, &chi, 3, &cstep);
    if (cstep < 1) {
        cstep = 1;
        chi = ceil(chi);
    }
    fprintf(fp, "<g class=\"hist\" data-proj=\"");
    svg_xml_text(fp, t->projs[p]);
    fprintf(fp, "\" data-w0=\"%.17g\" data-w1=\"%.17g\" data-bins=\"%d\" data-before=\"", lo, hi,
            WG_BINS);
    for (int b = 0; b < WG_BINS; b++) fprintf(fp, b ? " %u" : "%u", before[b]);
    fprintf(fp, "\" data-after=\"");
    for (int b = 0; b < WG_BINS; b++) fprintf(fp, b ? " %u" : "%u", after[b]);
    fprintf(fp, "\">\n<text x=\"%d\" y=\"%.1f\" font-size=\"12\">", MARGIN_L, top - 6);
    svg_xml_text(fp, t->projs[p]);
    fprintf(fp, ": weights at the first (grey) and last (colour) sample</text>\n");
    /* the weight axis runs along x: the frame's time mapping serves it */
    const struct frame F = {lo, hi, clo, chi, top, WG_HIST_H};
    frame_axes(fp, &F, cstep, "synapses");
    double bw = (WIDTH - MARGIN_L - MARGIN_R) / (double)WG_BINS;
    fprintf(fp, "<path fill=\"#bbb\" fill-opacity=\"0.8\" d=\"");
    for (int b = 0; b < WG_BINS; b++)
        if (before[b])
            fprintf(fp, "M%.1f %.1fh%.1fV%.1fh%.1fz", MARGIN_L + b * bw, top + WG_HIST_H, bw,
                    top + WG_HIST_H - before[b] / chi * WG_HIST_H, -bw);
    fprintf(fp, "\"/>\n<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" d=\"M%d %.1f",
            colour(p), MARGIN_L, top + WG_HIST_H);
    for (int b = 0; b < WG_BINS; b++) {
        double y = top + WG_HIST_H - after[b] / chi * WG_HIST_H;
        fprintf(fp, "V%.1fH%.1f", y, MARGIN_L + (b + 1) * bw);
    }
    fprintf(fp, "V%.1f\"/>\n", top + WG_HIST_H);
    /* weight ticks below */
    double tick[AXIS_MAX_TICKS], wstep;
    char label[AXIS_LABEL_LEN];
    int n = axis_ticks(lo, hi, 8, 0, tick, AXIS_MAX_TICKS, &wstep);
    fprintf(fp, "<g font-size=\"10\" text-anchor=\"middle\">\n");
    for (int k = 0; k < n; k++)
        fprintf(fp,
                "<path d=\"M%.1f %.1fv4\" stroke=\"#000\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                frame_x(&F, tick[k]), top + WG_HIST_H, frame_x(&F, tick[k]), top + WG_HIST_H + 15,
                axis_label(tick[k], wstep, label));
    fprintf(fp, "</g>\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">weight"
            "</text>\n</g>\n", (WIDTH + MARGIN_L - MARGIN_R) / 2.0, top + WG_HIST_H + 30);
}

static void wg_draw(struct wg_plot *P, const struct svg_weights_opts *o) {
    FILE *fp = P->fp;
    const struct wtr_table *t = P->t;
    double hist_top = WG_TOP + WG_LINES_H + 40 + WG_HIST_GAP;
    double height = hist_top + t->nprojs * (WG_HIST_H + WG_HIST_GAP);
    size_t drawn = 0;
    for (size_t j = 0; j < P->nshown; j++) drawn += (size_t)wg_drawn(P, j);
    fprintf(fp,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
            "viewBox=\"0 0 %d %.0f\" font-family=\"sans-serif\">\n",
            WIDTH, height, WIDTH, height);
    fprintf(fp,
            "<!-- apical weights: window %.17g..%.17g ms, %zu of %zu synapses drawn; each line "
            "keeps the first, lowest, highest and last sample per pixel column -->\n",
            P->t0, P->t1, drawn, P->nshown);
    fprintf(fp, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
    fprintf(fp, "<text x=\"%d\" y=\"26\" font-size=\"16\" text-anchor=\"middle\">",
            (WIDTH + MARGIN_L - MARGIN_R) / 2);
    svg_xml_text(fp, o->title && *o->title ? o->title : "weights");
    fprintf(fp,
            "</text>\n<text x=\"%d\" y=\"44\" font-size=\"11\" text-anchor=\"middle\" "
            "fill=\"#666\">%zu of %zu synapses drawn, %d projection%s; from %g to %g ms</text>\n",
            (WIDTH + MARGIN_L - MARGIN_R) / 2, drawn, P->nshown, t->nprojs,
            t->nprojs == 1 ? "" : "s", P->t0, P->t1);
    double x = MARGIN_L;
    fprintf(fp, "<g class=\"legend\" font-size=\"11\">\n");
    for (int p = 0; p < t->nprojs && p < LEGEND_MAX; p++) {
        fprintf(fp,
                "<path d=\"M%.1f 64h20\" stroke=\"%s\" stroke-width=\"2\"/><text x=\"%.1f\" "
                "y=\"68\">",
                x, colour(p), x + 25);
        svg_xml_text(fp, t->projs[p]);
        fprintf(fp, "</text>\n");
        x += 40 + 7 * fmin(strlen(t->projs[p]), 40);
    }
    fprintf(fp, "</g>\n");
    wg_lines(P);
    time_axis(fp, P->t0, P->t1, MARGIN_L, WIDTH - MARGIN_R, WG_TOP + WG_LINES_H);
    for (int p = 0; p < t->nprojs; p++) wg_hist(P, p, hist_top + p * (WG_HIST_H + WG_HIST_GAP));
    fprintf(fp, "</svg>\n");
}

int svg_weights_write(const char *path, const struct wtr_table *t,
                      const struct svg_weights_opts *o, struct err *e) {
    struct wg_plot P = {.t = t};
    P.r0 = calloc(t->nseries + 1, sizeof *P.r0);
    P.r1 = calloc(t->nseries + 1, sizeof *P.r1);
    int rc = P.r0 && P.r1 ? 0 : err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    if (!rc) rc = wg_window(&P, o, e);
    if (!rc) rc = wg_range(&P, e);
    struct afile f;
    if (!rc) rc = afile_open(&f, path, e);
    if (!rc) {
        P.fp = f.fp;
        wg_draw(&P, o);
        rc = afile_commit(&f, e);
    }
    free(P.r0);
    free(P.r1);
    return rc;
}
