/* tests/test_cfg_int: integer settings are read as written. Truth: the literal's decimal value
 * (libconfig 1.5 alone wraps 4294967396 to 100 and 4294967296 to 0); a value outside the
 * setting's range, or beyond 64 bits, is refused naming file, line, setting and the value as
 * written, for configs, included files, training configs and --set alike. */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/spec.h"
#include "io/cfg.h"
#include "io/cfg_int.h"
#include "learning/lcfg.h"
#include "tests/harness.h"

/* ---- io/cfg_int against libconfig's own reading ---- */

static void check_literal(const char *lit, int type, long long want, int bad)
{
    char text[256];
    snprintf(text, sizeof text, "v = %s;", lit);
    config_t c;
    config_init(&c);
    CU_ASSERT_FATAL(config_read_string(&c, text) == CONFIG_TRUE);
    struct cfg_int_bad b = {0};
    int rc = cfg_int_widen(config_root_setting(&c), text, &b);
    const config_setting_t *v = config_lookup(&c, "v");
    if (bad) {
        CU_ASSERT_EQUAL(rc, 1);
        CU_ASSERT_PTR_EQUAL(b.s, v);
        CU_ASSERT_STRING_EQUAL(b.text, lit);
    } else {
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_EQUAL(config_setting_type(v), type);
        CU_ASSERT_EQUAL(config_setting_get_int64(v), want);
        if (config_setting_type(v) != type || config_setting_get_int64(v) != want)
            fprintf(stderr, "\n    %s: type %d value %lld\n", lit, config_setting_type(v),
                    config_setting_get_int64(v));
    }
    config_destroy(&c);
}

static void test_literals(void)
{
    const int I = CONFIG_TYPE_INT, L = CONFIG_TYPE_INT64;
    check_literal("100", I, 100, 0);
    check_literal("-5", I, -5, 0);
    check_literal("2147483647", I, 2147483647, 0);
    check_literal("-2147483648", I, -2147483647LL - 1, 0);
    check_literal("2147483648", L, 2147483648LL, 0);
    check_literal("4294967296", L, 4294967296LL, 0);   /* libconfig alone: 0 */
    check_literal("4294967396", L, 4294967396LL, 0);   /* libconfig alone: 100 */
    check_literal("-2147483649", L, -2147483649LL, 0); /* libconfig alone: 2147483647 */
    check_literal("+1000000000000", L, 1000000000000LL, 0);
    check_literal("4294967396L", L, 4294967396LL, 0);
    check_literal("7LL", L, 7, 0);
    check_literal("0x10", I, 16, 0);
    check_literal("0xFFFFFFFF", L, 4294967295LL, 0); /* libconfig alone: -1 */
    check_literal("0x1FFFFFFFF", L, 8589934591LL, 0);
    check_literal("9223372036854775807", L, INT64_MAX, 0);
    check_literal("-9223372036854775808", L, INT64_MIN, 0);
    check_literal("9223372036854775808", 0, 0, 1);
    check_literal("99999999999999999999", 0, 0, 1); /* libconfig alone: -1 */
    check_literal("99999999999999999999L", 0, 0, 1);
    check_literal("0xFFFFFFFFFFFFFFFFL", 0, 0, 1);
}

/* Names, strings, comments and floats hold no integer literal; arrays stay of one type. */
static void test_lexer(void)
{
    const char *text = "a-5 = 7; k2 = \"12345678901 \\\" 22222222222\";\n"
                       "# 33333333333\n// 44444444444\n/* 55555555555\n 6 */\n"
                       "f = [1.5e10, 2e3, .5, 3.];\n"
                       "g = { x = 12345678901; y = [1, 4294967396, -3]; z = (9, 8589934592L); };\n";
    config_t c;
    config_init(&c);
    CU_ASSERT_FATAL(config_read_string(&c, text) == CONFIG_TRUE);
    struct cfg_int_bad b = {0};
    CU_ASSERT_EQUAL(cfg_int_widen(config_root_setting(&c), text, &b), 0);
    long long v = 0;
    CU_ASSERT(config_lookup_int64(&c, "a-5", &v) && v == 7);
    CU_ASSERT(config_lookup_int64(&c, "g.x", &v) && v == 12345678901LL);
    const config_setting_t *y = config_lookup(&c, "g.y");
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(config_setting_type(config_setting_get_elem(y, (unsigned)i)),
                        CONFIG_TYPE_INT64);
    CU_ASSERT_EQUAL(config_setting_get_int64_elem(y, 0), 1);
    CU_ASSERT_EQUAL(config_setting_get_int64_elem(y, 1), 4294967396LL);
    CU_ASSERT_EQUAL(config_setting_get_int64_elem(y, 2), -3);
    CU_ASSERT(config_lookup_int64(&c, "g.z.[0]", &v) && v == 9);
    CU_ASSERT(config_lookup_int64(&c, "g.z.[1]", &v) && v == 8589934592LL);
    /* what apical writes as config.cfg reads back the same */
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    config_write(&c, f);
    fclose(f);
    config_t back;
    config_init(&back);
    CU_ASSERT(config_read_string(&back, out) == CONFIG_TRUE);
    CU_ASSERT(config_lookup_int64(&back, "g.y.[1]", &v) && v == 4294967396LL);
    config_destroy(&back);
    free(out);
    config_destroy(&c);
}

