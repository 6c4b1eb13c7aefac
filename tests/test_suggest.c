/* tests/test_suggest: io/suggest against hand-counted edit distances (Damerau-Levenshtein,
 * optimal string alignment: insert, delete, substitute, swap neighbours; case ignored) and its
 * rule for "near enough" (1 edit up to 4 characters, 2 up to 8, 3 beyond, ties to the first). */
#include <CUnit/CUnit.h>
#include <stddef.h>

#include "io/suggest.h"
#include "tests/harness.h"

static void test_distance(void)
{
    CU_ASSERT_EQUAL(suggest_distance("", ""), 0);
    CU_ASSERT_EQUAL(suggest_distance("abc", ""), 3);
    CU_ASSERT_EQUAL(suggest_distance("kitten", "sitting"), 3); /* k->s, e->i, +g */
    CU_ASSERT_EQUAL(suggest_distance("--thread", "--threads"), 1);
    CU_ASSERT_EQUAL(suggest_distance("sise", "size"), 1);
    CU_ASSERT_EQUAL(suggest_distance("szie", "size"), 1); /* one swap */
    CU_ASSERT_EQUAL(suggest_distance("ca", "abc"), 3);    /* OSA: no edit of a swapped pair */
    CU_ASSERT_EQUAL(suggest_distance("Size", "size"), 0);
}

static void test_nearest(void)
{
    static const char *const opts[] = {"--set", "--seed", "--threads", "--out", "--quiet",
                                       "--help", NULL};
    CU_ASSERT_STRING_EQUAL(suggest_nearest("--thread", opts), "--threads");
    CU_ASSERT_STRING_EQUAL(suggest_nearest("--treads", opts), "--threads");
    CU_ASSERT_STRING_EQUAL(suggest_nearest("--hlep", opts), "--help");
    CU_ASSERT_STRING_EQUAL(suggest_nearest("--QUIET", opts), "--quiet");
    CU_ASSERT_STRING_EQUAL(suggest_nearest("--seed", opts), "--seed"); /* exact */
    CU_ASSERT_STRING_EQUAL(suggest_nearest("--sed", opts), "--set");   /* tie: first listed */
    CU_ASSERT_PTR_NULL(suggest_nearest("--xyz", opts));
    CU_ASSERT_PTR_NULL(suggest_nearest("--frobnicate", opts));
    static const char *const keys[] = {"dt", "duration", "seed", "threads", "poisson", NULL};
    CU_ASSERT_STRING_EQUAL(suggest_nearest("sead", keys), "seed");
    CU_ASSERT_STRING_EQUAL(suggest_nearest("durtaion", keys), "duration");
    CU_ASSERT_PTR_NULL(suggest_nearest("tx", keys)); /* 2 letters: 1 edit at most, dt is 2 */
    CU_ASSERT_STRING_EQUAL(suggest_nearest("Dt", keys), "dt");
    CU_ASSERT_PTR_NULL(suggest_nearest("x", keys));
    CU_ASSERT_PTR_NULL(suggest_nearest("seed", NULL));
    static const char *const none[] = {NULL};
    CU_ASSERT_PTR_NULL(suggest_nearest("seed", none));
}

static int suite_suggest(void)
{
    CU_pSuite s = CU_add_suite("suggest", NULL, NULL);
    if (!s || !CU_add_test(s, "distance", test_distance) ||
        !CU_add_test(s, "nearest", test_nearest))
        return -1;
    return 0;
}
TEST_SUITE(suite_suggest)
