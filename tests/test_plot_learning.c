/* tests/test_plot_learning: `apical plot` of an online run's learning curve. Truth: the format
 * learning/present writes (learning.csv: samples,epoch,accuracy) and summary.json's
 * classification; io/lcurve reads back what it is given and names the line of every malformed
 * input; the picture (io/curves) has one marker per row, at the pixel its stated axes give, the
 * axes named "samples presented" and "epoch", and the final accuracy marked. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/curves.h"
#include "io/lcurve.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT
#define OUT_CAP 65536

static const char good_csv[] = "samples,epoch,accuracy\n"
                               "200,0.2,48.5\n400,0.4,57.5\n600,0.6,61.5\n800,0.8,63\n"
                               "1000,1,60\n1200,1.2,74\n1300,1.3,64.5\n";
#define GOOD_ROWS 7

static const char good_summary[] =
    "{\"version\": \"x\", \"classification\": {\"split\": \"test\", \"samples\": 1000,\n"
    " \"correct\": 912, \"accuracy\": 91.2, \"online\": {\"samples_learned\": 1300}}}\n";

/* A complete picture: starts with <svg, ends with </svg> and a newline. */
static int complete_svg(const char *svg) {
    size_t len = svg ? strlen(svg) : 0;
    return len > 7 && !strncmp(svg, "<svg", 4) && !strcmp(svg + len - 7, "</svg>\n");
}

/* The number in attribute name="..." of the first tag at or after p; NAN if none. */
static double attr(const char *p, const char *name) {
    char want[64];
    snprintf(want, sizeof want, " %s=\"", name);
    const char *end = p ? strchr(p, '>') : NULL, *a = p ? strstr(p, want) : NULL;
    if (!end || !a || a > end) return NAN;
    return strtod(a + strlen(want), NULL);
}

/* The markers' circles of the picture's first series: their count (at most cap), cx, cy. */
static size_t markers(const char *svg, double *cx, double *cy, size_t cap) {
    const char *g = svg ? strstr(svg, "<g class=\"markers\"") : NULL;
    const char *end = g ? strstr(g, "</g>") : NULL;
    size_t n = 0;
    for (const char *p = g; p && (p = strstr(p, "<circle")) && p < end && n < cap; p++, n++) {
        cx[n] = attr(p, "cx");
        cy[n] = attr(p, "cy");
    }
    return n;
}

/* A run folder under the test's folder holding learning.csv (csv) and, if not NULL,
 * summary.json; returns the folder. */
