/* tests/test_tracefile: io/tracefile reads back what it is given, bit for bit, and names the line
 * of every malformed input; io/svg's traces picture puts each sample where the axes it states say,
 * one panel group per neuron; `apical run` and `apical plot` make and redraw traces.svg. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/svg.h"
#include "io/tracefile.h"
#include "tests/harness.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers.
 */

#define OUT_CAP 65536

/* A complete picture: starts with <svg, ends with </svg> and a newline. */
static int complete_svg(const char *svg) {
    size_t len = svg ? strlen(svg) : 0;
    return len > 7 && !strncmp(svg, "<svg", 4) && !strcmp(svg + len - 7, "</svg>\n");
}

/* The number in attribute name="..." of the first tag at or after p, within that tag; NAN if none.
 */
static double attr(const char *p, const char *name) {
    const char *end = strchr(p, '>');
    char want[64];
    snprintf(want, sizeof want, " %s=\"", name);
    const char *a = strstr(p, want);
    if (!end || !a || a > end) return NAN;
    return strtod(a + strlen(want), NULL);
}

/* The points of the polyline of column col: their count (at most cap) into x[] and y[]; the panel
 * it sits in is returned through panel (the <g class="panel" tag) and frame (its <rect>). */
static size_t read_line(const char *svg, const char *col, double *x, double *y, size_t cap,
                        const char **panel, const char **frame) {
    char want[256];
    snprintf(want, sizeof want, "<polyline class=\"trace\" data-col=\"%s\"", col);
    const char *l = strstr(svg, want);
    *panel = *frame = NULL;
    if (!l) return 0;
    for (const char *p = svg; (p = strstr(p, "<g class=\"panel\"")) && p < l; p++)
        *panel = p;
    if (*panel) *frame = strstr(*panel, "<rect class=\"frame\"");
    const char *p = strstr(l, "points=\"");
    if (!p) return 0;
    p += strlen("points=\"");
    size_t n = 0;
    while (*p != '"' && n < cap) {
        char *end;
        x[n] = strtod(p, &end);
        if (*end != ',') return 0;
        y[n] = strtod(end + 1, &end);
        n++;
        p = end;
        while (*p == ' ')
            p++;
    }
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * The reader.
 */

static void test_round_trip(void) {
    /* Truth: %.17g reads back as the same double (C11 7.21.6.1), so every value must compare
     * equal; names split at '[', ']' and the first '.' after it. */
    static const double vals[4][3] = {{-67.480517339374614, 0.1, -0.0},
                                      {1e-300, -5e300, 3.0000000000000004},
                                      {-70, 0, 123456.789},
                                      {0x1.fffffffffffffp-1, -1.0 / 3, 2.5e-5}};
    static const double times[4] = {0, 0.1, 0.2, 12.3};
    for (int crlf = 0; crlf < 2; crlf++) {
        const char *nl = crlf ? "\r\n" : "\n";
        char text[4096];
        int n =
            snprintf(text, sizeof text, "t_ms,exc[0].v,pyr[12].basal.v,pyr[12].apical.i_ex%s", nl);
        for (int r = 0; r < 4; r++) {
            n += snprintf(text + n, sizeof text - (size_t)n, "%.17g", times[r]);
            for (int c = 0; c < 3; c++)
                n += snprintf(text + n, sizeof text - (size_t)n, ",%.17g", vals[r][c]);
            n += snprintf(text + n, sizeof text - (size_t)n, "%s", nl);
        }
        const char *path = harness_write("rt.csv", text);
        struct trace_table t;
        struct err e = {0};
        int rc = trace_read(path, &t, &e);
        if (rc) fprintf(stderr, "\n%s:%d: %s\n", e.file, e.line, e.msg);
        CU_ASSERT_FATAL(rc == 0);
        CU_ASSERT(t.ncols == 3 && t.nrows == 4 && t.file_neurons == 2);
        CU_ASSERT(!strcmp(t.cols[0].name, "exc[0].v") && !strcmp(t.cols[0].pop, "exc") &&
                  t.cols[0].id == 0 && !strcmp(t.cols[0].var, "v"));
        CU_ASSERT(!strcmp(t.cols[1].pop, "pyr") && t.cols[1].id == 12 &&
                  !strcmp(t.cols[1].var, "basal.v"));
        CU_ASSERT(!strcmp(t.cols[2].var, "apical.i_ex"));
        for (int r = 0; r < 4; r++) {
            CU_ASSERT(t.t_ms[r] == times[r]);
            for (int c = 0; c < 3; c++)
                CU_ASSERT(memcmp(&t.v[r * 3 + c], &vals[r][c], sizeof(double)) == 0);
        }
        trace_table_free(&t);
        CU_ASSERT(t.cols == NULL && t.v == NULL && t.nrows == 0);
        trace_table_free(&t); /* a zeroed table is fine */
    }
}

static void test_read_first_neurons(void) {
    /* Truth: the header's distinct POP[ID] in order of first appearance are a[0], a[1], b[0];
     * the first two keep their columns wherever they stand, b[0]'s go; its fields are still
     * checked. */
    const char *path = harness_write("some.csv", "t_ms,a[0].v,a[1].v,b[0].v,a[0].i_ex\n"
                                                 "0,1,2,3,4\n"
                                                 "0.5,5,6,7,8\n");
    struct trace_table t;
    struct err e = {0};
    CU_ASSERT_FATAL(trace_read_neurons(path, 2, &t, &e) == 0);
    CU_ASSERT(t.ncols == 3 && t.nrows == 2 && t.file_neurons == 3);
    CU_ASSERT(!strcmp(t.cols[0].name, "a[0].v") && !strcmp(t.cols[1].name, "a[1].v") &&
              !strcmp(t.cols[2].name, "a[0].i_ex"));
    static const double want[6] = {1, 2, 4, 5, 6, 8};
    for (int i = 0; i < 6; i++)
        CU_ASSERT(t.v[i] == want[i]);
    trace_table_free(&t);

    path = harness_write("some_bad.csv", "t_ms,a[0].v,b[0].v\n0,1,2\n1,1,nan\n");
    CU_ASSERT(trace_read_neurons(path, 1, &t, &e) == ERR_INPUT);
    CU_ASSERT(e.line == 3 && strstr(e.msg, "b[0].v") != NULL);
}

struct bad_case {
    const char *what, *text;
    int line;
    const char *says; /* part of the message */
};

static void test_malformed(void) {
    /* Truth: docs/formats.md, traces.csv: a t_ms header of POP[ID].VAR columns, rows of exactly
     * that many finite numbers, times strictly increasing, every line ended by a newline. The
     * line named is the 1-based line of the first problem. */
    static const struct bad_case cases[] = {
        {"bad header", "time,a[0].v\n0,1\n", 1, "t_ms"},
        {"spike file", "timestamps population node_ids\n1.0 exc 3\n", 1, "t_ms"},
        {"column name", "t_ms,a[0].v,a0.v\n0,1,2\n", 1, "column 3"},
        {"column no var", "t_ms,a[0].\n0,1\n", 1, "POP[ID].VAR"},
        {"column no pop", "t_ms,[0].v\n0,1\n", 1, "POP[ID].VAR"},
        {"column id", "t_ms,a[x].v\n0,1\n", 1, "POP[ID].VAR"},
        {"column id 2^32", "t_ms,a[4294967296].v\n0,1\n", 1, "POP[ID].VAR"},
        {"time repeats", "t_ms,a[0].v\n0,1\n0.1,1\n0.1,2\n", 4, "does not come after"},
        {"time goes back", "t_ms,a[0].v\n0,1\n0.2,1\n0.3,1\n0.1,2\n", 5, "does not come after"},
        {"nan", "t_ms,a[0].v,a[1].v\n0,1,2\n0.1,nan,2\n", 3, "a[0].v"},
        {"inf", "t_ms,a[0].v,a[1].v\n0,1,2\n0.1,1,-inf\n", 3, "a[1].v"},
        {"overflow", "t_ms,a[0].v\n0,1\n0.1,1e999\n", 3, "finite"},
        {"nan time", "t_ms,a[0].v\n0,1\nnan,1\n", 3, "t_ms"},
        {"empty field", "t_ms,a[0].v,a[1].v\n0,1,2\n0.1,,2\n", 3, "finite"},
        {"blank before", "t_ms,a[0].v\n0, 1\n", 2, "finite"},
        {"junk after", "t_ms,a[0].v\n0,1x\n", 2, "finite"},
        {"too few", "t_ms,a[0].v,a[1].v\n0,1,2\n0.1,1\n", 3, "expected 3 fields"},
        {"too many", "t_ms,a[0].v\n0,1\n0.1,1,2\n", 3, "expected 2 fields"},
        {"blank line", "t_ms,a[0].v\n0,1\n\n0.2,1\n", 3, "expected 2 fields"},
        {"truncated", "t_ms,a[0].v,a[1].v\n0,1,2\n0.1,1,2\n0.2,1", 4, "truncated"},
        {"truncated, fields all there", "t_ms,a[0].v,a[1].v\n0,1,2\n0.1,1,2\n0.2,1,-6", 4,
         "truncated"},
        {"header only, cut", "t_ms,a[0].v", 1, "truncated"},
        {"empty", "", 1, "empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bad_case *c = &cases[i];
        const char *path = harness_write("bad.csv", c->text);
        struct trace_table t;
        struct err e = {0};
        int rc = trace_read(path, &t, &e);
        int ok = rc == ERR_INPUT && e.line == c->line && !strcmp(e.file, path) &&
                 strstr(e.msg, c->says) && t.cols == NULL && t.nrows == 0;
        if (!ok)
            fprintf(stderr, "\n    [%s] rc %d, line %d (want %d): %s\n", c->what, rc, e.line,
                    c->line, e.msg);
        CU_ASSERT(ok);
    }

    /* a NUL byte cannot be written with harness_write */
    const char *path = harness_path("nul.csv");
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    fwrite("t_ms,a[0].v\n0,1\n0.1,\0\n", 1, 22, f);
    fclose(f);
    struct trace_table t;
    struct err e = {0};
    CU_ASSERT(trace_read(path, &t, &e) == ERR_INPUT && e.line == 3);

    CU_ASSERT(trace_read(harness_path("no_such.csv"), &t, &e) == ERR_INPUT);
    CU_ASSERT(strstr(e.file, "no_such.csv") != NULL);
}

static void test_sniff(void) {
    /* Truth: a traces file's first field is t_ms; a spike file's is "timestamps" or a magic. */
    CU_ASSERT(trace_sniff(harness_write("s1.csv", "t_ms,a[0].v\n0,1\n")) == 1);
    CU_ASSERT(trace_sniff(harness_write("s2.csv", "t_ms\r\n0\r\n")) == 1);
    CU_ASSERT(trace_sniff(harness_write("s3.csv", "timestamps population node_ids\n")) == 0);
    CU_ASSERT(trace_sniff(harness_write("s4.csv", "t_msx,a[0].v\n")) == 0);
    CU_ASSERT(trace_sniff(harness_write("s5.csv", "t_m")) == 0);
    CU_ASSERT(trace_sniff(harness_path("no_such_sniff.csv")) == 0);
}

static void test_unbounded_refused(void) {
    /* Truth: issue 19 and io/tracefile.h: a device, a FIFO (without waiting for a writer) or a
     * folder is ERR_INPUT naming the file, and is not taken for traces; a line past
     * TRACE_MAX_LINE is ERR_INPUT naming it. */
    alarm(60);
    const char *paths[] = {"/dev/zero", harness_fifo("traces.pipe"), harness_folder("traces.dir")};
    for (int i = 0; i < 3; i++) {
        struct trace_table t;
        struct err e = {0};
        CU_ASSERT(trace_read(paths[i], &t, &e) == ERR_INPUT);
        CU_ASSERT(!strcmp(e.file, paths[i]) && e.msg[0]);
        CU_ASSERT(trace_sniff(paths[i]) == 0);
    }
    const char *p = harness_path("long_header.csv");
    FILE *f = fopen(p, "wb");
    CU_ASSERT_FATAL(f != NULL);
    fputs("t_ms", f);
    for (size_t k = 0; k < TRACE_MAX_LINE / 10 + 1; k++) fputs(",a[0].vvvv", f);
    fputs("\n0,1\n", f);
    fclose(f);
    struct trace_table t;
    struct err e = {0};
    CU_ASSERT(trace_read(p, &t, &e) == ERR_INPUT);
    CU_ASSERT(e.line == 1 && strstr(e.msg, "longer than 64 MiB"));
    alarm(0);
}

/* ---------------------------------------------------------------------------------------------
 * The picture.
 */

static void load(const char *name, const char *text, struct trace_table *t) {
    struct err e = {0};
    int rc = trace_read(harness_write(name, text), t, &e);
    if (rc) fprintf(stderr, "\n%s:%d: %s\n", e.file, e.line, e.msg);
    CU_ASSERT_FATAL(rc == 0);
}

static char *draw(const char *name, const struct trace_table *t, const struct svg_traces_opts *o) {
    const char *path = harness_path(name);
    struct err e = {0};
    int rc = svg_traces_write(path, t, o, &e);
    if (rc) fprintf(stderr, "\nsvg_traces_write: %s\n", e.msg);
    CU_ASSERT_FATAL(rc == 0);
    char *svg = harness_slurp(path, NULL);
    CU_ASSERT_FATAL(svg != NULL);
    CU_ASSERT(complete_svg(svg));
    return svg;
}

/* A ramp n[0].v = -70 + 0.2 t and n[0].dend.v = -70 + 0.1 t, sampled every ms over 0..100 ms. */
static void ramp(struct trace_table *t) {
    char text[16384];
    int n = snprintf(text, sizeof text, "t_ms,n[0].v,n[0].dend.v\n");
    for (int k = 0; k <= 100; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%d,%.17g,%.17g\n", k, -70 + 0.2 * k,
                      -70 + 0.1 * k);
    load("ramp.csv", text, t);
}

static void check_ramp_line(const char *svg, const char *col, double slope, double t0, double t1,
                            double y0, double y1, size_t want_points) {
    static double x[4096], y[4096];
    const char *panel = NULL, *frame = NULL;
    size_t n = read_line(svg, col, x, y, 4096, &panel, &frame);
    CU_ASSERT_FATAL(panel != NULL && frame != NULL);
    CU_ASSERT(n == want_points);
    CU_ASSERT(attr(panel, "data-t0") == t0 && attr(panel, "data-t1") == t1);
    CU_ASSERT(attr(panel, "data-y0") == y0 && attr(panel, "data-y1") == y1);
    double fx = attr(frame, "x"), fy = attr(frame, "y"), fw = attr(frame, "width"),
           fh = attr(frame, "height");
    CU_ASSERT(fx >= 0 && fw > 100 && fx + fw <= 1000 && fh > 50);
    /* sample k is at t = t0 + k ms, at the linear map of (t, v) onto the frame */
    for (size_t k = 0; k < n; k++) {
        double t = t0 + (double)k, v = -70 + slope * t;
        double ex = fx + (t - t0) / (t1 - t0) * fw, ey = fy + fh - (v - y0) / (y1 - y0) * fh;
        if (fabs(x[k] - ex) > 0.051 || fabs(y[k] - ey) > 0.051) {
            fprintf(stderr, "\n    %s point %zu: (%g, %g), want (%g, %g)\n", col, k, x[k], y[k], ex,
                    ey);
            CU_FAIL("point off the map");
            break;
        }
    }
}

static void test_svg_ramp(void) {
    /* Truth: the straight-line map of the axes (time t0..t1 onto the frame's width, y0..y1 mV
     * onto its height, upwards) applied to the known ramp; samples sparser than a pixel are all
     * drawn. Both lines share the axis: -70..-50 mV holds the data, on multiples of 5 mV, about
     * 4 steps of a 1-2-5 series. */
    struct trace_table t;
    ramp(&t);
    struct svg_traces_opts o = {.title = "ramp"};
    char *svg = draw("ramp.svg", &t, &o);
    check_ramp_line(svg, "n[0].v", 0.2, 0, 100, -70, -50, 101);
    check_ramp_line(svg, "n[0].dend.v", 0.1, 0, 100, -70, -50, 101);
    CU_ASSERT(strstr(svg, ">soma<") && strstr(svg, ">dend<"));
    free(svg);

    /* a window: only the samples inside it; the axis fits them: -68 (dend at 20 ms) to -58 mV
     * (soma at 60 ms) in steps of 2 mV */
    o.t_start_ms = 20;
    o.t_end_ms = 60;
    svg = draw("ramp_window.svg", &t, &o);
    check_ramp_line(svg, "n[0].v", 0.2, 20, 60, -68, -58, 41);
    check_ramp_line(svg, "n[0].dend.v", 0.1, 20, 60, -68, -58, 41);
    free(svg);
    trace_table_free(&t);
}

static void test_svg_panels(void) {
    /* Truth: one <g class="neuron"> per POP[ID] in the file (at most max_neurons, first ones
     * first); a potential panel for each neuron with a *.v column, an input panel where asked for
     * or where the neuron has no potential. */
    struct trace_table t;
    load("panels.csv",
         "t_ms,exc[0].v,exc[0].i_ex,exc[0].i_in,pyr[3].v,pyr[3].basal.v,pyr[3].apical.v,"
         "pyr[3].apical.i_ex,inh[1].i_in,exc[1].v\n"
         "0,-70,0,0,-70,-70,-70,0,0,-65\n"
         "0.1,-69,5,-3,-69.5,-69,-68,40,-2,-64\n"
         "0.2,-68,4,-2,-69,-68,-66,35,-1.5,-63\n",
         &t);
    struct svg_traces_opts o = {0};
    char *svg = draw("panels.svg", &t, &o);
    CU_ASSERT(harness_count(svg, NULL, "<g class=\"neuron\"") == 4);
    CU_ASSERT(harness_count(svg, NULL, "data-kind=\"v\"") == 3);
    CU_ASSERT(harness_count(svg, NULL, "data-kind=\"input\"") == 1); /* inh[1] has no potential */
    CU_ASSERT(harness_count(svg, NULL, "<g class=\"panel\"") == 4);
    CU_ASSERT(harness_count(svg, NULL, "<polyline") == 6);
    free(svg);

    o.currents = 1;
    svg = draw("panels_i.svg", &t, &o);
    CU_ASSERT(harness_count(svg, NULL, "<g class=\"neuron\"") == 4);
    CU_ASSERT(harness_count(svg, NULL, "data-kind=\"input\"") == 3);
    CU_ASSERT(harness_count(svg, NULL, "<polyline") == 9);
    /* the order of the file: exc[0], pyr[3], inh[1], exc[1] */
    const char *a = strstr(svg, "data-neuron=\"exc[0]\""),
               *b = strstr(svg, "data-neuron=\"pyr[3]\""),
               *c = strstr(svg, "data-neuron=\"inh[1]\""),
               *d = strstr(svg, "data-neuron=\"exc[1]\"");
    CU_ASSERT(a && b && c && d && a < b && b < c && c < d);
    free(svg);

    o.max_neurons = 2;
    svg = draw("panels_2.svg", &t, &o);
    CU_ASSERT(harness_count(svg, NULL, "<g class=\"neuron\"") == 2);
    CU_ASSERT(strstr(svg, "pyr[3]") != NULL && strstr(svg, "inh[1]") == NULL);
    CU_ASSERT(strstr(svg, "2 of 4 neurons") != NULL);
    free(svg);
    trace_table_free(&t);
}

static void test_svg_thinning(void) {
    /* Truth: the drawn envelope is exact: the lowest and highest points drawn are the mapped
     * extremes of the samples; and the points stay within 4 per pixel column, in time order. */
    size_t n = 200001;
    char *text = malloc(n * 48 + 64);
    CU_ASSERT_FATAL(text != NULL);
    size_t len = (size_t)sprintf(text, "t_ms,x[0].v\n");
    double lo = INFINITY, hi = -INFINITY;
    uint64_t s = 7;
    for (size_t k = 0; k < n; k++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        double v = -60 + 8 * sin(k * 1e-3) + (double)(s >> 40) / (1 << 24) * 3;
        lo = fmin(lo, v);
        hi = fmax(hi, v);
        len += (size_t)sprintf(text + len, "%.1f,%.17g\n", k * 0.1, v);
    }
    struct trace_table t;
    load("dense.csv", text, &t);
    free(text);
    struct svg_traces_opts o = {0};
    char *svg = draw("dense.svg", &t, &o);
    static double x[1 << 16], y[1 << 16];
    const char *panel = NULL, *frame = NULL;
    size_t m = read_line(svg, "x[0].v", x, y, 1 << 16, &panel, &frame);
    CU_ASSERT_FATAL(panel != NULL && frame != NULL);
    double fw = attr(frame, "width"), fy = attr(frame, "y"), fh = attr(frame, "height");
    double y0 = attr(panel, "data-y0"), y1 = attr(panel, "data-y1");
    CU_ASSERT(m > fw && m <= 4 * (fw + 1));
    CU_ASSERT(y0 <= lo && y1 >= hi);
    double ymin = INFINITY, ymax = -INFINITY;
    int ordered = 1;
    for (size_t k = 0; k < m; k++) {
        ymin = fmin(ymin, y[k]);
        ymax = fmax(ymax, y[k]);
        ordered &= k == 0 || x[k] >= x[k - 1];
    }
    CU_ASSERT(ordered);
    CU_ASSERT(fabs(ymax - (fy + fh - (lo - y0) / (y1 - y0) * fh)) < 0.051);
    CU_ASSERT(fabs(ymin - (fy + fh - (hi - y0) / (y1 - y0) * fh)) < 0.051);
    free(svg);
    trace_table_free(&t);
}

static void test_svg_rejects(void) {
    /* Truth: io/svg.h: bad options are ERR_INPUT and leave no file. */
    struct trace_table t;
    ramp(&t);
    struct err e = {0};
    const char *p = harness_path("bad_traces.svg");
    struct svg_traces_opts nan = {.t_start_ms = 0, .t_end_ms = NAN};
    struct svg_traces_opts inf = {.t_start_ms = 0, .t_end_ms = INFINITY};
    struct svg_traces_opts outside = {.t_start_ms = 500, .t_end_ms = 600};
    CU_ASSERT(svg_traces_write(p, &t, &inf, &e) == ERR_INPUT);
    CU_ASSERT(svg_traces_write(p, &t, &outside, &e) == ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "500") != NULL);
    CU_ASSERT(svg_traces_write(p, &t, &nan, &e) == ERR_INPUT);
    CU_ASSERT(!harness_exists(p));
    struct svg_traces_opts ok = {0};
    CU_ASSERT(svg_traces_write(harness_path("no/such/dir/t.svg"), &t, &ok, &e) == ERR_IO);
    trace_table_free(&t);

    load("nocols.csv", "t_ms\n0\n1\n", &t);
    CU_ASSERT(svg_traces_write(p, &t, &ok, &e) == ERR_INPUT);
    trace_table_free(&t);

    /* one sample: a picture all the same */
    load("one.csv", "t_ms,a[0].v\n0,-70\n", &t);
    char *svg = draw("one.svg", &t, &ok);
    CU_ASSERT(harness_count(svg, NULL, "<g class=\"neuron\"") == 1);
    free(svg);
    trace_table_free(&t);
}

/* No number in the picture is NaN or infinite (printf writes them "nan", "inf"). */
static int finite_svg(const char *svg) {
    return svg && !strstr(svg, "nan") && !strstr(svg, "inf");
}

static void test_svg_degenerate(void) {
    /* Truth: io/svg.h and io/axis.h: a window from the data too narrow to draw at its magnitude
     * (t0 + 1 == t0 at 1e300) is widened, and every point lands inside its frame; values or times
     * whose span overflows a double, and a narrow window asked for, are ERR_INPUT and leave no
     * file. Before the fix one row at 1e300 looped without end (a NaN pixel column). */
    /* a regression here is a loop writing without end: fail (SIGALRM, SIGXFSZ) instead of
     * hanging the suite and filling the disk */
    struct rlimit fsize;
    CU_ASSERT_FATAL(getrlimit(RLIMIT_FSIZE, &fsize) == 0);
    struct rlimit small = {fsize.rlim_cur < (64u << 20) ? fsize.rlim_cur : 64u << 20, fsize.rlim_max};
    setrlimit(RLIMIT_FSIZE, &small);
    alarm(60);
    static const char *const ok[] = {
        "t_ms,a[0].v\n1e300,-65\n",
        "t_ms,a[0].v\n-1e300,-65\n",
        "t_ms,a[0].v\n1.7976931348623157e308,-65\n",
        "t_ms,a[0].v\n1e300,-65\n1.0000000000000002e300,-64\n",
        "t_ms,a[0].v\n1e15,-65\n1000000000000000.1,-64\n1000000000000000.2,-63\n",
        "t_ms,a[0].v,a[0].i_ex\n0,1e300,5e-324\n1,1e300,5e-324\n",
        "t_ms,a[0].v,a[0].i_ex\n0,-1e308,1e-310\n1,-1e308,-1e-310\n",
        "t_ms,a[0].v\n0,1e308\n1,1.7976931348623157e308\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct trace_table t;
        load("degenerate.csv", ok[i], &t);
        struct svg_traces_opts o = {.currents = 1};
        char *svg = draw("degenerate.svg", &t, &o);
        CU_ASSERT(finite_svg(svg));
        double x[16], y[16];
        const char *panel, *frame;
        size_t n = read_line(svg, "a[0].v", x, y, 16, &panel, &frame);
        CU_ASSERT(n >= 1 && n <= t.nrows);
        CU_ASSERT_FATAL(frame != NULL);
        double fx = attr(frame, "x"), fy = attr(frame, "y"), fw = attr(frame, "width"),
               fh = attr(frame, "height");
        for (size_t k = 0; k < n; k++)
            CU_ASSERT(x[k] >= fx - 0.05 && x[k] <= fx + fw + 0.05 && y[k] >= fy - 0.05 &&
                      y[k] <= fy + fh + 0.05);
        if (!finite_svg(svg) || !n) fprintf(stderr, "\n  case %zu\n", i);
        free(svg);
        trace_table_free(&t);
    }

    static const char *const bad[] = {
        "t_ms,a[0].v\n-1e308,-65\n1e308,-64\n",
        "t_ms,a[0].v\n0,-1e308\n1,1e308\n",
    };
    const char *p = harness_path("degenerate_bad.svg");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct trace_table t;
        load("degenerate_bad.csv", bad[i], &t);
        struct err e = {0};
        struct svg_traces_opts o = {0};
        CU_ASSERT(svg_traces_write(p, &t, &o, &e) == ERR_INPUT);
        CU_ASSERT(strstr(e.msg, "span more than a double") != NULL);
        trace_table_free(&t);
    }
    struct trace_table t;
    load("degenerate_win.csv", "t_ms,a[0].v\n1e300,-65\n", &t);
    struct err e = {0};
    struct svg_traces_opts narrow = {.t_start_ms = 1e300, .t_end_ms = 1.0000000000000002e300};
    CU_ASSERT(svg_traces_write(p, &t, &narrow, &e) == ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "too narrow") != NULL);
    trace_table_free(&t);
    CU_ASSERT(!harness_exists(p));
    alarm(0);
    setrlimit(RLIMIT_FSIZE, &fsize);
}

