/* tests/test_spikes: io/spikes writers and reader: exact time text, round trips, the binary
 * header, atomic files, and every way a spike file can be rejected. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/spikes.h"
#include "tests/harness.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers.
 */

static void write_bytes(const char *path, const void *buf, size_t n) {
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_FATAL(fwrite(buf, 1, n, f) == n);
    fclose(f);
}

/* A CSV of one spike (pop "p", id 0) per step, returned as text; caller frees. */
static char *csv_of_steps(double dt, const int64_t *steps, int n) {
    const char *path = harness_path("steps.csv");
    struct spk_pop pop = {"p", 1};
    struct spk_writer *w;
    struct err e = {0};
    uint32_t id = 0;
    CU_ASSERT_FATAL(spk_writer_open(&w, path, NULL, dt, &pop, 1, &e) == 0);
    for (int i = 0; i < n; i++)
        CU_ASSERT_FATAL(spk_writer_step(w, steps[i], 0, &id, 1, &e) == 0);
    CU_ASSERT_FATAL(spk_writer_commit(w, &e) == 0);
    return harness_slurp(path, NULL);
}

/* Checks the time field of every data line against want[i]. */
static void check_times(const char *text, const char *const *want, int n) {
    const char *header = "timestamps population node_ids\n";
    CU_ASSERT_FATAL(text != NULL);
    CU_ASSERT_FATAL(strncmp(text, header, strlen(header)) == 0);
    const char *p = text + strlen(header);
    for (int i = 0; i < n; i++) {
        char line[128];
        snprintf(line, sizeof line, "%s p 0\n", want[i]);
        if (strncmp(p, line, strlen(line)) != 0) {
            const char *nl = strchr(p, '\n');
            fprintf(stderr, "\nline %d: want '%s p 0', got '%.*s'\n", i + 2, want[i],
                    nl ? (int)(nl - p) : 40, p);
            CU_FAIL("time text differs");
            return;
        }
        p += strlen(line);
    }
    CU_ASSERT(*p == '\0');
}

/* ---------------------------------------------------------------------------------------------
 * Exact time text.
 */

static void test_time_text_tenths(void) {
    /* Truth: step/10 and step%10 in integer arithmetic, printed with snprintf("%lld.%lld"). */
    int64_t steps[] = {0,
                       1,
                       9,
                       10,
                       11,
                       1234,
                       99999,
                       100000,
                       1000001,
                       123456789,
                       999999999,
                       3000000007,
                       INT64_C(123456789012),
                       INT64_C(922337203685477580)};
    int n = (int)(sizeof steps / sizeof steps[0]);
    char buf[32][40];
    const char *want[32];
    for (int i = 0; i < n; i++) {
        snprintf(buf[i], sizeof buf[i], "%lld.%lld", (long long)(steps[i] / 10),
                 (long long)(steps[i] % 10));
        want[i] = buf[i];
    }
    char *text = csv_of_steps(0.1, steps, n);
    check_times(text, want, n);
    free(text);
}

static void test_time_text_quarter_ms_fortieths(void) {
    /* Truth: step*25 split by /1000 and %1000 in integer arithmetic ("%lld.%03lld"). */
    int64_t steps[64];
    int n = 0;
    for (int64_t s = 0; s < 45; s++)
        steps[n++] = s;
    steps[n++] = 399999;
    steps[n++] = 400000;
    steps[n++] = 4000000001;
    steps[n++] = INT64_C(36000000000123);
    char buf[64][40];
    const char *want[64];
    for (int i = 0; i < n; i++) {
        long long ticks = (long long)steps[i] * 25;
        snprintf(buf[i], sizeof buf[i], "%lld.%03lld", ticks / 1000, ticks % 1000);
        want[i] = buf[i];
    }
    char *text = csv_of_steps(0.025, steps, n);
    check_times(text, want, n);
    free(text);
}

