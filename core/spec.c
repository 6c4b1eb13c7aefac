/* core/spec: freeing what io/cfg allocated into a spec. */
#include "core/spec.h"

#include <stdlib.h>
#include <string.h>

void spec_free(struct net_spec *s)
{
    for (int i = 0; i < s->npops; i++) {
        free(s->pops[i].src_offset);
        free(s->pops[i].src_times_ms);
    }
    for (int i = 0; i < s->nprojs; i++) {
        free(s->projs[i].list_src);
        free(s->projs[i].list_tgt);
        free(s->projs[i].list_w);
        free(s->projs[i].list_d);
    }
    for (int i = 0; i < s->ntraces; i++) free(s->traces[i].neurons);
    for (int i = 0; i < s->nwrecs; i++) {
        free(s->wrecs[i].pair_src);
        free(s->wrecs[i].pair_tgt);
    }
    free(s->pops);
    free(s->projs);
    free(s->stims);
    free(s->traces);
    free(s->wrecs);
    memset(s, 0, sizeof *s);
}
