/* sweep/table: rows from summaries, and the CSV and JSON-lines files. */
#include "sweep/table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/afile.h"
#include "sweep/store.h"

cJSON *table_value(const char *lit)
{
    size_t n = strlen(lit);
    char *end;
    double v = strtod(lit, &end);
    if (end != lit && (*end == '\0' || (end[0] == 'L' && end[1] == '\0'))) return cJSON_CreateNumber(v);
    if (!strcmp(lit, "true")) return cJSON_CreateTrue();
    if (!strcmp(lit, "false")) return cJSON_CreateFalse();
    if (n >= 2 && lit[0] == '"' && lit[n - 1] == '"') {
        char *s = malloc(n);
        if (!s) return cJSON_CreateString("");
        size_t k = 0;
        for (size_t i = 1; i + 1 < n; i++) {
            if (lit[i] == '\\' && i + 2 < n) i++;
            s[k++] = lit[i];
        }
        s[k] = '\0';
        cJSON *j = cJSON_CreateString(s);
        free(s);
        return j;
    }
    return cJSON_CreateString(lit);
}

/* "key" of o, prefixed "pre." when pre is not empty; numbers, strings and booleans only. */
static void add_flat(cJSON *row, const char *pre, const cJSON *item)
{
    char key[256];
    if (!item->string) return; /* only members of objects have names */
    if (pre[0]) snprintf(key, sizeof key, "%s.%s", pre, item->string);
    else snprintf(key, sizeof key, "%s", item->string);
    if (cJSON_GetObjectItemCaseSensitive(row, key)) return;
    if (cJSON_IsNumber(item) || cJSON_IsString(item) || cJSON_IsBool(item) || cJSON_IsNull(item))
        cJSON_AddItemToObject(row, key, cJSON_Duplicate(item, 0));
}

static cJSON *flatten(const struct plan *p, long point, const cJSON *sum)
{
    cJSON *row = cJSON_CreateObject();
    cJSON_AddNumberToObject(row, "point", (double)point);
    for (int a = 0; a < p->naxes; a++)
        cJSON_AddItemToObject(row, p->axes[a].path, table_value(plan_cell(p, point, a)));
    /* the whole network's rate and CV of ISI, over the populations that are simulated */
    /* sum is an object (table_add checked); its members may hold anything */
    const cJSON *pops = store_jarr(sum, "populations");
    double sim = store_jnum(sum, "simulated_ms");
    double spikes = 0, neurons = 0, cvsum = 0, cvn = 0;
    const cJSON *pop;
    cJSON_ArrayForEach(pop, pops)
    {
        const char *model = store_jstr(pop, "model");
        if (model && !strcmp(model, "spike_source")) continue;
        double s = store_jnum(pop, "spikes"), n = store_jnum(pop, "neurons");
        double cv = store_jnum(pop, "cv_isi"), cvk = store_jnum(pop, "cv_isi_neurons");
        if (isfinite(s) && isfinite(n)) spikes += s, neurons += n;
        if (isfinite(cv) && cvk > 0 && isfinite(cvk)) cvsum += cv * cvk, cvn += cvk;
    }
    double rate = neurons > 0 && sim > 0 ? spikes / neurons / (sim * 1e-3) : NAN;
    if (isfinite(rate)) cJSON_AddNumberToObject(row, "rate_hz", rate);
    else cJSON_AddNullToObject(row, "rate_hz");
    if (cvn > 0 && isfinite(cvsum / cvn)) cJSON_AddNumberToObject(row, "cv_isi", cvsum / cvn);
    else cJSON_AddNullToObject(row, "cv_isi");
    const cJSON *it;
    cJSON_ArrayForEach(it, sum)
    {
        if (!it->string || !strcmp(it->string, "program") || !strcmp(it->string, "config") ||
            !strcmp(it->string, "interrupted") || !strcmp(it->string, "populations"))
            continue;
        if (cJSON_IsObject(it)) {
            const cJSON *sub;
            cJSON_ArrayForEach(sub, it) add_flat(row, it->string, sub);
        } else {
            add_flat(row, "", it);
        }
    }
    cJSON_ArrayForEach(pop, pops)
    {
        const char *name = store_jstr(pop, "name");
        if (!name) continue; /* and so pop is an object */
        cJSON_ArrayForEach(it, pop) if (cJSON_IsNumber(it) || cJSON_IsNull(it))
            add_flat(row, name, it);
    }
    return row;
}

