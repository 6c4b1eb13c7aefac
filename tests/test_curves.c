/* tests/test_curves: io/curves training pictures: structure, one line per series with every point,
 * gaps, linear placement on fitted and fixed axes, escaping, integer epoch ticks, bad input. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/curves.h"
#include "tests/harness.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers: read back what the file says.
 */

#define MAXPTS 256

static char *write_and_slurp(const char *name, const char *title, const double *x, int n,
                             const struct curves_panel *p, int np) {
    struct err e = {0};
    const char *path = harness_path(name);
    int rc = curves_write(path, title, x, n, p, np, &e);
    if (rc) fprintf(stderr, "curves_write: %s: %s\n", e.file, e.msg);
    CU_ASSERT_FATAL(rc == 0);
    char *svg = harness_slurp(path, NULL);
    CU_ASSERT_FATAL(svg != NULL);
    return svg;
}

/* The k-th panel group, [*from, *to); 0 if there is none. */
static int panel(const char *svg, int k, const char **from, const char **to) {
    const char *p = svg;
    for (int i = 0; i <= k; i++) {
        p = strstr(p + (i > 0), "<g class=\"panel\"");
        if (!p) return 0;
    }
    const char *next = strstr(p + 1, "<g class=\"panel\"");
    *from = p;
    *to = next ? next : strstr(p, "<g class=\"xaxis\"");
    return *to != NULL;
}

/* The number after name=" in [p, end); NAN if absent. */
static double attr(const char *p, const char *end, const char *name) {
    char want[64];
    snprintf(want, sizeof want, " %s=\"", name);
    const char *a = strstr(p, want);
    return a && a < end ? strtod(a + strlen(want), NULL) : NAN;
}

/* The plot area of a panel: left, top, width, height in px. */
static void frame(const char *from, const char *to, double f[4]) {
    const char *r = strstr(from, "<rect class=\"frame\"");
    CU_ASSERT_FATAL(r && r < to);
    f[0] = attr(r, to, "x"), f[1] = attr(r, to, "y");
    f[2] = attr(r, to, "width"), f[3] = attr(r, to, "height");
}

/* Points of the series named `name` in a panel, over all its polyline pieces; the count, or -1
 * when the series is not there. *pieces gets the number of polylines. */
static int series_points(const char *from, const char *to, const char *name, double *px, double *py,
                         int *pieces) {
    char want[256];
    snprintf(want, sizeof want, "<g class=\"series\" data-name=\"%s\"", name);
    const char *s = strstr(from, want);
    if (!s || s >= to) return -1;
    const char *end = strstr(s, "<g class=\"markers\"");
    int n = 0;
    *pieces = 0;
    for (const char *l = s; (l = strstr(l, "<polyline")) && l < end; l++) {
        const char *q = strstr(l, "points=\"") + strlen("points=\"");
        (*pieces)++;
        while (*q != '"' && n < MAXPTS) {
            char *after;
            px[n] = strtod(q, &after);
            CU_ASSERT_FATAL(*after == ',');
            py[n++] = strtod(after + 1, &after);
            q = after + (*after == ' ');
        }
    }
    return n;
}

/* Markers (circles) of the series named `name`. */
static size_t series_markers(const char *from, const char *name) {
    char want[256];
    snprintf(want, sizeof want, "<g class=\"series\" data-name=\"%s\"", name);
    const char *s = strstr(from, want);
    const char *m = strstr(s, "<g class=\"markers\"");
    return harness_count(m, strstr(m, "</g>"), "<circle");
}