/* ---------------------------------------------------------------------------------------------
 * The command line.
 */

#define EXPECT HARNESS_EXPECT

/* Copies src to dst with line `line` (1-based) replaced by repl, or cut after `cut` bytes. */
static void corrupt(const char *src, const char *dst, int line, const char *repl, long cut) {
    size_t len;
    char *s = harness_slurp(src, &len);
    CU_ASSERT_FATAL(s != NULL);
    FILE *f = fopen(dst, "wb");
    CU_ASSERT_FATAL(f != NULL);
    if (cut >= 0) {
        size_t n = (size_t)cut < len ? (size_t)cut : len;
        if (n && s[n - 1] == '\n') n--; /* a cut right after a newline would leave whole lines */
        fwrite(s, 1, n, f);
    } else {
        int ln = 1;
        for (char *p = s; *p;) {
            char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
            if (ln++ == line)
                fprintf(f, "%s\n", repl);
            else
                fwrite(p, 1, n, f);
            p += n;
        }
    }
    fclose(f);
    free(s);
}

static void test_cli_traces(void) {
    /* Truth: docs/formats.md: a run that records traces leaves a complete traces.svg; apical plot
     * redraws it from traces.csv or the run's folder; bad input is exit status 2 naming
     * file:line, and leaves no picture. */
    static char out[OUT_CAP];
    const char *dir = harness_path("pyr");
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "run %s/configs/pyramidal.cfg --set simulation.duration=60 "
             "--set 'record.traces.0.neurons=[0,1,2]' -o %s --quiet",
             harness_root(), dir);
    EXPECT(harness_apical(cmd, out, sizeof out) == 0, "pyramidal run", out);
    char traces[2048], tsvg[2048];
    snprintf(traces, sizeof traces, "%s/traces.csv", dir);
    snprintf(tsvg, sizeof tsvg, "%s/traces.svg", dir);
    char *svg = harness_slurp(tsvg, NULL);
    EXPECT(complete_svg(svg), "run traces.svg", out);
    EXPECT(svg && harness_count(svg, NULL, "<g class=\"neuron\"") == 3, "run traces.svg", out);
    EXPECT(svg && harness_count(svg, NULL, "data-kind=\"input\"") == 3, "run traces.svg", out);
    free(svg);

    const char *pic = harness_path("pyr_plot.svg");
    snprintf(cmd, sizeof cmd, "plot %s -o %s --neurons 2 --currents --tmin 10 --tmax 50", traces,
             pic);
    EXPECT(harness_apical(cmd, out, sizeof out) == 0, "plot traces", out);
    svg = harness_slurp(pic, NULL);
    EXPECT(complete_svg(svg), "plot traces", out);
    EXPECT(svg && harness_count(svg, NULL, "<g class=\"neuron\"") == 2, "plot traces", out);
    EXPECT(svg && harness_count(svg, NULL, "<g class=\"panel\"") == 4, "plot traces", out);
    EXPECT(svg && harness_count(svg, NULL, "<polyline") == 8, "plot traces", out);
    EXPECT(svg && strstr(svg, "data-t0=\"10\" data-t1=\"50\""), "plot traces", out);
    free(svg);

    const char *pic2 = harness_path("pyr_dir.svg");
    snprintf(cmd, sizeof cmd, "plot %s -o %s", dir, pic2);
    EXPECT(harness_apical(cmd, out, sizeof out) == 0, "plot folder", out);
    svg = harness_slurp(pic2, NULL);
    EXPECT(complete_svg(svg) && harness_count(svg, NULL, "<g class=\"panel\"") == 3, "plot folder",
           out);
    free(svg);
    EXPECT(!harness_sanitizer_text(out), "plot", out);

    /* corrupt files: the line is named, nothing is drawn */
    struct {
        const char *what;
        int line;
        const char *repl;
        long cut;
    } bad[] = {{"nan", 7, "0.5,-70,nan,-70,0,-70,-70,-70,0,-70,-70,-70,0", -1},
               {"columns", 5, "0.3,-70,-70", -1},
               {"header", 1, "time,pyr[0].v", -1},
               {"truncated", 0, NULL, 2000}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *src = harness_path("bad_traces.csv"), *dst = harness_path("bad_plot.svg");
        corrupt(traces, src, bad[i].line, bad[i].repl, bad[i].cut);
        int line = bad[i].line;
        if (bad[i].cut >= 0) { /* the line the cut falls in */
            char *s = harness_slurp(src, NULL);
            line = 1 + (int)harness_count(s, NULL, "\n");
            free(s);
        }
        snprintf(cmd, sizeof cmd, "plot %s -o %s", src, dst);
        EXPECT(harness_apical(cmd, out, sizeof out) == 2, bad[i].what, out);
        char where[1200];
        snprintf(where, sizeof where, "apical: %s:%d: ", src, line);
        EXPECT(strstr(out, where) != NULL, bad[i].what, out);
        EXPECT(!harness_exists(dst), bad[i].what, out);
    }

    /* flags of the other kind, empty windows, a folder without traces */
    char spikes[2048];
    snprintf(spikes, sizeof spikes, "%s/spikes.csv", dir);
    const char *dst = harness_path("flag.svg");
    const char *const args[][2] = {
        {traces, "--bin 5"},     {traces, "--max-per-pop 3"},     {spikes, "--currents"},
        {spikes, "--neurons 2"}, {traces, "--neurons 0"},         {traces, "--currents=1"},
        {traces, "--tmin 5000"}, {traces, "--tmin 30 --tmax 20"}, {harness_tmpdir(), "--currents"}};
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        snprintf(cmd, sizeof cmd, "plot %s -o %s %s", args[i][0], dst, args[i][1]);
        EXPECT(harness_apical(cmd, out, sizeof out) == 2, args[i][1], out);
        EXPECT(strncmp(out, "apical: ", 8) == 0 && strchr(out, '\n') == out + strlen(out) - 1,
               args[i][1], out);
        EXPECT(!harness_exists(dst), args[i][1], out);
    }
    EXPECT(!harness_sanitizer_text(out), "plot errors", out);
}

