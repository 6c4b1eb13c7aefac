/* io/rates: population rates over time. A recorder counts every population's spikes in bins
 * of a whole number of steps; at the end rates.csv gets one row per bin: its start time (ms)
 * and each population's rate (Hz: spikes / (neurons x bin)), written atomically. */
#ifndef APICAL_RATES_H
#define APICAL_RATES_H

#include <stdint.h>

#include "core/err.h"
#include "engine/net.h"

/* More bins x populations than this is refused at load (io/cfg: record.rates.bin). */
#define RATES_MAX_CELLS 100000000ull

struct rates;

/* A recorder of n's spikes in bins of bin_steps steps over nsteps steps. ERR_NOMEM. */
int rates_open(struct rates **out, struct recorder *rec, const struct net *n, int64_t bin_steps,
               struct err *e);
/* rates.csv of the bins the run reached (a last, shorter bin counted over its own length). */
int rates_write(const struct rates *r, const char *path, struct err *e);
void rates_close(struct rates *r);

#endif
