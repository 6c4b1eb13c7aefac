/* fuzz/fuzz_cfg_learn: learning/lcfg's loaders: lcfg_load_any, `apical run`'s (training
 * configs, online configs with a teacher block, plain ones), and lcfg_load, `apical train`'s
 * and `apical eval`'s (the network through io/cfg plus the learning, data and encoder blocks),
 * with --set overrides as in fuzz_cfg: each input line "#set PATH=VALUE" is also one --set. */
#include "fuzz/fuzz.h"

#include "core/spec.h"
#include "learning/lcfg.h"
#include "learning/lspec.h"

static char cfg_path[600];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_copy_dir("configs/include", "cfg/include");
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
    struct learn_spec ls;
    char *resolved = NULL;
    struct err e = {0};
    if (lcfg_load(cfg_path, sets, nsets, &spec, &ls, &resolved, &e) == 0) spec_free(&spec);
    free(resolved);
    resolved = NULL;
    int kind = 0;
    if (lcfg_load_any(cfg_path, sets, nsets, &spec, &ls, &resolved, &kind, &e) == 0)
        spec_free(&spec);
    free(resolved);
    free(buf);
    return 0;
}
