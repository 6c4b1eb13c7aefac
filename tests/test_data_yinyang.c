/* tests/test_data_yinyang: learning/data_yinyang against the symbol's geometry rebuilt here a
 * different way (the S-curve: upper half minus the right half-size disc, plus the left one), its
 * point symmetry (a half turn swaps yin and yang), its areas in closed form, the class balance and
 * the uniformity of the sampler, and determinism. */
#include <math.h>
#include <string.h>

#include "learning/data_yinyang.h"
#include "tests/harness.h"

#define RB YY_R_BIG   /* R of the definition */
#define RS YY_R_SMALL /* r */

/* The symbol: the big disc cut by an S-curve made of the upper half of the circle of radius R/2
 * around the right centre and the lower half of the one around the left centre; the upper-left
 * part is yin. Dots of radius r around both centres. -1 within eps of a boundary. */
static int truth_class(double x, double y, double eps)
{
    double dl = hypot(x - RB / 2, y - RB), dr = hypot(x - 3 * RB / 2, y - RB);
    if (fabs(dl - RS) < eps || fabs(dr - RS) < eps || fabs(dl - RB / 2) < eps ||
        fabs(dr - RB / 2) < eps || fabs(y - RB) < eps)
        return -1;
    if (dl < RS || dr < RS) return YY_DOT;
    int upper = y > RB;
    int in_s = upper ? dr >= RB / 2 : dl <= RB / 2;
    return in_s ? YY_YIN : YY_YANG;
}

static int in_big(double x, double y) { return hypot(x - RB, y - RB) <= RB; }

/* Truth: hand-placed points, the S-curve construction, and the half-turn symmetry. */
static void test_geometry(void)
{
    static const struct {
        double x, y;
        int c;
    } pts[] = {{0.25, 0.5, YY_DOT},  {0.75, 0.5, YY_DOT},  {0.5, 0.9, YY_YIN},
               {0.5, 0.1, YY_YANG},  {0.25, 0.35, YY_YIN}, {0.75, 0.65, YY_YANG},
               {0.05, 0.3, YY_YANG}, {0.95, 0.7, YY_YIN},  {0.1, 0.45, YY_YIN}};
    for (unsigned i = 0; i < sizeof pts / sizeof pts[0]; i++)
        CU_ASSERT_EQUAL(yy_class(pts[i].x, pts[i].y, RS, RB), pts[i].c);
    int checked = 0;
    for (int i = 0; i < 400; i++)
        for (int j = 0; j < 400; j++) {
            double x = (i + 0.37) / 400, y = (j + 0.61) / 400;
            if (!in_big(x, y)) continue;
            int t = truth_class(x, y, 1e-9);
            if (t < 0) continue;
            int c = yy_class(x, y, RS, RB);
            CU_ASSERT_EQUAL(c, t);
            int h = yy_class(1 - x, 1 - y, RS, RB); /* half turn about the centre */
            CU_ASSERT_EQUAL(h, c == YY_DOT ? YY_DOT : 1 - c);
            checked++;
        }
    CU_ASSERT(checked > 100000);
}

/* Truth: areas pi R^2 - 2 pi r^2 split evenly between yin and yang, 2 pi r^2 of dots; a midpoint
 * grid of spacing h sees each within (perimeter of the boundaries) x h. */
static void test_areas(void)
{
    const int m = 2000;
    const double h = 1.0 / m;
    double area[3] = {0, 0, 0};
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            double x = (i + 0.5) * h, y = (j + 0.5) * h;
            if (in_big(x, y)) area[yy_class(x, y, RS, RB)] += h * h;
        }
    double dots = 2 * M_PI * RS * RS, half = (M_PI * RB * RB - dots) / 2;
    CU_ASSERT(fabs(area[YY_DOT] - dots) < 4 * M_PI * RS * h);
    CU_ASSERT(fabs(area[YY_YIN] - half) < 4 * M_PI * RB * h);
    CU_ASSERT(fabs(area[YY_YANG] - half) < 4 * M_PI * RB * h);
}

/* Truth: the sampler draws the class uniformly (counts within 5 sigma of n/3), then a point
 * uniformly in that class's region: half the dots on the left, and the share of yin above the
 * centre line equal to its area there, (pi R^2/2 - pi R^2/8 - pi r^2/2) / (pi R^2/2 - pi r^2). */