static void test_time_text_literals(void) {
    /* Truth: hand-written decimal literals. */
    int64_t s1[] = {3, 4, 5};
    const char *w1[] = {"0.75", "1.00", "1.25"};
    char *t = csv_of_steps(0.25, s1, 3);
    check_times(t, w1, 3);
    free(t);

    int64_t s2[] = {0, 7, 1000000000000};
    const char *w2[] = {"0", "7", "1000000000000"};
    t = csv_of_steps(1.0, s2, 3);
    check_times(t, w2, 3);
    free(t);

    int64_t s3[] = {-3, 0, 2};
    const char *w3[] = {"-0.3", "0.0", "0.2"};
    t = csv_of_steps(0.1, s3, 3);
    check_times(t, w3, 3);
    free(t);

    int64_t s4[] = {1, 3};
    const char *w4[] = {"0.33333333333333331", "1"}; /* no exact decimal: %.17g of step*dt */
    t = csv_of_steps(1.0 / 3.0, s4, 2);
    check_times(t, w4, 2);
    free(t);

    int64_t s5[] = {1, 3, 20};
    const char *w5[] = {"0.000000001", "0.000000003", "0.000000020"};
    t = csv_of_steps(1e-9, s5, 3);
    check_times(t, w5, 3);
    free(t);
}

/* ---------------------------------------------------------------------------------------------
 * Round trips.
 */

struct spike {
    int64_t step;
    uint32_t pop, id;
};

/* Sorted spikes of two populations from a fixed LCG; returns the count. */
static size_t make_spikes(struct spike *s, size_t cap, const uint32_t *size) {
    uint64_t x = 12345;
    size_t n = 0;
    for (int64_t step = 0; step < 5000 && n < cap; step += 1 + (int64_t)(x >> 60)) {
        for (uint32_t p = 0; p < 2; p++) {
            uint32_t id = 0;
            for (;;) {
                x = x * 6364136223846793005u + 1442695040888963407u;
                id += 1 + (uint32_t)((x >> 33) % 9);
                if (id >= size[p] || n == cap) break;
                s[n++] = (struct spike){step, p, id};
            }
        }
    }
    return n;
}

/* Writes the spikes as they would come from a run: one call per (step, population). */
static int write_spikes(const char *csv, const char *bin, double dt, const struct spk_pop *pops,
                        const struct spike *s, size_t n, struct err *e) {
    struct spk_writer *w;
    int rc = spk_writer_open(&w, csv, bin, dt, pops, 2, e);
    if (rc) return rc;
    uint32_t ids[64];
    for (size_t i = 0; i < n;) {
        size_t k = 0;
        int64_t step = s[i].step;
        uint32_t pop = s[i].pop;
        while (i < n && s[i].step == step && s[i].pop == pop && k < 64)
            ids[k++] = s[i++].id;
        if ((rc = spk_writer_step(w, step, (int)pop, ids, k, e))) {
            spk_writer_abort(w);
            return rc;
        }
    }
    return spk_writer_commit(w, e);
}

static void test_round_trip(void) {
    /* Truth: the spike list the test generated, times as strtod of integer-built decimals. */
    static struct spike s[20000];
    uint32_t size[2] = {80, 20};
    struct spk_pop pops[2] = {{"exc", 80}, {"inh", 20}};
    size_t n = make_spikes(s, 20000, size);
    CU_ASSERT_FATAL(n > 1000);
    const char *csv = harness_path("rt.csv"), *bin = harness_path("rt.bin");
    struct err e = {0};
    CU_ASSERT_FATAL(write_spikes(csv, bin, 0.1, pops, s, n, &e) == 0);

    uint32_t maxid[2] = {0, 0};
    for (size_t i = 0; i < n; i++)
        if (s[i].id + 1 > maxid[s[i].pop]) maxid[s[i].pop] = s[i].id + 1;

    struct spk_table tc, tb;
    CU_ASSERT_FATAL(spk_read(csv, &tc, &e) == 0);
    CU_ASSERT_FATAL(spk_read(bin, &tb, &e) == 0);
    CU_ASSERT_FATAL(tc.n == n && tb.n == n);
    CU_ASSERT(tc.npops == 2 && tb.npops == 2);
    CU_ASSERT(!strcmp(tc.pop_names[0], "exc") && !strcmp(tc.pop_names[1], "inh"));
    CU_ASSERT(!strcmp(tb.pop_names[0], "exc") && !strcmp(tb.pop_names[1], "inh"));
    CU_ASSERT(tb.pop_size[0] == 80 && tb.pop_size[1] == 20);
    CU_ASSERT(tc.pop_size[0] == maxid[0] && tc.pop_size[1] == maxid[1]);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        char txt[40];
        snprintf(txt, sizeof txt, "%lld.%lld", (long long)(s[i].step / 10),
                 (long long)(s[i].step % 10));
        double want = strtod(txt, NULL);
        bad += tc.t_ms[i] != want || tb.t_ms[i] != want;
        bad += tc.pop[i] != s[i].pop || tb.pop[i] != s[i].pop;
        bad += tc.id[i] != s[i].id || tb.id[i] != s[i].id;
    }
    CU_ASSERT(bad == 0);
    spk_table_free(&tc);
    spk_table_free(&tb);
    CU_ASSERT(tc.n == 0 && tc.t_ms == NULL);
}

