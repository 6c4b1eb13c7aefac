/* io/cfg_int: integer literals read again, and the settings libconfig made of them widened.
 *
 * Why a second lexer: libconfig 1.5 keeps no trace of a literal's text, and its only hook into
 * parsing (an include directory) does not reach the scanner. Each integer literal of a file
 * makes exactly one integer setting, and libconfig builds its tree in the order it reads, so
 * the n-th integer setting from a file (in a walk of the tree in order) comes from the n-th
 * integer literal of that file. Each pairing is checked against libconfig's own reading of the
 * literal (a 32-bit wrap, or saturation) before anything is changed. */
#include "io/cfg_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libconfig 1.5's scanner.l, the parts that decide where an integer literal is:
 *   name      [A-Za-z*][-A-Za-z0-9_*]*           (so "exc2" and "a-5" hold no number)
 *   integer   [-+]?[0-9]+        integer64 [-+]?[0-9]+L(L)?
 *   hex       0[Xx][0-9A-Fa-f]+  hex64     0[Xx][0-9A-Fa-f]+L(L)?
 *   float     [-+]?[0-9]*\.[0-9]*([eE][-+]?[0-9]+)? | [-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+
 *   strings "..." with backslash escapes; comments #..., //..., and C-style block comments
 * The longest match wins, so "12e3" is a float and "12L" a 64-bit integer. */

struct lit {
    const char *text;
    int len;
};

struct src {
    const char *file; /* libconfig's name; NULL for the string */
    char *own;        /* the text when this module read it */
    const char *text;
    struct lit *lits;
    int n, cap, next;
    int ok; /* 0 after a pairing failed: the rest of this source is left alone */
};

struct walk {
    struct src *srcs;
    int nsrcs, cap;
    const char *text;
    struct cfg_int_bad *bad;
    int rc;
};

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static int name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '*'; }
static int name_char(char c) { return name_start(c) || is_digit(c) || c == '-' || c == '_'; }

static int add_lit(struct src *s, const char *p, int len)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 64;
        struct lit *v = realloc(s->lits, (size_t)cap * sizeof *v);
        if (!v) return -1;
        s->lits = v;
        s->cap = cap;
    }
    s->lits[s->n++] = (struct lit){p, len};
    return 0;
}

/* Length of the number starting at p (a sign, a digit or a dot); *integer says whether it is
 * an integer literal. 0 when no number starts there. */
static int number_at(const char *p, int *integer)
{
    int i = 0;
    *integer = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && is_hex(p[2])) {
        for (i = 2; is_hex(p[i]); i++) {
        }
        *integer = 1;
    } else {
        if (p[i] == '+' || p[i] == '-') i++;
        int d0 = i;
        while (is_digit(p[i])) i++;
        int digits = i - d0;
        int frac = p[i] == '.';
        if (frac)
            for (i++; is_digit(p[i]); i++) {
            }
        int j = i;
        if ((digits || frac) && (p[j] == 'e' || p[j] == 'E')) {
            j++;
            if (p[j] == '+' || p[j] == '-') j++;
            if (is_digit(p[j])) {
                while (is_digit(p[j])) j++;
                return j; /* a float with an exponent */
            }
        }
        if (frac) return i;
        if (!digits) return 0;
        *integer = 1;
    }
    if (p[i] == 'L') i += p[i + 1] == 'L' ? 2 : 1;
    return i;
}

static int lex(struct src *s)
{
    const char *p = s->text;
    while (*p) {
        if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
            while (*p && *p != '\n') p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            p = end ? end + 2 : p + strlen(p);
        } else if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1]) p++;
            if (*p) p++;
        } else if (name_start(*p)) {
            while (name_char(*p)) p++;
        } else if (is_digit(*p) || *p == '+' || *p == '-' || *p == '.') {
            int integer, len = number_at(p, &integer);
            if (!len) {
                p++;
                continue;
            }
            if (integer && add_lit(s, p, len)) return -1;
            p += len;
        } else {
            p++;
        }
    }
    return 0;
}

/* A config file is text of a few kilobytes; more than this is not one. */
#define MAX_TEXT (256L << 20)

