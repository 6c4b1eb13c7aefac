/* tests/test_weights: io/weights, weights.bin. Truth: the layout in docs/formats.md (sizes and
 * offsets counted by hand below), bit equality of what was written and what is read back, and
 * the contract of io/weights.h: every bad file (cut at any byte, any byte changed, counts past
 * what the file holds, a FIFO, a device) is ERR_INPUT naming the file, and every way a file can
 * differ from the network is ERR_INPUT naming the file and the difference. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include "io/weights.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

/* Layout (docs/formats.md): 24 bytes of header, 208 per projection, 12 per synapse, 4 of CRC. */
enum { HEAD = 24, PHEAD = 208, SYN = 12, CRC = 4 };

/* ---------------------------------------------------------------------------------------------
 * Helpers: projections with known contents, raw files.
 */

static void make(struct wt_proj *p, const char *name, const char *src, const char *tgt,
                 uint32_t nsrc, uint32_t ntgt, uint64_t nsyn, uint32_t seed)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->src, sizeof p->src, "%s", src);
    snprintf(p->tgt, sizeof p->tgt, "%s", tgt);
    p->nsrc = nsrc;
    p->ntgt = ntgt;
    p->nsyn = nsyn;
    p->src_id = malloc((nsyn + 1) * sizeof *p->src_id);
    p->tgt_id = malloc((nsyn + 1) * sizeof *p->tgt_id);
    p->w = malloc((nsyn + 1) * sizeof *p->w);
    CU_ASSERT_FATAL(p->src_id && p->tgt_id && p->w);
    uint32_t x = seed * 2654435761u + 1;
    for (uint64_t s = 0; s < nsyn; s++) {
        x = x * 1664525u + 1013904223u;
        p->src_id[s] = (uint32_t)(s * nsrc / nsyn); /* grouped by source, as a network is */
        p->tgt_id[s] = x % ntgt;
        p->w[s] = (float)((int32_t)x) * 1e-9f;
    }
    /* weights at the edges of float: -0, a denormal, the largest */
    if (nsyn > 2) {
        p->w[0] = -0.0f;
        p->w[1] = 1e-45f;
        p->w[2] = 3.4028235e38f;
    }
}

static void unmake(struct wt_proj *p)
{
    free(p->src_id);
    free(p->tgt_id);
    free(p->w);
}

/* A copy of p's description with its own arrays and the weights set to 7 (to see the copy). */
static void copy_shape(struct wt_proj *q, const struct wt_proj *p)
{
    *q = *p;
    q->src_id = malloc((p->nsyn + 1) * sizeof *q->src_id);
    q->tgt_id = malloc((p->nsyn + 1) * sizeof *q->tgt_id);
    q->w = malloc((p->nsyn + 1) * sizeof *q->w);
    CU_ASSERT_FATAL(q->src_id && q->tgt_id && q->w);
    memcpy(q->src_id, p->src_id, p->nsyn * sizeof *q->src_id);
    memcpy(q->tgt_id, p->tgt_id, p->nsyn * sizeof *q->tgt_id);
    for (uint64_t s = 0; s < p->nsyn; s++) q->w[s] = 7.0f;
}

static int same_bits(const struct wt_proj *a, const struct wt_proj *b)
{
    return !memcmp(a->name, b->name, WT_NAME) && !memcmp(a->src, b->src, WT_NAME) &&
           !memcmp(a->tgt, b->tgt, WT_NAME) && a->nsrc == b->nsrc && a->ntgt == b->ntgt &&
           a->nsyn == b->nsyn && !memcmp(a->src_id, b->src_id, a->nsyn * 4) &&
           !memcmp(a->tgt_id, b->tgt_id, a->nsyn * 4) && !memcmp(a->w, b->w, a->nsyn * 4);
}

/* Three projections: an ordinary one, one of no synapses, one between other populations. */
enum { NP = 3 };
static void sample(struct wt_proj p[NP])
{
    make(&p[0], "in_exc", "in", "exc", 100, 80, 1000, 1);
    make(&p[1], "empty", "exc", "exc", 80, 80, 0, 2);
    make(&p[2], "ee", "exc", "inh", 80, 20, 37, 3);
}

