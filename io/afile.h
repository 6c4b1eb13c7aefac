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
/* Opens PATH.tmp as a run left it, to go on writing after byte `size` (a resumed run): it must
 * be a regular file of at least size bytes (ERR_INPUT otherwise); what follows is cut off. */
int afile_reopen(struct afile *f, const char *path, unsigned long long size, struct err *e);
/* Writes out what is buffered and syncs, so that a checkpoint may count the file's bytes; the
 * file stays open. 0, or ERR_IO. */
int afile_sync(struct afile *f, unsigned long long *size, struct err *e);
/* Flushes, fsyncs and renames into place; closes in every case. */
int afile_commit(struct afile *f, struct err *e);
/* Closes and keeps the temporary file as it is (a run stopped to be resumed). */
void afile_detach(struct afile *f);
/* Closes and removes the temporary file. Safe on a file never opened. */
void afile_abort(struct afile *f);

/* The whole of text and a newline as path, atomically (a JSON document, a small table). */
int afile_write_text(const char *path, const char *text, struct err *e);

/* ---- outputs that appear together: a staging folder ----
 * A run writes several files that belong together. Each is written (atomically, as above) into
 * the staging folder DIR/AFILE_STAGE; afile_stage_publish then renames them into DIR in the
 * order given, the last one being the completion mark (summary.json), and removes the folder.
 * A failed run calls afile_stage_abort, which removes the folder and what is in it: DIR keeps
 * what it had. A killed run leaves the folder, which the next afile_stage_open empties. */
#define AFILE_STAGE "run.tmp"
struct afile_stage {
    char dir[1024];  /* the final folder */
    char tmp[1040];  /* DIR/AFILE_STAGE */
    int open;
};
/* Creates the staging folder in dir (an existing folder), emptying a leftover one. */
int afile_stage_open(struct afile_stage *s, const char *dir, struct err *e);
/* Takes over the staging folder a stopped run left in dir, as it is (a resumed run);
 * ERR_INPUT if there is none. */
int afile_stage_reopen(struct afile_stage *s, const char *dir, struct err *e);
/* buf = the staging path of name; -1 if it does not fit in n bytes. */
int afile_stage_path(const struct afile_stage *s, const char *name, char *buf, size_t n);
/* Moves names (NULL-terminated; those not written are skipped) into dir in that order, syncs
 * the folder before the last, then removes the staging folder. On an error the files moved so
 * far stay in dir, the last name is not among them, and the rest is removed. */
int afile_stage_publish(struct afile_stage *s, const char *const *names, struct err *e);
/* Removes the staging folder and every file in it. Safe on a stage never opened. */
void afile_stage_abort(struct afile_stage *s);

/* Creates dir and its parents (like mkdir -p). */
int afile_mkdirs(const char *dir, struct err *e);

#endif
