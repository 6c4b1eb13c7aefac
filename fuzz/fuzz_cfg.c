/* fuzz/fuzz_cfg: io/cfg's cfg_load, the loader of `apical run` and `apical check`, with --set
 * overrides: the input is the config, and each of its lines "#set PATH=VALUE" (a comment to
 * libconfig) is also passed as one --set. The config lies next to a copy of configs/include/,
 * so the seeds' @include lines resolve, and a small spikes.csv for spike_file. */
#include "fuzz/fuzz.h"

#include "core/spec.h"
#include "io/cfg.h"

static char cfg_path[600];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char p[600];
    fuzz_copy_dir("configs/include", "cfg/include");
    static const char spikes[] = "timestamps population node_ids\n1.5 in 0\n2.0 in 3\n";
    fuzz_write(fuzz_path(p, sizeof p, "cfg/spikes.csv"), spikes, sizeof spikes - 1);
    fuzz_path(cfg_path, sizeof cfg_path, "cfg/fuzz.cfg");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf;
    const char *sets[FUZZ_MAX_SETS];
    int nsets = fuzz_sets(data, size, &buf, sets);
    fuzz_write(cfg_path, data, size);
    struct net_spec spec;
    char *resolved = NULL;
    struct err e = {0};
    if (cfg_load(cfg_path, sets, nsets, &spec, &resolved, &e) == 0) spec_free(&spec);
    free(resolved);
    free(buf);
    return 0;
}