static void unsample(struct wt_proj p[NP])
{
    for (int j = 0; j < NP; j++) unmake(&p[j]);
}

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fwrite(b, 1, n, f) == n);
    fclose(f);
}

/* The last 4 bytes made the right CRC-32 of those before. */
static void fix_crc(unsigned char *b, size_t n)
{
    uint32_t c = (uint32_t)crc32(crc32(0L, Z_NULL, 0), b, (uInt)(n - CRC));
    memcpy(b + n - CRC, &c, CRC);
}

/* wt_load of path must fail with ERR_INPUT naming file (path when NULL) and saying says. */
static void expect_refused(const char *path, const char *file, const char *says, const char *ctx)
{
    struct wt_file f;
    struct err e = {0};
    int rc = wt_load(path, &f, &e);
    char line[1400];
    snprintf(line, sizeof line, "%s: [%s] %s (wanted \"%s\")", ctx, e.file, e.msg, says);
    EXPECT(rc == ERR_INPUT, line, NULL);
    EXPECT(!strcmp(e.file, file ? file : path), line, NULL);
    EXPECT(strstr(e.msg, says) != NULL, line, NULL);
    EXPECT(f.nproj == 0 && f.projs == NULL, line, NULL);
    wt_free(&f);
}

/* ---------------------------------------------------------------------------------------------
 * Writing and reading back.
 */

static void test_round_trip(void)
{
    /* Every field read back bit for bit; the size is the layout's; saving again gives the same
     * bytes (names NUL-padded, nothing uninitialised written). */
    struct wt_proj p[NP];
    sample(p);
    const char *path = harness_path("wt_rt.bin");
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(wt_save(path, p, NP, &e), 0);
    CU_ASSERT(!harness_exists(harness_path("wt_rt.bin.tmp")));
    size_t len;
    unsigned char *b = (unsigned char *)harness_slurp(path, &len);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(len, HEAD + NP * PHEAD + (1000 + 0 + 37) * SYN + CRC);
    CU_ASSERT(!memcmp(b, "APICAL-WEIGHTS\0\0", 16));
    uint32_t v[2];
    memcpy(v, b + 16, 8);
    CU_ASSERT(v[0] == 1 && v[1] == NP);
    CU_ASSERT(!strcmp((char *)b + HEAD, "in_exc") && !strcmp((char *)b + HEAD + 64, "in") &&
              !strcmp((char *)b + HEAD + 128, "exc"));
    uint64_t nsyn;
    memcpy(&nsyn, b + HEAD + 200, 8);
    CU_ASSERT_EQUAL(nsyn, 1000);
    CU_ASSERT(!memcmp(b + HEAD + PHEAD + 1000 * 8, p[0].w, 1000 * 4)); /* weights after ids */

    struct wt_file f;
    CU_ASSERT_EQUAL_FATAL(wt_load(path, &f, &e), 0);
    CU_ASSERT_STRING_EQUAL(f.path, path);
    CU_ASSERT_EQUAL_FATAL(f.nproj, NP);
    for (int j = 0; j < NP; j++) CU_ASSERT(same_bits(&f.projs[j], &p[j]));
    wt_free(&f);
    CU_ASSERT(f.nproj == 0 && f.projs == NULL);
    wt_free(&f); /* twice is harmless */

    const char *again = harness_path("wt_rt2.bin");
    CU_ASSERT_EQUAL(wt_save(again, p, NP, &e), 0);
    size_t len2;
    char *b2 = harness_slurp(again, &len2);
    CU_ASSERT(b2 && len2 == len && !memcmp(b, b2, len));
    free(b2);
    free(b);

    /* no projections at all: a valid file of header and CRC */
    const char *none = harness_path("wt_none.bin");
    CU_ASSERT_EQUAL(wt_save(none, NULL, 0, &e), 0);
    CU_ASSERT_EQUAL_FATAL(wt_load(none, &f, &e), 0);
    CU_ASSERT_EQUAL(f.nproj, 0);
    wt_free(&f);
    unsample(p);
}