static const char *run_folder(const char *name, const char *csv, const char *summary) {
    const char *dir = harness_folder(name);
    char path[1024];
    snprintf(path, sizeof path, "%s/learning.csv", dir);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    fputs(csv, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    remove(path);
    if (summary) {
        f = fopen(path, "wb");
        CU_ASSERT_FATAL(f != NULL);
        fputs(summary, f);
        fclose(f);
    }
    return dir;
}

static void test_read(void) {
    /* Truth: the file's own numbers, bit for bit. */
    const char *p = harness_write("lc_good.csv", good_csv);
    CU_ASSERT(lcurve_sniff(p));
    CU_ASSERT(!lcurve_sniff(harness_write("lc_other.csv", "t_ms,pop[0].v\n0,1\n")));
    struct lcurve c;
    struct err e = {0};
    CU_ASSERT_FATAL(lcurve_read(p, &c, &e) == 0);
    CU_ASSERT(c.n == GOOD_ROWS);
    CU_ASSERT(c.samples[0] == 200 && c.samples[6] == 1300);
    CU_ASSERT(c.epoch[6] == 1.3 && c.acc[5] == 74 && c.acc[6] == 64.5);
    lcurve_free(&c);
    lcurve_free(&c); /* a zeroed one is fine */

    struct lcurve_final f;
    CU_ASSERT(lcurve_final_read(harness_write("lc_summary.json", good_summary), &f, &e) == 0);
    CU_ASSERT(f.have && !strcmp(f.split, "test") && f.accuracy == 91.2);
    CU_ASSERT(lcurve_final_read(harness_path("no_such_summary.json"), &f, &e) == 0 && !f.have);
    CU_ASSERT(lcurve_final_read(harness_write("lc_nocls.json", "{\"neurons\": 3}"), &f, &e) == 0 &&
              !f.have);
}

static void test_malformed(void) {
    /* Truth: learning.csv's format (io/lcurve.h); each file below breaks it at one line. */
    static const struct {
        const char *text;
        int line;
        const char *says;
    } bad[] = {
        {"", 1, "empty file"},
        {"samples,epoch,acc\n1,1,50\n", 1, "header"},
        {"samples,epoch,accuracy\n", 2, "no rows"},
        {"samples,epoch,accuracy\n100,1,50", 2, ""}, /* cut short: no newline */
        {"samples,epoch,accuracy\n100,1\n", 2, "3 fields"},
        {"samples,epoch,accuracy\n100,1,50,7\n", 2, "3 fields"},
        {"samples,epoch,accuracy\n100.5,1,50\n", 2, "samples"},
        {"samples,epoch,accuracy\n0,0,50\n", 2, "samples"},
        {"samples,epoch,accuracy\n-100,1,50\n", 2, "samples"},
        {"samples,epoch,accuracy\n1e300,1,50\n", 2, "samples"},
        {"samples,epoch,accuracy\nnan,1,50\n", 2, "samples"},
        {"samples,epoch,accuracy\n 100,1,50\n", 2, "samples"},
        {"samples,epoch,accuracy\n100,1,50\n100,1,60\n", 3, "previous row"},
        {"samples,epoch,accuracy\n100,1,50\n50,0.5,60\n", 3, "previous row"},
        {"samples,epoch,accuracy\n100,0,50\n", 2, "epoch"},
        {"samples,epoch,accuracy\n100,inf,50\n", 2, "epoch"},
        {"samples,epoch,accuracy\n100,1,50\n200,0.5,60\n", 3, "epoch"},
        {"samples,epoch,accuracy\n100,1,50\n200,3,60\n", 3, "first row"},
        {"samples,epoch,accuracy\n100,1,100.5\n", 2, "accuracy"},
        {"samples,epoch,accuracy\n100,1,-1\n", 2, "accuracy"},
        {"samples,epoch,accuracy\n100,1,nan\n", 2, "accuracy"},
        {"samples,epoch,accuracy\n100,1,\n", 2, "accuracy"},
        {"samples,epoch,accuracy\n100,1,5\0" "0\n", 2, ""},
    };
    static const size_t len_nul = sizeof "samples,epoch,accuracy\n100,1,5\0" "0\n" - 1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *p = harness_path("lc_bad.csv");
        FILE *f = fopen(p, "wb");
        CU_ASSERT_FATAL(f != NULL);
        fwrite(bad[i].text, 1, i + 1 == sizeof bad / sizeof bad[0] ? len_nul : strlen(bad[i].text),
               f);
        fclose(f);
        struct lcurve c;
        struct err e = {0};
        char ctx[1400];
        int rc = lcurve_read(p, &c, &e);
        snprintf(ctx, sizeof ctx, "case %zu (%s): line %d, got %s:%d: %s", i, bad[i].says,
                 bad[i].line, e.file, e.line, e.msg);
        EXPECT(rc == ERR_INPUT && e.line == bad[i].line && !strcmp(e.file, p), ctx, NULL);
        EXPECT(strstr(e.msg, bad[i].says) != NULL, ctx, NULL);
        EXPECT(c.n == 0 && !c.samples, ctx, NULL);
    }
    /* bad summaries: named, with the setting */
    static const char *const bad_json[] = {
        "{\"classification\": {\"split\": \"test\", \"accuracy\": 101}}",
        "{\"classification\": {\"split\": \"test\", \"accuracy\": \"91\"}}",
        "{\"classification\": {\"split\": 3, \"accuracy\": 91}}",
        "{\"classification\": {\"split\": \"<script>\", \"accuracy\": 91}}",
        "{\"classification\": 7}", "[1, 2]", "{\"classification\":\n {\"split\": "};
    for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
        const char *p = harness_write("lc_bad.json", bad_json[i]);
        struct lcurve_final f;
        struct err e = {0};
        int rc = lcurve_final_read(p, &f, &e);
        EXPECT(rc == ERR_INPUT && !strcmp(e.file, p) && !f.have, bad_json[i], e.msg);
    }
    struct lcurve_final f;
    struct err e = {0};
    CU_ASSERT(lcurve_final_read(harness_write("lc_bad.json", bad_json[6]), &f, &e) == ERR_INPUT);
    CU_ASSERT(e.line == 2);
}

