/* sweep/slurm: job array scripts and their submission. */
#include "sweep/slurm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/version.h"
#include "io/afile.h"
#include "sweep/store.h"

/* ---- what may go into a script ----
 *
 * Three kinds of text reach the scripts: #SBATCH lines (a comment to the shell; sbatch splits
 * the rest into words at spaces and quotes, and ends it at '#'), shell words on command lines,
 * and comment lines. A value with a newline would start a command in any of them, so control
 * characters are refused everywhere; #SBATCH values are refused unless they are one plain word;
 * shell words are single-quoted, which leaves nothing ($, `, \, ") special but ' itself. */

/* A value as it can be shown in a message: control characters as \n or \xNN, cut at 60. */
static void shown(const char *s, char *buf, size_t n)
{
    size_t k = 0;
    for (; *s && k + 8 < n && k < 60; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n') k += (size_t)snprintf(buf + k, n - k, "\\n");
        else if (c < 0x20 || c == 0x7f) k += (size_t)snprintf(buf + k, n - k, "\\x%02x", c);
        else buf[k++] = (char)c;
    }
    snprintf(buf + k, n - k, "%s", *s ? "..." : "");
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
    return 0;
}

/* One word for sbatch's reading of an #SBATCH line. */
static int sbatch_word(const char *s)
{
    return *s && !has_control(s) && !strpbrk(s, " \"'\\#");
}

static int refuse(struct err *e, const char *option, const char *value, const char *why)
{
    char v[128];
    shown(value, v, sizeof v);
    return err_set(e, ERR_INPUT, option, 0, "", "\"%s\" %s", v, why);
}

int slurm_check(const struct slurm_opts *o, const char *out, struct err *e)
{
    static const char word[] = "cannot go into an #SBATCH line: one word without spaces, quotes, "
                               "backslashes, '#' or control characters";
    const struct {
        const char *option, *value;
    } words[] = {{"--partition", o->partition}, {"--time", o->time},     {"--mem", o->mem},
                 {"--account", o->account},     {"--job-name", o->job_name}};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (words[i].value && !sbatch_word(words[i].value))
            return refuse(e, words[i].option, words[i].value, word);
    for (int i = 0; i < o->nextra; i++)
        if (has_control(o->extra[i]))
            return refuse(e, "--sbatch", o->extra[i],
                          "is not one line: control characters (a newline) are refused");
    if (out && !sbatch_word(out))
        return refuse(e, "-o", out,
                      "cannot go into #SBATCH --output, which sbatch ends at a space, quote, "
                      "backslash or '#': choose a folder without them (or control characters) "
                      "for --slurm");
    return 0;
}

/* 'text' for sh, with ' written as '\'' */
static void sh_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputs("'\\''", f);
        else fputc(*s, f);
    }
    fputc('\'', f);
}

static int task_pending(const struct plan *p, const char *out, long task, const struct slurm_opts *o)
{
    for (long i = task * o->chunk; i < p->npoints && i < (task + 1) * o->chunk; i++) {
        int st = store_state(out, i);
        if (st == STORE_PENDING || (st == STORE_FAILED && o->retry_failed)) return 1;
    }
    return 0;
}

/* A path in an #SBATCH --output pattern: sbatch reads % as the start of a field (%A, %j). */
static void pattern_path(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '%') fputc('%', f);
        fputc(*s, f);
    }
}

static void common_lines(FILE *f, const struct slurm_opts *o)
{
    if (o->partition) fprintf(f, "#SBATCH --partition=%s\n", o->partition);
    if (o->account) fprintf(f, "#SBATCH --account=%s\n", o->account);
    if (o->time) fprintf(f, "#SBATCH --time=%s\n", o->time);
}

static void extra_lines(FILE *f, const struct slurm_opts *o)
{
    for (int i = 0; i < o->nextra; i++) {
        const char *x = o->extra[i];
        fprintf(f, "%s%s\n", strncmp(x, "#SBATCH", 7) ? "#SBATCH " : "", x);
    }
}

