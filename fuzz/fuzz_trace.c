/* fuzz/fuzz_trace: io/tracefile, the reader of traces.csv behind `apical plot`: the sniffing of
 * a file's kind, the whole read, and the read that keeps the first neurons' columns only (the
 * picture's, which must still check every field). */
#include "fuzz/fuzz.h"

#include "io/tracefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_memfd(data, size);
    struct trace_table t;
    struct err e = {0};
    (void)trace_sniff(path);
    if (trace_read(path, &t, &e) == 0) trace_table_free(&t);
    if (trace_read_neurons(path, 2, &t, &e) == 0) trace_table_free(&t);
    return 0;
}
