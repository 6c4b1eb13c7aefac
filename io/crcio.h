/* io/crcio: apical's binary files that end in a CRC-32 (zlib) of everything before it, the
 * run checkpoint (io/netckpt) and weights.bin (io/weights): writing that keeps the sum and
 * notes a failed write, and reading through io/rfile (bounded, regular files only) that keeps
 * it too, both in pieces crc32's 32-bit length can take. */
#ifndef APICAL_CRCIO_H
#define APICAL_CRCIO_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "io/rfile.h"

struct crc_wr {
    FILE *fp;
    unsigned long crc;
    int bad; /* a write failed (disk full?): the caller aborts the file */
};

void crc_wr_init(struct crc_wr *w, FILE *fp);
void crc_put(struct crc_wr *w, const void *p, size_t n);
void crc_put_array(struct crc_wr *w, const void *p, uint64_t count, size_t size);
/* Appends the sum, little-endian on any host; returns non-zero if any write failed. */
int crc_wr_end(struct crc_wr *w);

struct crc_rd {
    struct rfile f;
    unsigned long crc;
    const char *path;
    const char *what; /* "checkpoint", "weights file": the words before "truncated" */
};

/* Before rfile_open(&r->f, path, ...). */
void crc_rd_init(struct crc_rd *r, const char *path, const char *what);
/* Exactly n bytes, or ERR_INPUT "WHAT truncated" naming the file. */
int crc_get(struct crc_rd *r, void *p, size_t n, struct err *e);
int crc_get_array(struct crc_rd *r, void *p, uint64_t count, size_t size, struct err *e);
/* Bytes of the file not yet taken. */
uint64_t crc_left(const struct crc_rd *r);
/* Reads the stored sum (little-endian) and compares it with the one of everything read so far:
 * ERR_INPUT "corrupt WHAT (checksum)" when they differ. */
int crc_check(struct crc_rd *r, struct err *e);

#endif
