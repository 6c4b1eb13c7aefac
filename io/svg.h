/* io/svg: pictures apical draws itself, as SVG: spike raster with population-rate histogram.
 * Knows nothing of the simulator; it draws what a spk_table holds. */
#ifndef APICAL_SVG_H
#define APICAL_SVG_H

#include <stdint.h>

#include "core/err.h"
#include "io/spikes.h"

struct svg_raster_opts {
    double t_start_ms, t_end_ms; /* time axis; t_end_ms <= t_start_ms means "from the data" */
    uint32_t max_per_pop;        /* neurons shown per population (an evenly spaced sample) */
    double bin_ms;               /* histogram bin; <= 0 picks one */
    const char *title;
};

/* Writes the raster (top) and the population rate in Hz (bottom) atomically to path. */
int svg_raster_write(const char *path, const struct spk_table *t, const struct svg_raster_opts *o,
                     struct err *e);

#endif
