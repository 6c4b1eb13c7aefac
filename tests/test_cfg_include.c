/* tests/test_cfg_include: @include of what is not a regular file. Truth: libconfig 1.5's
 * scanner calls exit(2) on a folder (no file, no line) and blocks on a FIFO; apical must refuse
 * both with ERR_INPUT naming the including file and line, at any depth, and in --set. (Found by
 * make fuzz: fuzz/crashes/cfg-include-of-a-folder-exits.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/spec.h"
#include "io/cfg.h"
#include "tests/harness.h"

static int load(const char *path, const char *set, struct err *e)
{
    struct net_spec s;
    char *resolved = NULL;
    const char *sets[] = {set};
    int rc = cfg_load(path, sets, set ? 1 : 0, &s, &resolved, e);
    if (!rc) spec_free(&s);
    free(resolved);
    return rc;
}

static void test_include_not_a_file(void)
{
    harness_fifo("inc.fifo");
    const char *inner = harness_write("inc_inner.cfg", "x = 1;\n@include \"inc.fifo\"\n");
    (void)inner;
    const struct {
        const char *text;
        int line;
    } cases[] = {
        {"@include \".\"\n", 1},
        {"simulation = { dt = 0.1; };\n  @include \"/\"\n", 2},
        {"@include \"inc.fifo\"\n", 1},
        {"@include \"inc_inner.cfg\"\n", 2}, /* the FIFO one level down, named there */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *path = harness_write("inc_top.cfg", cases[c].text);
        struct err e = {0};
        CU_ASSERT_EQUAL(load(path, NULL, &e), ERR_INPUT);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a regular file"));
        CU_ASSERT_EQUAL(e.line, cases[c].line);
    }
    char cuba[1200];
    snprintf(cuba, sizeof cuba, "%s/configs/cuba.cfg", harness_root());
    struct err e = {0};
    CU_ASSERT_EQUAL(load(cuba, "simulation.seed=@include \".\"", &e), ERR_INPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "@include"));
    /* an include of a regular file still works */
    snprintf(cuba, sizeof cuba, "%s/configs/microcircuit.cfg", harness_root());
    CU_ASSERT_EQUAL(load(cuba, NULL, &e), 0);
}

static int suite_cfg_include(void)
{
    CU_pSuite s = CU_add_suite("cfg_include", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "@include of a folder or a FIFO: exit 2 naming file and line",
                test_include_not_a_file);
    return 0;
}
TEST_SUITE(suite_cfg_include)