static void test_apply(void)
{
    /* wt_apply copies the file's weights, bit for bit, into a network of the same synapses. */
    struct wt_proj p[NP], q[NP];
    sample(p);
    const char *path = harness_path("wt_apply.bin");
    struct err e = {0};
    struct wt_file f;
    CU_ASSERT_EQUAL_FATAL(wt_save(path, p, NP, &e), 0);
    CU_ASSERT_EQUAL_FATAL(wt_load(path, &f, &e), 0);
    for (int j = NP - 1; j >= 0; j--) { /* any order */
        copy_shape(&q[j], &p[j]);
        int rc = wt_apply(&f, NULL, &q[j], &e);
        EXPECT(rc == 0, e.msg, NULL);
        CU_ASSERT(same_bits(&q[j], &p[j]));
    }
    wt_free(&f);
    unsample(q);
    unsample(p);
}

/* ---------------------------------------------------------------------------------------------
 * A file of another network.
 */

struct mismatch {
    const char *what;
    void (*change)(struct wt_proj *q);
    const char *says;
};

static void other_name(struct wt_proj *q) { snprintf(q->name, sizeof q->name, "zz"); }
static void other_src(struct wt_proj *q) { snprintf(q->src, sizeof q->src, "input"); }
static void other_tgt(struct wt_proj *q) { snprintf(q->tgt, sizeof q->tgt, "inh"); }
static void other_nsrc(struct wt_proj *q) { q->nsrc = 101; }
static void other_ntgt(struct wt_proj *q) { q->ntgt = 79; }
static void fewer_syn(struct wt_proj *q) { q->nsyn = 999; }
static void more_syn(struct wt_proj *q)
{
    q->nsyn = 1001;
    q->src_id[1000] = 99;
    q->tgt_id[1000] = 0;
}
static void other_tgt_id(struct wt_proj *q) { q->tgt_id[17] ^= 1; }
static void other_src_id(struct wt_proj *q) { q->src_id[999] = q->src_id[999] == 0 ? 1 : 0; }

