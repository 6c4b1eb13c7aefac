/* learning/data_yinyang: the Yin-Yang data set (Kriener, Goltz & Petrovici 2021), generated.
 * Owns the geometry and the seeded sampler; the result is a plain learning/data set.
 *
 * Points (x, y) lie in the circle of radius R centred at (R, R) (R = 0.5: inside the unit
 * square). The dots have radius r and centres (R/2, R) and (3R/2, R). With d_l, d_r the distances
 * to the left and right dot centres:
 *   dot  (2): d_r < r or d_l < r;
 *   yin  (1): otherwise, d_r <= r, or r < d_l <= R/2, or (y > R and d_r > R/2);
 *   yang (0): the rest.
 * Each sample draws its class uniformly, then rejection-samples a point of that class uniformly
 * in the big circle (so classes are balanced in expectation), as the reference implementation
 * does; its features are (x, y, 1 - x, 1 - y). Sample i of a split is a pure function of
 * (seed, split, i): the first k samples of a longer set are the set of k samples. */
#ifndef APICAL_DATA_YINYANG_H
#define APICAL_DATA_YINYANG_H

#include <stdint.h>

#include "core/err.h"
#include "learning/data.h"

enum { YY_YANG = 0, YY_YIN = 1, YY_DOT = 2, YY_NCLASS = 3 };

#define YY_R_BIG 0.5
#define YY_R_SMALL 0.1
/* The publication's split sizes. */
#define YY_NTRAIN 5000
#define YY_NVALID 1000
#define YY_NTEST 1000
/* Philox stream of the generator (+ split); core/rng's streams stop below 0x01000000. */
#define YY_STREAM 0x01000000u

/* The class of point (x, y); meaningful inside the big circle. */
int yy_class(double x, double y, double r_small, double r_big);

/* Generates n samples of a split (n = 0: the publication's size for it) with radii r_small and
 * r_big (0 < r_small < r_big / 2, r_big <= 0.5). ERR_INPUT for radii outside that range,
 * ERR_NOMEM if memory runs out. */
int yy_generate(uint64_t seed, enum data_split split, uint32_t n, double r_small, double r_big,
                struct data_set **out, struct err *e);

#endif
