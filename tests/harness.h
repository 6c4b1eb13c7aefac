/* tests/harness: each test file registers its CUnit suite with TEST_SUITE(fn); main runs them all.
 * Helpers shared by suites: temporary folders, running the apical binary, reading files. */
#ifndef APICAL_TEST_HARNESS_H
#define APICAL_TEST_HARNESS_H

#include <CUnit/CUnit.h>
#include <stddef.h>

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

#endif