static void test_mismatch(void)
{
    /* Each difference named, with the file's path; the network's weights untouched. */
    struct wt_proj p[NP];
    sample(p);
    char want17[200], want999[200];
    snprintf(want17, sizeof want17,
             "projection \"in_exc\": synapse 17 is %u -> %u in the file, %u -> %u in the "
             "network",
             p[0].src_id[17], p[0].tgt_id[17], p[0].src_id[17], p[0].tgt_id[17] ^ 1);
    snprintf(want999, sizeof want999, "synapse 999 is %u -> %u in the file, %u -> %u",
             p[0].src_id[999], p[0].tgt_id[999], p[0].src_id[999] == 0 ? 1 : 0, p[0].tgt_id[999]);
    const struct mismatch cases[] = {
        {"name", other_name, "has no projection \"zz\" (it has: in_exc, empty, ee)"},
        {"source", other_src,
         "projection \"in_exc\": in -> exc in the file, input -> exc in the network"},
        {"target", other_tgt, "in -> exc in the file, in -> inh in the network"},
        {"source size", other_nsrc,
         "projection \"in_exc\": source population \"in\" of 100 neurons in the file, "
         "101 in the network"},
        {"target size", other_ntgt,
         "target population \"exc\" of 80 neurons in the file, 79 in the network"},
        {"fewer synapses", fewer_syn, "projection \"in_exc\": 1000 synapses, the network has 999"},
        {"more synapses", more_syn, "1000 synapses, the network has 1001"},
        {"a target id", other_tgt_id, want17},
        {"the last source id", other_src_id, want999},
    };
    const char *path = harness_path("wt_mis.bin");
    struct err e = {0};
    struct wt_file f;
    CU_ASSERT_EQUAL_FATAL(wt_save(path, p, NP, &e), 0);
    CU_ASSERT_EQUAL_FATAL(wt_load(path, &f, &e), 0);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        struct wt_proj q;
        copy_shape(&q, &p[0]);
        cases[c].change(&q);
        memset(&e, 0, sizeof e);
        int rc = wt_apply(&f, NULL, &q, &e);
        char line[1400];
        snprintf(line, sizeof line, "%s: [%s] %s (wanted \"%s\")", cases[c].what, e.file, e.msg,
                 cases[c].says);
        EXPECT(rc == ERR_INPUT, line, NULL);
        EXPECT(!strcmp(e.file, path), line, NULL);
        EXPECT(strstr(e.msg, cases[c].says) != NULL, line, NULL);
        int untouched = 1;
        for (uint64_t s = 0; s < q.nsyn && s < 1000; s++) untouched &= q.w[s] == 7.0f;
        EXPECT(untouched, line, NULL);
        unmake(&q);
    }
    /* the caller's name for the file, as in "out/song/weights.bin: projection ..." */
    struct wt_proj q;
    copy_shape(&q, &p[2]);
    q.nsyn = 36;
    CU_ASSERT_EQUAL(wt_apply(&f, "out/song/weights.bin", &q, &e), ERR_INPUT);
    char full[1100];
    err_format(&e, full, sizeof full);
    CU_ASSERT_STRING_EQUAL(full,
                           "out/song/weights.bin: projection \"ee\": 37 synapses, the network "
                           "has 36");
    unmake(&q);
    wt_free(&f);

    /* a file of no projections, and one of so many long names that the list is cut */
    CU_ASSERT_EQUAL_FATAL(wt_save(path, NULL, 0, &e), 0);
    CU_ASSERT_EQUAL_FATAL(wt_load(path, &f, &e), 0);
    copy_shape(&q, &p[0]);
    CU_ASSERT_EQUAL(wt_apply(&f, NULL, &q, &e), ERR_INPUT);
    CU_ASSERT_STRING_EQUAL(e.msg, "has no projection \"in_exc\" (it has: none)");
    wt_free(&f);
    enum { MANY = 40 };
    struct wt_proj many[MANY];
    for (int j = 0; j < MANY; j++) {
        char name[WT_NAME];
        snprintf(name, sizeof name, "projection_with_a_long_name_number_%02d_of_forty", j);
        make(&many[j], name, "a", "b", 2, 2, 1, (uint32_t)j);
    }
    CU_ASSERT_EQUAL_FATAL(wt_save(path, many, MANY, &e), 0);
    CU_ASSERT_EQUAL_FATAL(wt_load(path, &f, &e), 0);
    CU_ASSERT_EQUAL(wt_apply(&f, NULL, &q, &e), ERR_INPUT);
    EXPECT(strstr(e.msg, "(it has: projection_with_a_long_name_number_00_of_forty, ") &&
               strstr(e.msg, ", ...)"),
           e.msg, NULL);
    wt_free(&f);
    for (int j = 0; j < MANY; j++) unmake(&many[j]);
    unmake(&q);
    unsample(p);
}

/* ---------------------------------------------------------------------------------------------
 * Broken files.
 */

/* A small file: two projections of 3 and 2 synapses (24 + 2 * 208 + 5 * 12 + 4 = 504 bytes). */
static unsigned char *small_file(size_t *len)
{
    struct wt_proj p[2];
    make(&p[0], "a", "x", "y", 4, 5, 3, 1);
    make(&p[1], "b", "y", "x", 5, 4, 2, 2);
    const char *path = harness_path("wt_small.bin");
    struct err e = {0};
    CU_ASSERT_EQUAL(wt_save(path, p, 2, &e), 0);
    unmake(&p[0]);
    unmake(&p[1]);
    unsigned char *b = (unsigned char *)harness_slurp(path, len);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(*len, 504);
    return b;
}

static void test_truncated(void)
{
    /* Cut at every byte: ERR_INPUT naming the file, nothing held (ASan: nothing leaked); one
     * byte too many is refused too. */
    size_t len;
    unsigned char *b = small_file(&len);
    const char *path = harness_path("wt_cut.bin");
    for (size_t cut = 0; cut < len; cut++) {
        write_bytes(path, b, cut);
        char ctx[64];
        snprintf(ctx, sizeof ctx, "cut at %zu", cut);
        expect_refused(path, NULL, "truncated", ctx);
    }
    unsigned char *longer = malloc(len + 1);
    CU_ASSERT_FATAL(longer != NULL);
    memcpy(longer, b, len);
    longer[len] = 0;
    write_bytes(path, longer, len + 1);
    expect_refused(path, NULL, "1 bytes after the checksum", "one byte more");
    free(longer);
    free(b);
}

