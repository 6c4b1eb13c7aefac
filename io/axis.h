/* io/axis: the arithmetic of a picture's axes, shared by the SVG writers (io/svg, io/curves): a
 * window an axis can draw, 1-2-5 steps and the ticks on them. Knows nothing of SVG or of what is
 * drawn. The invariant it keeps: a window that passes axis_usable maps every value in it to a
 * finite pixel, and its ticks are distinct, finite and few (at most AXIS_MAX_TICKS). */
#ifndef APICAL_AXIS_H
#define APICAL_AXIS_H

#define AXIS_MAX_TICKS 64
/* The narrowest window, relative to its larger end: a thousand pixels need about 1e-3; below
 * about 1e-15 t0 + step is t0 again and a sample's pixel is 0 / 0. */
#define AXIS_REL_WIDTH 1e-9
#define AXIS_MIN_WIDTH 1e-200 /* the narrowest window near 0 */

/* 1 if [lo, hi] can be drawn: both ends finite, hi - lo finite and at least the narrowest width
 * at their magnitude; else 0 (NaN included). */
int axis_usable(double lo, double hi);

/* Makes a window taken from data drawable: when it is narrower than axis_usable allows (a single
 * value, a flat line), it grows upwards to a width of pad (or the narrowest width, if more), or
 * downwards near the largest double. Returns 0, or -1 (leaving it as it was) when an end is not
 * finite, lo > hi, or the width overflows a double. */
int axis_fit(double *lo, double *hi, double pad);

/* 1, 2 or 5 times a power of ten near x; x must be finite and positive, and so is the result
 * for x up to 1e307 (0 for anything else, which callers treat as "no ticks"). */
double axis_step(double x);

/* Multiples of a 1-2-5 step of at least min_step in [lo, hi], about `want` of them, into
 * tick[0..max) (max at most AXIS_MAX_TICKS), and the step into *step if step is not NULL; returns
 * how many, 0 if [lo, hi] is not usable. A value within a billionth of a step of 0 is 0, so
 * labels never read -1.7e-17. */
int axis_ticks(double lo, double hi, double want, double min_step, double *tick, int max,
               double *step);

#define AXIS_LABEL_LEN 32
/* v as a tick label into buf: "%g", with more digits when ticks step apart by less than the
 * sixth digit of v (ticks near 1e300 read 1.000000001e+300, 1.000000002e+300, not all 1e+300).
 * Returns buf. */
const char *axis_label(double v, double step, char buf[AXIS_LABEL_LEN]);

/* Widens a usable [*lo, *hi] outwards to multiples of a 1-2-5 step of about (hi - lo) / want,
 * stored in *step; left as it was (and *step = (hi - lo) / want) if the rounded ends would not
 * be finite. */
void axis_round_out(double *lo, double *hi, double want, double *step);

#endif
