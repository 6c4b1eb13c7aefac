/* sweep/store: the sweep's folder on disk. OUT/sweep.json (the plan), OUT/points/NNNNN/ (one
 * folder per point: the run's outputs, run.log, attempts.log, a stopped run's run.tmp/ until it
 * is resumed, and last of all done.json or failed.json), OUT/results.csv and
 * OUT/results.jsonl. A point is finished exactly when its done.json exists; every marker and
 * table is written to a temporary file and renamed. */
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

/* The checkpoint a stopped run left in a point's folder (apical run's staging folder,
 * OUT/points/NNNNN/run.tmp/checkpoint.bin), and whether it is there as a regular file: such a
 * point is resumed with `apical run --resume`, not started over. */
#define STORE_CKPT "run.tmp/checkpoint.bin"
int store_stopped(const char *out, long point);

/* The most a JSON file of the folder may hold (sweep.json of a million points fits): a reader
 * takes no more, so a FIFO or /dev/zero in the folder is refused instead of read forever. */
#define STORE_JSON_MAX (256L << 20)

/* A whole JSON file, read through io/rfile; NULL with e filled (ERR_IO when missing, ERR_INPUT
 * when not JSON, not a regular file, larger than STORE_JSON_MAX or unreadable). The root may be
 * of any type: read it through the getters below. */
cJSON *store_json_read(const char *path, struct err *e);
/* Writes j (printed) atomically. */
int store_json_write(const char *path, const cJSON *j, struct err *e);

/* The last lines of a text file (at most max_bytes, read from its end), malloc'd; "" when
 * unreadable or not a regular file. */
char *store_tail(const char *path, int lines, size_t max_bytes);

/* Typed members of a JSON object, for every value a file supplies: each is NULL (NaN, -1, 0)
 * when o is not an object, key is missing, or its value has another type. */
const char *store_jstr(const cJSON *o, const char *key);
const cJSON *store_jarr(const cJSON *o, const char *key);
double store_jnum(const cJSON *o, const char *key); /* NaN unless a number */
int store_jtrue(const cJSON *o, const char *key);   /* 1 only for true */
/* 0 and *v when key is a whole number in [lo, hi] (bounds within +-2^53); -1 otherwise
 * (fractions, 1e300, NaN). */
int store_jlong(const cJSON *o, const char *key, long lo, long hi, long *v);

#endif
