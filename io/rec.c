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
        for (int k = 0; k < n->nthreads; k++) {
            const uint32_t *ids;
            uint32_t m = net_part_spikes(n, pi, k, step, &ids);
            if (!m) continue;
            int rc = spk_writer_step(r->w, step + 1, pi, ids, m, e);
            if (rc) return rc;
        }
    }
    return 0;
}

int rec_spikes_open(struct rec_spikes *r, struct recorder *out, const struct net *n,
                    const char *csv_path, const char *bin_path, const struct spk_mark *from,
                    struct err *e)
{
    memset(r, 0, sizeof *r);
    r->net = n;
    struct spk_pop *pops = calloc((size_t)n->npops, sizeof *pops);
    if (!pops) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    for (int i = 0; i < n->npops; i++) {
        pops[i].name = n->pops[i].name;
        pops[i].size = n->pops[i].n;
    }
    int rc = from ? spk_writer_reopen(&r->w, csv_path, bin_path, n->dt_ms, pops, n->npops, from, e)
                  : spk_writer_open(&r->w, csv_path, bin_path, n->dt_ms, pops, n->npops, e);
    free(pops);
    if (rc) return rc;
    out->on_step = spikes_step;
    out->self = r;
    out->reads_state = 0;
    return 0;
}

int rec_spikes_mark(struct rec_spikes *r, struct spk_mark *m, struct err *e)
{
    if (!r->w) {
        memset(m, 0, sizeof *m);
        return 0;
    }
    return spk_writer_mark(r->w, m, e);
}

void rec_spikes_detach(struct rec_spikes *r)
{
    spk_writer_detach(r->w);
    r->w = NULL;
}

int rec_spikes_close(struct rec_spikes *r, int commit, struct err *e)
{
    int rc = 0;
    if (!r->w) return 0;
    if (commit)
        rc = spk_writer_commit(r->w, e);
    else
        spk_writer_abort(r->w);
    r->w = NULL;
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