static char *read_all(const char *file)
{
    FILE *f = fopen(file, "rb");
    if (!f) return NULL;
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (ferror(f) || feof(f)) break;
        if (cap >= (size_t)MAX_TEXT) {
            errno = EFBIG;
            break;
        }
        char *b = realloc(buf, 2 * cap);
        if (!b) break;
        buf = b;
        cap *= 2;
    }
    int bad = !buf || ferror(f) || !feof(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        free(buf);
        errno = saved ? saved : EIO;
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static struct src *source(struct walk *w, const char *file)
{
    for (int i = 0; i < w->nsrcs; i++) {
        const char *f = w->srcs[i].file;
        if (f == file || (f && file && !strcmp(f, file))) return &w->srcs[i];
    }
    if (w->nsrcs == w->cap) {
        int cap = w->cap ? 2 * w->cap : 4;
        struct src *v = realloc(w->srcs, (size_t)cap * sizeof *v);
        if (!v) return NULL;
        w->srcs = v;
        w->cap = cap;
    }
    struct src *s = &w->srcs[w->nsrcs];
    memset(s, 0, sizeof *s);
    s->file = file;
    s->ok = 1;
    if (file) {
        s->own = read_all(file);
        s->text = s->own;
    } else {
        s->text = w->text ? w->text : "";
        s->ok = !!w->text;
    }
    if (!s->text) return NULL;
    w->nsrcs++;
    if (lex(s)) return NULL;
    return s;
}

/* The literal's value, and what libconfig 1.5 made of it: atoi (strtol cut to its low 32 bits)
 * without L, atoll (saturating) with it; strtoul and strtoull for hex. */
struct reading {
    long long value;  /* as written, when fits */
    int fits;         /* in a signed 64-bit integer */
    int wide;         /* L suffix: libconfig made a 64-bit setting */
    long long libcfg; /* libconfig's value */
};

static int read_lit(const struct lit *l, struct reading *r)
{
    char *t = malloc((size_t)l->len + 1);
    if (!t) return -1;
    memcpy(t, l->text, (size_t)l->len);
    t[l->len] = '\0';
    int n = l->len;
    r->wide = 0;
    while (n > 0 && t[n - 1] == 'L') {
        t[--n] = '\0';
        r->wide = 1;
    }
    errno = 0;
    if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
        unsigned long long u = strtoull(t, NULL, 16);
        r->fits = errno != ERANGE && u <= (unsigned long long)INT64_MAX;
        r->value = (long long)u;
        r->libcfg = r->wide ? (long long)u : (long long)(int32_t)(uint32_t)u;
    } else {
        long long v = strtoll(t, NULL, 10);
        r->fits = errno != ERANGE;
        r->value = v;
        r->libcfg = r->wide ? v : (long long)(int32_t)(uint32_t)(unsigned long long)v;
    }
    free(t);
    return 0;
}

static void make_wide(config_setting_t *s, long long v)
{
    /* libconfig has no call that changes a setting's type in place (config_setting_set_int64
     * on a 32-bit setting stores 0); removing and adding it again would lose its file and
     * line. The struct is public in libconfig.h (1.5 to 1.7). */
    s->type = CONFIG_TYPE_INT64;
    s->value.llval = v;
}

static void widen_array(config_setting_t *a)
{
    for (int i = 0; i < config_setting_length(a); i++) {
        config_setting_t *x = config_setting_get_elem(a, (unsigned)i);
        if (config_setting_type(x) == CONFIG_TYPE_INT) make_wide(x, config_setting_get_int(x));
    }
}

/* Returns 1 when s was made 64-bit. */
static int visit_int(struct walk *w, config_setting_t *s)
{
    struct src *src = source(w, config_setting_source_file(s));
    if (!src) {
        w->rc = -1;
        return 0;
    }
    /* a file included twice is read twice: its literals pair up again from the start */
    if (src->next >= src->n) src->next = 0;
    if (!src->ok || src->n == 0) {
        src->ok = 0;
        return 0;
    }
    struct reading r;
    if (read_lit(&src->lits[src->next++], &r)) {
        w->rc = -1;
        return 0;
    }
    int wide = config_setting_type(s) == CONFIG_TYPE_INT64;
    long long got = wide ? config_setting_get_int64(s) : config_setting_get_int(s);
    if (r.wide != wide || r.libcfg != got) {
        src->ok = 0;
        return 0;
    }
    if (!r.fits) {
        const struct lit *l = &src->lits[src->next - 1];
        w->bad->s = s;
        snprintf(w->bad->text, sizeof w->bad->text, "%.*s%s", l->len > 60 ? 60 : l->len, l->text,
                 l->len > 60 ? "..." : "");
        w->rc = 1;
        return 0;
    }
    if (!wide && (r.value < INT32_MIN || r.value > INT32_MAX)) {
        make_wide(s, r.value);
        return 1;
    }
    return 0;
}

static void visit(struct walk *w, config_setting_t *s)
{
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
        visit_int(w, s);
        return;
    }
    if (t != CONFIG_TYPE_GROUP && t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY) return;
    int widened = 0;
    for (int i = 0; i < config_setting_length(s) && !w->rc; i++) {
        config_setting_t *x = config_setting_get_elem(s, (unsigned)i);
        int tx = config_setting_type(x);
        if (tx == CONFIG_TYPE_INT || tx == CONFIG_TYPE_INT64)
            widened |= visit_int(w, x);
        else
            visit(w, x);
    }
    if (widened && t == CONFIG_TYPE_ARRAY) widen_array(s);
}

int cfg_int_widen(config_setting_t *root, const char *text, struct cfg_int_bad *bad)
{
    struct walk w = {.text = text, .bad = bad};
    visit(&w, root);
    int saved = errno;
    for (int i = 0; i < w.nsrcs; i++) {
        free(w.srcs[i].own);
        free(w.srcs[i].lits);
    }
    free(w.srcs);
    errno = saved;
    return w.rc;
}

void cfg_int_set(config_setting_t *s, long long v)
{
    config_setting_t *parent = config_setting_parent(s);
    if (config_setting_type(s) == CONFIG_TYPE_INT64) {
        config_setting_set_int64(s, v);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        config_setting_set_int(s, (int)v);
    } else {
        make_wide(s, v);
        if (parent && config_setting_type(parent) == CONFIG_TYPE_ARRAY) widen_array(parent);
    }
}
