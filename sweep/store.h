/* sweep/store: the sweep's folder on disk. OUT/sweep.json (the plan), OUT/points/NNNNN/ (one
 * folder per point: the run's outputs, run.log, attempts.log, and last of all done.json or
 * failed.json), OUT/results.csv and OUT/results.jsonl. A point is finished exactly when its
 * done.json exists; every marker and table is written to a temporary file and renamed. */
#ifndef APICAL_SWEEP_STORE_H
#define APICAL_SWEEP_STORE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "core/err.h"

enum store_state { STORE_PENDING, STORE_DONE, STORE_FAILED };

/* OUT/points/NNNNN (five digits, more from point 100000 on) and a file in it. -1 if too long. */
int store_point_dir(const char *out, long point, char *buf, size_t n);
int store_point_file(const char *out, long point, const char *name, char *buf, size_t n);

int store_state(const char *out, long point);

/* A whole JSON file; NULL with e filled (ERR_IO when missing or unreadable, ERR_INPUT when
 * not JSON). */
cJSON *store_json_read(const char *path, struct err *e);
/* Writes j (printed) atomically. */
int store_json_write(const char *path, const cJSON *j, struct err *e);

/* The last lines of a text file (at most max_bytes), malloc'd; "" when unreadable. */
char *store_tail(const char *path, int lines, size_t max_bytes);

#endif
