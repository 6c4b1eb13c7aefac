/* io/cfg_set: --set overrides (see cfg_set.h). */
#include "io/cfg_set.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/cfg_int.h"

#define PATH_LEN 256

const char *cfg_type_name(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a number";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_ARRAY: return "an array";
    case CONFIG_TYPE_LIST: return "a list";
    case CONFIG_TYPE_GROUP: return "a group";
    default: return "something else";
    }
}

int cfg_is_integer(const config_setting_t *s)
{
    int t = config_setting_type(s);
    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

int cfg_is_number(const config_setting_t *s)
{
    int t = config_setting_type(s);
    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT;
}

/* libconfig numbers its types GROUP < INT ... BOOL < ARRAY < LIST: a group is not a scalar. */
static int is_scalar_type(int type)
{
    return type >= CONFIG_TYPE_INT && type <= CONFIG_TYPE_BOOL;
}

static void copy_setting(config_setting_t *dst, const config_setting_t *src)
{
    switch (config_setting_type(src)) {
    case CONFIG_TYPE_INT: config_setting_set_int(dst, config_setting_get_int(src)); break;
    case CONFIG_TYPE_INT64: config_setting_set_int64(dst, config_setting_get_int64(src)); break;
    case CONFIG_TYPE_FLOAT: config_setting_set_float(dst, config_setting_get_float(src)); break;
    case CONFIG_TYPE_BOOL: config_setting_set_bool(dst, config_setting_get_bool(src)); break;
    case CONFIG_TYPE_STRING: config_setting_set_string(dst, config_setting_get_string(src)); break;
    default:
        for (int i = 0; i < config_setting_length(src); i++) {
            const config_setting_t *m = config_setting_get_elem(src, (unsigned)i);
            config_setting_t *d = config_setting_add(dst, config_setting_name(m),
                                                     config_setting_type(m));
            if (d) copy_setting(d, m);
        }
    }
}

/* Finds the parent of the last component of path and that component. Components are group
 * keys, list indices ("[2]" or "2") or, in a list of groups, the value of their name key. */
/* An index component ("3" or "[3]") within [0, len); -1 if tok is not one. */
static long index_of(const char *tok, int len)
{
    char *end;
    const char *num = tok[0] == '[' ? tok + 1 : tok;
    errno = 0;
    long idx = strtol(num, &end, 10);
    if (end == num || errno || !(*end == '\0' || (*end == ']' && end[1] == '\0'))) return -1;
    return idx >= 0 && idx < len ? idx : -2;
}

static int log_add(struct set_log *log, const config_setting_t *s, const char *arg)
{
    if (log->n == log->cap) {
        int cap = log->cap ? 2 * log->cap : 16;
        struct set_origin *v = realloc(log->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        log->v = v;
        log->cap = cap;
    }
    log->v[log->n++] = (struct set_origin){s, arg};
    return 0;
}

/* Drops the entries for gone and everything inside it, before gone is removed. */
static void log_forget(struct set_log *log, const config_setting_t *gone)
{
    int w = 0;
    for (int i = 0; i < log->n; i++) {
        const config_setting_t *x = log->v[i].s;
        while (x && x != gone) x = config_setting_parent(x);
        if (!x) log->v[w++] = log->v[i];
    }
    log->n = w;
}

/* Groups it has to create on the way are logged as made by arg. */
static config_setting_t *walk(config_setting_t *root, char *path, char **last,
                              struct set_log *log, const char *arg)
{
    config_setting_t *cur = root;
    char *save = NULL, *tok = strtok_r(path, ".", &save), *next;
    while (tok && (next = strtok_r(NULL, ".", &save))) {
        config_setting_t *child = NULL;
        int t = config_setting_type(cur);
        if (t == CONFIG_TYPE_GROUP) {
            child = config_setting_get_member(cur, tok);
            /* an optional group (e.g. simulation) may be absent: create it; whatever does not
             * belong there is then caught by validation as an unknown setting */
            if (!child && (child = config_setting_add(cur, tok, CONFIG_TYPE_GROUP)) &&
                log_add(log, child, arg))
                return NULL;
        } else if (t == CONFIG_TYPE_LIST || t == CONFIG_TYPE_ARRAY) {
            long idx = index_of(tok, config_setting_length(cur));
            if (idx == -2) return NULL;
            if (idx >= 0) child = config_setting_get_elem(cur, (unsigned)idx);
            for (int i = 0; !child && i < config_setting_length(cur); i++) {
                config_setting_t *el = config_setting_get_elem(cur, (unsigned)i);
                const char *name;
                if (config_setting_type(el) == CONFIG_TYPE_GROUP &&
                    config_setting_lookup_string(el, "name", &name) && !strcmp(name, tok))
                    child = el;
            }
        }
        if (!child) return NULL;
        cur = child;
        tok = next;
    }
    *last = tok;
    return cur;
}

int cfg_set_apply(config_t *cfg, const char *set, struct set_log *log, struct err *e)
{
    const char *eq = strchr(set, '=');
    char from[PATH_LEN + 16];
    snprintf(from, sizeof from, "--set %s", set);
    if (!eq || eq == set)
        return err_set(e, ERR_INPUT, "--set", 0, set, "expected PATH=VALUE");
    char path[PATH_LEN], shown[PATH_LEN];
    size_t plen = (size_t)(eq - set);
    if (plen >= sizeof path) return err_set(e, ERR_INPUT, "--set", 0, set, "path too long");
    /* "PATH = VALUE" as well as "PATH=VALUE" */
    while (plen && isspace((unsigned char)set[plen - 1])) plen--;
    while (plen && isspace((unsigned char)*set)) set++, plen--;
    memcpy(path, set, plen);
    path[plen] = '\0';
    snprintf(shown, sizeof shown, "%s", path);
    /* The value is parsed as libconfig text; a bare word becomes a string. */
    config_t tmp;
    config_init(&tmp);
    size_t vlen = strlen(eq + 1) + 32;
    char *text = malloc(vlen);
    if (!text) return err_set(e, ERR_NOMEM, from, 0, shown, "out of memory");
    if (strstr(eq + 1, "@include")) {
        free(text);
        config_destroy(&tmp);
        return err_set(e, ERR_INPUT, from, 0, shown, "@include is not allowed in --set");
    }
    snprintf(text, vlen, "v = %s;", eq + 1);
    int ok = config_read_string(&tmp, text) == CONFIG_TRUE;
    if (!ok && !strpbrk(eq + 1, "\"\\;{}()[]")) {
        snprintf(text, vlen, "v = \"%s\";", eq + 1);
        config_destroy(&tmp);
        config_init(&tmp);
        ok = config_read_string(&tmp, text) == CONFIG_TRUE;
    }
    if (!ok || !eq[1]) {
        free(text);
        config_destroy(&tmp);
        return err_set(e, ERR_INPUT, from, 0, shown, "cannot parse the value \"%s\"", eq + 1);
    }
    struct cfg_int_bad bad = {0};
    int wide = cfg_int_widen(config_root_setting(&tmp), text, &bad);
    free(text);
    if (wide) {
        config_destroy(&tmp);
        if (wide < 0) return err_set(e, ERR_NOMEM, from, 0, shown, "out of memory");
        return err_set(e, ERR_INPUT, from, 0, shown, "%s does not fit in a 64-bit integer",
                       bad.text);
    }
    const config_setting_t *val = config_lookup(&tmp, "v");
    char *last = NULL;
    config_setting_t *parent = walk(config_root_setting(cfg), path, &last, log, set);
    int rc = 0;
    if (!parent || !last) {
        rc = err_set(e, ERR_INPUT, from, 0, shown, "no such setting in the config");
    } else if (config_setting_type(parent) == CONFIG_TYPE_GROUP) {
        config_setting_t *old = config_setting_get_member(parent, last);
        int type = config_setting_type(val);
        /* an integer given for a number keeps the number's type */
        if (old && config_setting_type(old) == CONFIG_TYPE_FLOAT &&
            (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64))
            type = CONFIG_TYPE_FLOAT;
        /* a scalar of the same type is changed in place, so the key keeps its position (and
         * the config hash does not depend on how a value was set) */
        config_setting_t *fresh = NULL;
        if (old && config_setting_type(old) == type && is_scalar_type(type)) {
            fresh = old;
        } else {
            if (old) {
                log_forget(log, old);
                config_setting_remove(parent, last);
            }
            fresh = config_setting_add(parent, last, type);
        }
        if (!fresh)
            rc = err_set(e, ERR_INPUT, from, 0, shown, "cannot set this setting");
        else if (log_add(log, fresh, set))
            rc = err_set(e, ERR_NOMEM, from, 0, shown, "out of memory");
        else if (type == CONFIG_TYPE_FLOAT && config_setting_type(val) != CONFIG_TYPE_FLOAT)
            config_setting_set_float(fresh, (double)config_setting_get_int64(val));
        else
            copy_setting(fresh, val);
    } else {
        long idx = index_of(last, config_setting_length(parent));
        config_setting_t *el = idx >= 0 ? config_setting_get_elem(parent, (unsigned)idx) : NULL;
        if (!el || !is_scalar_type(config_setting_type(el)) ||
            !is_scalar_type(config_setting_type(val)))
            rc = err_set(e, ERR_INPUT, from, 0, shown,
                         "only a scalar element of an array or list can be set");
        else if (log_add(log, el, set))
            rc = err_set(e, ERR_NOMEM, from, 0, shown, "out of memory");
        else if (config_setting_type(el) == CONFIG_TYPE_FLOAT && cfg_is_number(val))
            config_setting_set_float(el, config_setting_type(val) == CONFIG_TYPE_FLOAT
                                             ? config_setting_get_float(val)
                                             : (double)config_setting_get_int64(val));
        else if (cfg_is_integer(el) && cfg_is_integer(val))
            cfg_int_set(el, config_setting_get_int64(val));
        else if (config_setting_type(el) == config_setting_type(val))
            copy_setting(el, val);
        else
            rc = err_set(e, ERR_INPUT, from, 0, shown, "must be %s like the other elements",
                         cfg_type_name(el));
    }
    config_destroy(&tmp);
    return rc;
}

