/* tests/test_data_idx: learning/data_idx and the Fashion-MNIST loader against IDX files whose
 * bytes the test lays out itself from the format's definition (plain and gzip), against damaged
 * copies of them, and, when Debian's dataset-fashion-mnist is installed, against the published
 * facts of that data set (60000 / 10000 samples, balanced classes, first labels). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "learning/data.h"
#include "learning/data_idx.h"
#include "tests/harness.h"

/* Header + items of an IDX file of unsigned bytes; caller frees. */
static uint8_t *idx_bytes(int type, int ndim, const uint32_t *dim, const uint8_t *items,
                          size_t *len)
{
    size_t n = 1;
    for (int d = 0; d < ndim; d++) n *= dim[d];
    size_t hl = 4 + 4 * (size_t)ndim;
    uint8_t *b = malloc(hl + n);
    b[0] = 0;
    b[1] = 0;
    b[2] = (uint8_t)type;
    b[3] = (uint8_t)ndim;
    for (int d = 0; d < ndim; d++) {
        b[4 + 4 * d] = (uint8_t)(dim[d] >> 24);
        b[5 + 4 * d] = (uint8_t)(dim[d] >> 16);
        b[6 + 4 * d] = (uint8_t)(dim[d] >> 8);
        b[7 + 4 * d] = (uint8_t)dim[d];
    }
    if (items) memcpy(b + hl, items, n);
    *len = hl + n;
    return b;
}

static const char *write_plain(const char *name, const uint8_t *b, size_t len)
{
    const char *p = harness_path(name);
    FILE *f = fopen(p, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fwrite(b, 1, len, f) == len);
    fclose(f);
    return p;
}

static const char *write_gz(const char *name, const uint8_t *b, size_t len)
{
    const char *p = harness_path(name);
    gzFile f = gzopen(p, "wb6");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(gzwrite(f, b, (unsigned)len) == (int)len);
    gzclose(f);
    return p;
}

static long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

/* Reads path, expects ERR_INPUT with the file named and `what` in the message. */
static void expect_bad(const char *path, const char *what)
{
    struct idx x;
    struct err e;
    memset(&e, 0, sizeof e);
    int rc = idx_read(path, &x, &e);
    CU_ASSERT_EQUAL(rc, ERR_INPUT);
    CU_ASSERT_STRING_EQUAL(e.file, path);
    if (what && !strstr(e.msg, what)) {
        CU_FAIL("message lacks the expected words");
        fprintf(stderr, "\n    %s: '%s' lacks '%s'\n", path, e.msg, what);
    }
    CU_ASSERT(x.data == NULL);
}

/* Truth: the format's definition, laid out byte by byte here; plain and gzip read the same. */
static void test_read_valid(void)
{
    uint32_t dim[3] = {5, 3, 2};
    uint8_t items[30];
    for (int i = 0; i < 30; i++) items[i] = (uint8_t)(7 * i + 3);
    size_t len;
    uint8_t *b = idx_bytes(0x08, 3, dim, items, &len);
    const char *paths[2] = {write_plain("ok.idx", b, len), write_gz("ok.idx.gz", b, len)};
    for (int k = 0; k < 2; k++) {
        struct idx x;
        struct err e;
        CU_ASSERT_EQUAL_FATAL(idx_read(paths[k], &x, &e), 0);
        CU_ASSERT_EQUAL(x.ndim, 3);
        CU_ASSERT(x.dim[0] == 5 && x.dim[1] == 3 && x.dim[2] == 2);
        CU_ASSERT_EQUAL(x.n, 30);
        CU_ASSERT(memcmp(x.data, items, 30) == 0);
        idx_free(&x);
    }
    /* a large 1-dimensional file crosses the reader's 1 MiB chunks */
    uint32_t big = 3u << 20 | 17;
    uint8_t *bi = malloc(big);
    for (uint32_t i = 0; i < big; i++) bi[i] = (uint8_t)(i * 2654435761u >> 24);
    uint8_t *bb = idx_bytes(0x08, 1, &big, bi, &len);
    const char *p = write_gz("big.idx.gz", bb, len);
    struct idx x;
    struct err e;
    CU_ASSERT_EQUAL_FATAL(idx_read(p, &x, &e), 0);
    CU_ASSERT(x.n == big && memcmp(x.data, bi, big) == 0);
    idx_free(&x);
    free(bi);
    free(bb);
    free(b);
}