int table_add(struct table *t, const char *out, long point, struct err *e)
{
    char path[1200];
    if (store_point_file(out, point, "summary.json", path, sizeof path))
        return err_set(e, ERR_INPUT, out, 0, "", "path too long");
    cJSON *sum = store_json_read(path, e);
    if (!sum) return e->code;
    if (!cJSON_IsObject(sum)) {
        cJSON_Delete(sum);
        return err_set(e, ERR_INPUT, path, 0, "", "not a JSON object: not a summary apical wrote");
    }
    if (t->rows[point]) {
        cJSON_Delete(t->rows[point]);
        t->ndone--;
    }
    t->rows[point] = flatten(t->plan, point, sum);
    t->ndone++;
    cJSON_Delete(sum);
    return 0;
}

int table_load(struct table *t, const struct plan *p, const char *out, struct err *e)
{
    memset(t, 0, sizeof *t);
    t->plan = p;
    t->rows = calloc((size_t)p->npoints + 1, sizeof *t->rows);
    if (!t->rows) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    for (long i = 0; i < p->npoints; i++) {
        int st = store_state(out, i);
        if (st == STORE_FAILED) t->nfailed++;
        if (st != STORE_DONE) continue;
        /* done.json is written after the run's summary.json: a done point without a readable
         * summary is a folder that was edited or damaged, and a table without its row would
         * look complete */
        int rc = table_add(t, out, i, e);
        if (rc) {
            char why[sizeof e->msg], file[sizeof e->file];
            snprintf(why, sizeof why, "%s", e->msg);
            snprintf(file, sizeof file, "%s", e->file);
            err_set(e, ERR_INPUT, file, 0, "",
                    "%s (point %ld is marked done; delete its done.json to run it again)",
                    rc == ERR_IO ? "missing or unreadable" : why, i);
            table_free(t);
            return ERR_INPUT;
        }
    }
    return 0;
}

void table_free(struct table *t)
{
    for (long i = 0; t->rows && i < t->plan->npoints; i++) cJSON_Delete(t->rows[i]);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

static void csv_cell(FILE *f, const cJSON *v)
{
    if (!v || cJSON_IsNull(v)) return;
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        char buf[64];
        if (d == floor(d) && fabs(d) < 1e15) snprintf(buf, sizeof buf, "%.0f", d);
        else for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, d);
            if (strtod(buf, NULL) == d) break;
        }
        fputs(buf, f);
    } else if (cJSON_IsBool(v)) {
        fputs(cJSON_IsTrue(v) ? "true" : "false", f);
    } else if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        if (!strpbrk(s, ",\"\n\r")) {
            fputs(s, f);
            return;
        }
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"') fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    }
}

int table_write(const struct table *t, const char *out, struct err *e)
{
    /* columns: the union of the rows' keys in order of first appearance */
    cJSON *cols = cJSON_CreateObject();
    for (long i = 0; i < t->plan->npoints; i++) {
        const cJSON *it;
        if (!t->rows[i]) continue;
        cJSON_ArrayForEach(it, t->rows[i]) if (!cJSON_GetObjectItemCaseSensitive(cols, it->string))
            cJSON_AddNullToObject(cols, it->string);
    }
    if (!cols->child) cJSON_AddNullToObject(cols, "point");
    char csv[1100], jsonl[1100];
    snprintf(csv, sizeof csv, "%s/results.csv", out);
    snprintf(jsonl, sizeof jsonl, "%s/results.jsonl", out);
    struct afile fc, fj;
    int rc = afile_open(&fc, csv, e);
    if (rc) {
        cJSON_Delete(cols);
        return rc;
    }
    if ((rc = afile_open(&fj, jsonl, e))) {
        afile_abort(&fc);
        cJSON_Delete(cols);
        return rc;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, cols)
    {
        if (c != cols->child) fputc(',', fc.fp);
        cJSON tmp = {.type = cJSON_String, .valuestring = c->string};
        csv_cell(fc.fp, &tmp);
    }
    fputc('\n', fc.fp);
    for (long i = 0; i < t->plan->npoints; i++) {
        if (!t->rows[i]) continue;
        cJSON_ArrayForEach(c, cols)
        {
            if (c != cols->child) fputc(',', fc.fp);
            csv_cell(fc.fp, cJSON_GetObjectItemCaseSensitive(t->rows[i], c->string));
        }
        fputc('\n', fc.fp);
        char *line = cJSON_PrintUnformatted(t->rows[i]);
        if (line) fprintf(fj.fp, "%s\n", line);
        free(line);
    }
    cJSON_Delete(cols);
    rc = afile_commit(&fc, e);
    if (rc) {
        afile_abort(&fj);
        return rc;
    }
    return afile_commit(&fj, e);
}
