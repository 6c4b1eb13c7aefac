/* io/timefmt: printing step * dt exactly. With dt = k / 10^p (k, p integers), a time is the
 * integer step * k printed with p decimals, so times are exact, sortable and never 0.30000004. */
#ifndef APICAL_TIMEFMT_H
#define APICAL_TIMEFMT_H

#include <stdint.h>

struct tfmt {
    double dt_ms;
    int decimals;      /* p, or -1 when dt is not a short decimal */
    int64_t ticks;     /* k */
    int64_t scale;     /* 10^p */
};

void tfmt_init(struct tfmt *f, double dt_ms);
/* Writes the time of stamp into buf (at least 32 bytes) and returns its length. */
int tfmt_print(const struct tfmt *f, int64_t stamp, char *buf);

#endif
