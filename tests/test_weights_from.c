/* tests/test_weights_from: a list projection whose synapses and weights come from a weights
 * file (weights_from), against the same list written out in the config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/weights.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

static char out[16384];

static const char head[] =
    "simulation = { dt = 0.1; duration = 60.0; };\n"
    "populations = ( { name = \"in\"; size = 3; model = \"spike_source\";\n"
    "                  spike_times = ( [5.0, 30.0], [12.0], [20.0] ); },\n"
    "  { name = \"n\"; size = 2; model = \"lif\"; v_th = 9000.0; } );\n"
    "record = { spikes = \"none\"; raster = false;\n"
    "  traces = ( { population = \"n\"; neurons = [0, 1]; variables = [\"v\"]; interval = 0.1; } ); };\n";

/* in -> n: (0 -> 1, 30 pA), (2 -> 0, -12.5 pA), (1 -> 1, 7.25 pA), (0 -> 0, 3 pA) */
static const uint32_t src[] = {0, 2, 1, 0}, tgt[] = {1, 0, 1, 0};
static const float w[] = {30.0f, -12.5f, 7.25f, 3.0f};

static const char *write_weights(const char *name, const char *proj, uint32_t nsrc)
{
    struct wt_proj p = {.nsrc = nsrc, .ntgt = 2, .nsyn = 4};
    snprintf(p.name, sizeof p.name, "%s", proj);
    snprintf(p.src, sizeof p.src, "in");
    snprintf(p.tgt, sizeof p.tgt, "n");
    p.src_id = (uint32_t *)src;
    p.tgt_id = (uint32_t *)tgt;
    p.w = (float *)w;
    const char *path = harness_path(name);
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(wt_save(path, &p, 1, &e), 0);
    return path;
}

static char *run_traces(const char *name, const char *proj_text)
{
    char text[4096], args[2048];
    snprintf(text, sizeof text, "%sprojections = ( %s );\n", head, proj_text);
    const char *cfg = harness_write(name, text);
    snprintf(args, sizeof args, "run %s --quiet -o %s/%s.out", cfg, harness_tmpdir(), name);
    int rc = harness_apical(args, out, sizeof out);
    EXPECT(rc == 0, args, out);
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.out/traces.csv", harness_tmpdir(), name);
    return harness_slurp(path, NULL);
}

/* Truth: the file's synapses drive the network exactly as the same list written inline. */
static void test_same_as_inline(void)
{
    write_weights("w.bin", "p", 3);
    char *inline_tr = run_traces(
        "inline.cfg", "{ name = \"p\"; from = \"in\"; to = \"n\"; rule = \"list\";\n"
                      "  sources = [0, 2, 1, 0]; targets = [1, 0, 1, 0];\n"
                      "  weights = [30.0, -12.5, 7.25, 3.0]; delay = 1.5; }");
    char *file_tr = run_traces("fromfile.cfg", "{ name = \"p\"; from = \"in\"; to = \"n\"; "
                                               "rule = \"list\"; weights_from = \"w.bin\";\n"
                                               "  delay = 1.5; }");
    CU_ASSERT_PTR_NOT_NULL_FATAL(inline_tr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(file_tr);
    CU_ASSERT(strlen(inline_tr) > 1000);
    CU_ASSERT_STRING_EQUAL(file_tr, inline_tr);
    free(inline_tr);
    free(file_tr);
}

/* Files that do not fit, and settings that do not go with weights_from: exit 2 naming it. */
static void test_refused(void)
{
    write_weights("other.bin", "q", 3);
    write_weights("size.bin", "p", 4);
    static const struct {
        const char *proj, *want;
    } cases[] = {
        {"rule = \"list\"; weights_from = \"other.bin\";", "has no projection \"p\""},
        {"rule = \"list\"; weights_from = \"size.bin\";", "in (4) -> n (2)"},
        {"rule = \"list\"; weights_from = \"missing.bin\";", "weights_from"},
        {"rule = \"list\"; weights_from = \"w.bin\"; sources = [0];", "not with weights_from"},
        {"rule = \"all_to_all\"; weight = 1.0; weights_from = \"w.bin\";", "only for rule list"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char text[4096], args[2048], name[64];
        snprintf(text, sizeof text,
                 "%sprojections = ( { name = \"p\"; from = \"in\"; to = \"n\"; %s } );\n", head,
                 cases[k].proj);
        snprintf(name, sizeof name, "bad%zu.cfg", k);
        const char *cfg = harness_write(name, text);
        snprintf(args, sizeof args, "run %s --quiet -o %s/bad%zu.out", cfg, harness_tmpdir(), k);
        int rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 2 && strstr(out, cases[k].want) && strstr(out, "projections"), args, out);
    }
}

static int suite_weights_from(void)
{
    CU_pSuite s = CU_add_suite("weights_from", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "weights_from gives the same network as the list inline", test_same_as_inline);
    CU_add_test(s, "weights_from: files and settings that do not fit", test_refused);
    return 0;
}
TEST_SUITE(suite_weights_from)
