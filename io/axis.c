/* io/axis: windows, steps and ticks for the SVG writers. A window's width is computed once, as
 * hi - lo, and must be finite; positions are then (v - lo) / width, which stays finite for every
 * v in the window. Windows narrower than AXIS_REL_WIDTH of their magnitude are refused or widened
 * (the option not taken: drawing relative to lo in extended precision, which would still leave
 * tick labels that all print the same). */
#include "io/axis.h"

#include <math.h>
#include <stdio.h>

int axis_usable(double lo, double hi)
{
    double w = hi - lo, m = fmax(fabs(lo), fabs(hi));
    return isfinite(lo) && isfinite(hi) && isfinite(w) &&
           w >= fmax(AXIS_MIN_WIDTH, m * AXIS_REL_WIDTH);
}

int axis_fit(double *lo, double *hi, double pad)
{
    double a = *lo, b = *hi;
    if (!isfinite(a) || !isfinite(b) || a > b || !isfinite(b - a)) return -1;
    if (axis_usable(a, b)) return 0;
    /* twice the narrowest, so that the grown window passes at its own (larger) magnitude */
    double m = fmax(fabs(a), fabs(b));
    double w = fmax(isfinite(pad) ? pad : 0, 2 * fmax(AXIS_MIN_WIDTH, m * AXIS_REL_WIDTH));
    b = a + w;
    if (!isfinite(b)) {
        b = *hi;
        a = b - w;
    }
    if (!axis_usable(a, b)) return -1;
    *lo = a;
    *hi = b;
    return 0;
}

double axis_step(double x)
{
    if (!(x > 0) || !isfinite(x)) return 0;
    double p = pow(10, floor(log10(x)));
    double f = x / p;
    double s = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
    return s > 0 && isfinite(s) ? s : 0;
}

int axis_ticks(double lo, double hi, double want, double min_step, double *tick, int max,
               double *step)
{
    double s = axis_usable(lo, hi) && want > 0 ? fmax(min_step, axis_step((hi - lo) / want)) : 0;
    if (step) *step = s;
    if (!(s > 0) || !isfinite(s)) return 0;
    double first = ceil(lo / s - 1e-9);
    int n = 0;
    for (int k = 0; n < max && k < AXIS_MAX_TICKS; k++) {
        double v = (first + k) * s;
        if (!isfinite(v) || v - hi > s * 1e-9) break; /* hi + s * 1e-9 may overflow */
        /* first * s may round to just outside the window; the frame's edge is the tick */
        v = fmin(fmax(v, lo), hi);
        tick[n++] = fabs(v) < s * 1e-9 ? 0 : v;
    }
    return n;
}

const char *axis_label(double v, double step, char buf[AXIS_LABEL_LEN])
{
    int digits = 6;
    double need = v != 0 && step > 0 ? ceil(log10(fabs(v) / step)) + 1 : 0;
    if (need > digits) digits = need < 17 ? (int)need : 17;
    snprintf(buf, AXIS_LABEL_LEN, "%.*g", digits, v);
    return buf;
}

void axis_round_out(double *lo, double *hi, double want, double *step)
{
    double s = axis_step((*hi - *lo) / want);
    double a = s > 0 ? floor(*lo / s) * s : NAN, b = s > 0 ? ceil(*hi / s) * s : NAN;
    if (axis_usable(a, b)) {
        *lo = a;
        *hi = b;
        *step = s;
    } else {
        *step = *hi / want - *lo / want;
    }
}
