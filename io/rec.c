/* io/rec: spike and trace recorders. They read the network's public arrays after each step;
 * models never know they are recorded. */
#include "io/rec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/part.h"
#include "io/afile.h"
#include "io/timefmt.h"

static int spikes_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    struct rec_spikes *r = self;
    for (int pi = 0; pi < n->npops; pi++) {
        if (!n->spec->record_spikes[pi]) continue;
        for (int k = 0; k < n->nparts; k++) {
            const uint32_t *ids;
            uint32_t m = net_part_spikes(n, pi, k, step, &ids);
            if (!m) continue;
            for (int s = 0; s < r->nsinks; s++) {
                int rc = r->ops[s]->step(r->self[s], step + 1, pi, ids, m, e);
                if (rc) return rc;
            }
        }
    }
    return 0;
}

int rec_spikes_open(struct rec_spikes *r, struct recorder *out, const struct net *n,
                    const struct sink_ops *const *sinks, int nsinks, const char *dir,
                    const struct spk_mark *from, struct err *e)
{
    memset(r, 0, sizeof *r);
    r->net = n;
    if (nsinks < 0 || nsinks > SINK_MAX)
        return err_set(e, ERR_INPUT, NULL, 0, NULL, "at most %d spike formats", SINK_MAX);
    struct spk_pop *pops = calloc((size_t)n->npops + 1, sizeof *pops);
    int *recorded = calloc((size_t)n->npops + 1, sizeof *recorded);
    int rc = 0;
    if (!pops || !recorded) rc = err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    for (int i = 0; !rc && i < n->npops; i++) {
        pops[i].name = n->pops[i].name;
        pops[i].size = n->pops[i].n;
        recorded[i] = n->spec->record_spikes[i] != 0;
    }
    for (int s = 0; !rc && s < nsinks; s++) {
        char path[1100];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, sinks[s]->file) >= sizeof path) {
            rc = err_set(e, ERR_INPUT, dir, 0, NULL, "output path too long");
            break;
        }
        if (from && !sinks[s]->mark) {
            rc = err_set(e, ERR_INPUT, path, 0, "record.spikes.format",
                         "the %s spike file cannot go on after a stop", sinks[s]->name);
            break;
        }
        struct sink_args a = {.path = path, .dt_ms = n->dt_ms, .pops = pops,
                              .npops = n->npops, .recorded = recorded};
        if ((rc = sinks[s]->open(&r->self[s], &a, from, e))) break;
        r->ops[s] = sinks[s];
        r->nsinks = s + 1;
    }
    free(pops);
    free(recorded);
    if (rc) {
        rec_spikes_close(r, 0, NULL);
        return rc;
    }
    out->on_step = spikes_step;
    out->self = r;
    out->reads_state = 0;
    return 0;
}

int rec_spikes_can_mark(const struct rec_spikes *r)
{
    for (int s = 0; s < r->nsinks; s++)
        if (!r->ops[s]->mark) return 0;
    return 1;
}

int rec_spikes_mark(struct rec_spikes *r, struct spk_mark *m, struct err *e)
{
    memset(m, 0, sizeof *m);
    for (int s = 0; s < r->nsinks; s++) {
        if (!r->ops[s]->mark)
            return err_set(e, ERR_INPUT, NULL, 0, "record.spikes.format",
                           "the %s spike file cannot be checkpointed", r->ops[s]->name);
        int rc = r->ops[s]->mark(r->self[s], m, e);
        if (rc) return rc;
    }
    return 0;
}

void rec_spikes_detach(struct rec_spikes *r)
{
    for (int s = 0; s < r->nsinks; s++) r->ops[s]->detach(r->self[s]);
    r->nsinks = 0;
}

/* Every sink is closed whatever the first one says; the first error is the one reported. */
int rec_spikes_close(struct rec_spikes *r, int commit, struct err *e)
{
    int rc = 0;
    for (int s = 0; s < r->nsinks; s++) {
        if (commit && !rc)
            rc = r->ops[s]->commit(r->self[s], e);
        else
            r->ops[s]->abort(r->self[s]);
    }
    r->nsinks = 0;
    return rc;
}

struct rec_traces {
    struct afile f;
    struct tfmt tf;
    int64_t every; /* steps between samples */
};

static void trace_row(struct rec_traces *r, const struct net *n, int64_t stamp)
{
    char t[TFMT_LEN];
    fwrite(t, 1, tfmt_format(&r->tf, stamp, t), r->f.fp);
    for (int j = 0; j < n->spec->ntraces; j++) {
        const struct trace_spec *ts = &n->spec->traces[j];
        const struct pop *p = &n->pops[ts->pop];
        for (size_t i = 0; i < ts->nneurons; i++)
            for (int v = 0; v < ts->nvars; v++)
                fprintf(r->f.fp, ",%.17g", p->state[ts->vars[v]][ts->neurons[i]]);
    }
    fputc('\n', r->f.fp);
}

static int traces_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    struct rec_traces *r = self;
    if ((step + 1) % r->every) return 0;
    trace_row(r, n, step + 1);
    /* a full disk stops the run here rather than at the end */
    if (ferror(r->f.fp))
        return err_set(e, ERR_IO, r->f.tmp, 0, "", "write failed: %s", strerror(errno));
    return 0;
}

int rec_traces_open(struct rec_traces **out_r, struct recorder *out, const struct net *n,
                    const char *path, const unsigned long long *from, struct err *e)
{
    struct rec_traces *r = calloc(1, sizeof *r);
    if (!r) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    int rc = from ? afile_reopen(&r->f, path, *from, e) : afile_open(&r->f, path, e);
    if (rc) {
        free(r);
        return rc;
    }
    tfmt_init(&r->tf, n->dt_ms);
    /* all traces share the finest interval asked for */
    double iv = n->spec->traces[0].interval_ms;
    for (int j = 1; j < n->spec->ntraces; j++)
        if (n->spec->traces[j].interval_ms < iv) iv = n->spec->traces[j].interval_ms;
    r->every = (int64_t)(iv / n->dt_ms + 0.5);
    if (r->every < 1) r->every = 1;
    *out_r = r;
    out->on_step = traces_step;
    out->self = r;
    out->reads_state = 1;
    if (from) return 0; /* the header and the rows up to the stop are in the file */
    fputs("t_ms", r->f.fp);
    for (int j = 0; j < n->spec->ntraces; j++) {
        const struct trace_spec *ts = &n->spec->traces[j];
        const struct pop *p = &n->pops[ts->pop];
        for (size_t i = 0; i < ts->nneurons; i++)
            for (int v = 0; v < ts->nvars; v++) {
                char var[64];
                fprintf(r->f.fp, ",%s[%u].%s", p->name, ts->neurons[i],
                        nrn_state_name(p->ops, p->shape, ts->vars[v], var, sizeof var));
            }
    }
    fputc('\n', r->f.fp);
    trace_row(r, n, n->step);
    return 0;
}

void rec_traces_detach(struct rec_traces *r)
{
    if (!r) return;
    afile_detach(&r->f);
    free(r);
}

int rec_traces_mark(struct rec_traces *r, unsigned long long *bytes, struct err *e)
{
    *bytes = 0;
    return r ? afile_sync(&r->f, bytes, e) : 0;
}

int rec_traces_close(struct rec_traces *r, int commit, struct err *e)
{
    if (!r) return 0;
    int rc = 0;
    if (commit)
        rc = afile_commit(&r->f, e);
    else
        afile_abort(&r->f);
    free(r);
    return rc;
}
