/* io/svg: the spike raster with population rates below it, written as SVG text by hand. Owns the
 * layout, the choice of neurons shown and the colours; draws whatever a spk_table holds and knows
 * nothing of the simulator. Each population's rates go into a data-rates attribute (Hz, one number
 * per bin) so scripts and tests can read the numbers the curve shows.
 */
#include "io/svg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/afile.h"

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

static double xpx(const struct plot *P, double t) {
    return MARGIN_L + (t - P->t0) / (P->t1 - P->t0) * (WIDTH - MARGIN_L - MARGIN_R);
}

/* 1, 2 or 5 times a power of ten, near x. */
static double nice_step(double x) {
    double p = pow(10, floor(log10(x)));
    double f = x / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* Text for XML: markup characters as entities, control characters and broken UTF-8 as '?'. */
static void xml_text(FILE *fp, const char *s) {
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

static void draw_time_axis(const struct plot *P, double y) {
    FILE *fp = P->fp;
    fprintf(fp, "<g font-size=\"11\" text-anchor=\"middle\">\n");
    fprintf(fp, "<path d=\"M%d %.1fH%d\" stroke=\"#000\"/>\n", MARGIN_L, y, WIDTH - MARGIN_R);
    double step = nice_step((P->t1 - P->t0) / 8);
    double first = ceil(P->t0 / step - 1e-9);
    for (int k = 0; k < 64; k++) {
        double v = (first + k) * step;
        if (v > P->t1 + step * 1e-9) break;
        if (fabs(v) < step * 1e-9) v = 0;
        double x = xpx(P, v);
        fprintf(fp, "<path d=\"M%.1f %.1fv5\" stroke=\"#000\"/>", x, y);
        fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\">%g</text>\n", x, y + 17, v);
    }
    fprintf(fp, "<text x=\"%d\" y=\"%.1f\" font-size=\"12\">time (ms)</text>\n</g>\n",
            (WIDTH + MARGIN_L - MARGIN_R) / 2, y + 34);
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
        xml_text(fp, t->pop_names[p]);
        fprintf(fp,
                "</text>\n<text x=\"%d\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\" "
                "fill=\"#666\">%u of %u</text>\n",
                MARGIN_L - 8, top + h / 2 + 12, r, size);
        if (p > 0)
            fprintf(fp, "<path d=\"M%d %.1fH%d\" stroke=\"#eee\"/>\n", MARGIN_L, top - gap / 2,
                    WIDTH - MARGIN_R);
        if (count[p]) {
            fprintf(fp, "<path class=\"spikes\" data-pop=\"");
            xml_text(fp, t->pop_names[p]);
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
        size_t b = (size_t)((tm - P->t0) / P->bin);
        r[t->pop[i] * P->nbins + (b < P->nbins ? b : P->nbins - 1)] += 1;
    }
    for (size_t p = 0; p < np; p++)
        for (size_t b = 0; b < P->nbins; b++) {
            double width = b + 1 < P->nbins ? P->bin : P->t1 - (P->t0 + b * P->bin);
            double n = t->pop_size[p];
            r[p * P->nbins + b] = n > 0 ? r[p * P->nbins + b] / (n * width * 1e-3) : 0;
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
        xml_text(fp, P->t->pop_names[p]);
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
    double step = nice_step(rmax > 0 ? rmax / 4 : 0.25);
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
        xml_text(fp, t->pop_names[p]);
        fprintf(fp, "\" data-bin-ms=\"%.17g\" data-rates=\"", P->bin);
        for (size_t b = 0; b < P->nbins; b++)
            fprintf(fp, b ? " %.9g" : "%.9g", rp[b]);
        fprintf(fp, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" d=\"", colour(p));
        for (size_t b = 0; b < P->nbins; b++) {
            double y = bottom - rp[b] / ymax * RATE_H;
            double x0 = xpx(P, P->t0 + b * P->bin);
            double x1 = b + 1 < P->nbins ? xpx(P, P->t0 + (b + 1) * P->bin) : xpx(P, P->t1);
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
    } else {
        double lo = 0, hi = 0; /* runs start at 0 ms */
        for (size_t i = 0; i < t->n; i++) {
            lo = fmin(lo, t->t_ms[i]);
            hi = fmax(hi, t->t_ms[i]);
        }
        P->t0 = lo;
        P->t1 = hi > lo ? hi : lo + 1;
    }
    double span = P->t1 - P->t0;
    if (!isfinite(o->bin_ms))
        return err_set(e, ERR_INPUT, "", 0, "", "histogram bin must be a finite number of ms");
    P->bin = o->bin_ms > 0 ? o->bin_ms : nice_step(span / AUTO_BINS);
    double nb = ceil(span / P->bin - 1e-6);
    if (!(nb <= MAX_BINS))
        return err_set(e, ERR_INPUT, "", 0, "",
                       "histogram bin of %g ms over %g ms makes %.0f bins; at most %d", P->bin,
                       span, nb, MAX_BINS);
    P->nbins = nb < 1 ? 1 : (size_t)nb;
    /* a window taken from the data ends on a bin edge, so no bin is cut short */
    if (from_data) P->t1 = P->t0 + P->nbins * P->bin;
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
    xml_text(f.fp, o->title && *o->title ? o->title : "spike raster");
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