static void test_round_trip_empty(void) {
    /* Truth: a run without spikes gives a header-only CSV and a 0-spike binary. */
    struct spk_pop pops[2] = {{"exc", 8}, {"inh", 2}};
    const char *csv = harness_path("empty.csv"), *bin = harness_path("empty.bin");
    struct err e = {0};
    CU_ASSERT_FATAL(write_spikes(csv, bin, 0.1, pops, NULL, 0, &e) == 0);
    char *text = harness_slurp(csv, NULL);
    CU_ASSERT(text && !strcmp(text, "timestamps population node_ids\n"));
    free(text);
    struct spk_table t;
    CU_ASSERT(spk_read(csv, &t, &e) == 0 && t.n == 0 && t.npops == 0);
    spk_table_free(&t);
    CU_ASSERT(spk_read(bin, &t, &e) == 0 && t.n == 0 && t.npops == 2 && t.pop_size[1] == 2);
    spk_table_free(&t);
}

static uint32_t le32(const unsigned char *p) {
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p) {
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void test_binary_layout(void) {
    /* Truth: the byte layout documented at the top of io/spikes.c, decoded by hand here. */
    static struct spike s[5000];
    uint32_t size[2] = {80, 20};
    struct spk_pop pops[2] = {{"exc", 80}, {"inh", 20}};
    size_t n = make_spikes(s, 5000, size);
    const char *bin = harness_path("layout.bin");
    struct err e = {0};
    CU_ASSERT_FATAL(write_spikes(NULL, bin, 0.025, pops, s, n, &e) == 0);
    size_t len;
    unsigned char *b = (unsigned char *)harness_slurp(bin, &len);
    CU_ASSERT_FATAL(b != NULL);
    size_t header = 32 + (4 + 3 + 4) * 2;
    CU_ASSERT_FATAL(len == header + 16 * n);
    CU_ASSERT(!memcmp(b, "APSPIKE1", 8));
    CU_ASSERT(le32(b + 8) == 1);
    CU_ASSERT(le32(b + 12) == 2);
    uint64_t bits = le64(b + 16);
    double dt;
    memcpy(&dt, &bits, 8);
    CU_ASSERT(dt == 0.025);
    CU_ASSERT(le64(b + 24) == n); /* patched at commit */
    CU_ASSERT(le32(b + 32) == 3 && !memcmp(b + 36, "exc", 3) && le32(b + 39) == 80);
    CU_ASSERT(le32(b + 43) == 3 && !memcmp(b + 47, "inh", 3) && le32(b + 50) == 20);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *r = b + header + 16 * i;
        bad += (int64_t)le64(r) != s[i].step || le32(r + 8) != s[i].pop || le32(r + 12) != s[i].id;
    }
    CU_ASSERT(bad == 0);
    free(b);
}

/* ---------------------------------------------------------------------------------------------
 * Atomic files.
 */

