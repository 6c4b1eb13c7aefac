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
};

/* Writes the panels that have series, top to bottom, sharing the x axis (epoch 1..n, or x[i] if
 * x is not NULL; x should increase), atomically to path. A series with no finite value is drawn
 * nowhere and left out of its legend. n < 1, npanels < 1, no series in any panel, nseries outside
 * [0, CURVES_MAX_SERIES], a NULL y, a non-finite x, ymin or ymax is ERR_INPUT and writes nothing;
 * a failed write is ERR_IO naming the file. */
int curves_write(const char *path, const char *title, const double *x, int n,
                 const struct curves_panel *p, int npanels, struct err *e);

#endif
