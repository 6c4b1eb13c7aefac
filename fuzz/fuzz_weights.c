/* fuzz/fuzz_weights: weights.bin (io/weights: wt_load, wt_apply, wt_save), the plastic weights
 * that `apical run --weights DIR|FILE` loads. Each input is written as FOLDER/weights.bin and
 * loaded through the folder; when it loads, what the loader promises is checked, and a broken
 * promise aborts (a finding):
 *   - every projection applies to a network of the same synapses, copying its weights bit for
 *     bit, and a network asking for a projection the file lacks gets ERR_INPUT;
 *   - saving what was loaded gives the input back byte for byte (the format has one spelling
 *     of each content: names NUL-padded, no bytes after the checksum).
 *
 * The file ends with a CRC-32 of all before it, so nearly every mutation would stop at the
 * checksum: each input is loaded as it is, then again (by the file's path) with its last four
 * bytes replaced by the right CRC, so that the fields behind the checksum are fuzzed too.
 *
 * Seeds: FUZZ_WEIGHTS_SEEDS=DIR build-fuzz/fuzz_weights writes a few small weights files into
 * DIR and exits (fuzz/seeds.sh). */
#include <zlib.h>

#include "fuzz/fuzz.h"

#include "io/weights.h"

static char dir_path[600], file_path[700], out_path[700];

static void die(const char *what, const struct err *e)
{
    fprintf(stderr, "fuzz_weights: %s: %s: %s\n", what, e->file, e->msg);
    abort();
}

/* ---- seeds ---- */

static void seed_proj(struct wt_proj *p, const char *name, const char *src, const char *tgt,
                      uint32_t nsrc, uint32_t ntgt, uint64_t nsyn)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->src, sizeof p->src, "%s", src);
    snprintf(p->tgt, sizeof p->tgt, "%s", tgt);
    p->nsrc = nsrc;
    p->ntgt = ntgt;
    p->nsyn = nsyn;
    p->src_id = calloc(nsyn + 1, sizeof *p->src_id);
    p->tgt_id = calloc(nsyn + 1, sizeof *p->tgt_id);
    p->w = calloc(nsyn + 1, sizeof *p->w);
    if (!p->src_id || !p->tgt_id || !p->w) abort();
    for (uint64_t s = 0; s < nsyn; s++) {
        p->src_id[s] = (uint32_t)(s * nsrc / nsyn);
        p->tgt_id[s] = (uint32_t)((s * 7 + 3) % ntgt);
        p->w[s] = 0.25f * (float)s - 1.0f;
    }
}

static void write_seeds(const char *dir)
{
    struct wt_proj p[3];
    seed_proj(&p[0], "in_exc", "in", "exc", 8, 6, 12);
    seed_proj(&p[1], "ee", "exc", "exc", 6, 6, 5);
    seed_proj(&p[2], "none", "exc", "inh", 6, 2, 0);
    static const struct {
        const char *name;
        int from, n;
    } files[] = {{"two.bin", 0, 2}, {"one-of-no-synapses.bin", 2, 1}, {"empty.bin", 0, 0}};
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        char path[800];
        struct err e = {0};
        snprintf(path, sizeof path, "%s/%s", dir, files[k].name);
        if (wt_save(path, p + files[k].from, files[k].n, &e)) die("wt_save", &e);
    }
    for (int j = 0; j < 3; j++) {
        free(p[j].src_id);
        free(p[j].tgt_id);
        free(p[j].w);
    }
    exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *seeds = getenv("FUZZ_WEIGHTS_SEEDS");
    if (seeds && seeds[0]) write_seeds(seeds);
    fuzz_path(dir_path, sizeof dir_path, "run");
    snprintf(file_path, sizeof file_path, "%s/weights.bin", dir_path);
    fuzz_path(out_path, sizeof out_path, "saved.bin");
    return 0;
}

/* ---- what a loaded file promises ---- */

static void check_apply(const struct wt_file *f)
{
    struct err e = {0};
    for (int j = 0; j < f->nproj; j++) {
        const struct wt_proj *p = &f->projs[j];
        struct wt_proj want = *p;
        size_t n = p->nsyn ? (size_t)p->nsyn : 1;
        want.w = calloc(n, sizeof *want.w);
        if (!want.w) abort();
        if (wt_apply(f, NULL, &want, &e)) die("wt_apply of the file's own projection", &e);
        if (memcmp(want.w, p->w, (size_t)p->nsyn * sizeof *want.w)) abort();
        free(want.w);
    }
    struct wt_proj other = {.name = ""}; /* no file has a projection of no name */
    if (wt_apply(f, NULL, &other, &e) != ERR_INPUT) abort();
}

static void check_save(const struct wt_file *f, const uint8_t *data, size_t size)
{
    struct err e = {0};
    if (wt_save(out_path, f->projs, f->nproj, &e)) die("wt_save of a loaded file", &e);
    FILE *fp = fopen(out_path, "rb");
    if (!fp) abort();
    uint8_t *back = malloc(size + 1);
    if (!back) abort();
    size_t got = fread(back, 1, size + 1, fp);
    fclose(fp);
    if (got != size || memcmp(back, data, size)) {
        fprintf(stderr, "fuzz_weights: saved again, %zu bytes differ from the input's %zu\n", got,
                size);
        abort();
    }
    free(back);
}

static void load(const char *path, const uint8_t *data, size_t size)
{
    struct wt_file f;
    struct err e = {0};
    if (wt_load(path, &f, &e) == 0) {
        check_apply(&f);
        check_save(&f, data, size);
    } else if (e.code != ERR_INPUT || strcmp(e.file, file_path)) {
        die("wt_load: not ERR_INPUT naming the file", &e);
    }
    wt_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write(file_path, data, size);
    load(dir_path, data, size); /* the folder: reads FOLDER/weights.bin */
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
        fuzz_write(file_path, fixed, size);
        load(file_path, fixed, size);
    }
    free(fixed);
    return 0;
}
