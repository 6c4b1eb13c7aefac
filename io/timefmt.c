/* io/timefmt: exact decimal times from integer steps. */
#include "io/timefmt.h"

#include <math.h>
#include <stdio.h>

void tfmt_init(struct tfmt *f, double dt_ms)
{
    f->dt_ms = dt_ms;
    f->decimals = -1;
    int64_t scale = 1;
    for (int p = 0; p <= 9; p++, scale *= 10) {
        double k = dt_ms * (double)scale;
        if (fabs(k - floor(k + 0.5)) < 1e-9 * (k > 1 ? k : 1)) {
            f->decimals = p;
            f->ticks = (int64_t)floor(k + 0.5);
            f->scale = scale;
            return;
        }
    }
}

int tfmt_print(const struct tfmt *f, int64_t stamp, char *buf)
{
    if (f->decimals < 0) return snprintf(buf, 32, "%.17g", (double)stamp * f->dt_ms);
    int64_t t = stamp * f->ticks;
    int neg = t < 0;
    uint64_t u = neg ? (uint64_t)(-t) : (uint64_t)t;
    char tmp[32];
    int n = 0, d = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
        if (++d == f->decimals) tmp[n++] = '.';
    } while (u || d <= f->decimals);
    if (tmp[n - 1] == '.') tmp[n++] = '0';
    int len = 0;
    if (neg) buf[len++] = '-';
    while (n) buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}
