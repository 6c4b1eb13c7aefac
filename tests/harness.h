/* tests/harness: each test file registers its CUnit suite with TEST_SUITE(fn); main runs them all.
 * Helpers shared by suites: temporary folders, running the apical binary, reading files. */
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
/* Writes text to dir/name and returns the full path in a static ring of buffers. */
const char *harness_write(const char *name, const char *text);
/* Runs "$APICAL_BIN args" with stdout+stderr captured into out (NUL-terminated, truncated to
 * outn). Returns the exit status, or -1 if it died of a signal. */
int harness_apical(const char *args, char *out, size_t outn);
/* Reads a whole file; caller frees. NULL if it cannot. */
char *harness_slurp(const char *path, size_t *len);
/* Root of the source tree ($APICAL_ROOT, else "."). */
const char *harness_root(void);

/* In-process run: writes text to name, loads it with the --set overrides, builds the network
 * and runs it with one recorder calling on_step(self, ...) after every step (none if on_step
 * is NULL). Prints the config or run error to stderr; returns 0 or the error code. */
struct net;
struct err;
int harness_run_net(const char *name, const char *text, const char *const *sets, int nsets,
                    int (*on_step)(void *, const struct net *, int64_t, struct err *),
                    void *self);

#endif
