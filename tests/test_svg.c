/* tests/test_svg: io/svg raster pictures: dots drawn, rates shown, escaping, size bounds. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/spikes.h"
#include "io/svg.h"
#include "tests/harness.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers.
 */

static void table_init(struct spk_table *t, int npops, const char *const *names,
                       const uint32_t *sizes, size_t cap) {
    memset(t, 0, sizeof *t);
    t->npops = npops;
    t->pop_names = calloc((size_t)npops + 1, sizeof *t->pop_names);
    t->pop_size = calloc((size_t)npops + 1, sizeof *t->pop_size);
    t->t_ms = malloc((cap + 1) * sizeof *t->t_ms);
    t->pop = malloc((cap + 1) * sizeof *t->pop);
    t->id = malloc((cap + 1) * sizeof *t->id);
    CU_ASSERT_FATAL(t->pop_names && t->pop_size && t->t_ms && t->pop && t->id);
    for (int p = 0; p < npops; p++) {
        t->pop_names[p] = strdup(names[p]);
        t->pop_size[p] = sizes[p];
    }
}

static void table_add(struct spk_table *t, double tm, uint32_t pop, uint32_t id) {
    t->t_ms[t->n] = tm;
    t->pop[t->n] = pop;
    t->id[t->n] = id;
    t->n++;
}

static uint64_t lcg(uint64_t *x) {
    *x = *x * 6364136223846793005u + 1442695040888963407u;
    return *x >> 33;
}

/* Dots in the paths of class "spikes" (each dot is one "M" move), for one population or all. */
static size_t count_dots(const char *svg, const char *pop) {
    size_t n = 0;
    char want[256];
    snprintf(want, sizeof want, "data-pop=\"%s\"", pop ? pop : "");
    for (const char *p = svg; (p = strstr(p, "<path class=\"spikes\"")); p++) {
        const char *end = strstr(p, "/>");
        const char *d = strstr(p, " d=\"");
        const char *who = strstr(p, "data-pop=\"");
        if (!end || !d || d > end || !who || who > end) return (size_t)-1;
        if (pop && strncmp(who, want, strlen(want))) continue;
        for (d += 4; *d && *d != '"'; d++)
            n += *d == 'M';
    }
    return n;
}

/* The data-rates numbers of the population's rate path; returns their count (at most cap). */
static size_t read_rates(const char *svg, const char *pop, double *r, size_t cap) {
    char want[256];
    snprintf(want, sizeof want, "<path class=\"rate\" data-pop=\"%s\"", pop);
    const char *p = strstr(svg, want);
    if (!p) return 0;
    p = strstr(p, "data-rates=\"");
    if (!p) return 0;
    p += strlen("data-rates=\"");
    size_t n = 0;
    while (*p != '"' && n < cap) {
        char *end;
        r[n++] = strtod(p, &end);
        if (end == p) return 0;
        p = end;
        while (*p == ' ')
            p++;
    }
    return n;
}

static char *write_and_slurp(const char *name, const struct spk_table *t,
                             const struct svg_raster_opts *o) {
    const char *path = harness_path(name);
    struct err e = {0};
    int rc = svg_raster_write(path, t, o, &e);
    if (rc) fprintf(stderr, "\nsvg_raster_write: %s\n", e.msg);
    CU_ASSERT_FATAL(rc == 0);
    char *svg = harness_slurp(path, NULL);
    CU_ASSERT_FATAL(svg != NULL);
    size_t len = strlen(svg);
    CU_ASSERT(!strncmp(svg, "<svg", 4));
    CU_ASSERT(len > 7 && !strcmp(svg + len - 7, "</svg>\n"));
    return svg;
}