static void test_atomic_commit_and_abort(void) {
    /* Truth: io/afile's contract: the final name holds the old file or the complete new one. */
    struct spk_pop pop = {"p", 4};
    uint32_t ids[2] = {1, 3};
    struct err e = {0};
    const char *csv = harness_path("atomic.csv"), *bin = harness_path("atomic.bin");
    char csv_tmp[1100], bin_tmp[1100];
    snprintf(csv_tmp, sizeof csv_tmp, "%s.tmp", csv);
    snprintf(bin_tmp, sizeof bin_tmp, "%s.tmp", bin);
    write_bytes(csv, "old\n", 4);

    struct spk_writer *w;
    CU_ASSERT_FATAL(spk_writer_open(&w, csv, bin, 0.1, &pop, 1, &e) == 0);
    CU_ASSERT(spk_writer_step(w, 5, 0, ids, 2, &e) == 0);
    char *old = harness_slurp(csv, NULL);
    CU_ASSERT(old && !strcmp(old, "old\n"));
    free(old);
    CU_ASSERT(!harness_exists(bin));
    CU_ASSERT(spk_writer_commit(w, &e) == 0);
    char *text = harness_slurp(csv, NULL);
    CU_ASSERT(text && !strcmp(text, "timestamps population node_ids\n0.5 p 1\n0.5 p 3\n"));
    free(text);
    CU_ASSERT(harness_exists(bin) && !harness_exists(csv_tmp) && !harness_exists(bin_tmp));

    const char *csv2 = harness_path("aborted.csv"), *bin2 = harness_path("aborted.bin");
    CU_ASSERT_FATAL(spk_writer_open(&w, csv2, bin2, 0.1, &pop, 1, &e) == 0);
    CU_ASSERT(spk_writer_step(w, 5, 0, ids, 2, &e) == 0);
    spk_writer_abort(w);
    snprintf(csv_tmp, sizeof csv_tmp, "%s.tmp", csv2);
    snprintf(bin_tmp, sizeof bin_tmp, "%s.tmp", bin2);
    CU_ASSERT(!harness_exists(csv2) && !harness_exists(bin2) && !harness_exists(csv_tmp) &&
              !harness_exists(bin_tmp));
    spk_writer_abort(NULL);
}

static void test_writer_rejects(void) {
    /* Truth: io/spikes.h: names are CSV fields, ids < size and ascending, calls sorted by step
     * then pop. */
    struct err e = {0};
    struct spk_writer *w;
    const char *csv = harness_path("rej.csv");
    struct spk_pop spaced[1] = {{"ex c", 4}};
    CU_ASSERT(spk_writer_open(&w, csv, NULL, 0.1, spaced, 1, &e) == ERR_INPUT && w == NULL);
    struct spk_pop twice[2] = {{"a", 4}, {"a", 4}};
    CU_ASSERT(spk_writer_open(&w, csv, NULL, 0.1, twice, 2, &e) == ERR_INPUT);
    struct spk_pop ok[2] = {{"a", 4}, {"b", 2}};
    CU_ASSERT(spk_writer_open(&w, csv, NULL, 0.0, ok, 2, &e) == ERR_INPUT);
    CU_ASSERT(spk_writer_open(&w, csv, NULL, -0.1, ok, 2, &e) == ERR_INPUT);
    CU_ASSERT(!harness_exists(csv));

    CU_ASSERT_FATAL(spk_writer_open(&w, csv, NULL, 0.1, ok, 2, &e) == 0);
    uint32_t big = 2, fine = 1;
    CU_ASSERT(spk_writer_step(w, 3, 1, &big, 1, &e) == ERR_INPUT);
    CU_ASSERT(spk_writer_step(w, 3, 2, &fine, 1, &e) == ERR_INPUT);
    uint32_t unsorted[2] = {1, 0}, repeated[2] = {1, 1};
    CU_ASSERT(spk_writer_step(w, 3, 1, unsorted, 2, &e) == ERR_INPUT);
    CU_ASSERT(spk_writer_step(w, 3, 1, repeated, 2, &e) == ERR_INPUT);
    CU_ASSERT(spk_writer_step(w, 3, 1, &fine, 1, &e) == 0);
    CU_ASSERT(spk_writer_step(w, 3, 0, &fine, 1, &e) == ERR_INPUT);
    CU_ASSERT(spk_writer_step(w, 2, 1, &fine, 1, &e) == ERR_INPUT);
    spk_writer_abort(w);
    CU_ASSERT(!harness_exists(csv));
}