static void test_flipped(void)
{
    /* Any byte changed is refused; in the names, ids, weights and the CRC itself it is the
     * checksum that says so (the counts and the header have their own words). */
    size_t len;
    unsigned char *b = small_file(&len);
    const char *path = harness_path("wt_flip.bin");
    for (size_t k = 0; k < len; k++) {
        for (int bit = 0; bit < 8; bit += 7) {
            b[k] ^= (unsigned char)(1u << bit);
            write_bytes(path, b, len);
            b[k] ^= (unsigned char)(1u << bit);
            size_t in_proj = (k - HEAD) % (PHEAD + 3 * SYN); /* the first projection's layout */
            int counts = k >= 16 && k < HEAD;                /* version, projection count */
            if (k >= HEAD && k < HEAD + PHEAD + 3 * SYN && in_proj >= 192 && in_proj < PHEAD)
                counts = 1; /* sizes and synapse count of projection 0 */
            if (k >= HEAD + PHEAD + 3 * SYN + 192 && k < HEAD + 2 * PHEAD + 3 * SYN)
                counts = 1; /* those of projection 1 */
            char ctx[64];
            snprintf(ctx, sizeof ctx, "byte %zu, bit %d", k, bit);
            if (k < 16)
                expect_refused(path, NULL, "not a weights file of apical", ctx);
            else if (counts) /* a changed size is only seen by the checksum */
                expect_refused(path, NULL, "weights file", ctx);
            else
                expect_refused(path, NULL, "corrupt weights file (checksum)", ctx);
        }
    }
    free(b);
}

