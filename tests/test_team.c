/* tests/test_team: the working-thread count. Truth: the rule in core/team.h, walked by hand
 * with made-up switch counts and clocks (a window is 20 ms; 2 + m/4 switches are contention,
 * one in a trial of one thread more). */
#include "core/team.h"
#include "tests/harness.h"

/* One window: the call that opens it, then the call that closes it `dt` later with `sw` more
 * switches. Returns the count decided. */
static int window(struct team *t, long *sw, double *now, long more, double dt)
{
    team_decide(t, *sw, *now);
    *sw += more;
    *now += dt;
    return team_decide(t, *sw, *now);
}

static void test_idle_stays(void)
{
    struct team t;
    long sw = 0;
    double now = 1.0;
    team_init(&t, 4, 0);
    for (int i = 0; i < 100; i++) CU_ASSERT_EQUAL(window(&t, &sw, &now, 1, 0.021), 4);
    /* a window not yet over decides nothing */
    team_decide(&t, sw, now);
    CU_ASSERT_EQUAL(team_decide(&t, sw + 1, now + 0.005), 4);
}

static void test_busy_shrinks_then_probes(void)
{
    struct team t;
    long sw = 0;
    double now = 0;
    team_init(&t, 4, 0);
    /* contention: 3 switches (2 + 4/4) within 1 ms, at once */
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 3, 0.001), 3);
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 2, 0.001), 2); /* 2 + 3/4 = 2 */
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 2, 0.001), 1);
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 9, 0.001), 1); /* never below one */
    /* quiet: after 8 quiet windows one more is tried */
    for (int i = 0; i < 7; i++) CU_ASSERT_EQUAL(window(&t, &sw, &now, 0, 0.025), 1);
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 0, 0.025), 2);
    /* the trial meets one switch: back, and the next trial waits twice as long (16) */
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 1, 0.001), 1);
    for (int i = 0; i < 15; i++) CU_ASSERT_EQUAL(window(&t, &sw, &now, 0, 0.025), 1);
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 0, 0.025), 2);
    /* a quiet trial keeps its place, and the next is tried after one more quiet window */
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 0, 0.025), 2);
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 0, 0.025), 3);
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 0, 0.025), 3);
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 0, 0.025), 4);
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 0, 0.025), 4);
    for (int i = 0; i < 20; i++) CU_ASSERT_EQUAL(window(&t, &sw, &now, 0, 0.025), 4);
}

static void test_backoff_caps(void)
{
    struct team t;
    long sw = 0;
    double now = 0;
    team_init(&t, 2, 0);
    CU_ASSERT_EQUAL(window(&t, &sw, &now, 2, 0.001), 1);
    int waits[8], k = 0;
    for (int trial = 0; trial < 8; trial++) {
        int quiet = 0;
        while (window(&t, &sw, &now, 0, 0.025) == 1) quiet++;
        waits[k++] = quiet + 1;
        CU_ASSERT_EQUAL(window(&t, &sw, &now, 5, 0.001), 1); /* the trial meets contention */
    }
    const int want[8] = {8, 16, 32, 64, 64, 64, 64, 64};
    for (int i = 0; i < 8; i++) CU_ASSERT_EQUAL(waits[i], want[i]);
}

static int suite_team(void)
{
    CU_pSuite s = CU_add_suite("team", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "idle: all threads stay", test_idle_stays);
    CU_add_test(s, "busy: one fewer per window, quiet: one more", test_busy_shrinks_then_probes);
    CU_add_test(s, "trials back off to every 64 windows", test_backoff_caps);
    return 0;
}
TEST_SUITE(suite_team)
