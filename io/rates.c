/* io/rates: see rates.h. */
#include "io/rates.h"

#include <stdio.h>
#include <stdlib.h>

#include "io/afile.h"

struct rates {
    const struct net *n;
    int64_t bin, nbins, reached; /* steps per bin; bins; steps recorded */
    uint64_t *count;             /* nbins x npops */
};

static int on_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct rates *r = self;
    const int64_t b = step / r->bin;
    if (b >= r->nbins) return 0;
    for (int p = 0; p < n->npops; p++)
        for (int k = 0; k < n->nparts; k++) {
            const uint32_t *ids;
            r->count[(size_t)b * n->npops + p] += net_part_spikes(n, p, k, step, &ids);
        }
    r->reached = step + 1;
    return 0;
}

int rates_open(struct rates **out, struct recorder *rec, const struct net *n, int64_t bin_steps,
               struct err *e)
{
    *out = NULL;
    struct rates *r = calloc(1, sizeof *r);
    if (!r) return err_set(e, ERR_NOMEM, NULL, 0, "record.rates", "out of memory");
    r->n = n;
    r->bin = bin_steps;
    r->nbins = (n->nsteps + bin_steps - 1) / bin_steps;
    r->count = calloc((size_t)(r->nbins ? r->nbins : 1) * (size_t)n->npops, sizeof *r->count);
    if (!r->count) {
        const long long nbins = (long long)r->nbins;
        free(r);
        return err_set(e, ERR_NOMEM, NULL, 0, "record.rates", "out of memory for %lld bins",
                       nbins);
    }
    *rec = (struct recorder){.on_step = on_step, .self = r, .reads_state = 0};
    *out = r;
    return 0;
}

int rates_write(const struct rates *r, const char *path, struct err *e)
{
    struct afile f;
    int rc = afile_open(&f, path, e);
    if (rc) return rc;
    const struct net *n = r->n;
    fprintf(f.fp, "t_ms");
    for (int p = 0; p < n->npops; p++) fprintf(f.fp, ",%s", n->pops[p].name);
    fprintf(f.fp, "\n");
    for (int64_t b = 0; b * r->bin < r->reached; b++) {
        const int64_t len = r->reached - b * r->bin < r->bin ? r->reached - b * r->bin : r->bin;
        const double seconds = (double)len * n->dt_ms * 1e-3;
        fprintf(f.fp, "%.10g", (double)(b * r->bin) * n->dt_ms);
        for (int p = 0; p < n->npops; p++) {
            const uint32_t size = n->pops[p].n;
            const double hz = size ? (double)r->count[(size_t)b * n->npops + p] / (size * seconds) : 0;
            fprintf(f.fp, ",%.10g", hz);
        }
        fprintf(f.fp, "\n");
    }
    return afile_commit(&f, e);
}

void rates_close(struct rates *r)
{
    if (!r) return;
    free(r->count);
    free(r);
}
