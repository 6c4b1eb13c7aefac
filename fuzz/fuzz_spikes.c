/* fuzz/fuzz_spikes: io/spikes' spk_read, the reader of spike files (bmtk-style CSV text or
 * apical's binary format, chosen by content) behind `apical plot` and a config's spike_file. */
#include "fuzz/fuzz.h"

#include "io/spikes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct spk_table t;
    struct err e = {0};
    if (spk_read(fuzz_memfd(data, size), &t, &e) == 0) spk_table_free(&t);
    return 0;
}
