/* learning/data_idx: reads IDX files of unsigned bytes (the MNIST family's format), gzip-compressed
 * or plain, through zlib. Owns the format checks; knows nothing of what the bytes mean.
 *
 * IDX: two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then each
 * dimension as a big-endian uint32, then the product of the dimensions in items, row-major.
 * A file is accepted only if all of this holds and nothing follows the last item. */
#ifndef APICAL_DATA_IDX_H
#define APICAL_DATA_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define IDX_MAX_DIMS 4
#define IDX_MAX_BYTES ((uint64_t)1 << 32) /* refuse headers that promise more */
#define IDX_MAX_FILE (IDX_MAX_BYTES + 4 + 4 * IDX_MAX_DIMS) /* refuse larger files */

struct idx {
    int ndim;
    uint32_t dim[IDX_MAX_DIMS];
    size_t n;      /* items = product of dim */
    uint8_t *data; /* n bytes; free with idx_free */
};

/* Reads path into *out. Every problem with the file (missing, not a regular file, larger than
 * IDX_MAX_FILE, not IDX, an unsupported type, a zero or oversized dimension, a count more than
 * the file can hold, truncated, corrupt gzip data, bytes after the data) is ERR_INPUT with the
 * file named and what is wrong in the message, found before the count sizes anything; ERR_NOMEM
 * if memory runs out. On error *out holds nothing to free. */
int idx_read(const char *path, struct idx *out, struct err *e);
void idx_free(struct idx *x);

#endif
