/* fuzz/fuzz_netckpt: the checkpoint of `apical run` (cli/run_ckpt.c's run_ckpt_load over
 * io/netckpt's nck_load: the network's whole state and the recorders' positions), loaded into
 * a freshly built network of configs/hello.cfg made small (20 + 5 neurons, 10 ms, ee plastic),
 * and when it loads, the run resumed to its end as `apical run --resume` would.
 *
 * The file ends with a CRC-32 of all before it, so nearly every mutation would stop at the
 * checksum: each input is loaded as it is, then again with its last four bytes replaced by the
 * right CRC, so that the fields behind the checksum are fuzzed too.
 *
 * Seeds: FUZZ_NETCKPT_SEEDS=DIR build-fuzz/fuzz_netckpt writes checkpoints of this network
 * (before the first step, mid-run, at the end) into DIR and exits (fuzz/seeds.sh). */
#include <zlib.h>

#include "fuzz/fuzz.h"

#include "cli/run_ckpt.h"
#include "engine/net.h"
#include "core/spec.h"
#include "io/cfg.h"

/* ee is plastic (stdp), so that the checkpoint's plastic section (weights, per-source state,
 * spike histories) is read too */
static const char *const sets[] = {
    "simulation.duration=10.0", "simulation.threads=1", "populations.exc.size=20",
    "populations.inh.size=5",   "projections.ee.k=4",   "record.traces=()",
    "projections.ee.plasticity = { rule = \"stdp\"; }"};
static struct net_spec spec;
static char ck_path[600];

static void die(const char *what, const struct err *e)
{
    fprintf(stderr, "fuzz_netckpt: %s: %s:%d: %s: %s\n", what, e->file, e->line, e->path,
            e->msg);
    abort();
}

static void build(struct net *n)
{
    struct err e = {0};
    if (net_build(n, &spec, &e)) die("net_build", &e);
}

/* Stops the run after step `at` (net_run reads the flag once per step). */
struct stop_at {
    int64_t at;
    volatile sig_atomic_t flag;
};
static int stop_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)n, (void)e;
    struct stop_at *s = self;
    if (step == s->at) s->flag = 1;
    return 0;
}

static void write_seeds(const char *dir)
{
    static const int64_t cuts[] = {-1, 37, 1000};
    for (int k = 0; k < 3; k++) {
        struct net n;
        struct err e = {0};
        build(&n);
        struct stop_at s = {cuts[k], 0};
        struct recorder r = {stop_step, &s, 0};
        if (cuts[k] >= 0) (void)net_run(&n, &r, 1, &s.flag, &e);
        char path[700];
        snprintf(path, sizeof path, "%s/hello-step-%lld.bin", dir, (long long)n.step);
        if (run_ckpt_save(&n, NULL, NULL, NULL, path, &e)) die("run_ckpt_save", &e);
        net_free(&n);
    }
    exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char config[600];
    snprintf(config, sizeof config, "%s/configs/hello.cfg", fuzz_root());
    char *resolved = NULL;
    struct err e = {0};
    if (cfg_load(config, sets, (int)(sizeof sets / sizeof *sets), &spec, &resolved, &e))
        die("cfg_load", &e);
    free(resolved);
    const char *seeds = getenv("FUZZ_NETCKPT_SEEDS");
    if (seeds && seeds[0]) write_seeds(seeds);
    fuzz_path(ck_path, sizeof ck_path, "checkpoint.bin");
    return 0;
}

static void load_and_resume(void)
{
    struct net n;
    struct run_ckpt_pos pos;
    struct err e = {0};
    build(&n);
    if (run_ckpt_load(&n, ck_path, &pos, &e) == 0) (void)net_run(&n, NULL, 0, NULL, &e);
    net_free(&n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write(ck_path, data, size);
    load_and_resume();
    if (size < 4) return 0;
    uint8_t *fixed = malloc(size);
    if (!fixed) abort();
    memcpy(fixed, data, size);
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t k = 0; k < size - 4;) { /* crc32 takes uInt lengths */
        uInt n = size - 4 - k > (1u << 30) ? 1u << 30 : (uInt)(size - 4 - k);
        crc = crc32(crc, fixed + k, n);
        k += n;
    }
    uint32_t c = (uint32_t)crc;
    memcpy(fixed + size - 4, &c, 4);
    if (memcmp(fixed, data, size) != 0) {
        fuzz_write(ck_path, fixed, size);
        load_and_resume();
    }
    free(fixed);
    return 0;
}
