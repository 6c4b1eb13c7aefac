/* tests/test_rfile: io/rfile and the readers that use it. Truth: POSIX file types (only a regular
 * file has an end known in advance), the caps stated in io/rfile.h and the readers' headers, and
 * issue 19: `spike_file = "/dev/zero"` and `apical plot /dev/zero` ran without end while memory
 * grew; now every reader refuses a device, a pipe or a folder at once with exit status 2 naming
 * the file, and bounds the bytes and the line it takes. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/rfile.h"
#include "tests/harness.h"

/* ---------------------------------------------------------------------------------------------
 * io/rfile.
 */

static void expect_refused(const char *path, uint64_t cap, const char *what)
{
    struct rfile f;
    struct err e = {0};
    int rc = rfile_open(&f, path, cap, &e);
    CU_ASSERT(rc == ERR_INPUT);
    CU_ASSERT(!strcmp(e.file, path));
    if (!strstr(e.msg, what)) {
        CU_FAIL("message lacks the expected words");
        fprintf(stderr, "\n    %s: '%s' lacks '%s'\n", path, e.msg, what);
    }
    rfile_close(&f); /* nothing to close, and harmless */
}

static void test_open_refuses(void)
{
    /* A device, a FIFO (refused without waiting for a writer), a folder, a missing file, and a
     * file over the cap. */
    alarm(30);
    expect_refused("/dev/zero", UINT64_MAX, "character device");
    expect_refused("/dev/null", UINT64_MAX, "character device");
    expect_refused(harness_fifo("pipe"), UINT64_MAX, "pipe");
    expect_refused(harness_folder("dir"), UINT64_MAX, "folder");
    expect_refused(harness_path("missing"), UINT64_MAX, "cannot open");
    const char *big = harness_write("big.txt", "0123456789A"); /* 11 bytes */
    expect_refused(big, 10, "too large: 11 bytes, more than the 10 bytes");
    struct rfile f;
    struct err e = {0};
    CU_ASSERT_FATAL(rfile_open(&f, big, 11, &e) == 0);
    CU_ASSERT(f.size == 11);
    rfile_close(&f);
    alarm(0);
}

static void test_lines(void)
{
    /* Lines come out whole, with their newline; the last may lack it; NUL bytes are kept; a line
     * longer than the cap is ERR_INPUT naming its number; lines cross the 64 KiB buffer. */
    const char *p = harness_path("lines.txt");
    FILE *w = fopen(p, "wb");
    CU_ASSERT_FATAL(w != NULL);
    fputs("one\ntwo\n", w);
    fwrite("a\0b\n", 1, 4, w);
    for (int i = 0; i < 100000; i++) fputc('x', w); /* line 4: crosses the read-ahead */
    fputs("\nlast", w);
    fclose(w);
    struct rfile f;
    struct err e = {0};
    char *s;
    size_t len;
    CU_ASSERT_FATAL(rfile_open(&f, p, UINT64_MAX, &e) == 0);
    CU_ASSERT(rfile_line(&f, 200000, &s, &len, &e) == 1 && len == 4 && !strcmp(s, "one\n"));
    CU_ASSERT(rfile_line(&f, 200000, &s, &len, &e) == 1 && len == 4 && !strcmp(s, "two\n"));
    CU_ASSERT(rfile_line(&f, 200000, &s, &len, &e) == 1 && len == 4 && !memcmp(s, "a\0b\n", 5));
    CU_ASSERT(rfile_line(&f, 200000, &s, &len, &e) == 1 && len == 100001 && s[100000] == '\n');
    CU_ASSERT(rfile_line(&f, 200000, &s, &len, &e) == 1 && len == 4 && !strcmp(s, "last"));
    CU_ASSERT(f.lineno == 5);
    CU_ASSERT(rfile_line(&f, 200000, &s, &len, &e) == 0);
    CU_ASSERT(rfile_rewind(&f, &e) == 0);
    CU_ASSERT(rfile_line(&f, 200000, &s, &len, &e) == 1 && !strcmp(s, "one\n"));
    rfile_close(&f);

    CU_ASSERT_FATAL(rfile_open(&f, p, UINT64_MAX, &e) == 0);
    int rc;
    while ((rc = rfile_line(&f, 1000, &s, &len, &e)) == 1) {
    }
    CU_ASSERT(rc == ERR_INPUT && e.line == 4 && strstr(e.msg, "longer than 1000 bytes"));
    CU_ASSERT(f.line_cap <= 1001); /* the buffer never grew past the cap */
    rfile_close(&f);
}

