/* core/team: how many of a run's threads should work, on a machine others may share. A thread
 * whose core is shared with other work is late at every barrier, and the others wait for it,
 * up to a scheduler's time slice each time; one thread fewer is then faster. The sign of a
 * shared core is a thread taken off it: callers add up their active threads' involuntary
 * context switches (team_switches) and ask team_decide now and then. On an idle machine the
 * switches stay near zero and all threads work; when they pile up, one fewer does; after quiet
 * spells one more is tried again, less often each time it meets them. Used where the results do
 * not depend on which thread does what (engine/net's parts, the trainer's fixed chunks). */
#ifndef APICAL_TEAM_H
#define APICAL_TEAM_H

#include <stdint.h>

struct team {
    int max, home, m;      /* all threads; the count kept; the count working now */
    int fresh;             /* the next call starts a window */
    double t0;             /* the window's start, seconds */
    long base;             /* the switches at the window's start */
    int up_wait, up_every; /* quiet windows until one more is tried; that spacing */
    uint64_t test;         /* non-zero: tests' generator state; the count changes at random */
};

/* Starts with all max threads working. test: 0, or a seed for random changes (tests). */
void team_init(struct team *t, int max, uint64_t test);
/* switches: the working threads' involuntary switches so far (each thread's count from
 * team_switches, summed); now: a monotonic clock in seconds. Returns how many should work
 * from now on (1..max). */
int team_decide(struct team *t, long switches, double now);
/* The calling thread's involuntary context switches so far (0 where unknown). */
long team_switches(void);

#endif
