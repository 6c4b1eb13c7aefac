/* io/afile: files that appear complete or not at all (write to PATH.tmp, then rename).
 * A reader never sees a half-written summary, raster or checkpoint. */
#ifndef APICAL_AFILE_H
#define APICAL_AFILE_H

#include <stdio.h>

#include "core/err.h"

struct afile {
    FILE *fp;
    char path[1024];
    char tmp[1040];
};

int afile_open(struct afile *f, const char *path, struct err *e);
/* Flushes, fsyncs and renames into place; closes in every case. */
int afile_commit(struct afile *f, struct err *e);
/* Closes and removes the temporary file. Safe on a file never opened. */
void afile_abort(struct afile *f);

/* The whole of text and a newline as path, atomically (a JSON document, a small table). */
int afile_write_text(const char *path, const char *text, struct err *e);

/* Creates dir and its parents (like mkdir -p). */
int afile_mkdirs(const char *dir, struct err *e);

#endif
