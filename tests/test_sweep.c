/* tests/test_sweep: sweep/plan expansion against hand-counted grids, and `apical sweep` as a
 * user meets it: validation before anything runs, point folders and the results table, collect,
 * resume, failed points and --retry-failed, and a sweep killed in the middle of a point. */
#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sweep/plan.h"
#include "tests/harness.h"

#define OUT_CAP 65536

static void expect_(int ok, const char *cond, unsigned line, const char *ctx, const char *out)
{
    if (!ok) fprintf(stderr, "\n    [%s] expected %s\n    output: %s\n", ctx, cond, out ? out : "");
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, cond, __FILE__, "", CU_FALSE);
}
#define EXPECT(cond, ctx, out) expect_(!!(cond), #cond, __LINE__, (ctx), (out))

static const char *tmp_path(const char *name)
{
    static char ring[8][1024];
    static int k;
    char *p = ring[k++ % 8];
    snprintf(p, 1024, "%s/%s", harness_tmpdir(), name);
    return p;
}

static int exists_f(const char *fmt, const char *dir, long point, const char *name)
{
    char p[2048];
    snprintf(p, sizeof p, fmt, dir, point, name);
    return access(p, F_OK) == 0;
}
#define POINT_HAS(dir, i, name) exists_f("%s/points/%05ld/%s", (dir), (i), (name))

/* Lines in OUT/points/NNNNN/attempts.log: how many times the point was started. */
static int attempts(const char *dir, long point)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/points/%05ld/attempts.log", dir, point);
    char *t = harness_slurp(p, NULL);
    int n = 0;
    for (char *c = t; c && *c; c++) n += *c == '\n';
    free(t);
    return n;
}

