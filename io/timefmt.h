/* io/timefmt: step -> ms, the one place it is converted for files. With dt = k / 10^p
 * (k, p whole), a time is the integer step * k printed with p decimals: exact, sortable, never
 * 0.30000000000000004; other dt (or an overflow) fall back to %.17g of step * dt. */
#ifndef APICAL_TIMEFMT_H
#define APICAL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TFMT_LEN 32 /* longest time text; "%.17g" needs at most 24 */

struct tfmt {
    double dt_ms;
    int exact; /* time = step * k / scale exactly, scale = 10^p */
    int p;
    int64_t k, scale;
};

void tfmt_init(struct tfmt *f, double dt_ms);
/* Time of step as text into out (TFMT_LEN bytes, no terminator); returns its length. */
size_t tfmt_format(const struct tfmt *f, int64_t step, char *out);
/* The number that text denotes, exactly as strtod would read it back. */
double tfmt_ms(const struct tfmt *f, int64_t step);
/* Decimal digits of v into out (no terminator); returns their count (at most 20). */
size_t tfmt_u64(char *out, uint64_t v);

#endif
