/* cli/run_ckpt: checkpoints of apical run (see run_ckpt.h). */
#include "cli/run_ckpt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/netckpt.h"

int run_ckpt_save(const struct net *n, struct rec_spikes *rs, struct rec_traces *rt,
                  struct rec_weights *rw, const char *path, struct err *e)
{
    struct run_ckpt_pos p = {rs && rs->nsinks, rt != NULL, rw != NULL, {0}, 0, 0};
    int rc = 0;
    if (p.spikes) rc = rec_spikes_mark(rs, &p.spk, e);
    if (!rc && p.traces) rc = rec_traces_mark(rt, &p.traces_bytes, e);
    if (!rc && p.weights) rc = rec_weights_mark(rw, &p.weights_bytes, e);
    if (rc) return rc;
    char text[256];
    int len = snprintf(text, sizeof text,
                       "spikes %d %llu %llu %llu %lld %d\ntraces %d %llu\nweights %d %llu\n",
                       p.spikes, p.spk.csv_bytes, p.spk.bin_bytes, p.spk.nspikes,
                       p.spk.last_step, p.spk.last_pop, p.traces, p.traces_bytes, p.weights,
                       p.weights_bytes);
    return nck_save(n, path, text, (size_t)len, e);
}

int run_ckpt_load(struct net *n, const char *path, struct run_ckpt_pos *pos, struct err *e)
{
    void *extra = NULL;
    size_t len = 0;
    memset(pos, 0, sizeof *pos);
    int rc = nck_load(n, path, &extra, &len, e);
    if (rc) return rc;
    char text[256] = {0}, tail;
    if (len < sizeof text) memcpy(text, extra, len);
    free(extra);
    /* a checkpoint from before the weights recorder has no weights line: none was open */
    int at = 0, got = len >= sizeof text ? 0 :
        sscanf(text, "spikes %d %llu %llu %llu %lld %d traces %d %llu%n", &pos->spikes,
               &pos->spk.csv_bytes, &pos->spk.bin_bytes, &pos->spk.nspikes, &pos->spk.last_step,
               &pos->spk.last_pop, &pos->traces, &pos->traces_bytes, &at);
    if (got == 8 && sscanf(text + at, " %c", &tail) == 1 &&
        sscanf(text + at, " weights %d %llu %c", &pos->weights, &pos->weights_bytes, &tail) != 2)
        got = 0;
    if (got != 8 || (pos->spikes != 0 && pos->spikes != 1) ||
        (pos->traces != 0 && pos->traces != 1) || (pos->weights != 0 && pos->weights != 1) ||
        pos->spk.last_step > n->step || pos->spk.last_pop >= n->npops)
        return err_set(e, ERR_INPUT, path, 0, NULL, "checkpoint: corrupt (the recorders' block)");
    return 0;
}

static int timer_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct run_ckpt_timer *t = self;
    /* the run ends after the step that follows the one recorded now: at a multiple of every */
    if ((step + 2) % t->every == 0 && step + 2 < n->nsteps && !*t->flag) *t->flag = RUN_CKPT_PAUSE;
    return 0;
}

void run_ckpt_timer(struct run_ckpt_timer *t, struct recorder *out, int64_t every,
                    volatile sig_atomic_t *flag)
{
    t->every = every < 1 ? 1 : every;
    t->flag = flag;
    out->on_step = timer_step;
    out->self = t;
    out->reads_state = 0;
}
