/* tests/harness: each test file registers its CUnit suite with TEST_SUITE(fn); main runs them all.
 * Helpers shared by suites: temporary folders, running the apical binary (within a time and a
 * file size too), reading files and JSON, and EXPECT, a check that shows the program's output. */
#ifndef APICAL_TEST_HARNESS_H
#define APICAL_TEST_HARNESS_H

#include <CUnit/CUnit.h>
#include <stddef.h>
#include <stdint.h>

typedef int (*harness_suite_fn)(void);
void harness_add(const char *name, harness_suite_fn fn);
#define TEST_SUITE(fn)                                                                             \
    static void __attribute__((constructor)) harness_reg_##fn(void) { harness_add(#fn, fn); }

/* A fresh folder under $TMPDIR (or /tmp), removed when the test binary exits. */
const char *harness_tmpdir(void);
/* The path of name in that folder, in a static ring of 16 buffers (nothing is created). */
const char *harness_path(const char *name);
/* Writes text to dir/name and returns the full path in a static ring of buffers. */
const char *harness_write(const char *name, const char *text);
/* A FIFO at name in that folder, made anew, that nobody writes to: opening it for reading the
 * usual way waits for ever. The test ends (CU_ASSERT_FATAL) if it cannot be made. */
const char *harness_fifo(const char *name);
/* A folder at name in that folder (made if missing); its path as harness_path gives it. */
const char *harness_folder(const char *name);
/* Whether path exists (a file, a folder or anything else; access F_OK). */
int harness_exists(const char *path);
/* The entries of folder dir whose name ends in suffix (0 if dir cannot be read). */
int harness_count_files(const char *dir, const char *suffix);
/* Whether files a and b can both be read and hold the same bytes. */
int harness_same_file(const char *a, const char *b);
/* Reads a whole file; caller frees. NULL if it cannot. */
char *harness_slurp(const char *path, size_t *len);
/* The occurrences of what in s, not overlapping, that start before end (NULL: the whole of s). */
size_t harness_count(const char *s, const char *end, const char *what);
/* Root of the source tree ($APICAL_ROOT, else "."). */
const char *harness_root(void);
/* Seconds on the monotonic clock (CLOCK_MONOTONIC), for timeouts and durations. */
double harness_now_s(void);

/* The apical binary: $APICAL_BIN, else "./apical". */
const char *harness_bin(void);
/* Runs "$APICAL_BIN args" (a shell line: args may quote) with stdout+stderr captured into out
 * (NUL-terminated, truncated to outn). Returns the exit status, or -N when signal N ended it
 * (another negative number if it could not start). */
int harness_apical(const char *args, char *out, size_t outn);
/* As harness_apical, within limits: after seconds (> 0) the run and whatever it started are
 * killed (SIGKILL, -9 returned), and no file it writes may grow past max_file_bytes
 * (RLIMIT_FSIZE with SIGXFSZ ignored: a write past it fails with EFBIG, as on a full disk;
 * HARNESS_ANY_SIZE for none). A regression into a loop without end fails a test this way
 * instead of stalling the suite or filling the disk. */
#define HARNESS_ANY_SIZE (~0ULL)
int harness_apical_within(double seconds, unsigned long long max_file_bytes, const char *args,
                          char *out, size_t outn);
/* harness_apical_within(300 s, any size) of the arguments formatted from fmt. */
int harness_apicalf(char *out, size_t outn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same, and the run's resource use (its peak resident size: ru_maxrss) into ru. */
struct rusage;
int harness_apical_usage(double seconds, unsigned long long max_file_bytes, const char *args,
                         char *out, size_t outn, struct rusage *ru);
/* Starts argv (argv[0] a path; its stderr to /dev/null) in the background, waits (at most 60 s)
 * for the file `watch` to appear, then settle_s more, and sends it sig. Returns its exit status
 * (143 when SIGTERM stopped it as apical does), or minus the signal that ended it. */
int harness_signal_when(const char *const *argv, const char *watch, int sig, double settle_s);
/* Runs a shell command (printf-style) with stdout and stderr into out (n bytes, the rest
 * read and dropped); returns its exit status, -1 when it has none. */
int harness_sh(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Whether a program's output holds a report of AddressSanitizer, LeakSanitizer or UBSan. */
int harness_sanitizer_text(const char *out);

/* A check that prints, when it fails, what it was about (ctx) and the program's output (out,
 * may be NULL), then counts as a CUnit failure under the condition's own text. A file uses it
 * with `#define EXPECT HARNESS_EXPECT`. */
void harness_expect(int ok, const char *cond, const char *file, unsigned line, const char *ctx,
                    const char *out);
#define HARNESS_EXPECT(cond, ctx, out)                                                             \
    harness_expect(!!(cond), #cond, __FILE__, __LINE__, (ctx), (out))

/* h5py, the independent reader and writer of the HDF5 tests: a python3 that imports h5py and
 * numpy (Debian's /usr/bin/python3 first), or NULL, having said once that the checks against
 * h5py are skipped. */
const char *harness_python(void);
/* python3 tests/sonata_h5.py ARGS (formatted from fmt): its exit status, its output into out. */
int harness_py(char *out, size_t outn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A JSON file parsed (cJSON_Delete it), or NULL; a number member of an object, or NaN. */
struct cJSON;
struct cJSON *harness_read_json(const char *path);
double harness_json_num(const struct cJSON *o, const char *key);

/* In-process run: writes text to name, loads it with the --set overrides, builds the network
 * and runs it with one recorder calling on_step(self, ...) after every step (none if on_step
 * is NULL). Prints the config or run error to stderr; returns 0 or the error code. */
struct net;
struct err;
int harness_run_net(const char *name, const char *text, const char *const *sets, int nsets,
                    int (*on_step)(void *, const struct net *, int64_t, struct err *),
                    void *self);

#endif