static void test_values(void)
{
    /* Behind a right checksum, the values are checked: ids within their populations, finite
     * weights, names NUL-terminated, NUL-padded, non-empty and unique; the version is 1. */
    size_t len;
    unsigned char *b = small_file(&len);
    const char *path = harness_path("wt_values.bin");
    const size_t p0 = HEAD, ids0 = HEAD + PHEAD, w0 = ids0 + 3 * 8;
    const size_t p1 = HEAD + PHEAD + 3 * SYN;
    struct {
        size_t at;
        uint32_t value;
        const char *says;
    } cases[] = {
        {16, 2, "weights file version 2, this apical reads version 1"},
        {ids0, 4, "projection 0: \"a\": synapse 0 is 4 -> "},        /* source 4 of 4 */
        {ids0 + 3 * 4 + 8, 5, "projection 0: \"a\": synapse 2 is "}, /* target 5 of 5 */
        {w0 + 4, 0x7fc00000u, "projection 0: \"a\": synapse 1 has weight nan"},
        {w0 + 8, 0xff800000u, "synapse 2 has weight -inf"},
        {p0, 0, "projection 0: a name is empty"}, /* name "" */
        /* source "y\0\0\0AAAA": not NUL-padded */
        {p1 + 64 + 4, 0x41414141u,
         "projection 1: a name is empty, not NUL-terminated or not NUL-padded"},
        {p1, 'a', "projection 1: \"a\" again (it is projection 0 too)"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        unsigned char *m = malloc(len);
        CU_ASSERT_FATAL(m != NULL);
        memcpy(m, b, len);
        memcpy(m + cases[c].at, &cases[c].value, 4);
        fix_crc(m, len);
        write_bytes(path, m, len);
        expect_refused(path, NULL, cases[c].says, cases[c].says);
        free(m);
    }
    /* a name of 64 bytes, no NUL */
    unsigned char *m = malloc(len);
    CU_ASSERT_FATAL(m != NULL);
    memcpy(m, b, len);
    memset(m + p0 + 128, 'z', 64);
    fix_crc(m, len);
    write_bytes(path, m, len);
    expect_refused(path, NULL, "projection 0: a name is empty, not NUL-terminated", "64 bytes");
    free(m);
    free(b);
}

static void test_huge_counts(void)
{
    /* Counts past what the file holds are refused before they size anything: a projection count
     * over the cap or past the file, synapse counts up to 2^64 - 1 (also those whose byte count
     * wraps), in a file of a few hundred bytes. Under ASan an allocation of that size would
     * abort; in the plain build it would take seconds and memory. */
    size_t len;
    unsigned char *b = small_file(&len);
    const char *path = harness_path("wt_huge.bin");
    struct {
        size_t at;
        int bytes;
        uint64_t value;
        const char *says;
    } cases[] = {
        {20, 4, 4097, "corrupt weights file: 4097 projections, at most 4096 are read"},
        {20, 4, 0xffffffffu, "4294967295 projections, at most 4096"},
        {20, 4, 4096, "truncated or corrupt: 4096 projections, the 480 bytes left"},
        {20, 4, 3, "3 projections, the 480 bytes left do not hold their headers"},
        {HEAD + 200, 8, 6, "projection 0 has 6 synapses, the 272 bytes left hold at most 5"},
        {HEAD + 200, 8, 1ull << 40, "projection 0 has 1099511627776 synapses"},
        {HEAD + 200, 8, UINT64_MAX, "projection 0 has 18446744073709551615 synapses"},
        {HEAD + 200, 8, 0x1555555555555556ull, "synapses, the 272 bytes left"}, /* 12x wraps */
        {HEAD + PHEAD + 3 * SYN + 200, 8, 1ull << 62, "projection 1 has 4611686018427387904"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        unsigned char *m = malloc(len);
        CU_ASSERT_FATAL(m != NULL);
        memcpy(m, b, len);
        memcpy(m + cases[c].at, &cases[c].value, (size_t)cases[c].bytes);
        fix_crc(m, len);
        write_bytes(path, m, len);
        double t0 = harness_now_s();
        expect_refused(path, NULL, cases[c].says, cases[c].says);
        CU_ASSERT(harness_now_s() - t0 < 1.0);
        free(m);
    }
    free(b);
}

static void test_not_files(void)
{
    /* A folder reads FOLDER/weights.bin (errors name that file); a FIFO, one named weights.bin
     * in a folder, a device and a missing file are refused at once. */
    struct wt_proj p[NP];
    sample(p);
    struct err e = {0};
    const char *dir = harness_folder("wt_run_out");
    char file[1100];
    snprintf(file, sizeof file, "%s/weights.bin", dir);
    expect_refused(dir, file, "cannot open", "empty folder");
    CU_ASSERT_EQUAL_FATAL(wt_save(file, p, NP, &e), 0);
    struct wt_file f;
    CU_ASSERT_EQUAL_FATAL(wt_load(dir, &f, &e), 0);
    CU_ASSERT_STRING_EQUAL(f.path, file);
    CU_ASSERT_EQUAL_FATAL(f.nproj, NP);
    for (int j = 0; j < NP; j++) CU_ASSERT(same_bits(&f.projs[j], &p[j]));
    struct wt_proj q;
    copy_shape(&q, &p[0]);
    q.ntgt = 81;
    CU_ASSERT_EQUAL(wt_apply(&f, NULL, &q, &e), ERR_INPUT);
    CU_ASSERT_STRING_EQUAL(e.file, file); /* the file read, not the folder */
    unmake(&q);
    wt_free(&f);

    alarm(30); /* a FIFO opened the usual way would wait for a writer for ever */
    expect_refused(harness_fifo("wt_weights_pipe"), NULL, "pipe", "FIFO");
    const char *d2 = harness_folder("wt_pipe_out");
    harness_fifo("wt_pipe_out/weights.bin");
    snprintf(file, sizeof file, "%s/weights.bin", d2);
    expect_refused(d2, file, "pipe", "FIFO in a folder");
    alarm(0);
    expect_refused("/dev/zero", NULL, "character device", "/dev/zero");
    expect_refused(harness_path("wt_no_such.bin"), NULL, "cannot open", "missing");
    unsample(p);
}

static void test_atomic(void)
{
    /* wt_save leaves no file at PATH or PATH.tmp when it fails: a missing folder, a write past
     * the file size limit (as a full disk), projections it would not read back. An earlier
     * file at PATH stays as it was. */
    struct wt_proj p[NP];
    sample(p);
    struct err e = {0};
    const char *missing = harness_path("wt_no_such_folder/weights.bin");
    CU_ASSERT_EQUAL(wt_save(missing, p, NP, &e), ERR_IO);
    CU_ASSERT(!harness_exists(missing));
    CU_ASSERT(!harness_exists(harness_path("wt_no_such_folder/weights.bin.tmp")));

    const char *path = harness_path("wt_atomic.bin");
    const char *tmp = harness_path("wt_atomic.bin.tmp");
    struct rlimit old, lim;
    CU_ASSERT_FATAL(getrlimit(RLIMIT_FSIZE, &old) == 0);
    lim = old;
    lim.rlim_cur = 4096;
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
    CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    int rc = wt_save(path, p, NP, &e); /* 12 KiB */
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, was);
    CU_ASSERT_EQUAL(rc, ERR_IO);
    CU_ASSERT(!harness_exists(path) && !harness_exists(tmp));

    CU_ASSERT_EQUAL_FATAL(wt_save(path, p, NP, &e), 0);
    size_t len;
    char *before = harness_slurp(path, &len);
    struct wt_proj bad = p[2];
    float w[37];
    memcpy(w, p[2].w, sizeof w);
    bad.w = w;
    w[36] = NAN;
    struct wt_proj set[NP] = {p[0], p[1], bad};
    rc = wt_save(path, set, NP, &e);
    CU_ASSERT_EQUAL(rc, ERR_NONFINITE);
    EXPECT(strstr(e.msg, "projection \"ee\": synapse 36") != NULL, e.msg, NULL);
    w[36] = 0;
    bad.tgt_id = malloc(37 * sizeof *bad.tgt_id);
    CU_ASSERT_FATAL(bad.tgt_id != NULL);
    memcpy(bad.tgt_id, p[2].tgt_id, 37 * sizeof *bad.tgt_id);
    bad.tgt_id[5] = 20;
    set[2] = bad;
    CU_ASSERT_EQUAL(wt_save(path, set, NP, &e), ERR_INPUT);
    EXPECT(strstr(e.msg, "synapse 5 is") != NULL, e.msg, NULL);
    free(bad.tgt_id);
    set[2] = p[2];
    snprintf(set[2].name, WT_NAME, "in_exc");
    CU_ASSERT_EQUAL(wt_save(path, set, NP, &e), ERR_INPUT);
    EXPECT(strstr(e.msg, "two projections are named \"in_exc\"") != NULL, e.msg, NULL);
    set[2] = p[2];
    set[2].src[0] = '\0';
    CU_ASSERT_EQUAL(wt_save(path, set, NP, &e), ERR_INPUT);
    EXPECT(strstr(e.msg, "source population name is empty") != NULL, e.msg, NULL);
    set[2] = p[2];
    memset(set[2].tgt, 't', WT_NAME);
    CU_ASSERT_EQUAL(wt_save(path, set, NP, &e), ERR_INPUT);
    EXPECT(strstr(e.msg, "target population name is longer than 63 bytes") != NULL, e.msg, NULL);
    CU_ASSERT_EQUAL(wt_save(path, set, WT_MAX_PROJ + 1, &e), ERR_INPUT);
    size_t len2;
    char *after = harness_slurp(path, &len2);
    CU_ASSERT(before && after && len == len2 && !memcmp(before, after, len));
    CU_ASSERT(!harness_exists(tmp));
    free(before);
    free(after);
    unsample(p);
}

static int suite_weights(void)
{
    CU_pSuite s = CU_add_suite("weights", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "round trip, bit for bit", test_round_trip) ||
        !CU_add_test(s, "wt_apply copies the weights", test_apply) ||
        !CU_add_test(s, "every difference from the network named", test_mismatch) ||
        !CU_add_test(s, "cut at every byte", test_truncated) ||
        !CU_add_test(s, "changed bytes", test_flipped) ||
        !CU_add_test(s, "values behind a right checksum", test_values) ||
        !CU_add_test(s, "huge counts refused before allocating", test_huge_counts) ||
        !CU_add_test(s, "folders, FIFOs, devices", test_not_files) ||
        !CU_add_test(s, "atomic write", test_atomic))
        return -1;
    return 0;
}
TEST_SUITE(suite_weights)
