/* io/curves: training curves as SVG: panels stacked over one shared x axis (epochs), each series
 * a polyline with point markers, a legend per panel. Knows nothing of training; it draws the
 * arrays it is given, and every panel states its axes in data-* attributes so that scripts and
 * tests can read back what a point means. */
#ifndef APICAL_CURVES_H
#define APICAL_CURVES_H

#include "core/err.h"

#define CURVES_MAX_SERIES 16

/* y has n points (the n given to curves_write); NaN, or any non-finite value, is a missing point:
 * the line has a gap there. */
struct curves_series {
    const char *name; /* legend text; NULL: "series K" */
    const double *y;
};

struct curves_panel {
    const char *title;  /* above the panel; NULL: none */
    const char *ylabel; /* NULL: none */
    int nseries;        /* 0: the panel is skipped */
    struct curves_series s[CURVES_MAX_SERIES];
    /* ymin >= ymax: the axis runs from the smallest to the largest value drawn. Otherwise it is
     * fixed, and a value outside it is drawn at the nearer edge (the panel says how many). */
    double ymin, ymax;
    /* mark_label not NULL: a dashed line across the panel at mark_y (finite), labelled (say, a
     * final test accuracy); a fitted y range holds it, a fixed one draws it at the nearer edge */
    const char *mark_label;
    double mark_y;
};

/* Writes the panels that have series, top to bottom, sharing the x axis (epoch 1..n, or x[i] if
 * x is not NULL; x should increase), atomically to path. A series with no finite value is drawn
 * nowhere and left out of its legend. n < 1, npanels < 1, no series in any panel, nseries outside
 * [0, CURVES_MAX_SERIES], a NULL y, a non-finite x, ymin or ymax is ERR_INPUT and writes nothing;
 * a failed write is ERR_IO naming the file. */
int curves_write(const char *path, const char *title, const double *x, int n,
                 const struct curves_panel *p, int npanels, struct err *e);

/* The picture around the panels, for curves_write_opts. */
struct curves_opts {
    const char *title;  /* NULL: "training" */
    const double *x;    /* NULL: 1..n */
    const char *xlabel; /* NULL: "epoch" */
    /* x2_per_x > 0 (finite): a second row of x tick labels under the first, x * x2_per_x at
     * 1-2-5 steps (epochs under samples presented, say), named by x2label */
    double x2_per_x;
    const char *x2label;
};

/* curves_write with the x axis's names and a second x scale; a non-finite or negative
 * x2_per_x, or a mark_label with a non-finite mark_y, is ERR_INPUT as well. */
int curves_write_opts(const char *path, const struct curves_opts *o, int n,
                      const struct curves_panel *p, int npanels, struct err *e);

#endif