/* A file included twice is read twice; its literals pair with both copies. */
static void test_included_twice(void)
{
    harness_write("int_twice_inc.cfg", "x = 4294967396; y = [1, 8589934593];\n");
    harness_write("int_twice.cfg", "a = {\n@include \"int_twice_inc.cfg\"\n};\n"
                                   "z = 12884901890;\n"
                                   "b = {\n@include \"int_twice_inc.cfg\"\n};\n");
    int here = open(".", O_RDONLY | O_DIRECTORY);
    CU_ASSERT_FATAL(here >= 0 && chdir(harness_tmpdir()) == 0);
    config_t c;
    config_init(&c);
    int ok = config_read_file(&c, "int_twice.cfg") == CONFIG_TRUE;
    struct cfg_int_bad b = {0};
    int rc = ok ? cfg_int_widen(config_root_setting(&c), NULL, &b) : -9;
    CU_ASSERT(fchdir(here) == 0);
    close(here);
    CU_ASSERT_EQUAL(rc, 0);
    long long v = 0;
    CU_ASSERT(config_lookup_int64(&c, "a.x", &v) && v == 4294967396LL);
    CU_ASSERT(config_lookup_int64(&c, "b.x", &v) && v == 4294967396LL);
    CU_ASSERT(config_lookup_int64(&c, "a.y.[1]", &v) && v == 8589934593LL);
    CU_ASSERT(config_lookup_int64(&c, "b.y.[1]", &v) && v == 8589934593LL);
    CU_ASSERT(config_lookup_int64(&c, "z", &v) && v == 12884901890LL);
    config_destroy(&c);
}

/* ---- configs ---- */

static const char base_cfg[] =
    "simulation = { duration = 10.0; seed = SEED; };\n"
    "populations = (\n"
    "  { name = \"exc\"; size = SIZE; },\n"
    "  { name = \"inh\"; size = 20; }\n"
    ");\n"
    "@include \"PROJ\"\n";
static const char proj_cfg[] =
    "projections = ( { name = \"ei\"; from = \"exc\"; to = \"inh\"; rule = \"RULE\"; COUNT;\n"
    "                  weight = 1.0; allow_multapses = true; } );\n";

static char *subst(const char *tmpl, const char *const *kv)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, "%s", tmpl);
    for (; kv[0]; kv += 2) {
        char *at = strstr(buf, kv[0]);
        if (!at) continue;
        char rest[2048];
        snprintf(rest, sizeof rest, "%s", at + strlen(kv[0]));
        snprintf(at, sizeof buf - (size_t)(at - buf), "%s%s", kv[1], rest);
    }
    return buf;
}