/* Truth: every way a file can break the definition is an input error naming file and fault. */
static void test_read_corrupt(void)
{
    uint32_t dim[2] = {40, 25};
    uint8_t items[1000];
    for (int i = 0; i < 1000; i++) items[i] = (uint8_t)(i * 31 + i / 7);
    size_t len;
    uint8_t *b = idx_bytes(0x08, 2, dim, items, &len);

    expect_bad(write_plain("trunc.idx", b, len - 7), "truncated");
    expect_bad(write_plain("trunc_hdr.idx", b, 9), "truncated header");
    expect_bad(write_plain("empty.idx", b, 0), "truncated");
    expect_bad(write_plain("three.idx", b, 3), "truncated");
    expect_bad(harness_path("does-not-exist.idx"), "cannot open");

    uint8_t *c = malloc(len + 5);
    memcpy(c, b, len);
    memset(c + len, 0xAB, 5);
    expect_bad(write_plain("extra.idx", c, len + 5), "5 bytes after");
    expect_bad(write_gz("extra.idx.gz", c, len + 5), "5 bytes after");

    memcpy(c, b, len);
    c[1] = 1;
    expect_bad(write_plain("magic.idx", c, len), "not an IDX file");
    memcpy(c, b, len);
    c[2] = 0x0D;
    expect_bad(write_gz("float.idx.gz", c, len), "0x0d (float)");
    memcpy(c, b, len);
    c[3] = 0;
    expect_bad(write_plain("ndim0.idx", c, len), "0 dimensions");
    c[3] = 5;
    expect_bad(write_plain("ndim5.idx", c, len), "5 dimensions");
    memcpy(c, b, len);
    memset(c + 4, 0, 4);
    expect_bad(write_plain("dim0.idx", c, len), "dimension 1 is 0");
    memcpy(c, b, len);
    memset(c + 4, 0xFF, 8);
    expect_bad(write_plain("huge.idx", c, len), "promises more than");
    memcpy(c, b, len);
    c[7] = 41; /* 41 x 25: one row short */
    expect_bad(write_gz("short.idx.gz", c, len), "41 x 25 = 1025 data bytes, the file has 1000");

    /* damaged gzip: cut in the middle, cut in the 8-byte trailer, a flipped payload byte */
    const char *gz = write_gz("full.idx.gz", b, len);
    long gl = file_size(gz);
    uint8_t *g = (uint8_t *)harness_slurp(gz, NULL);
    CU_ASSERT_FATAL(g != NULL && gl > 40);
    expect_bad(write_plain("half.idx.gz", g, (size_t)gl / 2), "truncated");
    expect_bad(write_plain("notrailer.idx.gz", g, (size_t)gl - 4), "gzip stream ends early");
    expect_bad(write_plain("nocrc.idx.gz", g, (size_t)gl - 8), "gzip stream ends early");
    g[gl - 6] ^= 0x01; /* the CRC-32 */
    expect_bad(write_plain("crc.idx.gz", g, (size_t)gl), "corrupt gzip data");
    g[gl - 6] ^= 0x01;
    g[gl / 2] ^= 0x5A; /* deflate data: wrong content, bad code, or wrong length; all refused */
    expect_bad(write_plain("flip.idx.gz", g, (size_t)gl), NULL);
    free(g);
    free(c);
    free(b);
}

/* Truth: issue 19 and io/rfile.h: a FIFO or a folder is refused at once (gzopen of a FIFO waited
 * for a writer for ever); a count the file cannot hold is refused before it sizes anything (a
 * plain file: its size; gzip: at most 1032 bytes out per byte in); bytes past the data are
 * counted only up to a bound, so a gzip bomb after valid data costs little. */