static void test_cli_zero_span(void) {
    /* Truth: issue 19: a traces file whose time span is zero at double precision (one row at
     * 1e300: t0 + 1 == t0) made apical plot loop without end, writing an ever-growing temporary
     * file. Now it ends at once with a complete picture of finite numbers (or exit 2). */
    static char out[OUT_CAP];
    static const char *const files[] = {"t_ms,a[0].v\n1e300,-65\n",
                                        "t_ms,a[0].v,a[0].i_ex\n1e300,-65,1\n1.0000000000000002e300,"
                                        "-64,2\n"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const char *in = harness_write("zero_span.csv", files[i]);
        const char *pic = harness_path("zero_span.svg");
        char cmd[4096], tmp[2100];
        snprintf(cmd, sizeof cmd, "plot %s -o %s --currents", in, pic);
        /* within 20 s and 64 MiB a file: a regression fails instead of filling the disk */
        int rc = harness_apical_within(20, 64ULL << 20, cmd, out, sizeof out);
        EXPECT(rc == 0 || rc == 2, "zero span", out);
        char *svg = harness_slurp(pic, NULL);
        EXPECT(rc == 0 ? complete_svg(svg) && finite_svg(svg) : !svg, "zero span", out);
        free(svg);
        snprintf(tmp, sizeof tmp, "%s.tmp", pic);
        EXPECT(!harness_exists(tmp), "zero span", out);
        EXPECT(!harness_sanitizer_text(out), "zero span", out);
        remove(pic);
    }
}

static int suite_tracefile(void) {
    CU_pSuite s = CU_add_suite("tracefile", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "round trip, bit for bit", test_round_trip) ||
        !CU_add_test(s, "first neurons only", test_read_first_neurons) ||
        !CU_add_test(s, "malformed files name their line", test_malformed) ||
        !CU_add_test(s, "traces told from spikes", test_sniff) ||
        !CU_add_test(s, "devices, pipes, folders, long lines", test_unbounded_refused) ||
        !CU_add_test(s, "svg: a ramp lands on the stated axes", test_svg_ramp) ||
        !CU_add_test(s, "svg: a panel group per neuron", test_svg_panels) ||
        !CU_add_test(s, "svg: thinning keeps the envelope", test_svg_thinning) ||
        !CU_add_test(s, "svg: rejects", test_svg_rejects) ||
        !CU_add_test(s, "svg: degenerate windows", test_svg_degenerate) ||
        !CU_add_test(s, "apical run and plot", test_cli_traces) ||
        !CU_add_test(s, "apical plot, zero time span", test_cli_zero_span))
        return -1;
    return 0;
}
TEST_SUITE(suite_tracefile)