/* Spikes of sampled neurons in [t0, t1], counted from the list: ids i*size/m, i < m. */
static size_t expected_dots(const struct spk_table *t, int pop, uint32_t m, double t0, double t1) {
    uint32_t size = t->pop_size[pop];
    char *shown = calloc(size, 1);
    CU_ASSERT_FATAL(shown != NULL);
    if (size <= m)
        memset(shown, 1, size);
    else
        for (uint64_t i = 0; i < m; i++)
            shown[i * size / m] = 1;
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        n += (int)t->pop[i] == pop && shown[t->id[i]] && t->t_ms[i] >= t0 && t->t_ms[i] <= t1;
    free(shown);
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Tests.
 */

static void make_random(struct spk_table *t, size_t n) {
    const char *names[2] = {"exc", "inh"};
    uint32_t sizes[2] = {1000, 250};
    table_init(t, 2, names, sizes, n);
    uint64_t x = 42;
    for (size_t i = 0; i < n; i++) {
        uint32_t pop = lcg(&x) % 5 == 0;
        table_add(t, (double)(lcg(&x) % 6000) / 10.0, pop, (uint32_t)(lcg(&x) % sizes[pop]));
    }
}

static void test_dots_match_sample(void) {
    /* Truth: spikes of ids i*size/max_per_pop inside the window, counted from the spike list. */
    struct spk_table t;
    make_random(&t, 30000);
    uint32_t ms[3] = {50, 300, 7};
    for (int k = 0; k < 3; k++) {
        struct svg_raster_opts o = {.t_start_ms = 100,
                                    .t_end_ms = 400.05,
                                    .max_per_pop = ms[k],
                                    .bin_ms = 10,
                                    .title = "random"};
        char *svg = write_and_slurp("dots.svg", &t, &o);
        size_t exc = expected_dots(&t, 0, ms[k], 100, 400.05);
        size_t inh = expected_dots(&t, 1, ms[k], 100, 400.05);
        CU_ASSERT(exc > 0 && inh > 0);
        CU_ASSERT(count_dots(svg, "exc") == exc);
        CU_ASSERT(count_dots(svg, "inh") == inh);
        CU_ASSERT(count_dots(svg, NULL) == exc + inh);
        free(svg);
    }
    spk_table_free(&t);
}

static void test_window_from_data(void) {
    /* Truth: with no window every spike of a sampled neuron is drawn, counted from the list. */
    struct spk_table t;
    make_random(&t, 5000);
    struct svg_raster_opts o = {.max_per_pop = 40};
    char *svg = write_and_slurp("data.svg", &t, &o);
    size_t want = expected_dots(&t, 0, 40, -1e300, 1e300) + expected_dots(&t, 1, 40, -1e300, 1e300);
    CU_ASSERT(count_dots(svg, NULL) == want);
    free(svg);
    spk_table_free(&t);
}

static void test_rates_of_regular_trains(void) {
    /* Truth: a neuron firing every T ms fires at 1000/T Hz; so does its population. */
    const char *names[2] = {"a", "b"};
    uint32_t sizes[2] = {10, 4};
    double period[2] = {20, 25}; /* 50 Hz and 40 Hz */
    struct spk_table t;
    table_init(&t, 2, names, sizes, 1000);
    for (uint32_t p = 0; p < 2; p++)
        for (uint32_t j = 0; j < sizes[p]; j++)
            for (double tm = 0.3 + 0.5 * j; tm < 1000; tm += period[p])
                table_add(&t, tm, p, j);
    struct svg_raster_opts o = {
        .t_start_ms = 0, .t_end_ms = 1000, .max_per_pop = 100, .bin_ms = 100};
    char *svg = write_and_slurp("rates.svg", &t, &o);
    for (int p = 0; p < 2; p++) {
        double r[64];
        size_t n = read_rates(svg, names[p], r, 64);
        CU_ASSERT(n == 10);
        for (size_t b = 0; b < n; b++)
            CU_ASSERT(fabs(r[b] - 1000 / period[p]) < 1e-6);
    }
    CU_ASSERT(count_dots(svg, NULL) == t.n);
    free(svg);

    /* bins of 300 ms over 1000 ms: the last bin is 100 ms long, rates still exact */
    o.bin_ms = 300;
    svg = write_and_slurp("rates-short.svg", &t, &o);
    for (int p = 0; p < 2; p++) {
        double r[64];
        size_t n = read_rates(svg, names[p], r, 64);
        CU_ASSERT(n == 4);
        for (size_t b = 0; b < n; b++)
            CU_ASSERT(fabs(r[b] - 1000 / period[p]) < 1e-6);
    }
    free(svg);

    /* the same trains with the window and bin left to io/svg: still 50 and 40 Hz in whole bins */
    struct svg_raster_opts auto_o = {.max_per_pop = 100};
    svg = write_and_slurp("rates-auto.svg", &t, &auto_o);
    for (int p = 0; p < 2; p++) {
        double r[256];
        size_t n = read_rates(svg, names[p], r, 256);
        CU_ASSERT(n >= 10);
        double sum = 0;
        for (size_t b = 0; b < n; b++)
            sum += r[b];
        /* mean over the bins = spikes / (neurons * window); the window is n whole bins */
        const char *b = strstr(svg, "data-bin-ms=\"");
        CU_ASSERT_FATAL(b != NULL);
        double bin = strtod(b + strlen("data-bin-ms=\""), NULL);
        double spikes = 0;
        for (size_t i = 0; i < t.n; i++)
            spikes += (int)t.pop[i] == p;
        CU_ASSERT(fabs(sum / n - spikes / (sizes[p] * n * bin * 1e-3)) < 1e-6);
    }
    free(svg);
    spk_table_free(&t);
}

static void test_escaping(void) {
    /* Truth: XML 1.0 requires & < > and quotes in attributes as entities. */
    const char *names[1] = {"a<b&\"c'"};
    uint32_t sizes[1] = {3};
    struct spk_table t;
    table_init(&t, 1, names, sizes, 4);
    table_add(&t, 1, 0, 2);
    struct svg_raster_opts o = {.max_per_pop = 10, .title = "<script>&x</script>"};
    char *svg = write_and_slurp("escape.svg", &t, &o);
    CU_ASSERT(strstr(svg, "a&lt;b&amp;&quot;c&apos;") != NULL);
    CU_ASSERT(strstr(svg, "&lt;script&gt;&amp;x&lt;/script&gt;") != NULL);
    CU_ASSERT(strstr(svg, "<script") == NULL);
    CU_ASSERT(strstr(svg, "a<b") == NULL);
    CU_ASSERT(count_dots(svg, "a&lt;b&amp;&quot;c&apos;") == 1);
    free(svg);
    spk_table_free(&t);
}

static void test_dot_budget(void) {
    /* Truth: the file-size bound: at most ~200k dots however many spikes there are. */
    const char *names[1] = {"big"};
    uint32_t sizes[1] = {2000};
    struct spk_table t;
    size_t n = 500000;
    table_init(&t, 1, names, sizes, n);
    uint64_t x = 5;
    for (size_t i = 0; i < n; i++)
        table_add(&t, (double)i / 500, 0, (uint32_t)(lcg(&x) % 2000));
    struct svg_raster_opts o = {.max_per_pop = 2000};
    char *svg = write_and_slurp("budget.svg", &t, &o);
    size_t dots = count_dots(svg, NULL);
    CU_ASSERT(dots > 100000 && dots <= 200000);
    free(svg);

    /* one neuron with all the spikes: fewer neurons cannot help, so spikes thin */
    for (size_t i = 0; i < n; i++)
        t.id[i] = 0;
    svg = write_and_slurp("budget1.svg", &t, &o);
    dots = count_dots(svg, NULL);
    CU_ASSERT(dots > 100000 && dots <= 200000);
    free(svg);
    spk_table_free(&t);
}

static void test_rejects_and_empty(void) {
    /* Truth: io/svg.h: bad options are ERR_INPUT and leave no file; no spikes is a valid plot. */
    struct spk_table t;
    make_random(&t, 100);
    struct err e = {0};
    const char *p = harness_path("bad.svg");
    struct svg_raster_opts zero = {.max_per_pop = 0};
    CU_ASSERT(svg_raster_write(p, &t, &zero, &e) == ERR_INPUT);
    struct svg_raster_opts tiny = {
        .t_start_ms = 0, .t_end_ms = 1e6, .max_per_pop = 5, .bin_ms = 0.001};
    CU_ASSERT(svg_raster_write(p, &t, &tiny, &e) == ERR_INPUT);
    struct svg_raster_opts nan = {.t_start_ms = 0, .t_end_ms = 10, .max_per_pop = 5, .bin_ms = NAN};
    CU_ASSERT(svg_raster_write(p, &t, &nan, &e) == ERR_INPUT);
    CU_ASSERT(access(p, F_OK) != 0);
    struct svg_raster_opts ok = {.max_per_pop = 5};
    CU_ASSERT(svg_raster_write(harness_path("no/such/dir/x.svg"), &t, &ok, &e) == ERR_IO);
    spk_table_free(&t);

    table_init(&t, 0, NULL, NULL, 0);
    char *svg = write_and_slurp("empty.svg", &t, &ok);
    CU_ASSERT(count_dots(svg, NULL) == 0);
    free(svg);
    spk_table_free(&t);
}

/* Every dot's x lies in the raster's frame, and no number is NaN or infinite. */
static void check_dots_in_frame(const char *svg) {
    CU_ASSERT(!strstr(svg, "nan") && !strstr(svg, "inf"));
    for (const char *p = svg; (p = strstr(p, "<path class=\"spikes\"")); p++) {
        const char *d = strstr(p, " d=\"") + 4;
        while (*d == 'M') {
            char *end;
            double x = strtod(d + 1, &end);
            CU_ASSERT(x >= 130 - 0.05 && x <= 970 + 0.05); /* MARGIN_L .. WIDTH - MARGIN_R */
            d = strchr(end, 'M') && strchr(end, 'M') < strchr(end, '"') ? strchr(end, 'M') : "";
        }
    }
}

static void test_degenerate_windows(void) {
    /* Truth: io/svg.h and io/axis.h: spikes at one time far from 0 (t0 + 1 == t0 there), or near
     * the largest double, still draw inside the frame with finite numbers; a span past a double,
     * or a window asked for that is too narrow for its magnitude, is ERR_INPUT and leaves no
     * file. */
    alarm(60); /* a regression here is a loop: fail instead of hanging the suite */
    const char *names[1] = {"p"};
    const uint32_t sizes[1] = {3};
    static const double at[][3] = {{1e300, 1e300, 1e300},
                                   {-1e300, -1e300, -1e300},
                                   {1.7976931348623157e308, 1e308, 1.7976931348623157e308},
                                   {1e300, 1.0000000000000002e300, 1e300},
                                   {0, 5e-324, 1e-310}};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        struct spk_table t;
        table_init(&t, 1, names, sizes, 3);
        for (uint32_t k = 0; k < 3; k++)
            table_add(&t, at[i][k], 0, k);
        struct svg_raster_opts o = {.max_per_pop = 5};
        char *svg = write_and_slurp("degenerate.svg", &t, &o);
        CU_ASSERT(count_dots(svg, NULL) == 3);
        check_dots_in_frame(svg);
        free(svg);
        spk_table_free(&t);
    }
    struct spk_table t;
    table_init(&t, 1, names, sizes, 2);
    table_add(&t, -1e308, 0, 0);
    table_add(&t, 1e308, 0, 1);
    struct err e = {0};
    const char *p = harness_path("degenerate_bad.svg");
    struct svg_raster_opts o = {.max_per_pop = 5};
    CU_ASSERT(svg_raster_write(p, &t, &o, &e) == ERR_INPUT);
    struct svg_raster_opts narrow = {
        .t_start_ms = 1e300, .t_end_ms = 1.0000000000000002e300, .max_per_pop = 5};
    CU_ASSERT(svg_raster_write(p, &t, &narrow, &e) == ERR_INPUT);
    struct svg_raster_opts wide = {.t_start_ms = -1e308, .t_end_ms = 1e308, .max_per_pop = 5};
    CU_ASSERT(svg_raster_write(p, &t, &wide, &e) == ERR_INPUT);
    CU_ASSERT(access(p, F_OK) != 0);
    spk_table_free(&t);
    alarm(0);
}

static int suite_svg(void) {
    CU_pSuite s = CU_add_suite("svg", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "dots are the sampled spikes in the window", test_dots_match_sample) ||
        !CU_add_test(s, "window from the data", test_window_from_data) ||
        !CU_add_test(s, "rates of regular trains", test_rates_of_regular_trains) ||
        !CU_add_test(s, "names and title escaped", test_escaping) ||
        !CU_add_test(s, "dot budget", test_dot_budget) ||
        !CU_add_test(s, "rejects and empty table", test_rejects_and_empty) ||
        !CU_add_test(s, "degenerate windows", test_degenerate_windows))
        return -1;
    return 0;
}
TEST_SUITE(suite_svg)
