/* io/timefmt: exact decimal times from integer steps. */
#include "io/timefmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void tfmt_init(struct tfmt *tb, double dt_ms) {
    memset(tb, 0, sizeof *tb);
    tb->dt_ms = dt_ms;
    int64_t scale = 1;
    for (int p = 0; p <= 9; p++, scale *= 10) {
        double x = dt_ms * (double)scale;
        double r = nearbyint(x);
        /* k must be a positive whole number that int64 holds: a dt of 1e-12 is not "0 ticks" */
        if (r >= 1 && r < 9e15 && fabs(x - r) < 1e-9) {
            tb->exact = 1;
            tb->p = p;
            tb->k = (int64_t)r;
            tb->scale = scale;
            return;
        }
    }
}

/* Decimal digits of v into out (no terminator); returns their count (at most 20). */
size_t tfmt_u64(char *out, uint64_t v) {
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* Time of step as text into out (TFMT_LEN bytes, no terminator); returns its length. */
size_t tfmt_format(const struct tfmt *tb, int64_t step, char *out) {
    int64_t ticks;
    if (!tb->exact || __builtin_mul_overflow(step, tb->k, &ticks)) {
        char tmp[TFMT_LEN];
        int n = snprintf(tmp, sizeof tmp, "%.17g", (double)step * tb->dt_ms);
        memcpy(out, tmp, (size_t)n);
        return (size_t)n;
    }
    char *o = out;
    uint64_t mag = ticks < 0 ? -(uint64_t)ticks : (uint64_t)ticks;
    if (ticks < 0) *o++ = '-';
    uint64_t scale = (uint64_t)tb->scale;
    o += tfmt_u64(o, mag / scale);
    if (tb->p > 0) {
        uint64_t frac = mag % scale;
        *o++ = '.';
        for (int i = tb->p - 1; i >= 0; i--) {
            o[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        o += tb->p;
    }
    return (size_t)(o - out);
}

/* The same number the text above denotes: ticks and 10^p are exact doubles and division rounds
 * correctly, so a binary file reads back exactly what strtod gives for the CSV text. */
double tfmt_ms(const struct tfmt *tb, int64_t step) {
    int64_t ticks;
    if (!tb->exact || __builtin_mul_overflow(step, tb->k, &ticks)) return (double)step * tb->dt_ms;
    return (double)ticks / (double)tb->scale;
}

