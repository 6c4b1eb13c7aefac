/* sweep/plot: pictures of a sweep as SVG, from plain arrays (it knows nothing of plans or
 * tables): a heatmap per metric over two swept values, a line plot per metric over one, or a
 * scatter coloured by the metric when the points do not lie on a grid. NaN and Inf are "no
 * value" (a grey cell, a gap in a line); finite values draw, however close together or far
 * apart. Empty inputs (a count below 1) are ERR_INPUT. Written atomically. */
#ifndef APICAL_SWEEP_PLOT_H
#define APICAL_SWEEP_PLOT_H

#include "core/err.h"

/* The most cells (heatmap: nx * ny; lines: nx * nlines) a picture draws; more is ERR_INPUT. */
#define PLOT_MAX_CELLS 1000000L

struct plot_opts {
    const char *title;     /* above everything; NULL: none */
    const char *xlabel, *ylabel;
    int xlog;              /* logarithmic x axis (line plots and scatters) */
    int ylog;              /* logarithmic y axis (scatters) */
};

/* nz panels side by side; panel k colours cell (i, j) by z[k][j * nx + i]; x runs left to
 * right, y bottom to top. Cell values are written in the cells when there are few. */
int plot_heatmap(const char *path, const double *x, int nx, const double *y, int ny,
                 const double *const *z, const char *const *zname, int nz,
                 const struct plot_opts *o, struct err *e);

/* nz panels; in panel k, line l joins (x[i], z[k][l * nx + i]) for i < nx, labelled label[l]
 * (a legend when nlines > 1). */
int plot_lines(const char *path, const double *x, int nx, const double *const *z,
               const char *const *zname, int nz, const char *const *label, int nlines,
               const struct plot_opts *o, struct err *e);

/* nz panels; n points at (x[i], y[i]) coloured by z[k][i]. */
int plot_scatter(const char *path, const double *x, const double *y, int n,
                 const double *const *z, const char *const *zname, int nz,
                 const struct plot_opts *o, struct err *e);

#endif