static int count_lines(const char *path)
{
    char *t = harness_slurp(path, NULL);
    int n = 0;
    for (char *c = t; c && *c; c++) n += *c == '\n';
    free(t);
    return t ? n : -1;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---------------------------------------------------------------------------------------------
 * Expansion and numbering (sweep/plan), no process started.
 */

static int plan_of(struct plan *p, const char *const *grid, int n, long samples, uint64_t seed,
                   struct err *e)
{
    memset(p, 0, sizeof *p);
    p->samples = samples;
    p->seed = seed;
    for (int i = 0; i < n; i++) {
        int zip = !strncmp(grid[i], "zip:", 4);
        int rc = plan_add_axis_text(p, grid[i] + (zip ? 4 : 0), zip, e);
        if (rc) return rc;
    }
    return plan_expand(p, e);
}

static void test_grid_numbering(void)
{
    /* Truth: nested loops in the order the axes are given, the last innermost; a zipped axis
     * moves with the one before it. Counted by hand. */
    struct plan p;
    struct err e = {0};
    const char *g1[] = {"a.x=1,2", "b.y=0:1:3"};
    EXPECT(plan_of(&p, g1, 2, 0, 1, &e) == 0, "grid", e.msg);
    EXPECT(p.npoints == 6, "grid", NULL);
    const char *want1[6][2] = {{"1", "0.0"}, {"1", "0.5"}, {"1", "1.0"},
                               {"2", "0.0"}, {"2", "0.5"}, {"2", "1.0"}};
    for (long i = 0; i < 6 && p.npoints == 6; i++)
        for (int a = 0; a < 2; a++) EXPECT(!strcmp(plan_cell(&p, i, a), want1[i][a]), "grid", plan_cell(&p, i, a));
    char set[256];
    plan_set_text(&p, 4, 1, set, sizeof set);
    EXPECT(!strcmp(set, "b.y=0.5"), "set text", set);
    plan_free(&p);

    const char *g2[] = {"a=1,2,3", "zip:b=\"x\",\"y, z\",\"w\"", "c=true,false"};
    EXPECT(plan_of(&p, g2, 3, 0, 1, &e) == 0, "zip", e.msg);
    EXPECT(p.npoints == 6, "zip", NULL);
    if (p.npoints == 6) {
        EXPECT(!strcmp(plan_cell(&p, 3, 0), "2"), "zip", plan_cell(&p, 3, 0));
        EXPECT(!strcmp(plan_cell(&p, 3, 1), "\"y, z\""), "zip: quoted comma", plan_cell(&p, 3, 1));
        EXPECT(!strcmp(plan_cell(&p, 3, 2), "false"), "zip", plan_cell(&p, 3, 2));
        EXPECT(!strcmp(plan_cell(&p, 5, 1), "\"w\""), "zip", plan_cell(&p, 5, 1));
    }
    plan_free(&p);
}

static void test_ranges(void)
{
    /* Truth: lo + (hi - lo) i / (n - 1) and lo (hi/lo)^(i/(n-1)), both ends included, shortest
     * text; integer ends with whole steps stay integers. */
    static const struct {
        const char *spec;
        int n;
        const char *v[5];
    } cases[] = {
        {"10:40:4", 4, {"10", "20", "30", "40"}},
        {"lin:-2:-8:4", 4, {"-2", "-4", "-6", "-8"}},
        {"0.1:0.9:5", 5, {"0.1", "0.3", "0.5", "0.7", "0.9"}},
        {"log:1:1000:4", 4, {"1.0", "10.0", "100.0", "1000.0"}},
        {"log:1000:100000:3", 3, {"1000.0", "10000.0", "100000.0"}},
        {"5:5:1", 1, {"5"}},
        {"2.5", 1, {"2.5"}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        struct plan p;
        struct err e = {0};
        char arg[128];
        snprintf(arg, sizeof arg, "x=%s", cases[c].spec);
        const char *g[] = {arg};
        EXPECT(plan_of(&p, g, 1, 0, 1, &e) == 0, cases[c].spec, e.msg);
        EXPECT(p.npoints == cases[c].n, cases[c].spec, NULL);
        for (int i = 0; i < cases[c].n && p.npoints == cases[c].n; i++)
            EXPECT(!strcmp(plan_cell(&p, i, 0), cases[c].v[i]), cases[c].spec, plan_cell(&p, i, 0));
        plan_free(&p);
    }
}

static void test_axis_errors(void)
{
    /* Truth: docs/sweeps.md: each of these is refused, naming the path. */
    static const struct {
        const char *g[2];
        int n;
        const char *want;
    } cases[] = {
        {{"a="}, 1, "empty"},
        {{"a=1,,2"}, 1, "empty value"},
        {{"=1,2"}, 1, "PATH=VALUES"},
        {{"a=1:2"}, 1, "cannot read the range"},
        {{"a=log:0:10:3"}, 1, "non-zero"},
        {{"a=1:10:0"}, 1, "n must be"},
        {{"zip:a=1,2"}, 1, "zip needs an axis"},
        {{"a=1,2", "a=3"}, 2, "swept twice"},
        {{"a=1,2", "zip:b=1,2,3"}, 2, "zipped with an axis of 2 values but has 3"},
        {{"a=uniform:1:2"}, 1, "--samples"},
        {{"a=loguniform:-1:2"}, 1, "> 0"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        struct plan p;
        struct err e = {0};
        int rc = plan_of(&p, cases[c].g, cases[c].n, 0, 1, &e);
        char buf[1200];
        err_format(&e, buf, sizeof buf);
        EXPECT(rc == ERR_INPUT, cases[c].g[0], buf);
        EXPECT(strstr(buf, cases[c].want) != NULL, cases[c].want, buf);
        if (strcmp(cases[c].g[0], "=1,2")) EXPECT(e.path[0] == 'a' || e.path[0] == 'b', "path named", buf);
        plan_free(&p);
    }
    struct plan p;
    struct err e = {0};
    memset(&p, 0, sizeof p);
    EXPECT(plan_expand(&p, &e) == ERR_INPUT && strstr(e.msg, "nothing to sweep"), "no axes", e.msg);
    plan_free(&p);
}

static void test_random_sampling(void)
{
    /* Truth: point i's values depend only on (seed, i): the same seed gives the same points, a
     * longer sample starts with the shorter one, another seed gives other points; draws stay
     * in their ranges and lists. */
    const char *g[] = {"u=uniform:2:5", "k=\"a\",\"b\"", "l=loguniform:1:100", "zip:m=1,2"};
    struct plan p, q, r;
    struct err e = {0};
    EXPECT(plan_of(&p, g, 4, 50, 7, &e) == 0, "random", e.msg);
    EXPECT(plan_of(&q, g, 4, 20, 7, &e) == 0, "random", e.msg);
    EXPECT(plan_of(&r, g, 4, 20, 8, &e) == 0, "random", e.msg);
    EXPECT(p.npoints == 50 && q.npoints == 20, "random", NULL);
    int seen_a = 0, seen_b = 0, same = 1, other = 0;
    for (long i = 0; i < p.npoints; i++) {
        double u = atof(plan_cell(&p, i, 0)), l = atof(plan_cell(&p, i, 2));
        EXPECT(u >= 2 && u <= 5, "uniform range", plan_cell(&p, i, 0));
        EXPECT(l >= 1 && l <= 100, "loguniform range", plan_cell(&p, i, 2));
        EXPECT(strchr(plan_cell(&p, i, 0), '.') != NULL, "floats stay floats", plan_cell(&p, i, 0));
        seen_a |= !strcmp(plan_cell(&p, i, 1), "\"a\"");
        seen_b |= !strcmp(plan_cell(&p, i, 1), "\"b\"");
        EXPECT(!strcmp(plan_cell(&p, i, 3), "1") || !strcmp(plan_cell(&p, i, 3), "2"), "zip list", NULL);
        if (i < 20) {
            for (int a = 0; a < 4; a++) same &= !strcmp(plan_cell(&p, i, a), plan_cell(&q, i, a));
            other |= strcmp(plan_cell(&q, i, 0), plan_cell(&r, i, 0)) != 0;
        }
    }
    EXPECT(seen_a && seen_b, "both list values drawn", NULL);
    EXPECT(same, "prefix property", NULL);
    EXPECT(other, "seed matters", NULL);
    plan_free(&p);
    plan_free(&q);
    plan_free(&r);
}

static void test_sweep_block(void)
{
    /* Truth: docs/sweeps.md: the block's axes equal the --grid spelling of the same axes; a bad
     * key is refused with its file, line and sweep.grid path. */
    const char *cfg = harness_write(
        "sw_block.cfg",
        "populations = ( { name = \"exc\"; size = 10; } );\n"
        "sweep = {\n"
        "  grid = ( { path = \"populations.exc.size\"; values = [10, 20]; },\n"
        "           { path = \"populations.exc.tau_m\"; lin = [10.0, 20.0]; n = 3; },\n"
        "           { path = \"populations.exc.c_m\"; log = [100, 10000]; n = 3; zip = true; },\n"
        "           { path = \"populations.exc.v_th\"; spec = \"-50,-52\"; } );\n"
        "};\n");
    struct plan p, q;
    struct err e = {0};
    memset(&p, 0, sizeof p);
    EXPECT(plan_read_block(&p, cfg, &e) == 0, "block", e.msg);
    EXPECT(plan_expand(&p, &e) == 0, "block", e.msg);
    const char *g[] = {"populations.exc.size=10,20", "populations.exc.tau_m=10.0:20.0:3",
                       "zip:populations.exc.c_m=log:100:10000:3", "populations.exc.v_th=-50,-52"};
    EXPECT(plan_of(&q, g, 4, 0, 1, &e) == 0, "cli", e.msg);
    EXPECT(p.npoints == 12 && q.npoints == 12, "block", NULL);
    for (long i = 0; i < p.npoints && p.npoints == q.npoints; i++)
        for (int a = 0; a < 4; a++)
            EXPECT(!strcmp(plan_cell(&p, i, a), plan_cell(&q, i, a)), "block = cli", plan_cell(&p, i, a));
    plan_free(&p);
    plan_free(&q);

    const char *badcfg = harness_write(
        "sw_badblock.cfg", "populations = ( { name = \"exc\"; size = 10; } );\n"
                           "sweep = {\n"
                           "  grid = ( { path = \"populations.exc.size\"; values = [10]; },\n"
                           "           { path = \"populations.exc.tau_m\"; valus = [1.0]; } );\n"
                           "};\n");
    memset(&p, 0, sizeof p);
    int rc = plan_read_block(&p, badcfg, &e);
    char buf[1200];
    err_format(&e, buf, sizeof buf);
    EXPECT(rc == ERR_INPUT, "bad block", buf);
    EXPECT(strstr(buf, ":4:") && strstr(buf, "sweep.grid.[1].valus"), "bad block names line and key", buf);
    plan_free(&p);

    /* issue #19: libconfig 1.5 wraps plain integers to 32 bits (n = 4294967299 read as 3,
     * samples = 4294967298 as 2); they are read as written and refused past their limits, and a
     * string longer than a value may be is refused rather than cut */
    static const struct {
        const char *block, *want;
    } wrap[] = {
        {"grid = ( { path = \"populations.exc.tau_m\"; lin = [10.0, 20.0]; n = 4294967299; } );",
         "n must be in"},
        {"grid = ( { path = \"populations.exc.tau_m\"; values = [1.0]; } ); samples = 4294967298;",
         "sweep.samples"},
        {"grid = ( { path = \"populations.exc.tau_m\"; values = [1.0]; } ); seed = 99999999999999999999;",
         "64-bit"},
    };
    for (size_t c = 0; c < sizeof wrap / sizeof *wrap; c++) {
        char text[1024];
        snprintf(text, sizeof text, "populations = ( { name = \"exc\"; size = 10; } );\nsweep = { %s };\n",
                 wrap[c].block);
        memset(&p, 0, sizeof p);
        rc = plan_read_block(&p, harness_write("sw_wrap.cfg", text), &e);
        err_format(&e, buf, sizeof buf);
        EXPECT(rc == ERR_INPUT && strstr(buf, ":2:") && strstr(buf, wrap[c].want), wrap[c].block, buf);
        plan_free(&p);
    }
    memset(&p, 0, sizeof p);
    EXPECT(plan_read_block(&p, harness_write("sw_wrap.cfg",
                                             "sweep = { grid = ( { path = \"a\"; values = [1]; } ); "
                                             "seed = 4294967296; samples = 3; };\n"),
                           &e) == 0 && p.seed == 4294967296ULL && p.samples == 3,
           "a 64-bit seed", e.msg);
    plan_free(&p);
    char longstr[1200] = "sweep = { grid = ( { path = \"a\"; values = [\"";
    size_t k = strlen(longstr);
    memset(longstr + k, 'x', 600);
    snprintf(longstr + k + 600, sizeof longstr - k - 600, "\"]; } ); };\n");
    memset(&p, 0, sizeof p);
    rc = plan_read_block(&p, harness_write("sw_wrap.cfg", longstr), &e);
    EXPECT(rc == ERR_INPUT && strstr(e.msg, "longer"), "a long string value", e.msg);
    plan_free(&p);
}

/* ---------------------------------------------------------------------------------------------
 * The command.
 */

/* A small network that runs in a few milliseconds; the dc stimulus can be made to overflow. */
static const char small_cfg[] =
    "simulation = { dt = 0.1; duration = %s; seed = 3; };\n"
    "populations = ( { name = \"exc\"; size = 40; c_m = %s; },\n"
    "                { name = \"inh\"; size = 10; } );\n"
    "projections = (\n"
    "  { name = \"ee\"; from = \"exc\"; to = \"exc\"; rule = \"fixed_indegree\"; k = 5;\n"
    "    weight = 20.0; delay = 1.0; },\n"
    "  { name = \"ie\"; from = \"inh\"; to = \"exc\"; receptor = \"in\"; rule = \"fixed_indegree\";\n"
    "    k = 5; weight = -40.0; delay = 1.0; } );\n"
    "stimuli = (\n"
    "  { name = \"bg\"; type = \"poisson\"; target = \"exc\"; rate = 8000.0; weight = 60.0; },\n"
    "  { name = \"bgi\"; type = \"poisson\"; target = \"inh\"; rate = 8000.0; weight = 60.0; },\n"
    "  { name = \"dc\"; type = \"dc\"; target = \"exc\"; amplitude = 0.0; } );\n"
    "record = { spikes = \"all\"; };\n"
    "%s";

static const char *write_small(const char *name, const char *duration, const char *c_m,
                               const char *extra)
{
    char text[4096];
    snprintf(text, sizeof text, small_cfg, duration, c_m, extra);
    return harness_write(name, text);
}

static int sweep_cmd(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sweep_cmd(char *out, const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return harness_apical(args, out, OUT_CAP);
}

static void test_validation_before_running(void)
{
    /* Truth: issue #6: an unknown path, a wrong type, an empty list or one bad value among good
     * ones stops the sweep with exit status 2, naming the path, before any point runs. */
    static char out[OUT_CAP];
    const char *cfg = write_small("sw_val.cfg", "20.0", "250.0", "");
    static const struct {
        const char *grid, *want;
    } cases[] = {
        {"--grid projections.ee.wieght=1,2", "projections.ee.wieght"},
        {"--grid populations.exc.size=10.5,20", "populations.exc.size"},
        {"--grid populations.exc.size=", "populations.exc.size"},
        {"--grid projections.ee.delay=1.0,0.05", "projections.ee.delay"},
        {"--grid nosuch.thing=1", "nosuch"},
        {"--grid populations.exc.size=10,20 --zip populations.inh.size=5", "populations.inh.size"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const char *dir = tmp_path("sw_val_out");
        int st = sweep_cmd(out, "sweep %s %s -o %s", cfg, cases[c].grid, dir);
        EXPECT(st == 2, cases[c].grid, out);
        EXPECT(strstr(out, cases[c].want) != NULL, cases[c].grid, out);
        EXPECT(access(dir, F_OK) != 0, "nothing ran, nothing written", out);
    }
    int st = sweep_cmd(out, "sweep %s -o %s", cfg, tmp_path("sw_val_out"));
    EXPECT(st == 2 && strstr(out, "nothing to sweep"), "no axes", out);
    st = sweep_cmd(out, "sweep %s --grid populations.exc.size=10,20 --dry-run", cfg);
    EXPECT(st == 0 && strstr(out, "00001 populations.exc.size=20"), "dry run lists points", out);
}

static char *slurp_or_empty(const char *path)
{
    char *t = harness_slurp(path, NULL);
    return t ? t : calloc(1, 1);
}

static void test_run_table_collect(void)
{
    /* Truth: docs/sweeps.md: one folder per point with the resolved config, summary.json and
     * done.json; results.csv has a header and one row per point in point order; collect
     * rebuilds the same files; running the same sweep again runs nothing. */
    static char out[OUT_CAP];
    const char *cfg = write_small("sw_run.cfg", "30.0", "250.0",
                                  "sweep = { grid = ( { path = \"stimuli.bg.rate\"; "
                                  "values = [6000.0, 9000.0]; } ); };\n");
    const char *dir = tmp_path("sw_run_out");
    int st = sweep_cmd(out, "sweep %s --grid projections.ee.weight=10:30:2 -o %s --jobs 2 --threads 2", cfg, dir);
    EXPECT(st == 0, "sweep", out);
    for (long i = 0; i < 4; i++) {
        EXPECT(POINT_HAS(dir, i, "done.json") && POINT_HAS(dir, i, "summary.json") &&
                   POINT_HAS(dir, i, "config.cfg") && POINT_HAS(dir, i, "spikes.csv"),
               "point files", out);
        EXPECT(attempts(dir, i) == 1, "run once", out);
    }
    char p[2048];
    snprintf(p, sizeof p, "%s/points/00003/config.cfg", dir);
    char *resolved = slurp_or_empty(p);
    EXPECT(strstr(resolved, "rate = 9000.0") && strstr(resolved, "weight = 30.0") &&
               !strstr(resolved, "sweep"),
           "resolved config holds the point's values and no sweep block", resolved);
    free(resolved);
    snprintf(p, sizeof p, "%s/results.csv", dir);
    char *csv = slurp_or_empty(p);
    EXPECT(!strncmp(csv, "point,stimuli.bg.rate,projections.ee.weight,rate_hz,cv_isi,", 59),
           "csv header", csv);
    EXPECT(count_lines(p) == 5, "csv rows", csv);
    EXPECT(strstr(csv, "\n0,6000,10,") && strstr(csv, "\n3,9000,30,"), "csv rows in order", csv);
    char jp[2048];
    snprintf(jp, sizeof jp, "%s/results.jsonl", dir);
    char *jsonl = slurp_or_empty(jp);
    EXPECT(count_lines(jp) == 4, "jsonl rows", jsonl);
    cJSON *row = cJSON_Parse(jsonl); /* the first line */
    const cJSON *rate = cJSON_GetObjectItemCaseSensitive(row, "stimuli.bg.rate");
    const cJSON *hz = cJSON_GetObjectItemCaseSensitive(row, "rate_hz");
    const cJSON *ehz = cJSON_GetObjectItemCaseSensitive(row, "exc.rate_hz");
    EXPECT(cJSON_IsNumber(rate) && rate->valuedouble == 6000, "jsonl value", jsonl);
    EXPECT(cJSON_IsNumber(hz) && cJSON_IsNumber(ehz) && hz->valuedouble > 0, "jsonl metrics", jsonl);
    cJSON_Delete(row);

    /* collect rebuilds the same table from the folders */
    unlink(p);
    unlink(jp);
    st = sweep_cmd(out, "sweep collect %s", dir);
    EXPECT(st == 0 && strstr(out, "4 of 4 points done"), "collect", out);
    char *csv2 = slurp_or_empty(p), *jsonl2 = slurp_or_empty(jp);
    EXPECT(!strcmp(csv, csv2) && !strcmp(jsonl, jsonl2), "collect rebuilds the same table", csv2);
    free(csv2);
    free(jsonl2);

    /* the same sweep again: nothing runs; without the config too */
    st = sweep_cmd(out, "sweep %s --grid projections.ee.weight=10:30:2 -o %s", cfg, dir);
    EXPECT(st == 0 && strstr(out, "ran 0 point"), "resume of a finished sweep", out);
    st = sweep_cmd(out, "sweep -o %s", dir);
    EXPECT(st == 0 && strstr(out, "ran 0 point"), "resume from sweep.json", out);
    for (long i = 0; i < 4; i++) EXPECT(attempts(dir, i) == 1, "still run once", out);
    /* another sweep in the same folder is refused */
    st = sweep_cmd(out, "sweep %s --grid projections.ee.weight=10:40:2 -o %s", cfg, dir);
    EXPECT(st == 2 && strstr(out, "different sweep"), "different sweep refused", out);
    /* pictures: a heatmap over two paths, a line per value of the other path over one */
    const char *svg = tmp_path("sw_heat.svg");
    st = sweep_cmd(out, "sweep plot %s --x projections.ee.weight --y stimuli.bg.rate "
                        "--z rate_hz,cv_isi -o %s", dir, svg);
    char *pic = slurp_or_empty(svg);
    int cells = 0;
    for (char *c = pic; (c = strstr(c, "<title>")); c++) cells++;
    EXPECT(st == 0 && cells == 8 && strstr(pic, ">rate_hz<") && strstr(pic, ">cv_isi<"),
           "heatmap: 2 x 2 cells in two panels", out);
    free(pic);
    st = sweep_cmd(out, "sweep plot %s --x projections.ee.weight --z exc.rate_hz -o %s", dir, svg);
    pic = slurp_or_empty(svg);
    int lines = 0;
    for (char *c = pic; (c = strstr(c, "<polyline")); c++) lines++;
    EXPECT(st == 0 && lines == 2 && strstr(pic, "stimuli.bg.rate=9000.0"), "line plot: one line per rate", pic);
    free(pic);
    st = sweep_cmd(out, "sweep plot %s --x projections.ee.weight --z rate -o %s", dir, svg);
    EXPECT(st == 2 && strstr(out, "rate_hz"), "unknown metric: the columns are listed", out);
    st = sweep_cmd(out, "sweep plot %s --x populations.exc.size --z rate_hz -o %s", dir, svg);
    EXPECT(st == 2 && strstr(out, "not a swept path"), "unknown path", out);
    /* apical run ignores the sweep block and runs the base point */
    st = sweep_cmd(out, "run %s -o %s --quiet", cfg, tmp_path("sw_run_base"));
    EXPECT(st == 0, "run ignores the sweep block", out);
    free(csv);
    free(jsonl);
}

static void test_failed_and_retry(void)
{
    /* Truth: a dc of -1e12 pA into c_m = 1e-300 pF overflows the membrane (test_cli's
     * non-finite case): that point fails with exit status 1 and the engine's message, the others
     * finish; failed points are not re-run unless --retry-failed. */
    static char out[OUT_CAP];
    const char *cfg = write_small("sw_fail.cfg", "10.0", "1e-300", "");
    const char *dir = tmp_path("sw_fail_out");
    int st = sweep_cmd(out, "sweep %s --grid stimuli.dc.amplitude=0.0,-1e12,0.0 -o %s", cfg, dir);
    EXPECT(st == 1, "a failed point makes the exit status 1", out);
    EXPECT(strstr(out, "point 1 FAILED") && strstr(out, "2 of 3 points done, 1 failed"), "report", out);
    EXPECT(POINT_HAS(dir, 0L, "done.json") && POINT_HAS(dir, 2L, "done.json"), "others done", out);
    EXPECT(POINT_HAS(dir, 1L, "failed.json") && !POINT_HAS(dir, 1L, "done.json"), "failed", out);
    char p[2048];
    snprintf(p, sizeof p, "%s/points/00001/failed.json", dir);
    char *fj = slurp_or_empty(p);
    cJSON *j = cJSON_Parse(fj);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "exit_status");
    const cJSON *tail = cJSON_GetObjectItemCaseSensitive(j, "stderr_tail");
    EXPECT(cJSON_IsNumber(code) && code->valueint == 1, "exit status recorded", fj);
    EXPECT(cJSON_IsString(tail) && strstr(tail->valuestring, "non-finite"), "stderr tail", fj);
    cJSON_Delete(j);
    free(fj);
    snprintf(p, sizeof p, "%s/results.csv", dir);
    EXPECT(count_lines(p) == 3, "failed points are not rows", NULL);
    st = sweep_cmd(out, "sweep -o %s", dir);
    EXPECT(st == 1 && attempts(dir, 1) == 1, "failed point left alone", out);
    st = sweep_cmd(out, "sweep -o %s --retry-failed", dir);
    EXPECT(st == 1 && attempts(dir, 1) == 2 && attempts(dir, 0) == 1, "--retry-failed", out);
    st = sweep_cmd(out, "sweep collect %s", dir);
    EXPECT(st == 1 && strstr(out, "point 1 failed (exit status 1)"), "collect reports", out);
    /* Slurm scripts cover only what is left: here nothing, unless failed points are retried */
    st = sweep_cmd(out, "sweep -o %s --slurm", dir);
    EXPECT(strstr(out, "nothing to submit"), "--slurm with nothing left", out);
    st = sweep_cmd(out, "sweep -o %s --slurm --retry-failed --partition short --mem 2G --account lab", dir);
    snprintf(p, sizeof p, "%s/sweep.sbatch", dir);
    char *sb = slurp_or_empty(p);
    EXPECT(st == 0 && strstr(sb, "#SBATCH --array=1\n") && strstr(sb, "--retry-failed") &&
               strstr(sb, "#SBATCH --partition=short\n") && strstr(sb, "#SBATCH --mem=2G\n") &&
               strstr(sb, "#SBATCH --account=lab\n"),
           "--slurm --retry-failed: an array of the failed point", sb);
    free(sb);
}

/* Starts `apical sweep args...` in the background with output to log; returns its pid. */
static pid_t spawn_sweep(const char *log, const char *cfg, const char *dir, const char *extra)
{
    const char *bin = getenv("APICAL_BIN");
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "exec %s sweep %s -o %s %s", bin && *bin ? bin : "./apical", cfg,
                 dir, extra);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int done_count(const char *dir, long n, int *done)
{
    int k = 0;
    for (long i = 0; i < n; i++) k += done[i] = POINT_HAS(dir, i, "done.json");
    return k;
}

static void test_kill_and_resume(void)
{
    /* Truth: issue #6: a sweep killed (SIGKILL) while points run loses no finished point and
     * never counts a half-written one: resuming runs every point that was not done exactly
     * once more, and every point ends up done with one row in the table. */
    static char out[OUT_CAP];
    const char *cfg = write_small("sw_kill.cfg", "5000.0", "250.0", "");
    const char *dir = tmp_path("sw_kill_out");
    const char *log = tmp_path("sw_kill.log");
    enum { N = 6 };
    pid_t pid = spawn_sweep(log, cfg, dir, "--grid stimuli.bg.rate=6000:11000:6 --jobs 2 --threads 2");
    int done[N] = {0}, at_kill[N] = {0}, started = 0;
    double t0 = time(NULL);
    /* wait until some point is done and another is half-way */
    for (;;) {
        int k = done_count(dir, N, done);
        started = 0;
        for (long i = 0; i < N; i++) started += !done[i] && attempts(dir, i) > 0;
        if ((k >= 1 && started >= 1) || time(NULL) - t0 > 60) break;
        sleep_s(0.02);
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    EXPECT(WIFSIGNALED(status), "killed", NULL);
    done_count(dir, N, at_kill);
    int ndone = 0;
    for (int i = 0; i < N; i++) ndone += at_kill[i];
    EXPECT(ndone >= 1 && ndone < N && started >= 1, "killed mid-sweep", NULL);
    /* resume to the end */
    int st = sweep_cmd(out, "sweep %s --grid stimuli.bg.rate=6000:11000:6 -o %s --jobs 2 --threads 2", cfg, dir);
    EXPECT(st == 0, "resume", out);
    int total = 0;
    for (long i = 0; i < N; i++) {
        int a = attempts(dir, i);
        EXPECT(POINT_HAS(dir, i, "done.json"), "every point done", out);
        if (at_kill[i]) EXPECT(a == 1, "finished points never run again", out);
        EXPECT(a >= 1 && a <= 2, "at most one interrupted attempt", out);
        total += a;
    }
    EXPECT(total <= N + 2, "only the points in flight ran twice", out);
    char p[2048];
    snprintf(p, sizeof p, "%s/results.csv", dir);
    EXPECT(count_lines(p) == N + 1, "table complete", out);
}

static void test_interrupt(void)
{
    /* Truth: docs/sweeps.md: SIGINT stops the sweep with status 130, marks nothing failed, and
     * the next run finishes the rest. */
    static char out[OUT_CAP];
    const char *cfg = write_small("sw_int.cfg", "5000.0", "250.0", "");
    const char *dir = tmp_path("sw_int_out");
    const char *log = tmp_path("sw_int.log");
    pid_t pid = spawn_sweep(log, cfg, dir, "--grid stimuli.bg.rate=6000,7000,8000,9000 --threads 1");
    double t0 = time(NULL);
    while (attempts(dir, 0) == 0 && time(NULL) - t0 < 60) sleep_s(0.02);
    sleep_s(0.05);
    kill(pid, SIGINT);
    int status;
    waitpid(pid, &status, 0);
    char *l = slurp_or_empty(log);
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 130, "exit 130", l);
    EXPECT(strstr(l, "sweep stopped by SIGINT") && strstr(l, "go on with apical sweep -o "),
           "the stop says how to go on", l);
    for (long i = 0; i < 4; i++) EXPECT(!POINT_HAS(dir, i, "failed.json"), "nothing failed", l);
    free(l);
    int st = sweep_cmd(out, "sweep -o %s --jobs 2 --threads 2", dir);
    EXPECT(st == 0 && strstr(out, "4 of 4 points done"), "resumed", out);
    char p[2048];
    snprintf(p, sizeof p, "%s/points/00003/summary.json", dir);
    char *s = slurp_or_empty(p);
    EXPECT(strstr(s, "\"threads\":\t1"), "threads shared between 2 jobs", s);
    free(s);
}

/* ---------------------------------------------------------------------------------------------
 * Folders that apical did not write (issue #19): every file is checked before it is used.
 */

/* `apical ARGS` under a 30 s limit (a hang reads as 137), output into out. */
static int timed_cmd(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int timed_cmd(char *out, const char *fmt, ...)
{
    char args[8192], cmd[9000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    const char *bin = getenv("APICAL_BIN");
    snprintf(cmd, sizeof cmd, "timeout -s KILL 30 %s %s 2>&1", bin && *bin ? bin : "./apical", args);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = fread(out, 1, OUT_CAP - 1, p);
    out[n] = '\0';
    char sink[4096];
    while (fread(sink, 1, sizeof sink, p) > 0) {
    }
    int st = pclose(p);
    return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static void put_file(const char *dir, const char *name, const char *text)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    for (char *c = path + 1; (c = strchr(c, '/')); c++) {
        *c = '\0';
        mkdir(path, 0755);
        *c = '/';
    }
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A finished sweep folder, written by hand: axes "x" (kind) and, when ys is not NULL, "y",
 * with point i at (xs[i], ys[i]), done, with the summary sums[i] (NULL: a rate of i + 1 Hz). */
static void fake_sweep(const char *dir, const char *kind, int n, const char *const *xs,
                       const char *const *ys, const char *const *sums)
{
    static char text[OUT_CAP];
    int k = snprintf(text, sizeof text,
                     "{\"program\": \"apical\", \"config\": \"/nowhere/net.cfg\", \"sets\": [],\n"
                     "\"axes\": [{\"path\": \"x\", \"kind\": \"%s\", \"zip\": false, \"spec\": \"\"}%s],\n"
                     "\"samples\": 0, \"seed\": \"1\", \"npoints\": %d, \"points\": [",
                     kind, ys ? ", {\"path\": \"y\", \"kind\": \"list\", \"zip\": false}" : "", n);
    for (int i = 0; i < n; i++) {
        k += snprintf(text + k, sizeof text - (size_t)k,
                      "%s{\"point\": %d, \"values\": [\"%s\"%s%s%s], \"config_hash\": "
                      "\"0000000000000001\"}",
                      i ? ", " : "", i, xs[i], ys ? ", \"" : "", ys ? ys[i] : "", ys ? "\"" : "");
        char name[64], sum[512];
        snprintf(name, sizeof name, "points/%05d/done.json", i);
        put_file(dir, name, "{}");
        snprintf(name, sizeof name, "points/%05d/summary.json", i);
        snprintf(sum, sizeof sum,
                 "{\"simulated_ms\": 1000, \"populations\": [{\"name\": \"exc\", \"model\": "
                 "\"lif\", \"neurons\": 10, \"spikes\": %d}]}", 10 * (i + 1));
        put_file(dir, name, sums && sums[i] ? sums[i] : sum);
    }
    snprintf(text + k, sizeof text - (size_t)k, "]}\n");
    put_file(dir, "sweep.json", text);
}

static void test_bad_summaries(void)
{
    /* Truth: issue #19: a point's summary.json that is valid JSON but not an object crashed
     * collect and plot (a NULL name compared); now both exit 2 naming the file. An object whose
     * members have other types than apical writes leaves those cells empty. */
    static char out[OUT_CAP];
    const char *xs[] = {"1", "2", "3"};
    static const char *const bad[] = {"[]", "3", "\"x\"", "null", "[{\"a\": 1}, 2]", "true"};
    for (size_t c = 0; c < sizeof bad / sizeof *bad; c++) {
        const char *dir = tmp_path("sw_badsum");
        const char *sums[] = {NULL, bad[c], NULL};
        fake_sweep(dir, "list", 3, xs, NULL, sums);
        int st = timed_cmd(out, "sweep collect %s", dir);
        EXPECT(st == 2 && strstr(out, "points/00001/summary.json") && strstr(out, "not a JSON object"),
               bad[c], out);
        st = timed_cmd(out, "sweep plot %s --x x --z rate_hz -o %s", dir, tmp_path("sw_badsum.svg"));
        EXPECT(st == 2 && strstr(out, "points/00001/summary.json"), bad[c], out);
        st = timed_cmd(out, "sweep -o %s", dir);
        EXPECT(st == 2 && strstr(out, "points/00001/summary.json"), bad[c], out);
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        EXPECT(system(cmd) == 0, "rm", NULL);
    }
    static const char *const odd[] = {
        "{\"populations\": {\"name\": 3}, \"simulated_ms\": \"x\", \"wall_s\": [1, 2], "
        "\"z\": {\"a\": [1]}}",
        "{\"populations\": [1, \"x\", [2], {\"name\": \"exc\", \"neurons\": \"10\"}, "
        "{\"name\": [1], \"spikes\": 3}], \"simulated_ms\": 1e308, \"m\": 1e999}",
        "{\"populations\": [{\"name\": \"exc\", \"neurons\": 1e308, \"spikes\": 1e308}], "
        "\"simulated_ms\": 1e-308}",
    };
    for (size_t c = 0; c < sizeof odd / sizeof *odd; c++) {
        const char *dir = tmp_path("sw_oddsum");
        const char *sums[] = {NULL, odd[c], NULL};
        fake_sweep(dir, "list", 3, xs, NULL, sums);
        int st = timed_cmd(out, "sweep collect %s", dir);
        EXPECT(st == 0 && strstr(out, "3 of 3 points done"), odd[c], out);
        char p[2048];
        snprintf(p, sizeof p, "%s/results.csv", dir);
        EXPECT(count_lines(p) == 4, odd[c], out);
        st = timed_cmd(out, "sweep plot %s --x x --z rate_hz -o %s", dir, tmp_path("sw_oddsum.svg"));
        EXPECT(st == 0, odd[c], out);
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        EXPECT(system(cmd) == 0, "rm", NULL);
    }
    /* a done point without its summary, or with a summary that is not a file */
    const char *dir = tmp_path("sw_nosum");
    fake_sweep(dir, "list", 3, xs, NULL, NULL);
    char p[2048];
    snprintf(p, sizeof p, "%s/points/00002/summary.json", dir);
    unlink(p);
    int st = timed_cmd(out, "sweep collect %s", dir);
    EXPECT(st == 2 && strstr(out, "points/00002/summary.json") && strstr(out, "done.json"),
           "missing summary", out);
    EXPECT(mkfifo(p, 0644) == 0, "mkfifo", strerror(errno));
    st = timed_cmd(out, "sweep collect %s", dir);
    EXPECT(st == 2 && strstr(out, "points/00002/summary.json") && strstr(out, "regular file"),
           "a FIFO is refused, not waited on", out);
    unlink(p);
    EXPECT(symlink("/dev/zero", p) == 0, "symlink", strerror(errno));
    st = timed_cmd(out, "sweep collect %s", dir);
    EXPECT(st == 2 && strstr(out, "regular file"), "/dev/zero is refused, not read", out);
    /* failed.json is only reported: any JSON there is read without a crash */
    snprintf(p, sizeof p, "%s/points/00001/done.json", dir);
    unlink(p);
    put_file(dir, "points/00001/failed.json", "[\"stderr_tail\", 1]");
    snprintf(p, sizeof p, "%s/points/00002/summary.json", dir);
    unlink(p);
    put_file(dir, "points/00002/summary.json", "{}");
    st = timed_cmd(out, "sweep collect %s", dir);
    EXPECT(st == 1 && strstr(out, "point 1 failed (exit status -1)"), "odd failed.json", out);
    put_file(dir, "points/00001/failed.json", "{\"exit_status\": 1e300, \"stderr_tail\": 7}");
    st = timed_cmd(out, "sweep collect %s", dir);
    EXPECT(st == 1 && strstr(out, "point 1 failed (exit status -1)"), "odd failed.json", out);
}

/* sweep.json with one member replaced: key and its new JSON text (inserted first, so that
 * cJSON's first-match lookup finds it) */
static void plan_with(const char *dir, const char *what)
{
    const char *xs[] = {"1", "2"};
    fake_sweep(dir, "list", 2, xs, NULL, NULL);
    char p[2048];
    snprintf(p, sizeof p, "%s/sweep.json", dir);
    char *t = harness_slurp(p, NULL);
    if (!t) return;
    static char text[OUT_CAP];
    snprintf(text, sizeof text, "{%s, %s", what, t + 1);
    put_file(dir, "sweep.json", text);
    free(t);
}

static void test_bad_plans(void)
{
    /* Truth: issue #19: a sweep.json with more axes than sweep plot's fixed array overflowed the
     * stack, and a huge samples was cast to long (undefined). Every entry is now checked: exit
     * status 2 naming sweep.json and the entry, for collect, plot and resume alike. */
    static char out[OUT_CAP];
    static char many[OUT_CAP];
    /* 300 axes and two points of 300 values: a plan that is whole but for its size */
    int k = snprintf(many, sizeof many, "\"axes\": [");
    for (int a = 0; a < 300; a++)
        k += snprintf(many + k, sizeof many - (size_t)k, "%s{\"path\": \"a%d\", \"kind\": \"list\"}",
                      a ? ", " : "", a);
    k += snprintf(many + k, sizeof many - (size_t)k, "], \"points\": [");
    for (int i = 0; i < 2; i++) {
        k += snprintf(many + k, sizeof many - (size_t)k, "%s{\"point\": %d, \"values\": [",
                      i ? ", " : "", i);
        for (int a = 0; a < 300; a++)
            k += snprintf(many + k, sizeof many - (size_t)k, "%s\"%d\"", a ? ", " : "", a + i);
        k += snprintf(many + k, sizeof many - (size_t)k,
                      "], \"config_hash\": \"0000000000000001\"}");
    }
    snprintf(many + k, sizeof many - (size_t)k, "]");
    static char longval[2048];
    k = snprintf(longval, sizeof longval, "\"points\": [{\"point\": 0, \"values\": [\"");
    for (int i = 0; i < 600; i++) longval[k++] = '7';
    snprintf(longval + k, sizeof longval - (size_t)k,
             "\"], \"config_hash\": \"0000000000000001\"}, {\"point\": 1, \"values\": [\"2\"], "
             "\"config_hash\": \"0000000000000001\"}]");
    static const struct {
        const char *what, *want;
    } cases[] = {
        {many, "axes"},
        {"\"samples\": 1e300", "samples"},
        {"\"samples\": -1", "samples"},
        {"\"samples\": 0.5", "samples"},
        {"\"samples\": \"3\"", "samples"},
        {"\"seed\": \"12x\"", "seed"},
        {"\"seed\": \"99999999999999999999999\"", "seed"},
        {"\"seed\": 3", "not a sweep plan"},
        {"\"npoints\": 7", "npoints"},
        {"\"npoints\": 1e300", "npoints"},
        {"\"config\": \"relative.cfg\"", "config"},
        {"\"config\": 5", "not a sweep plan"},
        {"\"sets\": [\"a=1\", 2]", "sets"},
        {"\"sets\": {\"a\": 1}", "not a sweep plan"},
        {"\"axes\": []", "axes"},
        {"\"axes\": [3]", "axes[0]"},
        {"\"axes\": [{\"path\": \"x\", \"kind\": \"cubic\"}]", "axes[0]"},
        {"\"axes\": [{\"path\": \"x\", \"kind\": \"list\", \"zip\": true}]", "axes[0]"},
        {"\"axes\": [{\"path\": \"x\", \"kind\": \"list\", \"zip\": 1}]", "axes[0]"},
        {"\"axes\": [{\"path\": \"\", \"kind\": \"list\"}]", "axes[0]"},
        {"\"axes\": [{\"path\": \"x\", \"kind\": \"list\"}, {\"path\": \"x\", \"kind\": \"list\"}]",
         "axes[1]"},
        {"\"points\": []", "points"},
        {"\"points\": {}", "not a sweep plan"},
        {"\"points\": [3, 4]", "points[0]"},
        {"\"points\": [{\"point\": 0, \"values\": [3], \"config_hash\": \"0000000000000001\"}, "
         "{\"point\": 1, \"values\": [\"2\"], \"config_hash\": \"0000000000000001\"}]", "points[0]"},
        {"\"points\": [{\"point\": 0, \"values\": [\"1\"], \"config_hash\": \"0000000000000001\"}, "
         "{\"point\": 5, \"values\": [\"2\"], \"config_hash\": \"0000000000000001\"}]", "points[1]"},
        {"\"points\": [{\"point\": 0, \"values\": [\"1\", \"2\"], \"config_hash\": \"0000000000000001\"}, "
         "{\"point\": 1, \"values\": [\"2\"], \"config_hash\": \"0000000000000001\"}]", "points[0]"},
        {"\"points\": [{\"point\": 0, \"values\": [\"1\"], \"config_hash\": \"zz\"}, "
         "{\"point\": 1, \"values\": [\"2\"], \"config_hash\": \"0000000000000001\"}]", "points[0]"},
        {longval, "points[0]"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const char *dir = tmp_path("sw_badplan");
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        EXPECT(system(cmd) == 0, "rm", NULL);
        plan_with(dir, cases[c].what);
        const char *ctx = cases[c].what[0] == '"' && strlen(cases[c].what) < 200 ? cases[c].what
                                                                              : cases[c].want;
        int st = timed_cmd(out, "sweep collect %s", dir);
        EXPECT(st == 2 && strstr(out, "sweep.json") && strstr(out, cases[c].want), ctx, out);
        st = timed_cmd(out, "sweep plot %s --x a299 --z rate_hz -o %s", dir, tmp_path("sw_bp.svg"));
        EXPECT(st == 2 && strstr(out, "sweep.json") && strstr(out, cases[c].want), ctx, out);
        st = timed_cmd(out, "sweep -o %s --dry-run", dir);
        EXPECT(st == 2 && strstr(out, "sweep.json"), ctx, out);
    }
    /* the same folder with nothing replaced is fine: the cases above fail for their entry */
    const char *dir = tmp_path("sw_goodplan");
    plan_with(dir, "\"note\": 1");
    int st = timed_cmd(out, "sweep collect %s", dir);
    EXPECT(st == 0, "unchanged plan", out);
    /* sweep.json that is not JSON, or not a file */
    put_file(dir, "sweep.json", "{\"axes\": [");
    st = timed_cmd(out, "sweep collect %s", dir);
    EXPECT(st == 2 && strstr(out, "sweep.json") && strstr(out, "not valid JSON"), "not JSON", out);
    char p[2048];
    snprintf(p, sizeof p, "%s/sweep.json", dir);
    unlink(p);
    EXPECT(mkfifo(p, 0644) == 0, "mkfifo", strerror(errno));
    st = timed_cmd(out, "sweep collect %s", dir);
    EXPECT(st == 2 && strstr(out, "sweep.json") && strstr(out, "regular file"), "FIFO", out);
}

/* The x (or y) coordinates of an SVG's circles are finite numbers inside the picture. */
static int svg_sane(const char *svg)
{
    if (!svg || !*svg || strstr(svg, "nan") || strstr(svg, "inf")) return 0;
    int n = 0;
    for (const char *c = svg; (c = strstr(c, "<circle cx=\"")); c++) {
        double x = strtod(c + 12, NULL);
        if (!(x >= 0 && x < 5000)) return 0;
        n++;
    }
    return n > 0;
}

static void test_plot_windows(void)
{
    /* Truth: issue #19 (the trace picture's zero-width window): windows that are zero, a few
     * ulps, or wider than a double at double precision, log axes near the smallest double, and
     * metrics at 1e308 draw a finite picture in bounded time (the old tick loop added a step
     * smaller than an ulp forever); Inf is refused naming the point. */
    static char out[OUT_CAP];
    static const struct {
        const char *kind, *x0, *x1, *m0, *m1;
    } cases[] = {
        {"list", "1e17", "100000000000000016", "1", "2"},   /* x: 16 apart at 1e17 (one ulp) */
        {"list", "1", "2", "1e17", "100000000000000016"},   /* y: the same */
        {"list", "-1e308", "1e308", "-1e308", "1e308"},     /* both wider than a double */
        {"log", "5e-324", "1e-323", "1", "1"},              /* log near the smallest double */
        {"log", "1e300", "1e300", "5", "5"},                /* one value */
        {"list", "0", "0", "0", "0"},
        {"list", "1.5", "1.5", "1e-320", "2e-320"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const char *dir = tmp_path("sw_win");
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        EXPECT(system(cmd) == 0, "rm", NULL);
        const char *xs[] = {cases[c].x0, cases[c].x1};
        char s0[256], s1[256];
        snprintf(s0, sizeof s0, "{\"m\": %s}", cases[c].m0);
        snprintf(s1, sizeof s1, "{\"m\": %s}", cases[c].m1);
        const char *sums[] = {s0, s1};
        fake_sweep(dir, cases[c].kind, 2, xs, NULL, sums);
        const char *svg = tmp_path("sw_win.svg");
        unlink(svg);
        int st = timed_cmd(out, "sweep plot %s --x x --z m -o %s", dir, svg);
        char *pic = harness_slurp(svg, NULL);
        char ctx[128];
        snprintf(ctx, sizeof ctx, "x %s, %s; m %s, %s", cases[c].x0, cases[c].x1, cases[c].m0,
                 cases[c].m1);
        EXPECT(st == 0 && svg_sane(pic), ctx, st == 0 ? pic : out);
        free(pic);
        /* the same two values as a heatmap's axes and as a scatter's */
        const char *ys[] = {cases[c].x1, cases[c].x0};
        fake_sweep(dir, cases[c].kind, 2, xs, ys, sums);
        st = timed_cmd(out, "sweep plot %s --x x --y y --z m -o %s", dir, svg);
        EXPECT(st == 0, ctx, out);
    }
    const char *dir = tmp_path("sw_inf");
    const char *xs[] = {"1", "inf"};
    fake_sweep(dir, "list", 2, xs, NULL, NULL);
    int st = timed_cmd(out, "sweep plot %s --x x --z rate_hz -o %s", dir, tmp_path("sw_inf.svg"));
    EXPECT(st == 2 && strstr(out, "point 1") && strstr(out, "inf"), "Inf refused", out);
    const char *big[] = {"1", "1e308"};
    fake_sweep(dir, "list", 2, big, NULL, NULL);
    st = timed_cmd(out, "sweep plot %s --x x --xscale 10 --z rate_hz -o %s", dir,
                   tmp_path("sw_inf.svg"));
    EXPECT(st == 2 && strstr(out, "point 1"), "a scale that overflows is refused", out);
}

static void test_suggestions(void)
{
    /* Truth: issue #19: an unknown option names the nearest valid one (io/suggest), in apical
     * sweep and apical sweep plot alike; exit status 2, nothing written. */
    static char out[OUT_CAP];
    const char *cfg = write_small("sw_sug.cfg", "10.0", "250.0", "");
    const char *dir = tmp_path("sw_sug_out");
    static const struct {
        const char *args, *want;
    } cases[] = {
        {"sweep %s -o %s --job 2", "unknown option: --job (did you mean --jobs?)"},
        {"sweep %s -o %s --thread 2", "unknown option: --thread (did you mean --threads?)"},
        {"sweep %s -o %s --retry-faild", "(did you mean --retry-failed?)"},
        {"sweep %s -o %s --dryrun", "(did you mean --dry-run?)"},
        {"sweep %s -o %s --chekpoint-every 100", "(did you mean --checkpoint-every?)"},
        {"sweep %s -o %s --jobs=2", "--jobs=2 (write --jobs VALUE: the value is the next argument)"},
        {"sweep %s -o %s --quiet=1", "--quiet=1 (--quiet takes no value)"},
        {"sweep %s -o %s --frobnicate", "unknown option: --frobnicate\n"},
        {"sweep colect %s%s", "(did you mean apical sweep collect?)"},
        {"sweep plot %s%s --x a --zz rate_hz -o x.svg", "unknown option: --zz (did you mean --z?)"},
        {"sweep plot %s%s -x a --z rate_hz -o x.svg", "unknown option: -x (did you mean --x?)"},
        {"sweep plot %s%s --x a --z rate_hz --titel T", "(did you mean --title?)"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        int plot = strstr(cases[c].args, "plot") || strstr(cases[c].args, "colect");
        char args[2048];
        snprintf(args, sizeof args, cases[c].args, plot ? dir : cfg, plot ? "" : dir);
        int st = sweep_cmd(out, "%s", args);
        EXPECT(st == 2 && strstr(out, cases[c].want), args, out);
        EXPECT(access(dir, F_OK) != 0, "nothing written", out);
    }
}

static int sweep_suite(void)
{
    CU_pSuite s = CU_add_suite("sweep", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "grid numbering and zip", test_grid_numbering) ||
        !CU_add_test(s, "lin and log ranges", test_ranges) ||
        !CU_add_test(s, "axis errors", test_axis_errors) ||
        !CU_add_test(s, "seeded random sampling", test_random_sampling) ||
        !CU_add_test(s, "sweep block in the config", test_sweep_block) ||
        !CU_add_test(s, "validation before running", test_validation_before_running) ||
        !CU_add_test(s, "points, table, collect, resume", test_run_table_collect) ||
        !CU_add_test(s, "failed points and --retry-failed", test_failed_and_retry) ||
        !CU_add_test(s, "SIGKILL mid-point, then resume", test_kill_and_resume) ||
        !CU_add_test(s, "SIGINT, then resume", test_interrupt) ||
        !CU_add_test(s, "summaries that are not objects", test_bad_summaries) ||
        !CU_add_test(s, "sweep.json entries checked", test_bad_plans) ||
        !CU_add_test(s, "picture windows", test_plot_windows) ||
        !CU_add_test(s, "did you mean", test_suggestions))
        return -1;
    return 0;
}
TEST_SUITE(sweep_suite)