static void check_balanced(const char *svg) {
    size_t len = strlen(svg);
    CU_ASSERT(strncmp(svg, "<svg ", 5) == 0);
    CU_ASSERT(len > 7 && strcmp(svg + len - 7, "</svg>\n") == 0);
    CU_ASSERT(harness_count(svg, NULL, "<g ") + harness_count(svg, NULL, "<g>") ==
              harness_count(svg, NULL, "</g>"));
    CU_ASSERT(harness_count(svg, NULL, "<svg") == 1);
    CU_ASSERT(strstr(svg, "nan") == NULL && strstr(svg, "inf") == NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Tests.
 */

static void test_structure_and_points(void) {
    /* Truth: io/curves.h: one polyline per series with data, carrying all n points, and a marker
     * per point; skipped panels and empty series leave no trace; tags balance. */
    enum { N = 12 };
    double tr[N], te[N], a1[N], a2[N], none[N];
    for (int i = 0; i < N; i++) {
        tr[i] = 2.3 * exp(-0.3 * i), te[i] = 2.4 * exp(-0.25 * i);
        a1[i] = 10 + 7 * i, a2[i] = 8 + 6.5 * i, none[i] = NAN;
    }
    struct curves_panel p[4] = {
        {.title = "loss", .ylabel = "loss", .nseries = 2, .s = {{"train", tr}, {"test", te}}},
        {.title = "empty", .nseries = 0},
        {.title = "accuracy",
         .ylabel = "%",
         .nseries = 3,
         .s = {{"train", a1}, {"test", a2}, {"ghost", none}},
         .ymin = 0,
         .ymax = 100},
        {.title = "alignment", .nseries = 1, .s = {{"hidden", a1}}, .ymin = -1, .ymax = 1}};
    char *svg = write_and_slurp("structure.svg", "run <1>", NULL, N, p, 3);
    check_balanced(svg);
    CU_ASSERT(harness_count(svg, NULL, "<g class=\"panel\"") == 2);
    CU_ASSERT(strstr(svg, ">empty<") == NULL);
    CU_ASSERT(strstr(svg, "ghost") == NULL);
    CU_ASSERT(harness_count(svg, NULL, "<polyline") == 4);
    CU_ASSERT(harness_count(svg, NULL, "<g class=\"series\"") == 4);
    const char *from = NULL, *to = NULL;
    double px[MAXPTS], py[MAXPTS];
    int pieces;
    const char *names[2] = {"train", "test"};
    for (int k = 0; k < 2; k++) {
        CU_ASSERT_FATAL(panel(svg, k, &from, &to));
        const char *leg = strstr(from, "<g class=\"legend\"");
        CU_ASSERT(leg && leg < to && harness_count(leg, to, "<text") == 2);
        for (int j = 0; j < 2; j++) {
            CU_ASSERT(series_points(from, to, names[j], px, py, &pieces) == N);
            CU_ASSERT(pieces == 1);
            CU_ASSERT(series_markers(from, names[j]) == N);
        }
    }
    CU_ASSERT(strstr(svg, "run &lt;1&gt;") != NULL);
    /* distinct colours within a panel: " stroke="#rrggbb" is 17 characters */
    CU_ASSERT_FATAL(panel(svg, 0, &from, &to));
    const char *c0 = strstr(strstr(from, "data-name=\"train\""), " stroke=\"#");
    const char *c1 = strstr(strstr(from, "data-name=\"test\""), " stroke=\"#");
    CU_ASSERT(c0 && c1 && strncmp(c0, c1, 17) != 0);
    free(svg);

    /* the whole file with the third panel too */
    svg = write_and_slurp("structure4.svg", NULL, NULL, N, p, 4);
    check_balanced(svg);
    CU_ASSERT(harness_count(svg, NULL, "<g class=\"panel\"") == 3);
    free(svg);
}

static void test_gaps_split_lines(void) {
    /* Truth: io/curves.h: NaN is a missing point; each run of finite values is its own polyline,
     * and every finite value keeps its marker, a run of one included. */
    double y[9] = {1, NAN, 2, 3, NAN, NAN, 4, 5, NAN};
    struct curves_panel p = {.nseries = 1, .s = {{"g", y}}};
    char *svg = write_and_slurp("gaps.svg", "gaps", NULL, 9, &p, 1);
    check_balanced(svg);
    const char *from = NULL, *to = NULL;
    double px[MAXPTS], py[MAXPTS];
    int pieces;
    CU_ASSERT_FATAL(panel(svg, 0, &from, &to));
    CU_ASSERT(series_points(from, to, "g", px, py, &pieces) == 5);
    CU_ASSERT(pieces == 3);
    CU_ASSERT(series_markers(from, "g") == 5);
    /* pieces hold 1, 2 and 2 points: the second polyline starts at epoch 3 */
    const char *l2 = strstr(strstr(from, "<polyline") + 1, "<polyline");
    CU_ASSERT(harness_count(l2, strstr(l2, "/>"), ",") == 2);
    free(svg);
}

static void test_linear_mapping(void) {
    /* Truth: y = a + b v on the fitted axis: the largest value at the plot area's top, the
     * smallest at its bottom (0.5 px), the rest in proportion; x by epoch from left to right. */
    enum { N = 7 };
    double v[N] = {0.73, 2.31, 1.2, 0.05, 0.9, 1.7, 0.4}, w[N] = {1, 1, 1, 1, 1, 1, 1};
    struct curves_panel p[2] = {{.nseries = 1, .s = {{"loss", v}}},
                                {.nseries = 2, .s = {{"flat", w}, {"loss2", v}}}};
    char *svg = write_and_slurp("linear.svg", "t", NULL, N, p, 2);
    for (int k = 0; k < 2; k++) {
        const char *from = NULL, *to = NULL;
        double f[4], px[MAXPTS], py[MAXPTS];
        int pieces;
        CU_ASSERT_FATAL(panel(svg, k, &from, &to));
        frame(from, to, f);
        CU_ASSERT_FATAL(series_points(from, to, k ? "loss2" : "loss", px, py, &pieces) == N);
        double lo = 0.05, hi = 2.31; /* in panel 1 the flat series lies inside this range */
        for (int i = 0; i < N; i++) {
            CU_ASSERT(fabs(py[i] - (f[1] + f[3] - (v[i] - lo) / (hi - lo) * f[3])) < 0.5);
            CU_ASSERT(fabs(px[i] - (f[0] + i * f[2] / (N - 1))) < 0.5);
        }
        CU_ASSERT(fabs(py[1] - f[1]) < 0.5);
        CU_ASSERT(fabs(py[3] - (f[1] + f[3])) < 0.5);
        CU_ASSERT(fabs(attr(from, to, "data-y0") - lo) < 1e-12);
        CU_ASSERT(fabs(attr(from, to, "data-y1") - hi) < 1e-12);
    }
    free(svg);
}

static void test_fixed_range(void) {
    /* Truth: a fixed 0..100 axis: a value v lands at v % of the height from the bottom whatever
     * the data's own range; only values outside 0..100 land on the edge, and a note says so. */
    double acc[5] = {10, 35, 60, 100, 0}, over[3] = {50, 130, -5};
    struct curves_panel p = {.nseries = 1, .s = {{"acc", acc}}, .ymin = 0, .ymax = 100};
    char *svg = write_and_slurp("fixed.svg", "t", NULL, 5, &p, 1);
    const char *from = NULL, *to = NULL;
    double f[4], px[MAXPTS], py[MAXPTS];
    int pieces;
    CU_ASSERT_FATAL(panel(svg, 0, &from, &to));
    frame(from, to, f);
    CU_ASSERT_FATAL(series_points(from, to, "acc", px, py, &pieces) == 5);
    for (int i = 0; i < 5; i++)
        CU_ASSERT(fabs(py[i] - (f[1] + f[3] * (1 - acc[i] / 100))) < 0.5);
    CU_ASSERT(strstr(svg, "class=\"note\"") == NULL);
    /* round tick labels on the fixed axis */
    const char *yt = strstr(from, "<g class=\"yticks\"");
    CU_ASSERT(yt && strstr(yt, ">0<") && strstr(yt, ">20<") && strstr(yt, ">100<"));
    free(svg);

    p.s[0] = (struct curves_series){"over", over};
    svg = write_and_slurp("over.svg", "t", NULL, 3, &p, 1);
    CU_ASSERT_FATAL(panel(svg, 0, &from, &to));
    frame(from, to, f);
    CU_ASSERT_FATAL(series_points(from, to, "over", px, py, &pieces) == 3);
    CU_ASSERT(fabs(py[0] - (f[1] + f[3] / 2)) < 0.5);
    CU_ASSERT(fabs(py[1] - f[1]) < 0.5);
    CU_ASSERT(fabs(py[2] - (f[1] + f[3])) < 0.5);
    CU_ASSERT(strstr(svg, "2 values outside 0..100") != NULL);
    free(svg);
}

static void test_one_point_and_ticks(void) {
    /* Truth: io/curves.h: one point still draws (a marker, inside the frame); epoch ticks are
     * integers; x[] replaces 1..n. */
    double y1[1] = {0.5};
    struct curves_panel p = {.nseries = 1, .s = {{"only", y1}}};
    char *svg = write_and_slurp("one.svg", "t", NULL, 1, &p, 1);
    check_balanced(svg);
    const char *from = NULL, *to = NULL;
    double f[4], px[MAXPTS], py[MAXPTS];
    int pieces;
    CU_ASSERT_FATAL(panel(svg, 0, &from, &to));
    frame(from, to, f);
    CU_ASSERT(series_points(from, to, "only", px, py, &pieces) == 1);
    CU_ASSERT(series_markers(from, "only") == 1);
    CU_ASSERT(px[0] > f[0] && px[0] < f[0] + f[2] && py[0] > f[1] && py[0] < f[1] + f[3]);
    free(svg);

    double y[3] = {3, 2, 1}, x[3] = {10, 25, 40};
    p.s[0] = (struct curves_series){"three", y};
    const double *xs[2] = {NULL, x};
    for (int k = 0; k < 2; k++) {
        svg = write_and_slurp("ticks.svg", "t", xs[k], 3, &p, 1);
        const char *xa = strstr(svg, "<g class=\"xaxis\"");
        CU_ASSERT_FATAL(xa != NULL);
        int labels = 0;
        for (const char *t = xa; (t = strstr(t, "<text x=")); t++) {
            const char *gt = strchr(t, '>') + 1;
            if (!strncmp(gt, "epoch", 5)) continue;
            char *after;
            double v = strtod(gt, &after);
            CU_ASSERT(*after == '<' && v == floor(v));
            labels++;
        }
        CU_ASSERT(labels >= 3);
        if (!k) CU_ASSERT(strstr(xa, ">1<") && strstr(xa, ">2<") && strstr(xa, ">3<"));
        if (k) CU_ASSERT(strstr(xa, ">10<") && strstr(xa, ">40<"));
        free(svg);
    }
}

static void test_escaping(void) {
    /* Truth: XML 1.0: &, <, > and " in names, titles and labels become entities. */
    double y[2] = {1, 2};
    struct curves_panel p = {
        .title = "a<b", .ylabel = "\"q\"", .nseries = 1, .s = {{"x & <y> \"z\"", y}}};
    char *svg = write_and_slurp("esc.svg", "T&T", NULL, 2, &p, 1);
    check_balanced(svg);
    /* the legend and data-name */
    CU_ASSERT(harness_count(svg, NULL, "x &amp; &lt;y&gt; &quot;z&quot;") == 2);
    CU_ASSERT(strstr(svg, "<y>") == NULL && strstr(svg, "\"z\"") == NULL);
    CU_ASSERT(strstr(svg, ">a&lt;b<") && strstr(svg, ">&quot;q&quot;<") &&
              strstr(svg, ">T&amp;T<"));
    free(svg);
}

static void test_degenerate_ranges(void) {
    /* Truth: io/curves.h and io/axis.h: x or y values too close for their magnitude, flat far
     * from 0, or subnormal still draw every point inside the frame with finite numbers; values
     * whose span overflows a double, and a fixed range too narrow for its magnitude, are
     * ERR_INPUT. */
    alarm(60);
    static const double xs[][2] = {{1e300, 1e300}, {1e300, 1.0000000000000002e300}, {1, 2}};
    static const double ys[][2] = {{1e300, 1e300}, {5e-324, 1e-310}, {-1e308, -1e308},
                                   {1.7976931348623157e308, 1e308}};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
        for (size_t j = 0; j < sizeof ys / sizeof ys[0]; j++) {
            struct curves_panel p = {.nseries = 1, .s = {{"y", ys[j]}}};
            char *svg = write_and_slurp("degenerate.svg", "t", xs[i], 2, &p, 1);
            check_balanced(svg);
            const char *from = NULL, *to = NULL;
            double f[4], px[MAXPTS], py[MAXPTS];
            int pieces;
            CU_ASSERT_FATAL(panel(svg, 0, &from, &to));
            frame(from, to, f);
            CU_ASSERT(series_points(from, to, "y", px, py, &pieces) == 2);
            for (int k = 0; k < 2; k++)
                CU_ASSERT(px[k] >= f[0] - 0.01 && px[k] <= f[0] + f[2] + 0.01 &&
                          py[k] >= f[1] - 0.01 && py[k] <= f[1] + f[3] + 0.01);
            free(svg);
        }
    double wide[2] = {-1e308, 1e308}, xwide[2] = {-1e308, 1e308}, y[2] = {1, 2};
    struct curves_panel p = {.nseries = 1, .s = {{"y", wide}}};
    struct curves_panel q = {.nseries = 1, .s = {{"y", y}}};
    struct curves_panel narrow = {
        .nseries = 1, .s = {{"y", y}}, .ymin = 1e300, .ymax = 1.0000000000000002e300};
    struct err e = {0};
    const char *path = harness_path("degenerate_bad.svg");
    CU_ASSERT(curves_write(path, "t", NULL, 2, &p, 1, &e) == ERR_INPUT);
    CU_ASSERT(curves_write(path, "t", xwide, 2, &q, 1, &e) == ERR_INPUT);
    CU_ASSERT(curves_write(path, "t", NULL, 2, &narrow, 1, &e) == ERR_INPUT);
    CU_ASSERT(access(path, F_OK) != 0);
    alarm(0);
}

static void test_errors(void) {
    /* Truth: io/curves.h: bad input is ERR_INPUT and writes nothing; a failed write is ERR_IO
     * naming the file. */
    double y[3] = {1, 2, 3}, xbad[3] = {1, NAN, 3}, xinf[3] = {1, 2, INFINITY};
    struct curves_panel ok = {.nseries = 1, .s = {{"y", y}}};
    struct curves_panel empty = {.nseries = 0};
    struct curves_panel many = {.nseries = CURVES_MAX_SERIES + 1};
    struct curves_panel noy = {.nseries = 1, .s = {{"y", NULL}}};
    struct curves_panel infr = {.nseries = 1, .s = {{"y", y}}, .ymin = 0, .ymax = INFINITY};
    struct err e = {0};
    const char *path = harness_path("bad.svg");
    CU_ASSERT(curves_write(path, "t", NULL, 0, &ok, 1, &e) == ERR_INPUT);
    CU_ASSERT(curves_write(path, "t", NULL, 3, &ok, 0, &e) == ERR_INPUT);
    CU_ASSERT(curves_write(path, "t", xbad, 3, &ok, 1, &e) == ERR_INPUT);
    CU_ASSERT(curves_write(path, "t", xinf, 3, &ok, 1, &e) == ERR_INPUT);
    CU_ASSERT(curves_write(path, "t", NULL, 3, &empty, 1, &e) == ERR_INPUT);
    CU_ASSERT(curves_write(path, "t", NULL, 3, &many, 1, &e) == ERR_INPUT);
    CU_ASSERT(curves_write(path, "t", NULL, 3, &noy, 1, &e) == ERR_INPUT);
    CU_ASSERT(curves_write(path, "t", NULL, 3, &infr, 1, &e) == ERR_INPUT);
    CU_ASSERT(access(path, F_OK) != 0);
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CU_ASSERT(access(tmp, F_OK) != 0);

    const char *nodir = harness_path("no/such/dir/c.svg");
    CU_ASSERT(curves_write(nodir, "t", NULL, 3, &ok, 1, &e) == ERR_IO);
    CU_ASSERT(strncmp(e.file, nodir, strlen(nodir)) == 0);
}

static int suite_curves(void) {
    CU_pSuite s = CU_add_suite("curves", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "structure, one line per series, all points", test_structure_and_points) ||
        !CU_add_test(s, "gaps split lines", test_gaps_split_lines) ||
        !CU_add_test(s, "linear mapping on a fitted axis", test_linear_mapping) ||
        !CU_add_test(s, "fixed range", test_fixed_range) ||
        !CU_add_test(s, "one point, integer epoch ticks", test_one_point_and_ticks) ||
        !CU_add_test(s, "degenerate ranges", test_degenerate_ranges) ||
        !CU_add_test(s, "names escaped", test_escaping) || !CU_add_test(s, "errors", test_errors))
        return -1;
    return 0;
}
TEST_SUITE(suite_curves)
