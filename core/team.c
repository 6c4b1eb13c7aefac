/* core/team: the working-thread count (see team.h). */
#include "core/team.h"

#include <string.h>
#include <sys/resource.h>

enum { TEAM_FIRST_WAIT = 8, TEAM_MAX_WAIT = 64 };
#define TEAM_WINDOW_S 0.02 /* a quiet spell */

void team_init(struct team *t, int max, uint64_t test)
{
    memset(t, 0, sizeof *t);
    t->max = t->home = t->m = max < 1 ? 1 : max;
    t->fresh = 1;
    t->up_every = TEAM_FIRST_WAIT;
    t->test = test;
}

int team_decide(struct team *t, long switches, double now)
{
    if (t->test) {
        t->test = t->test * 6364136223846793005ULL + 1442695040888963407ULL;
        if ((t->test >> 59) & 3) return t->m;
        return t->m = 1 + (int)((t->test >> 33) % (uint64_t)t->max);
    }
    if (t->fresh) {
        t->fresh = 0;
        t->base = switches;
        t->t0 = now;
        return t->m;
    }
    int next = t->m;
    /* a trial is already suspect: its first switch ends it */
    const long many = t->m > t->home ? 1 : 2 + t->m / 4;
    if (switches - t->base >= many) { /* taken off their cores: one fewer */
        if (t->m > t->home) {
            t->up_every = t->up_every < TEAM_MAX_WAIT ? 2 * t->up_every : t->up_every;
            next = t->home;
        } else if (t->m > 1) {
            next = t->home = t->m - 1;
        }
        t->up_wait = t->up_every;
    } else if (now - t->t0 >= TEAM_WINDOW_S) { /* a quiet spell */
        if (t->m > t->home) {
            t->home = t->m; /* the trial keeps its place; try the next soon */
            t->up_wait = 1;
        } else if (t->m < t->max && --t->up_wait <= 0) {
            next = t->m + 1;
        }
    } else {
        return t->m;
    }
    t->fresh = 1;
    return t->m = next;
}

long team_switches(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nivcsw : 0;
}
