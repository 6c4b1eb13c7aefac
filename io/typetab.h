/* io/typetab: a SONATA type table, node_types.csv or edge_types.csv as bmtk writes them: a
 * header line of column names, then one line per type, fields separated by spaces or tabs (a
 * field holding spaces in double quotes, "" for a quote inside), NULL for no value. The whole
 * file is read (a type table is small: at most 64 MiB) and checked before anything is looked
 * up: as many fields on every line as the header has, and an id column of distinct integers
 * below 2^32. Knows nothing of what the columns mean (io/circuit does). */
#ifndef APICAL_TYPETAB_H
#define APICAL_TYPETAB_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct typetab {
    char path[512];
    int ncol;
    char **col;    /* the header's names */
    size_t nrow;
    char **cell;   /* nrow x ncol, row-major; NULL for NULL or an empty quoted field */
    int *line;     /* each row's line in the file, for messages */
    uint32_t *id;  /* each row's type id */
    size_t *order; /* rows by id */
    char *text;    /* the file, which the cells point into */
};

/* Reads path into t; id_col names the column of type ids ("node_type_id"). ERR_INPUT naming
 * the file and line (a missing file, a short row, an id that is no integer or comes twice). */
int typetab_load(const char *path, const char *id_col, struct typetab *t, struct err *e);
/* The column called name, or -1. */
int typetab_col(const struct typetab *t, const char *name);
/* The row of type id, or -1. */
long typetab_row(const struct typetab *t, uint32_t id);
/* Row r's value in column c (c may be -1: no such column), or NULL for none. */
const char *typetab_cell(const struct typetab *t, size_t r, int c);
void typetab_free(struct typetab *t);

#endif
