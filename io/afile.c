/* io/afile: atomic file writes. */
#include "io/afile.h"

#include <errno.h>
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

int afile_commit(struct afile *f, struct err *e)
{
    if (!f->fp) return err_set(e, ERR_IO, f->path, 0, "", "file was not open");
    int bad = ferror(f->fp) || fflush(f->fp) != 0;
    int saved = errno;
    if (!bad) fsync(fileno(f->fp));
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