static void test_reads_what_was_there(void)
{
    /* A file that grows after it was opened is read as it was: the size at open is the end. */
    const char *p = harness_write("grows.txt", "abc\n");
    struct rfile f;
    struct err e = {0};
    CU_ASSERT_FATAL(rfile_open(&f, p, UINT64_MAX, &e) == 0);
    FILE *w = fopen(p, "ab");
    CU_ASSERT_FATAL(w != NULL);
    for (int i = 0; i < 200000; i++) fputc('y', w);
    fclose(w);
    char buf[64];
    size_t got;
    CU_ASSERT(rfile_read(&f, buf, sizeof buf, &got, &e) == 0 && got == 4);
    CU_ASSERT(!memcmp(buf, "abc\n", 4));
    CU_ASSERT(rfile_read(&f, buf, sizeof buf, &got, &e) == 0 && got == 0);
    rfile_close(&f);
}

/* ---------------------------------------------------------------------------------------------
 * The command line: every reader behind it.
 */

#define OUT_CAP 8192

/* Within 20 s and 64 MiB a file: a regression into reading without end fails the test instead
 * of stalling the suite. */
static void expect_exit2(const char *args, const char *names, const char *ctx)
{
    static char out[OUT_CAP];
    int rc = harness_apical_within(20, 64ULL << 20, args, out, sizeof out);
    int ok = rc == 2 && strstr(out, names) && !harness_sanitizer_text(out);
    if (!ok) fprintf(stderr, "\n    [%s] exit %d, output: %s\n", ctx, rc, out);
    CU_ASSERT(ok);
}

static void test_cli_plot(void)
{
    /* apical plot of a device, a FIFO, a run folder whose traces.csv is a FIFO, and a binary spike
     * file whose header counts more than it holds: exit 2 naming the file, at once. */
    char args[4096];
    const char *svg = harness_path("never.svg");
    const char *p = harness_fifo("plot_pipe");
    const char *run = harness_folder("run_with_pipe");
    const char *traces = harness_fifo("run_with_pipe/traces.csv");
    const char *inputs[] = {"/dev/zero", p, run};
    const char *names[] = {"/dev/zero: is a character device", p, traces};
    for (int i = 0; i < 3; i++) {
        snprintf(args, sizeof args, "plot %s -o %s", inputs[i], svg);
        expect_exit2(args, names[i], inputs[i]);
    }
    /* APSPIKE1, version 1, 2^32 - 1 populations, dt 0.1, 2^60 spikes: 32 bytes in all */
    static const unsigned char head[32] = {
        'A',  'P',  'S',  'P',  'I',  'K',  'E',  '1',  1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
        0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f, 0, 0, 0, 0, 0,    0,    0,    0x10};
    const char *bin = harness_path("huge_counts.bin");
    FILE *w = fopen(bin, "wb");
    CU_ASSERT_FATAL(w && fwrite(head, 1, sizeof head, w) == sizeof head);
    fclose(w);
    snprintf(args, sizeof args, "plot %s -o %s", bin, svg);
    expect_exit2(args, "4294967295 populations", "huge counts");
    CU_ASSERT(access(svg, F_OK) != 0);
}

static void test_cli_spike_file(void)
{
    /* spike_file = a device, a FIFO, a folder, a file with an endless first line: apical check
     * exits 2 naming the file and the setting. */
    const char *p = harness_fifo("source_pipe");
    const char *d = harness_folder("source_dir");
    const char *longline = harness_path("long_line.csv");
    FILE *w = fopen(longline, "wb");
    CU_ASSERT_FATAL(w != NULL);
    for (int i = 0; i < 100000; i++) fputc('9', w); /* 100 kB, no newline: over the 64 KiB cap */
    fclose(w);
    const char *files[] = {"/dev/zero", p, d, longline};
    const char *says[] = {"character device", "pipe", "folder", "longer than 64 KiB"};
    for (int i = 0; i < 4; i++) {
        char cfg[2048], args[4096], name[64];
        snprintf(cfg, sizeof cfg,
                 "simulation = { dt = 0.1; duration = 20.0; };\n"
                 "populations = ( { name = \"in\"; size = 3; model = \"spike_source\";\n"
                 "                  spike_file = \"%s\"; },\n"
                 "  { name = \"out\"; size = 3; model = \"lif\"; } );\n"
                 "projections = ( { from = \"in\"; to = \"out\"; rule = \"one_to_one\";\n"
                 "                  weight = 100.0; delay = 1.5; } );\n",
                 files[i]);
        snprintf(name, sizeof name, "source%d.cfg", i);
        snprintf(args, sizeof args, "check %s", harness_write(name, cfg));
        expect_exit2(args, files[i], files[i]);
        expect_exit2(args, says[i], files[i]);
    }
}

static int suite_rfile(void)
{
    CU_pSuite s = CU_add_suite("rfile", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "open refuses what has no end", test_open_refuses) ||
        !CU_add_test(s, "lines and their cap", test_lines) ||
        !CU_add_test(s, "a growing file is read as it was", test_reads_what_was_there) ||
        !CU_add_test(s, "apical plot of devices, pipes, huge counts", test_cli_plot) ||
        !CU_add_test(s, "spike_file of devices, pipes, folders", test_cli_spike_file))
        return -1;
    return 0;
}
TEST_SUITE(suite_rfile)