/* ---------------------------------------------------------------------------------------------
 * Rejected files.
 */

/* spk_read must fail with ERR_INPUT naming path (and line, if line > 0) and leave t empty. */
static void expect_reject(const char *path, int line, const char *what) {
    struct spk_table t;
    struct err e = {0};
    int rc = spk_read(path, &t, &e);
    if (rc != ERR_INPUT || strcmp(e.file, path) || e.line != line || !e.msg[0]) {
        fprintf(stderr, "\n%s: rc %d, file '%s', line %d (want %d), msg '%s'\n", what, rc, e.file,
                e.line, line, e.msg);
        CU_FAIL("not rejected as expected");
    }
    CU_ASSERT(t.n == 0 && t.npops == 0 && t.t_ms == NULL && t.pop_names == NULL);
}

static void test_csv_rejects(void) {
    /* Truth: the CSV grammar in io/spikes.c, with line numbers counted by hand (1-based). */
    static const struct {
        const char *text;
        int line;
    } cases[] = {
        {"", 1},
        {"\n", 1},
        {"timestamps population\n0.1 exc 1\n", 1},
        {"time population node_ids\n", 1},
        {"0.1 exc 1\n", 1},
        {"timestamps population node_ids extra\n", 1},
        {"timestamps population node_ids\n0.1 exc\n", 2},
        {"timestamps population node_ids\n0.1 exc 1\n0.2 exc 1 5\n", 3},
        {"timestamps population node_ids\n0.1 exc 1\n\n0.3 exc 2\n", 3},
        {"timestamps population node_ids\nabc exc 1\n", 2},
        {"timestamps population node_ids\n0.1x exc 1\n", 2},
        {"timestamps population node_ids\nnan exc 1\n", 2},
        {"timestamps population node_ids\n1e999 exc 1\n", 2},
        {"timestamps population node_ids\n-inf exc 1\n", 2},
        {"timestamps population node_ids\n0.1 exc x1\n", 2},
        {"timestamps population node_ids\n0.1 exc 1.5\n", 2},
        {"timestamps population node_ids\n0.1 exc +1\n", 2},
        {"timestamps population node_ids\n0.1 exc 1\n0.2 inh -1\n", 3},
        {"timestamps population node_ids\n0.1 exc 4294967295\n", 2},
        {"timestamps population node_ids\n0.1 exc 99999999999999999999999999\n", 2},
        {"timestamps population node_ids\n0.1 exc 1\n0.2 exc 2\n0.3 exc", 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32], what[64];
        snprintf(name, sizeof name, "bad%zu.csv", i);
        snprintf(what, sizeof what, "csv case %zu", i);
        expect_reject(harness_write(name, cases[i].text), cases[i].line, what);
    }
    /* a NUL byte in a data line, and binary garbage where the header should be */
    const char nul[] = "timestamps population node_ids\n0.1 exc 1\n0.2 e\0c 1\n";
    const char *p = harness_path("nul.csv");
    write_bytes(p, nul, sizeof nul - 1);
    expect_reject(p, 3, "NUL byte");
    unsigned char junk[4096];
    uint64_t x = 99;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        junk[i] = (unsigned char)(x >> 56);
    }
    p = harness_path("junk.bin");
    write_bytes(p, junk, sizeof junk);
    expect_reject(p, 1, "binary garbage");
    expect_reject(harness_path("no-such-file.csv"), 0, "missing file");
    expect_reject(harness_tmpdir(), 0, "a folder");
}

