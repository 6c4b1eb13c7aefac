/* io/lcurve: reads learning.csv into three arrays, checking every number before it is kept and
 * naming the line of the first problem; and the classified split's accuracy from summary.json
 * (cJSON), the one figure of it a learning curve marks. */
#include "io/lcurve.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/rfile.h"

#define SUMMARY_MAX_BYTES ((uint64_t)64 << 20) /* a summary is a few kB */
#define EPOCH_REL_TOL 1e-5 /* learning/present writes the epoch with 6 digits */

struct reader {
    const char *path;
    struct lcurve *c;
    size_t cap;
};

static int grow(struct reader *r)
{
    struct lcurve *c = r->c;
    size_t cap = r->cap ? 2 * r->cap : 64;
    double *a = realloc(c->samples, cap * sizeof *a);
    if (a) c->samples = a;
    double *b = realloc(c->epoch, cap * sizeof *b);
    if (b) c->epoch = b;
    double *d = realloc(c->acc, cap * sizeof *d);
    if (d) c->acc = d;
    if (!a || !b || !d) return -1;
    r->cap = cap;
    return 0;
}

static int parse_row(struct reader *r, const char *s, size_t len, int lineno, struct err *e)
{
    char q[48];
    const char *f[3];
    size_t n[3];
    const size_t nf = rfile_fields(s, len, 3, f, n);
    if (nf != 3)
        return err_set(e, ERR_INPUT, r->path, lineno, "",
                       "expected 3 fields (" LCURVE_HEADER "), found %zu", nf);
    double smp, ep, acc;
    struct lcurve *c = r->c;
    if (rfile_number(f[0], n[0], &smp) || smp != floor(smp) || smp < 1 ||
        smp > LCURVE_MAX_SAMPLES)
        return err_set(e, ERR_INPUT, r->path, lineno, "",
                       "samples: '%s' is not a whole number from 1 to 2^53", rfile_quote(f[0], n[0], q));
    if (c->n && smp <= c->samples[c->n - 1])
        return err_set(e, ERR_INPUT, r->path, lineno, "",
                       "samples: %.17g is not above the previous row's %.17g", smp,
                       c->samples[c->n - 1]);
    if (rfile_number(f[1], n[1], &ep) || !(ep > 0))
        return err_set(e, ERR_INPUT, r->path, lineno, "",
                       "epoch: '%s' is not a number above 0", rfile_quote(f[1], n[1], q));
    if (c->n && ep < c->epoch[c->n - 1])
        return err_set(e, ERR_INPUT, r->path, lineno, "",
                       "epoch: %.17g is below the previous row's %.17g", ep, c->epoch[c->n - 1]);
    /* samples / epoch is the training set's size on every row */
    if (c->n) {
        double per = c->samples[0] / c->epoch[0], want = smp / per;
        if (!(fabs(ep - want) <= EPOCH_REL_TOL * want))
            return err_set(e, ERR_INPUT, r->path, lineno, "",
                           "epoch: %.17g is not samples / %.9g = %.9g (the first row's samples "
                           "per epoch)",
                           ep, per, want);
    }
    if (rfile_number(f[2], n[2], &acc) || acc < 0 || acc > 100)
        return err_set(e, ERR_INPUT, r->path, lineno, "",
                       "accuracy: '%s' is not a number from 0 to 100 (%%)", rfile_quote(f[2], n[2], q));
    if (c->n == r->cap && grow(r)) return err_set(e, ERR_NOMEM, r->path, 0, "", "out of memory");
    c->samples[c->n] = smp;
    c->epoch[c->n] = ep;
    c->acc[c->n++] = acc;
    return 0;
}