int slurm_write(const struct plan *p, const char *out, const char *bin, const struct slurm_opts *o,
                long *ntasks, struct err *e)
{
    int rc = slurm_check(o, out, e);
    if (rc) return rc;
    if (o->chunk < 1) return err_set(e, ERR_INPUT, "--chunk", 0, "", "must be at least 1");
    long total = (p->npoints + o->chunk - 1) / o->chunk, count = 0;
    /* the array: task indices with work left, as ranges "0-3,7,9-12" */
    size_t cap = 64, len = 0;
    char *spec = malloc(cap);
    if (!spec) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    spec[0] = '\0';
    for (long t = 0; t < total; t++) {
        if (!task_pending(p, out, t, o)) continue;
        long u = t;
        while (u + 1 < total && task_pending(p, out, u + 1, o)) u++;
        char part[64];
        int k = u > t ? snprintf(part, sizeof part, "%s%ld-%ld", len ? "," : "", t, u)
                      : snprintf(part, sizeof part, "%s%ld", len ? "," : "", t);
        if (len + (size_t)k + 16 > cap) {
            char *ns = realloc(spec, cap = 2 * cap + (size_t)k);
            if (!ns) {
                free(spec);
                return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
            }
            spec = ns;
        }
        memcpy(spec + len, part, (size_t)k + 1);
        len += (size_t)k;
        count += u - t + 1;
        t = u;
    }
    *ntasks = count;
    if (!count) {
        free(spec);
        return 0;
    }
    if (o->throttle > 0) snprintf(spec + len, 16, "%%%d", o->throttle);
    char path[1200], logs[1100];
    snprintf(logs, sizeof logs, "%s/slurm", out);
    rc = afile_mkdirs(logs, e);
    const char *name = o->job_name ? o->job_name : "apical-sweep";
    struct afile f;
    snprintf(path, sizeof path, "%s/sweep.sbatch", out);
    if (!rc && !(rc = afile_open(&f, path, e))) {
        fprintf(f.fp, "#!/bin/bash\n"
                      "# apical %s sweep: %ld points in %ld array task(s) of up to %ld point(s).\n"
                      "# Submit with %s/submit.sh (or apical sweep -o OUT --slurm --submit);\n"
                      "# finished points are skipped, so submitting again resumes the sweep.\n",
                APICAL_VERSION, p->npoints, count, o->chunk, out);
        fprintf(f.fp, "#SBATCH --job-name=%s\n#SBATCH --array=%s\n", name, spec);
        fputs("#SBATCH --output=", f.fp);
        pattern_path(f.fp, logs);
        fputs("/%A_%a.out\n", f.fp);
        if (o->cpus > 0) fprintf(f.fp, "#SBATCH --cpus-per-task=%d\n", o->cpus);
        if (o->mem) fprintf(f.fp, "#SBATCH --mem=%s\n", o->mem);
        common_lines(f.fp, o);
        extra_lines(f.fp, o);
        fputs("export OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\nexec ", f.fp);
        sh_quote(f.fp, bin);
        fputs(" sweep -o ", f.fp);
        sh_quote(f.fp, out);
        fprintf(f.fp, " --task-index \"$SLURM_ARRAY_TASK_ID\" --chunk %ld%s", o->chunk,
                o->retry_failed ? " --retry-failed" : "");
        /* a number printed by printf: nothing the shell reads otherwise */
        if (o->ckpt_every_ms > 0) fprintf(f.fp, " --checkpoint-every %.17g", o->ckpt_every_ms);
        fputc('\n', f.fp);
        rc = afile_commit(&f, e);
    }
    snprintf(path, sizeof path, "%s/collect.sbatch", out);
    if (!rc && !(rc = afile_open(&f, path, e))) {
        fprintf(f.fp, "#!/bin/bash\n"
                      "# apical sweep collector: writes results.csv and results.jsonl once the\n"
                      "# array has ended (submitted with --dependency=afterany:ARRAY_JOB).\n");
        fprintf(f.fp, "#SBATCH --job-name=%s-collect\n#SBATCH --output=", name);
        pattern_path(f.fp, logs);
        fputs("/collect_%j.out\n", f.fp);
        fputs("#SBATCH --cpus-per-task=1\n", f.fp);
        common_lines(f.fp, o);
        extra_lines(f.fp, o);
        fputs("exec ", f.fp);
        sh_quote(f.fp, bin);
        fputs(" sweep collect ", f.fp);
        sh_quote(f.fp, out);
        fputc('\n', f.fp);
        rc = afile_commit(&f, e);
    }
    snprintf(path, sizeof path, "%s/submit.sh", out);
    if (!rc && !(rc = afile_open(&f, path, e))) {
        fputs("#!/bin/sh\n# Submits the sweep's job array and, after it, the collector.\nset -e\n"
              "job=$(sbatch --parsable ", f.fp);
        sh_quote(f.fp, out);
        fputs("/sweep.sbatch)\njob=${job%%;*}\n"
              "coll=$(sbatch --parsable \"--dependency=afterany:$job\" ", f.fp);
        sh_quote(f.fp, out);
        fputs("/collect.sbatch)\necho \"array job ${job}, collector job ${coll%%;*}\"\n", f.fp);
        rc = afile_commit(&f, e);
        if (!rc) chmod(path, 0755);
    }
    free(spec);
    return rc;
}

/* Runs argv, returning its first line of stdout (the job id of sbatch --parsable). */
static int capture(char *const argv[], char *line, size_t n, struct err *e)
{
    int fds[2];
    if (pipe(fds) != 0) return err_set(e, ERR_IO, "", 0, "", "pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        fprintf(stderr, "apical sweep: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return err_set(e, ERR_IO, "", 0, "", "cannot start %s: %s", argv[0], strerror(errno));
    }
    size_t k = 0;
    ssize_t got;
    char c;
    int first = 1;
    while ((got = read(fds[0], &c, 1)) > 0 || (got < 0 && errno == EINTR)) {
        if (got <= 0) continue;
        if (c == '\n') first = 0;
        else if (first && k + 1 < n) line[k++] = c;
    }
    close(fds[0]);
    line[k] = '\0';
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !k)
        return err_set(e, ERR_IO, "", 0, "", "%s failed (exit status %d)", argv[0],
                       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    char *semi = strchr(line, ';'); /* --parsable prints "id;cluster" on multi-cluster setups */
    if (semi) *semi = '\0';
    return 0;
}

int slurm_submit(const char *out, char *array_id, char *collect_id, size_t n, struct err *e)
{
    char script[1200], dep[128];
    array_id[0] = collect_id[0] = '\0';
    snprintf(script, sizeof script, "%s/sweep.sbatch", out);
    char *a1[] = {"sbatch", "--parsable", script, NULL};
    int rc = capture(a1, array_id, n, e);
    if (rc) return rc;
    snprintf(script, sizeof script, "%s/collect.sbatch", out);
    snprintf(dep, sizeof dep, "--dependency=afterany:%s", array_id);
    char *a2[] = {"sbatch", "--parsable", dep, script, NULL};
    return capture(a2, collect_id, n, e);
}
