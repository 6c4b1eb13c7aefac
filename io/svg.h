/* io/svg: pictures apical draws itself, as SVG: spike raster with population-rate histogram,
 * membrane-potential traces, and synaptic weights. Knows nothing of the simulator; it draws what
 * a spk_table, a trace_table or a wtr_table holds. */
#ifndef APICAL_SVG_H
#define APICAL_SVG_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "io/spikes.h"
#include "io/tracefile.h"
#include "io/wtrace.h"

struct svg_raster_opts {
    double t_start_ms, t_end_ms; /* time axis; t_end_ms <= t_start_ms means "from the data" */
    uint32_t max_per_pop;        /* neurons shown per population (an evenly spaced sample) */
    double bin_ms;               /* histogram bin; <= 0 picks one */
    const char *title;
};

/* Writes the raster (top) and the population rate in Hz (bottom) atomically to path. A window
 * that is not finite or too narrow for its magnitude (io/axis), spike times whose span overflows
 * a double, or a bin that makes more than 20000 bins is ERR_INPUT (naming no file). */
int svg_raster_write(const char *path, const struct spk_table *t, const struct svg_raster_opts *o,
                     struct err *e);

#define SVG_TRACES_NEURONS 6 /* neurons drawn when the caller picks no number */

struct svg_traces_opts {
    double t_start_ms, t_end_ms; /* time axis; t_end_ms <= t_start_ms means "the whole file" */
    uint32_t max_neurons; /* neurons drawn, in the file's order; 0 picks SVG_TRACES_NEURONS */
    int currents;         /* also draw each neuron's synaptic input (i_*, g_* columns) */
    const char *title;
};

/* One group of panels per neuron (POP[ID]): a panel of every column whose variable ends in "v"
 * (mV), one line per compartment ("v" is the soma's); below it, if asked, a panel of its other
 * columns (synaptic input). A neuron recorded with no potential gets its input panel anyway.
 * Panels of a kind share their y axis, fitted to the samples in the window. The table must keep
 * trace_read's invariants. A window that is not finite, holds no sample, or is too narrow for
 * its magnitude (io/axis), values whose range overflows a double, or a table without columns, is
 * ERR_INPUT (naming no file); a window from the data that is too narrow (one sample) is widened.
 * The picture is written atomically to path. */
int svg_traces_write(const char *path, const struct trace_table *t, const struct svg_traces_opts *o,
                     struct err *e);

#define SVG_WEIGHTS_MAX_LINES 200 /* trajectories drawn at most (an evenly spaced sample) */

struct svg_weights_opts {
    double t_start_ms, t_end_ms; /* time axis; t_end_ms <= t_start_ms means "the whole file" */
    const char *title;
};

/* Weights over time: one panel with a line per synapse (at most SVG_WEIGHTS_MAX_LINES of the
 * series with samples in the window, evenly spaced in file order), coloured by projection; below
 * it, per projection, a histogram of every series' weight at its first and at its last sample in
 * the window (data-before, data-after: counts in data-bins equal bins over [data-w0, data-w1],
 * the last bin closed). A table without series, a window that is not finite, too narrow for its
 * magnitude or holds no sample, or values whose range overflows a double, is ERR_INPUT (naming
 * no file). The picture is written atomically to path. */
int svg_weights_write(const char *path, const struct wtr_table *t,
                      const struct svg_weights_opts *o, struct err *e);

/* Shared with io/curves: text for XML (markup characters as entities, control characters and
 * broken UTF-8 as '?'). Axis windows and ticks are io/axis's. */
void svg_xml_text(FILE *fp, const char *s);

#endif