static void test_csv_accepts(void) {
    /* Truth: hand-counted populations, sizes and times of small files pandas also reads. */
    struct spk_table t;
    struct err e = {0};
    const char *p = harness_write("ok1.csv", "timestamps population node_ids\r\n"
                                             "0.5 inh 3\r\n"
                                             "0.5\texc  7\r\n"
                                             "1.25 inh 0");
    CU_ASSERT_FATAL(spk_read(p, &t, &e) == 0);
    CU_ASSERT_FATAL(t.n == 3 && t.npops == 2);
    CU_ASSERT(!strcmp(t.pop_names[0], "inh") && !strcmp(t.pop_names[1], "exc"));
    CU_ASSERT(t.pop_size[0] == 4 && t.pop_size[1] == 8);
    CU_ASSERT(t.t_ms[0] == 0.5 && t.t_ms[2] == 1.25);
    CU_ASSERT(t.pop[1] == 1 && t.id[1] == 7 && t.pop[2] == 0 && t.id[2] == 0);
    spk_table_free(&t);

    p = harness_write("ok2.csv", "timestamps population node_ids\n");
    CU_ASSERT(spk_read(p, &t, &e) == 0 && t.n == 0 && t.npops == 0);
    spk_table_free(&t);

    p = harness_write("ok3.csv", "timestamps population node_ids\n7 p 4294967294\n");
    CU_ASSERT(spk_read(p, &t, &e) == 0 && t.n == 1 && t.pop_size[0] == 4294967295u);
    spk_table_free(&t);
}

/* A valid binary file of 3 spikes in two populations, for mutating. */
static size_t good_binary(unsigned char *out, size_t cap) {
    struct spk_pop pops[2] = {{"exc", 8}, {"inh", 2}};
    struct spike s[3] = {{1, 0, 2}, {1, 1, 1}, {4, 0, 7}};
    const char *p = harness_path("good.bin");
    struct err e = {0};
    CU_ASSERT_FATAL(write_spikes(NULL, p, 0.1, pops, s, 3, &e) == 0);
    size_t len;
    char *b = harness_slurp(p, &len);
    CU_ASSERT_FATAL(b != NULL && len <= cap);
    memcpy(out, b, len);
    free(b);
    return len;
}

static void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void test_binary_rejects(void) {
    /* Truth: the binary layout (header 32 bytes, entries exc/inh 11 bytes each, records at 54). */
    unsigned char good[256], b[256];
    size_t n = good_binary(good, sizeof good);
    CU_ASSERT_FATAL(n == 54 + 3 * 16);
    const char *p = harness_path("mut.bin");
    struct spk_table t;
    struct err e = {0};
    write_bytes(p, good, n);
    CU_ASSERT(spk_read(p, &t, &e) == 0 && t.n == 3 && t.pop_size[0] == 8);
    CU_ASSERT(t.n == 3 && t.t_ms[2] == 0.4 && t.pop[1] == 1 && t.id[2] == 7);
    spk_table_free(&t);

    struct {
        size_t off;
        uint32_t val;
        const char *what;
    } pokes[] = {
        {8, 2, "version 2"},
        {12, 3, "npops too many"},
        {12, 0xffffffffu, "npops huge"},
        {12, 1, "npops too few"},
        {24, 4, "nspikes too many"},
        {24, 2, "nspikes too few"},
        {28, 1, "nspikes huge"},
        {32, 0, "empty name"},
        {32, 0xfffffff0u, "name length huge"},
        {32, 40, "name length past records"},
        {54 + 8, 2, "pop index out of range"},
        {54 + 16 + 8, 0xffffffffu, "pop index huge"},
        {54 + 12, 8, "id == size"},
        {54 + 16 + 12, 2, "id == size of inh"},
        {54 + 32 + 12, 0xffffffffu, "id huge"},
    };
    for (size_t i = 0; i < sizeof pokes / sizeof pokes[0]; i++) {
        memcpy(b, good, n);
        put32(b + pokes[i].off, pokes[i].val);
        write_bytes(p, b, n);
        expect_reject(p, 0, pokes[i].what);
    }
    memcpy(b, good, n);
    memcpy(b + 16, "\0\0\0\0\0\0\0\0", 8); /* dt 0 */
    write_bytes(p, b, n);
    expect_reject(p, 0, "dt 0");
    b[36] = '\0'; /* NUL inside a name */
    memcpy(b + 16, good + 16, 8);
    write_bytes(p, b, n);
    expect_reject(p, 0, "NUL in name");
    size_t cuts[] = {8, 12, 20, 31, 32, 40, 54 + 15, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_bytes(p, good, cuts[i]);
        expect_reject(p, 0, "truncated");
    }
    memcpy(b, good, n);
    b[n] = 0;
    write_bytes(p, b, n + 1);
    expect_reject(p, 0, "trailing byte");
    memcpy(b, good, n);
    b[7] = '2'; /* APSPIKE2 is no magic: read as CSV, so its header is wrong */
    write_bytes(p, b, n);
    expect_reject(p, 1, "bad magic");
}

