/* fuzz/fuzz.h: what every harness shares: a private folder per process for loaders that take a
 * path, files written there from the input, and the tree's root (for configs/ and include/).
 * Header-only (static), so each harness is one translation unit; docs/fuzzing.md. */
#ifndef APICAL_FUZZ_H
#define APICAL_FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FUZZ_ROOT
#define FUZZ_ROOT "."
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No file a harness writes grows past 256 MiB: a writer that loops without end (as io/svg's
 * trace picture once did) then dies of SIGXFSZ, which libFuzzer reports as a finding, instead
 * of filling the disk or /dev/shm before the timeout. */
__attribute__((constructor)) static void fuzz_limit_files(void)
{
    struct rlimit r = {256u << 20, 256u << 20};
    setrlimit(RLIMIT_FSIZE, &r);
}

/* The source tree, for configs/: $APICAL_ROOT, else where the Makefile was. */
static inline const char *fuzz_root(void)
{
    const char *r = getenv("APICAL_ROOT");
    return r && r[0] ? r : FUZZ_ROOT;
}

static inline void fuzz_die(const char *what, const char *path)
{
    fprintf(stderr, "fuzz: %s %s: %s\n", what, path, strerror(errno));
    abort();
}

static inline int fuzz_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static char fuzz_dir_path[512];

static inline void fuzz_rm_dir(void)
{
    if (fuzz_dir_path[0]) nftw(fuzz_dir_path, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* This process's folder, apical-fuzz-XXXXXX in $FUZZ_TMPDIR, else in /dev/shm when it can be
 * written (apical fsyncs what it writes atomically: on a disk that is most of a sweep input's
 * time), else in $TMPDIR or /tmp. Made on first use, removed at exit. */
static inline const char *fuzz_dir(void)
{
    if (fuzz_dir_path[0]) return fuzz_dir_path;
    const char *tmp = getenv("FUZZ_TMPDIR");
    if (!tmp || !tmp[0]) tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/apical-fuzz-XXXXXX",
             tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(fuzz_dir_path)) fuzz_die("cannot make", fuzz_dir_path);
    atexit(fuzz_rm_dir);
    return fuzz_dir_path;
}

/* dir/name (name may hold subfolders) into buf. */
static inline const char *fuzz_path(char *buf, size_t n, const char *name)
{
    if ((size_t)snprintf(buf, n, "%s/%s", fuzz_dir(), name) >= n) fuzz_die("too long:", name);
    return buf;
}

/* mkdir -p of path's folders (not of path itself). */
static inline void fuzz_mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *s = strchr(buf + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST) fuzz_die("cannot make", buf);
        *s = '/';
    }
}

/* Writes exactly data[0..size) to path, replacing it. */
static inline void fuzz_write(const char *path, const void *data, size_t size)
{
    fuzz_mkdirs(path);
    FILE *f = fopen(path, "wb");
    if (!f) fuzz_die("cannot write", path);
    if (size && fwrite(data, 1, size, f) != size) fuzz_die("cannot write", path);
    if (fclose(f) != 0) fuzz_die("cannot write", path);
}

/* Copies the tree's file rel (e.g. "configs/include/cuba_lif.cfg") to dst. */
static inline void fuzz_copy(const char *rel, const char *dst)
{
    char src[1024];
    snprintf(src, sizeof src, "%s/%s", fuzz_root(), rel);
    FILE *f = fopen(src, "rb");
    if (!f) fuzz_die("cannot read", src);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    fuzz_write(dst, buf, n);
}

/* Copies every file of the tree's folder rel into the private folder's dst. */
static inline void fuzz_copy_dir(const char *rel, const char *dst)
{
    char src[1024], from[1200], to[1200];
    snprintf(src, sizeof src, "%s/%s", fuzz_root(), rel);
    DIR *d = opendir(src);
    if (!d) fuzz_die("cannot read", src);
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.') continue;
        snprintf(from, sizeof from, "%s/%s", rel, de->d_name);
        snprintf(to, sizeof to, "%s/%s/%s", fuzz_dir(), dst, de->d_name);
        fuzz_copy(from, to);
    }
    closedir(d);
}

/* The input as a file that cannot be confused with another process's: a memfd, reached by its
 * /proc path (every fopen of it starts at offset 0). */
static inline const char *fuzz_memfd(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-input", 0);
        if (fd < 0) fuzz_die("cannot make", "a memfd");
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0) fuzz_die("cannot truncate", path);
    if (size && pwrite(fd, data, size, 0) != (ssize_t)size) fuzz_die("cannot write", path);
    return path;
}

/* The lines "#set PATH=VALUE" of a config input (comments to libconfig, so the file is read
 * as it is): each becomes a --set override, in order. sets point into *buf (free it). */
/* An input that holds several files: the text before the first line starting "@@ " goes to
 * first (no file if first is ""), then each such header line names the next file through
 * name(h, n, path, size): the header h[0..n) into path, or "" to drop what follows. */
static inline void fuzz_unpack(const uint8_t *data, size_t size, const char *first,
                               void (*name)(const char *h, size_t n, char *path, size_t size))
{
    const char *begin = (const char *)data, *end = begin + size, *s = begin;
    char path[800];
    snprintf(path, sizeof path, "%s", first);
    for (;;) {
        const char *h = NULL;
        for (const char *q = s; q + 3 <= end && !h; q++)
            if ((q == begin || q[-1] == '\n') && !memcmp(q, "@@ ", 3)) h = q;
        if (path[0]) fuzz_write(path, s, (size_t)((h ? h : end) - s));
        if (!h) break;
        const char *nl = memchr(h, '\n', (size_t)(end - h));
        name(h, (size_t)((nl ? nl : end) - h), path, sizeof path);
        if (!nl) break;
        s = nl + 1;
    }
}

#define FUZZ_MAX_SETS 16
static inline int fuzz_sets(const uint8_t *data, size_t size, char **buf, const char **sets)
{
    int n = 0;
    *buf = malloc(size + 1);
    if (!*buf) abort();
    memcpy(*buf, data, size);
    (*buf)[size] = '\0';
    for (char *line = *buf, *next; line && n < FUZZ_MAX_SETS; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        if (!strncmp(line, "#set ", 5)) sets[n++] = line + 5;
    }
    return n;
}

#endif
