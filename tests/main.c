/* tests/main: runs every registered CUnit suite; the exit status counts failures
 * (CU_basic_run_tests alone returns success even when tests fail). */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness.h"

#include "core/net.h"
#include "io/cfg.h"

#define MAX_SUITES 64
static struct {
    const char *name;
    harness_suite_fn fn;
} suites[MAX_SUITES];
static int nsuites;
static char tmpdir[512];

void harness_add(const char *name, harness_suite_fn fn)
{
    if (nsuites < MAX_SUITES) {
        suites[nsuites].name = name;
        suites[nsuites].fn = fn;
        nsuites++;
    }
}

const char *harness_root(void)
{
    const char *r = getenv("APICAL_ROOT");
    return r && *r ? r : ".";
}

const char *harness_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/apical-test-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(1);
        }
    }
    return tmpdir;
}

const char *harness_write(const char *name, const char *text)
{
    static char ring[8][1024];
    static int k;
    char *p = ring[k++ % 8];
    snprintf(p, 1024, "%s/%s", harness_tmpdir(), name);
    FILE *f = fopen(p, "wb");
    if (!f) return p;
    fputs(text, f);
    fclose(f);
    return p;
}

char *harness_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) return NULL;
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

int harness_apical(const char *args, char *out, size_t outn)
{
    const char *bin = getenv("APICAL_BIN");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", bin && *bin ? bin : "./apical", args);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = 0, got;
    while (n + 1 < outn && (got = fread(out + n, 1, outn - 1 - n, p)) > 0) n += got;
    if (outn) out[n] = '\0';
    char sink[4096];
    while (fread(sink, 1, sizeof sink, p) > 0) {
    }
    int st = pclose(p);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

static void rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
            char sub[2048];
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            rm_tree(sub);
        }
        if (d) closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    const char *only = argc > 1 ? argv[1] : NULL;
    for (int i = 0; i < nsuites; i++) {
        if (only && !strstr(suites[i].name, only)) continue;
        if (suites[i].fn() != 0) {
            fprintf(stderr, "cannot register suite %s\n", suites[i].name);
            return 1;
        }
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    if (tmpdir[0] && !getenv("APICAL_KEEP_TMP")) rm_tree(tmpdir);
    if (run == 0) {
        fprintf(stderr, "no test ran\n");
        return 1;
    }
    return fails ? 1 : 0;
}

int harness_run_net(const char *name, const char *text, const char *const *sets, int nsets,
                    int (*on_step)(void *, const struct net *, int64_t, struct err *),
                    void *self)
{
    const char *path = harness_write(name, text);
    struct net_spec s;
    char *resolved = NULL;
    struct err e = {0};
    if (cfg_load(path, sets, nsets, &s, &resolved, &e)) {
        fprintf(stderr, "cfg: %s:%d: %s: %s\n", e.file, e.line, e.path, e.msg);
        return -1;
    }
    struct net n;
    int rc = net_build(&n, &s, &e);
    struct recorder rec = {on_step, self, 1}; /* callers read state */
    if (!rc) rc = net_run(&n, &rec, on_step ? 1 : 0, NULL, &e);
    if (rc) fprintf(stderr, "run: %s: %s\n", e.path, e.msg);
    net_free(&n);
    spec_free(&s);
    free(resolved);
    return rc;
}