/* Writes the config (and its included projection file) and loads it. */
static int load(const char *seed, const char *size, const char *rule, const char *count,
                const char *const *sets, int nsets, struct net_spec *sp, struct err *e)
{
    const char *kp[] = {"RULE", rule, "COUNT", count, NULL};
    harness_write("int_proj.cfg", subst(proj_cfg, kp));
    const char *kv[] = {"SEED", seed, "SIZE", size, "PROJ", "int_proj.cfg", NULL};
    const char *path = harness_write("int.cfg", subst(base_cfg, kv));
    char *resolved = NULL;
    memset(e, 0, sizeof *e);
    int rc = cfg_load(path, sets, nsets, sp, &resolved, e);
    free(resolved);
    if (!rc) spec_free(sp);
    return rc;
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

/* A refusal: ERR_INPUT naming file (or --set), line, setting, and containing text. */
static void expect_refused(int rc, const struct err *e, const char *file, int line,
                           const char *path, const char *text)
{
    CU_ASSERT_EQUAL(rc, ERR_INPUT);
    CU_ASSERT(ends_with(e->file, file));
    CU_ASSERT_EQUAL(e->line, line);
    CU_ASSERT_STRING_EQUAL(e->path, path);
    CU_ASSERT_PTR_NOT_NULL(strstr(e->msg, text));
    if (rc != ERR_INPUT || !ends_with(e->file, file) || e->line != line ||
        strcmp(e->path, path) || !strstr(e->msg, text))
        fprintf(stderr, "\n    got %s:%d: %s: %s\n", e->file, e->line, e->path, e->msg);
}

static void test_config_values(void)
{
    struct net_spec sp;
    struct err e;
    char *resolved = NULL;
    const char *k10 = "k = 10";
    /* accepted: the seed as written, not 0 */
    const char *kv[] = {"SEED", "4294967296", "SIZE", "100", "PROJ", "int_proj.cfg", NULL};
    const char *kp[] = {"RULE", "fixed_indegree", "COUNT", k10, NULL};
    harness_write("int_proj.cfg", subst(proj_cfg, kp));
    const char *path = harness_write("int.cfg", subst(base_cfg, kv));
    CU_ASSERT_EQUAL_FATAL(cfg_load(path, NULL, 0, &sp, &resolved, &e), 0);
    CU_ASSERT_EQUAL(sp.seed, 4294967296ULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(resolved, "seed = 4294967296L;"));
    spec_free(&sp);
    free(resolved);

    int rc = load("1", "4294967396", "fixed_indegree", k10, NULL, 0, &sp, &e);
    expect_refused(rc, &e, "int.cfg", 3, "populations.exc.size",
                   "4294967396 is out of range [1, 2147483647]");
    rc = load("1", "1e12", "fixed_indegree", k10, NULL, 0, &sp, &e);
    expect_refused(rc, &e, "int.cfg", 3, "populations.exc.size", "1e+12 is out of range");
    rc = load("1", "1000000000000", "fixed_indegree", k10, NULL, 0, &sp, &e);
    expect_refused(rc, &e, "int.cfg", 3, "populations.exc.size",
                   "1000000000000 is out of range");
    rc = load("1", "-5", "fixed_indegree", k10, NULL, 0, &sp, &e);
    expect_refused(rc, &e, "int.cfg", 3, "populations.exc.size", "-5 is out of range");
    rc = load("-1", "100", "fixed_indegree", k10, NULL, 0, &sp, &e);
    expect_refused(rc, &e, "int.cfg", 1, "simulation.seed", "-1 is out of range");
    rc = load("99999999999999999999", "100", "fixed_indegree", k10, NULL, 0, &sp, &e);
    expect_refused(rc, &e, "int.cfg", 1, "simulation.seed",
                   "99999999999999999999 does not fit in a 64-bit integer");
    /* counts in an included file: -4294967296 wrapped to 0 and passed before */
    rc = load("1", "100", "fixed_indegree", "k = -4294967296", NULL, 0, &sp, &e);
    expect_refused(rc, &e, "int_proj.cfg", 1, "projections.ei.k",
                   "-4294967296 is out of range [0, 2147483647]");
    rc = load("1", "100", "fixed_indegree", "k = -1", NULL, 0, &sp, &e);
    expect_refused(rc, &e, "int_proj.cfg", 1, "projections.ei.k", "-1 is out of range");
    rc = load("1", "100", "fixed_total_number", "n = 4294967396", NULL, 0, &sp, &e);
    expect_refused(rc, &e, "int_proj.cfg", 1, "projections.ei.n",
                   "4294967396 is out of range [0, 4294967295]");
    rc = load("1", "100", "fixed_total_number", "n = -3", NULL, 0, &sp, &e);
    expect_refused(rc, &e, "int_proj.cfg", 1, "projections.ei.n", "-3 is out of range");
}

static void test_set_values(void)
{
    struct net_spec sp;
    struct err e;
    const char *k10 = "k = 10";
    struct {
        const char *set, *path, *text;
    } cases[] = {
        {"populations.exc.size=4294967396", "populations.exc.size",
         "4294967396 is out of range [1, 2147483647]"},
        {"populations.exc.size=1e12", "populations.exc.size", "1e+12 is out of range"},
        {"populations.exc.size=-5", "populations.exc.size", "-5 is out of range"},
        {"projections.ei.k=-4294967296", "projections.ei.k", "-4294967296 is out of range"},
        {"projections.ei.k=-1", "projections.ei.k", "-1 is out of range"},
        {"simulation.seed=-1", "simulation.seed", "-1 is out of range"},
        {"simulation.seed=99999999999999999999", "simulation.seed",
         "99999999999999999999 does not fit in a 64-bit integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *sets[] = {cases[i].set};
        char from[256];
        snprintf(from, sizeof from, "--set %s", cases[i].set);
        int rc = load("1", "100", "fixed_indegree", k10, sets, 1, &sp, &e);
        expect_refused(rc, &e, from, 0, cases[i].path, cases[i].text);
    }
    /* accepted as written */
    const char *seed[] = {"simulation.seed=4294967296"};
    const char *kv[] = {"SEED", "1", "SIZE", "100", "PROJ", "int_proj.cfg", NULL};
    const char *path = harness_write("int.cfg", subst(base_cfg, kv));
    char *resolved = NULL;
    CU_ASSERT_EQUAL_FATAL(cfg_load(path, seed, 1, &sp, &resolved, &e), 0);
    CU_ASSERT_EQUAL(sp.seed, 4294967296ULL);
    spec_free(&sp);
    free(resolved);
}

/* An array element set beyond 32 bits: the array becomes 64-bit, and the refusal quotes it. */
static void test_set_array_element(void)
{
    const char *text = "populations = ( { name = \"a\"; size = 10; } );\n"
                       "record = { traces = ( { population = \"a\"; neurons = [0, 1]; } ); };\n";
    const char *path = harness_write("int_arr.cfg", text);
    const char *sets[] = {"record.traces.[0].neurons.[1]=4294967297"};
    struct net_spec sp;
    struct err e = {0};
    char *resolved = NULL;
    int rc = cfg_load(path, sets, 1, &sp, &resolved, &e);
    expect_refused(rc, &e, "--set record.traces.[0].neurons.[1]=4294967297", 0,
                   "record.traces.[0].neurons", "entry 1 (4294967297) must be an index");
    const char *ok[] = {"record.traces.[0].neurons.[1]=9"};
    CU_ASSERT_EQUAL_FATAL(cfg_load(path, ok, 1, &sp, &resolved, &e), 0);
    CU_ASSERT_EQUAL(sp.traces[0].neurons[1], 9u);
    spec_free(&sp);
    free(resolved);
}

/* Training configs read their blocks through the same readers. */
static void test_training_config(void)
{
    char cfg[1024];
    snprintf(cfg, sizeof cfg, "%s/configs/yinyang_apical.cfg", harness_root());
    struct net_spec sp;
    struct learn_spec ls;
    struct err e = {0};
    char *resolved = NULL;
    const char *seed[] = {"data.seed=4294967296"};
    CU_ASSERT_EQUAL_FATAL(lcfg_load(cfg, seed, 1, &sp, &ls, &resolved, &e), 0);
    CU_ASSERT_EQUAL(ls.data_seed, 4294967296ULL);
    spec_free(&sp);
    free(resolved);
    resolved = NULL;
    const char *batch[] = {"learning.batch=4294967328"}; /* 32 after a 32-bit wrap */
    int rc = lcfg_load(cfg, batch, 1, &sp, &ls, &resolved, &e);
    expect_refused(rc, &e, "--set learning.batch=4294967328", 0, "learning.batch",
                   "4294967328 is out of range [1, 1048576]");
    /* and from a file */
    size_t len;
    char *text = harness_slurp(cfg, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    char *at = strstr(text, "batch = 32;");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    char *copy = malloc(len + 64);
    snprintf(copy, len + 64, "%.*sbatch = 4294967328;%s", (int)(at - text), text,
             at + strlen("batch = 32;"));
    int line = 1;
    for (const char *p = text; p < at; p++) line += *p == '\n';
    const char *path = harness_write("int_train.cfg", copy);
    rc = lcfg_load(path, NULL, 0, &sp, &ls, &resolved, &e);
    expect_refused(rc, &e, "int_train.cfg", line, "learning.batch", "4294967328 is out of range");
    free(copy);
    free(text);
}

/* The binary: exit status 2 and one line naming file, line and setting. */
static void test_cli_status(void)
{
    const char *kv[] = {"SEED", "1", "SIZE", "4294967396", "PROJ", "int_proj.cfg", NULL};
    const char *kp[] = {"RULE", "fixed_indegree", "COUNT", "k = 10", NULL};
    harness_write("int_proj.cfg", subst(proj_cfg, kp));
    const char *path = harness_write("int_cli.cfg", subst(base_cfg, kv));
    char args[1200], out[4096];
    snprintf(args, sizeof args, "check %s", path);
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "int_cli.cfg:3: populations.exc.size: 4294967396 is out "
                                       "of range"));
    snprintf(args, sizeof args, "run %s -o %s/int_out --set simulation.seed=4294967296000000000000",
             path, harness_tmpdir());
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--set simulation.seed=4294967296000000000000: "
                                       "simulation.seed: 4294967296000000000000 does not fit"));
}

static int suite_cfg_int(void)
{
    CU_pSuite s = CU_add_suite("cfg_int", NULL, NULL);
    if (!s || !CU_add_test(s, "literals against libconfig", test_literals) ||
        !CU_add_test(s, "lexer: names, strings, comments, floats, arrays", test_lexer) ||
        !CU_add_test(s, "a file included twice", test_included_twice) ||
        !CU_add_test(s, "config values", test_config_values) ||
        !CU_add_test(s, "--set values", test_set_values) ||
        !CU_add_test(s, "--set array element", test_set_array_element) ||
        !CU_add_test(s, "training config", test_training_config) ||
        !CU_add_test(s, "exit status", test_cli_status))
        return -1;
    return 0;
}
TEST_SUITE(suite_cfg_int)