static void test_curves_mark_and_epochs(void) {
    /* Truth: io/curves.h: a mark is a dashed line at its y on the panel's stated axes; the second
     * x scale labels x * x2_per_x under the first. */
    double x[3] = {100, 200, 300}, y[3] = {40, 50, 60};
    struct curves_panel p = {.nseries = 1, .s = {{"acc", y}}, .mark_label = "final", .mark_y = 90};
    struct curves_opts o = {.x = x, .xlabel = "samples presented", .x2_per_x = 0.01,
                            .x2label = "epoch"};
    const char *pic = harness_path("lc_curves.svg");
    struct err e = {0};
    CU_ASSERT_FATAL(curves_write_opts(pic, &o, 3, &p, 1, &e) == 0);
    char *svg = harness_slurp(pic, NULL);
    CU_ASSERT_FATAL(complete_svg(svg));
    const char *panel = strstr(svg, "<g class=\"panel\"");
    CU_ASSERT(attr(panel, "data-y1") >= 90); /* a fitted range holds the mark */
    const char *m = strstr(svg, "<g class=\"mark\"");
    CU_ASSERT(m && attr(m, "data-y") == 90);
    CU_ASSERT(strstr(svg, ">samples presented</text>") && strstr(svg, ">epoch</text>"));
    const char *x2 = strstr(svg, "<g class=\"xaxis2\"");
    CU_ASSERT(x2 && attr(x2, "data-per-x") == 0.01 && strstr(x2, ">2</text>"));
    free(svg);
    /* refused: a mark at NaN, a negative or infinite second scale; nothing written */
    remove(pic);
    p.mark_y = NAN;
    CU_ASSERT(curves_write_opts(pic, &o, 3, &p, 1, &e) == ERR_INPUT);
    p.mark_y = 90, o.x2_per_x = -1;
    CU_ASSERT(curves_write_opts(pic, &o, 3, &p, 1, &e) == ERR_INPUT);
    o.x2_per_x = INFINITY;
    CU_ASSERT(curves_write_opts(pic, &o, 3, &p, 1, &e) == ERR_INPUT);
    o.x2_per_x = 1e-310; /* the epochs' window is too narrow to draw */
    CU_ASSERT(curves_write_opts(pic, &o, 3, &p, 1, &e) == ERR_INPUT);
    CU_ASSERT(!harness_exists(pic));
}