static void test_unbounded_refused(void) {
    /* Truth: issue 19 and io/spikes.h: /dev/zero once read without end (getline looking for a
     * newline); a device, a FIFO (without waiting for a writer) or a folder is ERR_INPUT naming
     * the file, and so is a CSV line past SPK_MAX_LINE, with its number. */
    alarm(60);
    const char *paths[] = {"/dev/zero", harness_fifo("spikes.pipe"), harness_folder("spikes.dir")};
    for (int i = 0; i < 3; i++)
        expect_reject(paths[i], 0, paths[i]);
    size_t n = SPK_MAX_LINE + 10, hl = strlen("timestamps population node_ids\n");
    char *text = malloc(hl + n + 1);
    CU_ASSERT_FATAL(text != NULL);
    memcpy(text, "timestamps population node_ids\n", hl);
    memset(text + hl, '1', n);
    text[hl + n] = '\0';
    expect_reject(harness_write("long.csv", text), 2, "long line");
    free(text);
    alarm(0);
}

static void test_garbage_never_crashes(void) {
    /* Truth: the reader's contract: ERR_INPUT or a consistent table, whatever the bytes. */
    unsigned char good[256], b[256];
    size_t n = good_binary(good, sizeof good);
    const char *csv_text = "timestamps population node_ids\n0.1 exc 1\n0.2 inh 0\n0.3 exc 12\n";
    size_t ncsv = strlen(csv_text);
    const char *p = harness_path("fuzz");
    uint64_t x = 7;
    int ok = 1;
    for (int round = 0; round < 4000; round++) {
        int csv = round & 1;
        size_t len = csv ? ncsv : n;
        memcpy(b, csv ? (const unsigned char *)csv_text : good, len);
        int flips = 1 + round % 4;
        for (int k = 0; k < flips; k++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            b[(x >> 33) % len] = (unsigned char)(x >> 20);
        }
        x = x * 6364136223846793005u + 1442695040888963407u;
        if (round % 3 == 0) len = (size_t)((x >> 33) % (len + 1));
        write_bytes(p, b, len);
        struct spk_table t;
        struct err e = {0};
        int rc = spk_read(p, &t, &e);
        if (rc == 0) {
            for (size_t i = 0; i < t.n; i++)
                ok &= t.pop[i] < (uint32_t)t.npops && t.id[i] < t.pop_size[t.pop[i]];
            spk_table_free(&t);
        } else {
            ok &= rc == ERR_INPUT && t.n == 0;
        }
    }
    CU_ASSERT(ok);
}

static int suite_spikes(void) {
    CU_pSuite s = CU_add_suite("spikes", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "time text, dt 0.1", test_time_text_tenths) ||
        !CU_add_test(s, "time text, dt 0.025", test_time_text_quarter_ms_fortieths) ||
        !CU_add_test(s, "time text, literals", test_time_text_literals) ||
        !CU_add_test(s, "round trip csv and binary", test_round_trip) ||
        !CU_add_test(s, "round trip without spikes", test_round_trip_empty) ||
        !CU_add_test(s, "binary layout and header patch", test_binary_layout) ||
        !CU_add_test(s, "atomic commit and abort", test_atomic_commit_and_abort) ||
        !CU_add_test(s, "writer rejects misuse", test_writer_rejects) ||
        !CU_add_test(s, "csv rejects", test_csv_rejects) ||
        !CU_add_test(s, "csv accepts", test_csv_accepts) ||
        !CU_add_test(s, "binary rejects", test_binary_rejects) ||
        !CU_add_test(s, "devices, pipes, folders, long lines", test_unbounded_refused) ||
        !CU_add_test(s, "garbage never crashes", test_garbage_never_crashes))
        return -1;
    return 0;
}
TEST_SUITE(suite_spikes)