int lcurve_read(const char *path, struct lcurve *c, struct err *e)
{
    memset(c, 0, sizeof *c);
    struct rfile f;
    int rc = rfile_open(&f, path, LCURVE_MAX_BYTES, e);
    if (rc) return rc;
    struct reader r = {.path = path, .c = c};
    char *line, q[48];
    size_t len;
    int lineno = 0;
    /* learning/present ends every line, so a missing newline means the file was cut short */
    while ((rc = rfile_text_line(&f, LCURVE_MAX_LINE, &line, &len, e)) == 1) {
        rc = 0;
        lineno = f.lineno;
        if (lineno == 1) {
            if (strcmp(line, LCURVE_HEADER))
                rc = err_set(e, ERR_INPUT, path, 1, "",
                             "not a learning curve: the header must be '" LCURVE_HEADER
                             "', found '%s'",
                             rfile_quote(line, len, q));
        } else {
            rc = parse_row(&r, line, len, lineno, e);
        }
        if (rc) break;
    }
    if (!rc && lineno == 0)
        rc = err_set(e, ERR_INPUT, path, 1, "",
                     "empty file: expected the header '" LCURVE_HEADER "'");
    else if (!rc && !c->n)
        rc = err_set(e, ERR_INPUT, path, 2, "", "no rows after the header: nothing learned yet");
    rfile_close(&f);
    if (rc) lcurve_free(c);
    return rc;
}

void lcurve_free(struct lcurve *c)
{
    free(c->samples);
    free(c->epoch);
    free(c->acc);
    memset(c, 0, sizeof *c);
}

int lcurve_sniff(const char *path)
{
    struct rfile f;
    if (rfile_open(&f, path, UINT64_MAX, NULL)) return 0;
    char head[sizeof LCURVE_HEADER + 1] = {0};
    size_t n = 0;
    if (rfile_read(&f, head, sizeof head - 1, &n, NULL)) n = 0;
    rfile_close(&f);
    size_t k = strlen(LCURVE_HEADER);
    return n > k && !memcmp(head, LCURVE_HEADER, k) && (head[k] == '\n' || head[k] == '\r');
}

/* The 1-based line of text[at]. */
static int line_of(const char *text, size_t at)
{
    int line = 1;
    for (size_t i = 0; i < at; i++) line += text[i] == '\n';
    return line;
}

static int final_from(const char *path, const cJSON *root, struct lcurve_final *f, struct err *e)
{
    if (!cJSON_IsObject(root))
        return err_set(e, ERR_INPUT, path, 0, "", "not a summary: expected a JSON object");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "classification");
    if (!c) return 0; /* a run without a data set */
    if (!cJSON_IsObject(c))
        return err_set(e, ERR_INPUT, path, 0, "classification", "expected an object");
    const cJSON *split = cJSON_GetObjectItemCaseSensitive(c, "split");
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(c, "accuracy");
    int name_ok = cJSON_IsString(split) && split->valuestring[0] &&
                  strlen(split->valuestring) < sizeof f->split;
    for (const char *p = name_ok ? split->valuestring : ""; *p; p++)
        name_ok &= (*p >= 'a' && *p <= 'z') || *p == '_';
    if (!name_ok)
        return err_set(e, ERR_INPUT, path, 0, "classification.split",
                       "expected a name such as \"test\" (at most %zu lowercase letters)",
                       sizeof f->split - 1);
    if (!cJSON_IsNull(acc) && !(cJSON_IsNumber(acc) && acc->valuedouble >= 0 &&
                                acc->valuedouble <= 100))
        return err_set(e, ERR_INPUT, path, 0, "classification.accuracy",
                       "expected null or a number from 0 to 100 (%%)");
    f->have = 1;
    snprintf(f->split, sizeof f->split, "%s", split->valuestring);
    f->accuracy = cJSON_IsNumber(acc) ? acc->valuedouble : NAN;
    return 0;
}

int lcurve_final_read(const char *path, struct lcurve_final *f, struct err *e)
{
    memset(f, 0, sizeof *f);
    f->accuracy = NAN;
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) return 0;
    struct rfile r;
    int rc = rfile_open(&r, path, SUMMARY_MAX_BYTES, e);
    if (rc) return rc;
    char *text = malloc((size_t)r.size + 1);
    size_t len = 0;
    rc = text ? rfile_read(&r, text, (size_t)r.size, &len, e)
              : err_set(e, ERR_NOMEM, path, 0, "", "out of memory");
    rfile_close(&r);
    if (rc) {
        free(text);
        return rc;
    }
    text[len] = '\0';
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
    if (!root)
        rc = err_set(e, ERR_INPUT, path, line_of(text, at), "", "not valid JSON");
    else
        rc = final_from(path, root, f, e);
    if (rc) memset(f, 0, sizeof *f), f->accuracy = NAN;
    cJSON_Delete(root);
    free(text);
    return rc;
}