static void test_sets(void)
{
    const enum data_split sp[3] = {DATA_TRAIN, DATA_VALID, DATA_TEST};
    const uint32_t size[3] = {5000, 1000, 1000};
    uint32_t count[3] = {0}, left_dots = 0, upper_yin = 0, total = 0;
    for (int s = 0; s < 3; s++) {
        struct data_set *d;
        struct err e;
        CU_ASSERT_EQUAL_FATAL(yy_generate(7, sp[s], 0, RS, RB, &d, &e), 0);
        CU_ASSERT_EQUAL(d->n, size[s]);
        CU_ASSERT(d->nin == 4 && d->nclass == 3);
        for (uint32_t i = 0; i < d->n; i++) {
            const float *f = d->x + 4 * i;
            double x = f[0], y = f[1];
            CU_ASSERT(fabs(f[2] - (1 - x)) < 1e-7 && fabs(f[3] - (1 - y)) < 1e-7);
            CU_ASSERT(hypot(x - RB, y - RB) <= RB + 1e-7);
            int t = truth_class(x, y, 1e-6);
            if (t >= 0) CU_ASSERT_EQUAL(d->y[i], t);
            count[d->y[i]]++;
            if (d->y[i] == YY_DOT && x < RB) left_dots++;
            if (d->y[i] == YY_YIN && y > RB) upper_yin++;
            total++;
        }
        data_destroy(d);
    }
    double sd = sqrt(total * (1.0 / 3) * (2.0 / 3));
    for (int c = 0; c < 3; c++) CU_ASSERT(fabs(count[c] - total / 3.0) < 5 * sd);
    CU_ASSERT(fabs(left_dots - count[YY_DOT] / 2.0) < 5 * sqrt(count[YY_DOT] / 4.0));
    double p = (M_PI * RB * RB / 2 - M_PI * RB * RB / 8 - M_PI * RS * RS / 2) /
               (M_PI * RB * RB / 2 - M_PI * RS * RS);
    double nyin = count[YY_YIN];
    CU_ASSERT(fabs(upper_yin - p * nyin) < 5 * sqrt(nyin * p * (1 - p)));
}

/* Truth: a sample is a pure function of (seed, split, index). */
static void test_determinism(void)
{
    struct data_set *a, *b, *c, *v;
    struct err e;
    CU_ASSERT_EQUAL_FATAL(yy_generate(42, DATA_TRAIN, 1000, RS, RB, &a, &e), 0);
    CU_ASSERT_EQUAL_FATAL(yy_generate(42, DATA_TRAIN, 10, RS, RB, &b, &e), 0);
    CU_ASSERT_EQUAL_FATAL(yy_generate(43, DATA_TRAIN, 10, RS, RB, &c, &e), 0);
    CU_ASSERT_EQUAL_FATAL(yy_generate(42, DATA_TEST, 10, RS, RB, &v, &e), 0);
    CU_ASSERT(memcmp(a->x, b->x, 40 * sizeof(float)) == 0 && memcmp(a->y, b->y, 10) == 0);
    CU_ASSERT(memcmp(a->x, c->x, 40 * sizeof(float)) != 0);
    CU_ASSERT(memcmp(a->x, v->x, 40 * sizeof(float)) != 0);
    CU_ASSERT_STRING_EQUAL(a->name, "yinyang train");
    data_destroy(a);
    data_destroy(b);
    data_destroy(c);
    data_destroy(v);
    /* radii outside the geometry's range are refused */
    CU_ASSERT_EQUAL(yy_generate(1, DATA_TRAIN, 5, 0.3, 0.5, &a, &e), ERR_INPUT);
    CU_ASSERT(a == NULL && strstr(e.msg, "r_small") != NULL);
    CU_ASSERT_EQUAL(yy_generate(1, DATA_TRAIN, 5, 0.1, 0.7, &a, &e), ERR_INPUT);
    CU_ASSERT_EQUAL(yy_generate(1, DATA_TRAIN, 5, NAN, 0.5, &a, &e), ERR_INPUT);
}

static int suite_data_yinyang(void)
{
    CU_pSuite s = CU_add_suite("data_yinyang", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "geometry and half-turn symmetry", test_geometry);
    CU_add_test(s, "class areas", test_areas);
    CU_add_test(s, "splits: sizes, labels, balance, uniformity", test_sets);
    CU_add_test(s, "determinism and bad radii", test_determinism);
    return 0;
}
TEST_SUITE(suite_data_yinyang)