static void test_cli_picture(void) {
    /* Truth: the rows of learning.csv and summary.json's accuracy: one marker per row, at the
     * pixel of (samples, accuracy) on the panel's stated axes, the final accuracy marked. */
    static char out[OUT_CAP];
    char cmd[4096];
    const char *dir = run_folder("lc_run", good_csv, good_summary);
    const char *pic = harness_path("lc_dir.svg");
    snprintf(cmd, sizeof cmd, "plot %s -o %s", dir, pic);
    EXPECT(harness_apical(cmd, out, sizeof out) == 0, "plot folder", out);
    char *svg = harness_slurp(pic, NULL);
    EXPECT(complete_svg(svg), "plot folder", out);
    double cx[64], cy[64];
    size_t n = markers(svg, cx, cy, 64);
    EXPECT(n == GOOD_ROWS, "one marker per row", svg);
    const char *panel = svg ? strstr(svg, "<g class=\"panel\"") : NULL;
    const char *frame = panel ? strstr(panel, "<rect class=\"frame\"") : NULL;
    double x0 = attr(panel, "data-x0"), x1 = attr(panel, "data-x1");
    double y0 = attr(panel, "data-y0"), y1 = attr(panel, "data-y1");
    double fx = attr(frame, "x"), fy = attr(frame, "y"), fw = attr(frame, "width"),
           fh = attr(frame, "height");
    CU_ASSERT(y0 == 0 && y1 == 100 && x0 <= 200 && x1 >= 1300);
    static const double smp[GOOD_ROWS] = {200, 400, 600, 800, 1000, 1200, 1300};
    static const double acc[GOOD_ROWS] = {48.5, 57.5, 61.5, 63, 60, 74, 64.5};
    for (size_t i = 0; i < n && i < GOOD_ROWS; i++) {
        CU_ASSERT(fabs(cx[i] - (fx + (smp[i] - x0) / (x1 - x0) * fw)) < 0.01);
        CU_ASSERT(fabs(cy[i] - (fy + fh - (acc[i] - y0) / (y1 - y0) * fh)) < 0.01);
    }
    EXPECT(svg && strstr(svg, ">samples presented</text>") && strstr(svg, ">epoch</text>") &&
               strstr(svg, ">%</text>"),
           "axis labels", svg);
    const char *m = svg ? strstr(svg, "<g class=\"mark\"") : NULL;
    EXPECT(m && attr(m, "data-y") == 91.2 && strstr(m, "test accuracy at the end: 91.20 %"),
           "final accuracy marked", svg);
    const char *x2 = svg ? strstr(svg, "<g class=\"xaxis2\"") : NULL;
    EXPECT(x2 && attr(x2, "data-per-x") == 1.3 / 1300, "epochs under samples", svg);
    EXPECT(svg && strstr(svg, "last 200 samples"), "legend", svg);
    free(svg);

    /* the file itself, and without a summary: no mark; --title is used */
    dir = run_folder("lc_nosum", good_csv, NULL);
    char csv[1100];
    snprintf(csv, sizeof csv, "%s/learning.csv", dir);
    snprintf(cmd, sizeof cmd, "plot %s -o %s --title 'my run'", csv, pic);
    EXPECT(harness_apical(cmd, out, sizeof out) == 0, "plot file", out);
    svg = harness_slurp(pic, NULL);
    EXPECT(complete_svg(svg) && markers(svg, cx, cy, 64) == GOOD_ROWS, "plot file", svg);
    EXPECT(svg && !strstr(svg, "class=\"mark\"") && strstr(svg, ">my run</text>"), "no mark",
           svg);
    free(svg);
    EXPECT(!harness_sanitizer_text(out), "plot", out);
}

