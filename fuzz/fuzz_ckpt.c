/* fuzz/fuzz_ckpt: learning/train's checkpoint reader, both ways apical uses it: the weights of
 * `apical eval --weights` (then the evaluation), and the whole state of `apical train --resume`.
 * The network is configs/xor.cfg with one epoch (the seeds are its checkpoints, so the config
 * hash matches and mutations get past it); a resumed run stops after its first mini-batch, as
 * if interrupted, so a valid input costs one mini-batch of the 16-sample XOR set. */
#include <signal.h>

#include "fuzz/fuzz.h"

#include "learning/train.h"

static const char *const sets[] = {"learning.epochs=1"};
static char config[600], out_dir[600], ck_path[700];
static volatile sig_atomic_t stop = 1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(config, sizeof config, "%s/configs/xor.cfg", fuzz_root());
    fuzz_path(out_dir, sizeof out_dir, "train");
    snprintf(ck_path, sizeof ck_path, "%s/checkpoint.bin", out_dir);
    return 0;
}

/* A fresh trainer per input, so that a crash replays from its file alone. */
static struct train *open_xor(void)
{
    struct train_opts o = {.threads = 1, .quiet = 1, .stop = &stop};
    struct train *t = NULL;
    struct err e = {0};
    if (train_open(&t, config, sets, 1, &o, &e)) {
        char buf[2048];
        err_format(&e, buf, sizeof buf);
        fprintf(stderr, "fuzz_ckpt: %s\n", buf);
        abort();
    }
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write(ck_path, data, size);
    struct train *t = open_xor();
    struct err e = {0};
    double loss, acc;
    if (train_load_weights(t, ck_path, &e) == 0) (void)train_eval(t, 0, &loss, &acc, &e);
    train_close(t);
    t = open_xor();
    (void)train_run(t, out_dir, 1, &e);
    train_close(t);
    return 0;
}
