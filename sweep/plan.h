/* sweep/plan: what a sweep runs. A plan is a config, the --set overrides every point shares, and
 * axes (a setting path with its values) expanded into numbered points. Axes come from the
 * config's `sweep` block and from --grid/--zip flags; the plan is frozen in OUT/sweep.json, which
 * every later step (resume, Slurm tasks, MPI ranks, collect, plot) reads instead of the config.
 * Invariant: a point's number and values depend only on the axes and the sampling seed. */
#ifndef APICAL_SWEEP_PLAN_H
#define APICAL_SWEEP_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum plan_kind { AXIS_LIST, AXIS_LIN, AXIS_LOG, AXIS_UNIFORM, AXIS_LOGUNIFORM };

struct plan_axis {
    char path[256];
    int kind;
    int zip;       /* advances together with the axis before it (same length, same index) */
    int nvalues;   /* AXIS_LIST, AXIS_LIN, AXIS_LOG */
    char **values; /* libconfig literals, as --set takes them ("0.5", "\"exc\"", "true") */
    double lo, hi; /* AXIS_UNIFORM, AXIS_LOGUNIFORM: drawn per point in random sampling */
    char spec[512];/* how the axis was written, for sweep.json and messages */
};

struct plan {
    char config[1024]; /* absolute path of the config */
    int nsets;
    char **sets;       /* "path=value" applied to every point before its own values */
    int naxes;
    struct plan_axis *axes;
    long samples;      /* > 0: that many points drawn at random from the axes; 0: the full grid */
    uint64_t seed;     /* sampling seed */
    long npoints;
    char **cells;      /* npoints x naxes value literals, row-major by point */
    unsigned long long *hash; /* each point's config hash, filled by plan_validate */
};

#define PLAN_MAX_POINTS 1000000L
#define PLAN_MAX_AXES 256
#define PLAN_MAX_CELLS 16000000L /* points x axes: what the plan keeps in memory */
#define PLAN_MAX_VALUE 511       /* characters of one value literal */
#define PLAN_MAX_SETS 4096

/* "PATH=SPEC" from --grid (zip = 0) or --zip (zip = 1). SPEC is a comma-separated list of
 * values, lo:hi:n (linear, both ends included), lin:lo:hi:n, log:lo:hi:n (geometric),
 * uniform:lo:hi or loguniform:lo:hi (random sampling only). */
int plan_add_axis_text(struct plan *p, const char *arg, int zip, struct err *e);

/* Reads the `sweep` group of a config (if any): grid = ( { path; values | lin | log | uniform
 * | loguniform | spec; n; zip; } ... ); samples; seed. Errors name the file, line and key. */
int plan_read_block(struct plan *p, const char *config, struct err *e);

/* Checks the axes (at least one, distinct paths, zip lengths, random-only kinds) and fills
 * npoints and cells. */
int plan_expand(struct plan *p, struct err *e);

/* Loads the config with every point's settings through the config loader; the first point
 * that does not load is reported with its number, its values and the loader's error. */
int plan_validate(struct plan *p, struct err *e);

/* "path=value" of axis a at point i into buf. */
void plan_set_text(const struct plan *p, long i, int a, char *buf, size_t n);
const char *plan_cell(const struct plan *p, long i, int a);

/* OUT/sweep.json: the plan as run. plan_load fills a plan from it (cells and hashes included),
 * checking every value and count against what plan_expand could have made (limits above);
 * anything else is ERR_INPUT naming sweep.json and the entry. */
int plan_save(const struct plan *p, const char *out, struct err *e);
int plan_load(struct plan *p, const char *out, struct err *e);
/* 0 when a and b run the same points with the same configs; else ERR_INPUT saying what differs. */
int plan_same(const struct plan *a, const struct plan *b, const char *out, struct err *e);

void plan_free(struct plan *p);

#endif