static void test_read_bounded(void)
{
    alarm(60);
    expect_bad(harness_fifo("pipe.idx.gz"), "pipe");
    expect_bad(harness_folder("folder.idx"), "folder");

    uint32_t huge[2] = {65535, 65535}; /* 4.3e9 bytes promised: under IDX_MAX_BYTES */
    size_t len;
    uint8_t *b = idx_bytes(0x08, 2, huge, NULL, &len);
    expect_bad(write_plain("huge_count.idx", b, 12), "65535 x 65535 = 4294836225 data bytes, the file has 0");
    expect_bad(write_gz("huge_count.idx.gz", b, 12), "more than a gzip file of");
    free(b);

    /* valid data, then 64 MiB of zeros in the gzip stream (a few kB on disk) */
    uint32_t dim[1] = {10};
    uint8_t items[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    b = idx_bytes(0x08, 1, dim, items, &len);
    const char *bomb = harness_path("bomb.idx.gz");
    gzFile f = gzopen(bomb, "wb9");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(gzwrite(f, b, (unsigned)len) == (int)len);
    uint8_t *zeros = calloc(1, 1 << 20);
    for (int i = 0; i < 64; i++) CU_ASSERT(gzwrite(f, zeros, 1 << 20) == 1 << 20);
    gzclose(f);
    free(zeros);
    expect_bad(bomb, "more than 1048576 bytes after the 10 data bytes");
    free(b);
    alarm(0);
}

/* Writes a small Fashion-MNIST-shaped pair into dir/stem-*.gz. */
static void write_fmnist(const char *dir, const char *stem, uint32_t n, uint32_t side,
                         const uint8_t *pix, uint32_t nlab, const uint8_t *lab)
{
    char name[1024];
    uint32_t dim[3] = {n, side, side};
    size_t len;
    uint8_t *b = idx_bytes(0x08, 3, dim, pix, &len);
    snprintf(name, sizeof name, "%s/%s-images-idx3-ubyte.gz", dir, stem);
    gzFile f = gzopen(name, "wb");
    gzwrite(f, b, (unsigned)len);
    gzclose(f);
    free(b);
    b = idx_bytes(0x08, 1, &nlab, lab, &len);
    snprintf(name, sizeof name, "%s/%s-labels-idx1-ubyte.gz", dir, stem);
    f = gzopen(name, "wb");
    gzwrite(f, b, (unsigned)len);
    gzclose(f);
    free(b);
}

/* Truth: pixels are byte / 255, labels are copied; inconsistent pairs are refused. */
static void test_fmnist_small(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/fm", harness_tmpdir());
    mkdir(dir, 0755);
    enum { N = 3, S = 28 };
    static uint8_t pix[N * S * S];
    for (int i = 0; i < N * S * S; i++) pix[i] = (uint8_t)(i * 13 % 256);
    uint8_t lab[4] = {9, 0, 3, 1};
    write_fmnist(dir, "t10k", N, S, pix, N, lab);
    struct data_set *d;
    struct err e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL_FATAL(data_fmnist_load(dir, DATA_TEST, &d, &e), 0);
    CU_ASSERT(d->n == N && d->nin == S * S && d->nclass == 10);
    for (int i = 0; i < N * S * S; i++) CU_ASSERT_EQUAL(d->x[i], (float)(i * 13 % 256) / 255.0f);
    CU_ASSERT(d->y[0] == 9 && d->y[1] == 0 && d->y[2] == 3);
    CU_ASSERT_STRING_EQUAL(d->name, "fashion-mnist test");
    data_destroy(d);

    /* train files are missing here: the error names the file and the package */
    CU_ASSERT_EQUAL(data_fmnist_load(dir, DATA_TRAIN, &d, &e), ERR_INPUT);
    CU_ASSERT(d == NULL);
    CU_ASSERT(strstr(e.file, "train-images-idx3-ubyte.gz") != NULL);
    CU_ASSERT(strstr(e.msg, "dataset-fashion-mnist") != NULL);
    CU_ASSERT_EQUAL(data_fmnist_load(dir, DATA_VALID, &d, &e), ERR_INPUT);

    write_fmnist(dir, "t10k", N, S, pix, N + 1, lab); /* 4 labels for 3 images */
    CU_ASSERT_EQUAL(data_fmnist_load(dir, DATA_TEST, &d, &e), ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "4 labels for 3 images") && strstr(e.file, "labels"));
    lab[2] = 10;
    write_fmnist(dir, "t10k", N, S, pix, N, lab);
    CU_ASSERT_EQUAL(data_fmnist_load(dir, DATA_TEST, &d, &e), ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "label 10 of sample 2") != NULL);
    lab[2] = 3;
    write_fmnist(dir, "t10k", N, 27, pix, N, lab); /* 27 x 27 images */
    CU_ASSERT_EQUAL(data_fmnist_load(dir, DATA_TEST, &d, &e), ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "28 x 28") && strstr(e.file, "images"));
}

/* Truth (Xiao et al. 2017 and the files' first bytes): 60000 train and 10000 test samples,
 * 6000 and 1000 per class, the first label of each split 9 (ankle boot). Skipped without the
 * package. */
static void test_fmnist_installed(void)
{
    if (access(DATA_FMNIST_DIR "/t10k-labels-idx1-ubyte.gz", R_OK) != 0) {
        fprintf(stderr, "(skipped: %s not installed) ", DATA_FMNIST_PACKAGE);
        return;
    }
    const enum data_split splits[2] = {DATA_TRAIN, DATA_TEST};
    const uint32_t n[2] = {60000, 10000};
    for (int s = 0; s < 2; s++) {
        struct data_set *d;
        struct err e;
        CU_ASSERT_EQUAL_FATAL(data_fmnist_load(NULL, splits[s], &d, &e), 0);
        CU_ASSERT_EQUAL(d->n, n[s]);
        CU_ASSERT_EQUAL(d->nin, 784);
        uint32_t count[10] = {0};
        for (uint32_t i = 0; i < d->n; i++) count[d->y[i]]++;
        for (int c = 0; c < 10; c++) CU_ASSERT_EQUAL(count[c], n[s] / 10);
        CU_ASSERT_EQUAL(d->y[0], 9);
        float lo = 1, hi = 0;
        for (size_t k = 0; k < (size_t)d->n * d->nin; k++) {
            lo = d->x[k] < lo ? d->x[k] : lo;
            hi = d->x[k] > hi ? d->x[k] : hi;
        }
        CU_ASSERT(lo == 0.0f && hi == 1.0f);
        data_destroy(d);
    }
}

static int suite_data_idx(void)
{
    CU_pSuite s = CU_add_suite("data_idx", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "IDX plain and gzip", test_read_valid);
    CU_add_test(s, "corrupt and truncated IDX", test_read_corrupt);
    CU_add_test(s, "FIFO, folder, counts past the file, gzip bombs", test_read_bounded);
    CU_add_test(s, "Fashion-MNIST loader on small files", test_fmnist_small);
    CU_add_test(s, "Fashion-MNIST as installed", test_fmnist_installed);
    return 0;
}
TEST_SUITE(suite_data_idx)
