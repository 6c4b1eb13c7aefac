/* io/lcurve: the reader of an online run's learning.csv (learning/present writes it) and of the
 * one figure of its summary.json that a learning curve marks: the accuracy on the classified
 * split after learning. learning.csv's header is exactly "samples,epoch,accuracy"; then one row
 * every teacher.window training samples and one at the end: samples presented so far (a whole
 * number, increasing), the same in passes over the training set (epochs, increasing), and the
 * accuracy in % over the last teacher.window samples. Knows nothing of pictures. */
#ifndef APICAL_LCURVE_H
#define APICAL_LCURVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define LCURVE_HEADER "samples,epoch,accuracy"
#define LCURVE_MAX_BYTES ((uint64_t)1 << 30) /* larger files are refused: 1 GiB */
#define LCURVE_MAX_LINE 256                  /* longer lines are refused */
#define LCURVE_MAX_SAMPLES 9007199254740992.0 /* 2^53: every whole number below is a double */

struct lcurve {
    size_t n;                       /* rows, at least 1 */
    double *samples, *epoch, *acc; /* n each */
};

/* Loads the whole file. Errors are ERR_INPUT naming the file and its 1-based line: another
 * header, no rows, a row of other than 3 fields, samples not a whole number in [1, 2^53] or not
 * above the previous row's, an epoch that is not a finite number above 0, is below the previous
 * row's, or is off samples / epoch of the first row (the training set's size) by more than
 * 1e-5 relative, an accuracy outside [0, 100], a last line without its newline (a truncated
 * file). Only a regular file of at most LCURVE_MAX_BYTES is read (io/rfile). */
int lcurve_read(const char *path, struct lcurve *c, struct err *e);
/* Frees what lcurve_read allocated and zeroes c; a zeroed one is fine. */
void lcurve_free(struct lcurve *c);

/* 1 if the file's first line is LCURVE_HEADER, else 0, also when it cannot be read or is no
 * regular file. */
int lcurve_sniff(const char *path);

/* What a run's summary.json says of its classified split: "classification": {"split",
 * "accuracy"}. */
struct lcurve_final {
    int have;       /* 0: no summary.json, or one without a classified split (nothing to mark) */
    char split[16]; /* "test" or "train" */
    double accuracy; /* %, in [0, 100]; NaN when no sample was classified */
};

/* Reads path (a summary.json). A missing file is no error (f->have = 0); one that is no JSON
 * object, or whose classification has a split that is not a short name or an accuracy that is
 * neither null nor a number in [0, 100], is ERR_INPUT naming the file (and the line, for JSON
 * that does not parse). */
int lcurve_final_read(const char *path, struct lcurve_final *f, struct err *e);

#endif
