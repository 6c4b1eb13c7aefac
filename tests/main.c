/* tests/main: runs every registered CUnit suite; the exit status counts failures
 * (CU_basic_run_tests alone returns success even when tests fail). */
#include <CUnit/Basic.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/harness.h"

#include "engine/net.h"
#include "io/cfg.h"

#define MAX_SUITES 256
static struct {
    const char *name;
    harness_suite_fn fn;
} suites[MAX_SUITES];
static int nsuites;
static char tmpdir[512];

void harness_add(const char *name, harness_suite_fn fn)
{
    if (nsuites == MAX_SUITES) { /* a suite left out would pass unseen */
        fprintf(stderr, "tests/main.c: more than %d suites; raise MAX_SUITES\n", MAX_SUITES);
        abort();
    }
    suites[nsuites].name = name;
    suites[nsuites].fn = fn;
    nsuites++;
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

const char *harness_path(const char *name)
{
    static char ring[16][1024];
    static int k;
    char *p = ring[k++ % 16];
    snprintf(p, 1024, "%s/%s", harness_tmpdir(), name);
    return p;
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

const char *harness_fifo(const char *name)
{
    const char *p = harness_path(name);
    unlink(p);
    CU_ASSERT_FATAL(mkfifo(p, 0600) == 0);
    return p;
}

const char *harness_folder(const char *name)
{
    const char *p = harness_path(name);
    mkdir(p, 0700);
    return p;
}

int harness_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

int harness_count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    size_t ls = strlen(suffix);
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        n += len >= ls && !strcmp(de->d_name + len - ls, suffix);
    }
    closedir(d);
    return n;
}

size_t harness_count(const char *s, const char *end, const char *what)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, what)) && (!end || p < end); p += strlen(what)) n++;
    return n;
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

int harness_same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = harness_slurp(a, &na), *y = harness_slurp(b, &nb);
    int same = x && y && na == nb && !memcmp(x, y, na);
    free(x);
    free(y);
    return same;
}

const char *harness_bin(void)
{
    const char *b = getenv("APICAL_BIN");
    return b && *b ? b : "./apical";
}

double harness_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Reads fd to its end into out (what does not fit is read and dropped); with a deadline (> 0,
 * harness_now_s time) kills process group pid when it passes and reads on to the end. */
static void read_all(int fd, char *out, size_t outn, double deadline, pid_t pid)
{
    size_t n = 0;
    char sink[4096];
    for (;;) {
        if (deadline > 0) {
            double left = deadline - harness_now_s();
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (left <= 0) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                deadline = 0;
            } else if (poll(&p, 1, (int)ceil(left * 1000)) <= 0) {
                continue;
            }
        }
        int room = n + 1 < outn;
        ssize_t r = read(fd, room ? out + n : sink, room ? outn - 1 - n : sizeof sink);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (room) n += (size_t)r;
    }
    if (outn) out[n] = '\0';
}

int harness_apical_usage(double seconds, unsigned long long max_file_bytes, const char *args,
                         char *out, size_t outn, struct rusage *ru)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "exec %s %s", harness_bin(), args);
    if (outn) out[0] = '\0';
    int fd[2];
    if (pipe(fd) != 0) return -1000;
    fcntl(fd[0], F_SETFD, FD_CLOEXEC);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        dup2(fd[1], 2);
        close(fd[1]);
        if (seconds > 0) setpgid(0, 0); /* so that the deadline ends what the run started too */
        if (max_file_bytes != HARNESS_ANY_SIZE) {
            struct rlimit rl = {(rlim_t)max_file_bytes, (rlim_t)max_file_bytes};
            signal(SIGXFSZ, SIG_IGN);
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(126);
        }
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    if (pid < 0) {
        close(fd[0]);
        return -1000;
    }
    read_all(fd[0], out, outn, seconds > 0 ? harness_now_s() + seconds : 0, pid);
    close(fd[0]);
    int st;
    struct rusage sink;
    while (wait4(pid, &st, 0, ru ? ru : &sink) < 0)
        if (errno != EINTR) return -1000;
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? -WTERMSIG(st) : -1000;
}

int harness_apical_within(double seconds, unsigned long long max_file_bytes, const char *args,
                          char *out, size_t outn)
{
    return harness_apical_usage(seconds, max_file_bytes, args, out, outn, NULL);
}

int harness_signal_when(const char *const *argv, const char *watch, int sig, double settle_s)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 6000 && stat(watch, &st) != 0; i++) { /* at most 60 s */
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    struct timespec ts = {(time_t)settle_s, (long)((settle_s - (time_t)settle_s) * 1e9)};
    nanosleep(&ts, NULL);
    kill(pid, sig);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? -WTERMSIG(status) : -1;
}

int harness_apicalf(char *out, size_t outn, const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return harness_apical_within(300, HARNESS_ANY_SIZE, args, out, outn);
}

int harness_apical(const char *args, char *out, size_t outn)
{
    return harness_apical_within(0, HARNESS_ANY_SIZE, args, out, outn);
}

const char *harness_python(void)
{
    static const char *found;
    static int looked;
    if (looked) return found;
    looked = 1;
    /* Debian's /usr/bin/python3 has Debian's h5py; a python3 first on PATH may be another one */
    static const char *const tries[] = {"/usr/bin/python3", "python3"};
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "%s -c 'import h5py, numpy' >/dev/null 2>&1", tries[i]);
        if (system(cmd) == 0) return found = tries[i];
    }
    printf("\n  skipped: h5py is missing (Debian: apt-get install python3-h5py); the checks "
           "against h5py did not run\n");
    return NULL;
}

int harness_py(char *out, size_t outn, const char *fmt, ...)
{
    char args[3000], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s '%s/tests/sonata_h5.py' %s 2>&1", harness_python(),
             harness_root(), args);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = fread(out, 1, outn - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int harness_sanitizer_text(const char *out)
{
    return strstr(out, "Sanitizer") || strstr(out, "runtime error");
}

void harness_expect(int ok, const char *cond, const char *file, unsigned line, const char *ctx,
                    const char *out)
{
    if (!ok) fprintf(stderr, "\n    [%s] expected %s\n    output: %s\n", ctx, cond, out ? out : "");
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, cond, file, "", CU_FALSE);
}

cJSON *harness_read_json(const char *path)
{
    char *text = harness_slurp(path, NULL);
    if (!text) return NULL;
    cJSON *j = cJSON_Parse(text);
    free(text);
    return j;
}

double harness_json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
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

int harness_sh(char *out, size_t n, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd - 8, fmt, ap);
    va_end(ap);
    strcat(cmd, " 2>&1");
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t k = 0, got;
    while (k + 1 < n && (got = fread(out + k, 1, n - 1 - k, p)) > 0) k += got;
    out[k] = '\0';
    char sink[4096];
    while (fread(sink, 1, sizeof sink, p) > 0) {
    }
    int st = pclose(p);
    return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
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
