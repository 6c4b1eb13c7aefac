/* learning/data_yinyang: the geometry and the sampler. The class criteria follow the reference
 * implementation (github.com/lkriener/yin_yang_data_set, dataset.py) term by term. */
#include "learning/data_yinyang.h"

#include <math.h>
#include <stdio.h>

#include "core/rng.h"

int yy_class(double x, double y, double r_small, double r_big)
{
    double d_right = hypot(x - 1.5 * r_big, y - r_big);
    double d_left = hypot(x - 0.5 * r_big, y - r_big);
    if (d_right < r_small || d_left < r_small) return YY_DOT;
    int yin = d_right <= r_small || (d_left > r_small && d_left <= 0.5 * r_big) ||
              (y > r_big && d_right > 0.5 * r_big);
    return yin ? YY_YIN : YY_YANG;
}

static const uint32_t split_size[3] = {YY_NTRAIN, YY_NVALID, YY_NTEST};
static const char *const split_name[3] = {"train", "validation", "test"};

int yy_generate(uint64_t seed, enum data_split split, uint32_t n, double r_small, double r_big,
                struct data_set **out, struct err *e)
{
    *out = NULL;
    if ((int)split < 0 || (int)split > 2)
        return err_set(e, ERR_INPUT, NULL, 0, NULL, "unknown split %d", (int)split);
    if (!(r_big > 0 && r_big <= 0.5))
        return err_set(e, ERR_INPUT, NULL, 0, NULL, "yin-yang r_big = %g: must be in (0, 0.5]",
                       r_big);
    if (!(r_small > 0 && r_small < 0.5 * r_big))
        return err_set(e, ERR_INPUT, NULL, 0, NULL,
                       "yin-yang r_small = %g: must be in (0, r_big / 2 = %g)", r_small,
                       0.5 * r_big);
    if (n == 0) n = split_size[split];
    struct data_set *d = data_create(n, 4, YY_NCLASS);
    if (!d) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for %u samples", n);
    snprintf(d->name, sizeof d->name, "yinyang %s", split_name[split]);
    for (uint32_t i = 0; i < n; i++) {
        struct rng r;
        rng_init(&r, seed, YY_STREAM + (uint32_t)split, i, 0);
        int goal = (int)rng_below(&r, YY_NCLASS);
        double x, y;
        for (;;) {
            x = 2 * r_big * rng_uniform(&r);
            y = 2 * r_big * rng_uniform(&r);
            if (hypot(x - r_big, y - r_big) > r_big) continue;
            if (yy_class(x, y, r_small, r_big) == goal) break;
        }
        float *f = d->x + 4 * (size_t)i;
        f[0] = (float)x;
        f[1] = (float)y;
        f[2] = (float)(1 - x);
        f[3] = (float)(1 - y);
        d->y[i] = (uint8_t)goal;
    }
    *out = d;
    return 0;
}
