/* core/soa: staggered struct-of-arrays blocks. */
#include "core/soa.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t soa_stride(size_t n)
{
    /* small arrays stay in cache anyway: whole cache lines only */
    if (n < 512) return (n + 7) / 8 * 8;
    /* a multiple of 4 KiB plus 192 bytes */
    return (n + 511) / 512 * 512 + 24;
}

double *soa_alloc(size_t k, size_t n, size_t *stride)
{
    size_t s = soa_stride(n);
    if (k && s > SIZE_MAX / sizeof(double) / k) return NULL;
    double *p = NULL;
    if (posix_memalign((void **)&p, 4096, (k ? k : 1) * s * sizeof(double)) != 0) return NULL;
    memset(p, 0, (k ? k : 1) * s * sizeof(double));
    if (stride) *stride = s;
    return p;
}
