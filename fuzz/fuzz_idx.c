/* fuzz/fuzz_idx: learning/data_idx's idx_read, the IDX reader (gzip-compressed or plain, through
 * zlib) behind the Fashion-MNIST loader. */
#include "fuzz/fuzz.h"

#include "learning/data_idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct idx x;
    struct err e = {0};
    if (idx_read(fuzz_memfd(data, size), &x, &e) == 0) idx_free(&x);
    return 0;
}
