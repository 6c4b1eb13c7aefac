/* io/afile: atomic file writes. */
#include "io/afile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int afile_open(struct afile *f, const char *path, struct err *e)
{
    memset(f, 0, sizeof *f);
    if (strlen(path) >= sizeof f->path)
        return err_set(e, ERR_INPUT, path, 0, "", "path too long");
    snprintf(f->path, sizeof f->path, "%s", path);
    snprintf(f->tmp, sizeof f->tmp, "%s.tmp", path);
    f->fp = fopen(f->tmp, "wb");
    if (!f->fp) return err_set(e, ERR_IO, f->tmp, 0, "", "cannot write: %s", strerror(errno));
    return 0;
}

int afile_reopen(struct afile *f, const char *path, unsigned long long size, struct err *e)
{
    memset(f, 0, sizeof *f);
    if (strlen(path) >= sizeof f->path)
        return err_set(e, ERR_INPUT, path, 0, "", "path too long");
    snprintf(f->path, sizeof f->path, "%s", path);
    snprintf(f->tmp, sizeof f->tmp, "%s.tmp", path);
    int fd = open(f->tmp, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (unsigned long long)st.st_size < size || ftruncate(fd, (off_t)size) != 0 ||
        lseek(fd, 0, SEEK_END) != (off_t)size || !(f->fp = fdopen(fd, "r+b"))) {
        if (fd >= 0) close(fd);
        return err_set(e, ERR_INPUT, f->tmp, 0, "",
                       "cannot go on writing this output: missing, not a file, or shorter "
                       "than the checkpoint says (%llu bytes)",
                       size);
    }
    return 0;
}

int afile_sync(struct afile *f, unsigned long long *size, struct err *e)
{
    off_t at;
    if (!f->fp || fflush(f->fp) != 0 || ferror(f->fp) || (at = ftello(f->fp)) < 0 ||
        (fsync(fileno(f->fp)) != 0 && errno != EINVAL && errno != EROFS))
        return err_set(e, ERR_IO, f->tmp, 0, "", "write failed: %s", strerror(errno));
    *size = (unsigned long long)at;
    return 0;
}

void afile_detach(struct afile *f)
{
    if (f->fp) fclose(f->fp);
    f->fp = NULL;
}

int afile_commit(struct afile *f, struct err *e)
{
    if (!f->fp) return err_set(e, ERR_IO, f->path, 0, "", "file was not open");
    int bad = ferror(f->fp) || fflush(f->fp) != 0;
    int saved = errno;
    /* a full disk may show only here (network and copy-on-write file systems); a file that
     * cannot be synced at all (a pipe, /dev/null) is not an error */
    if (!bad && fsync(fileno(f->fp)) != 0 && errno != EINVAL && errno != EROFS) {
        bad = 1;
        saved = errno;
    }
    if (fclose(f->fp) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    f->fp = NULL;
    if (bad) {
        unlink(f->tmp);
        return err_set(e, ERR_IO, f->tmp, 0, "", "write failed: %s", strerror(saved));
    }
    if (rename(f->tmp, f->path) != 0) {
        saved = errno;
        unlink(f->tmp);
        return err_set(e, ERR_IO, f->path, 0, "", "cannot rename into place: %s",
                       strerror(saved));
    }
    return 0;
}

void afile_abort(struct afile *f)
{
    if (f->fp) {
        fclose(f->fp);
        f->fp = NULL;
        unlink(f->tmp);
    }
}

int afile_mkdirs(const char *dir, struct err *e)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return err_set(e, ERR_INPUT, dir, 0, "", "path too long");
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return err_set(e, ERR_IO, buf, 0, "", "cannot create folder: %s",
                               strerror(errno));
            *p = c;
            if (c == '\0') break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_set(e, ERR_IO, dir, 0, "", "not a folder");
    return 0;
}

int afile_write_text(const char *path, const char *text, struct err *e)
{
    struct afile f;
    int rc = afile_open(&f, path, e);
    if (rc) return rc;
    fputs(text, f.fp);
    fputc('\n', f.fp);
    return afile_commit(&f, e);
}

/* ---- staging folder ---- */

/* Removes the regular files in dir, then dir itself (quietly: what remains is reported by the
 * caller's own error, if any). */
static void remove_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    char p[1300];
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, de->d_name) < sizeof p) unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

int afile_stage_open(struct afile_stage *s, const char *dir, struct err *e)
{
    memset(s, 0, sizeof *s);
    if (strlen(dir) >= sizeof s->dir) return err_set(e, ERR_INPUT, dir, 0, "", "path too long");
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->tmp, sizeof s->tmp, "%s/%s", dir, AFILE_STAGE);
    remove_folder(s->tmp); /* a killed run's leftovers */
    if (mkdir(s->tmp, 0777) != 0)
        return err_set(e, ERR_IO, s->tmp, 0, "", "cannot create folder: %s", strerror(errno));
    s->open = 1;
    return 0;
}

int afile_stage_reopen(struct afile_stage *s, const char *dir, struct err *e)
{
    memset(s, 0, sizeof *s);
    if (strlen(dir) >= sizeof s->dir) return err_set(e, ERR_INPUT, dir, 0, "", "path too long");
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->tmp, sizeof s->tmp, "%s/%s", dir, AFILE_STAGE);
    struct stat st;
    if (lstat(s->tmp, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_set(e, ERR_INPUT, s->tmp, 0, "",
                       "no stopped run to resume here (the folder %s is missing)", AFILE_STAGE);
    s->open = 1;
    return 0;
}

int afile_stage_path(const struct afile_stage *s, const char *name, char *buf, size_t n)
{
    return (size_t)snprintf(buf, n, "%s/%s", s->tmp, name) < n ? 0 : -1;
}

static void sync_folder(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    fsync(fd);
    close(fd);
}

int afile_stage_publish(struct afile_stage *s, const char *const *names, struct err *e)
{
    int rc = 0;
    for (int i = 0; names[i] && !rc; i++) {
        char from[1300], to[1300];
        snprintf(from, sizeof from, "%s/%s", s->tmp, names[i]);
        snprintf(to, sizeof to, "%s/%s", s->dir, names[i]);
        if (access(from, F_OK) != 0) continue;
        if (!names[i + 1]) sync_folder(s->dir); /* the others are in place before the mark */
        if (rename(from, to) != 0)
            rc = err_set(e, ERR_IO, to, 0, "", "cannot move into place: %s", strerror(errno));
    }
    if (!rc) sync_folder(s->dir);
    afile_stage_abort(s);
    return rc;
}

void afile_stage_abort(struct afile_stage *s)
{
    if (!s->open) return;
    remove_folder(s->tmp);
    s->open = 0;
}
