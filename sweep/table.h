/* sweep/table: the results table, one row per finished point: the point number, the swept
 * values, the mean rate and CV of ISI over the simulated populations (rate_hz, cv_isi), then
 * every number of the point's summary.json flattened (wall_s.simulate, exc.rate_hz, ...).
 * Rows come from the point folders, which stay the truth: the table can always be rebuilt. */
#ifndef APICAL_SWEEP_TABLE_H
#define APICAL_SWEEP_TABLE_H

#include <cjson/cJSON.h>

#include "core/err.h"
#include "sweep/plan.h"

struct table {
    const struct plan *plan;
    cJSON **rows; /* per point: the flat row, or NULL while the point is not done */
    long ndone, nfailed;
};

/* Reads every finished point of the plan. A point marked done whose summary.json is missing or
 * not a JSON object is ERR_INPUT naming that file (t is left empty). */
int table_load(struct table *t, const struct plan *p, const char *out, struct err *e);
/* Reads (or re-reads) one point after it finished; ERR_IO when its summary.json cannot be
 * read, ERR_INPUT when it is not a JSON object. */
int table_add(struct table *t, const char *out, long point, struct err *e);
/* OUT/results.csv and OUT/results.jsonl, each written to a temporary file and renamed. */
int table_write(const struct table *t, const char *out, struct err *e);
void table_free(struct table *t);

/* A swept value as JSON: number, boolean or string. */
cJSON *table_value(const char *literal);

#endif