static void test_cli_errors(void) {
    /* Truth: docs/design.md "Errors and data safety": bad input is one line, exit status 2,
     * naming file and line, and no picture; a pipe in place of the file never hangs. */
    static char out[OUT_CAP];
    char cmd[4096], where[1200];
    const char *pic = harness_path("lc_bad.svg");
    static const struct {
        const char *csv;
        int line;
    } bad[] = {{"samples,epoch,accuracy\n200,0.2,48.5\n400,0.4,nan\n", 3},
               {"samples,epoch,accuracy\n200,0.2,48.5\n400,0.4,57.5\n600,0.6", 4},
               {"samples,epoch,accuracy\n200,0.2,48.5\n100,0.1,40\n", 3},
               {"samples,epoch,accuracy\n", 2}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *dir = run_folder("lc_broken", bad[i].csv, good_summary);
        snprintf(cmd, sizeof cmd, "plot %s -o %s", dir, pic);
        EXPECT(harness_apical_within(30, HARNESS_ANY_SIZE, cmd, out, sizeof out) == 2, bad[i].csv,
               out);
        snprintf(where, sizeof where, "apical: %s/learning.csv:%d: ", dir, bad[i].line);
        EXPECT(strstr(out, where) == out && strchr(out, '\n') == out + strlen(out) - 1, bad[i].csv,
               out);
        EXPECT(!harness_exists(pic), bad[i].csv, out);
    }
    /* a broken summary beside a good curve */
    const char *dir = run_folder("lc_badsum", good_csv, "{\"classification\": {\"split\": \"test\",\n"
                                                        " \"accuracy\": 250}}\n");
    snprintf(cmd, sizeof cmd, "plot %s -o %s", dir, pic);
    EXPECT(harness_apical(cmd, out, sizeof out) == 2, "bad summary", out);
    snprintf(where, sizeof where, "apical: %s/summary.json: classification.accuracy: ", dir);
    EXPECT(strstr(out, where) == out, "bad summary", out);
    EXPECT(!harness_exists(pic), "bad summary", out);
    /* flags of other pictures */
    dir = run_folder("lc_flags", good_csv, good_summary);
    static const char *const flags[] = {"--tmin 5", "--tmax 5", "--bin 2", "--neurons 2",
                                        "--currents", "--max-per-pop 3"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        snprintf(cmd, sizeof cmd, "plot %s -o %s %s", dir, pic, flags[i]);
        EXPECT(harness_apical(cmd, out, sizeof out) == 2, flags[i], out);
        EXPECT(strstr(out, "not for learning curves"), flags[i], out);
        EXPECT(!harness_exists(pic), flags[i], out);
    }
    /* a FIFO as learning.csv: refused at once, not waited on */
    dir = harness_folder("lc_fifo");
    char fifo[1100];
    snprintf(fifo, sizeof fifo, "lc_fifo/learning.csv");
    harness_fifo(fifo);
    snprintf(cmd, sizeof cmd, "plot %s -o %s", dir, pic);
    EXPECT(harness_apical_within(30, HARNESS_ANY_SIZE, cmd, out, sizeof out) == 2, "fifo", out);
    EXPECT(!harness_exists(pic), "fifo", out);
    EXPECT(!harness_sanitizer_text(out), "plot errors", out);
}

static void test_cli_online_run(void) {
    /* Truth: learning/present's learning.csv of a real online run: a marker per row, and the
     * mark at summary.json's test accuracy. */
    static char out[OUT_CAP];
    char cmd[4096];
    const char *dir = harness_path("lc_yyo");
    snprintf(cmd, sizeof cmd,
             "run %s/configs/yinyang_online.cfg --set teacher.epochs=1 --set data.train=600 "
             "--set data.test=100 --set teacher.window=100 -o %s --quiet",
             harness_root(), dir);
    EXPECT(harness_apical(cmd, out, sizeof out) == 0, "online run", out);
    const char *pic = harness_path("lc_yyo.svg");
    snprintf(cmd, sizeof cmd, "plot %s -o %s", dir, pic);
    EXPECT(harness_apical(cmd, out, sizeof out) == 0, "plot online run", out);
    char *svg = harness_slurp(pic, NULL);
    double cx[64], cy[64];
    EXPECT(complete_svg(svg) && markers(svg, cx, cy, 64) == 6, "6 rows: 600 / 100", svg);
    EXPECT(svg && strstr(svg, "class=\"mark\""), "test accuracy marked", svg);
    free(svg);
    EXPECT(!harness_sanitizer_text(out), "online plot", out);
}

static int suite_plot_learning(void) {
    CU_pSuite s = CU_add_suite("plot_learning", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "learning.csv and summary read back", test_read) ||
        !CU_add_test(s, "malformed files name their line", test_malformed) ||
        !CU_add_test(s, "curves: mark and epochs", test_curves_mark_and_epochs) ||
        !CU_add_test(s, "apical plot: the learning curve", test_cli_picture) ||
        !CU_add_test(s, "apical plot: bad learning curves", test_cli_errors) ||
        !CU_add_test(s, "apical run online, then plot", test_cli_online_run))
        return -1;
    return 0;
}
TEST_SUITE(suite_plot_learning)
