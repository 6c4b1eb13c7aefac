/* io/suggest: nearest names by edit distance. Names are short (options, setting keys), so the
 * O(len a x len b) table on the stack is fine; longer words are cut at SUG_MAX characters. */
#include "io/suggest.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#define SUG_MAX 63

static int lower(char c) { return tolower((unsigned char)c); }

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

int suggest_distance(const char *a, const char *b)
{
    int n = (int)strnlen(a, SUG_MAX), m = (int)strnlen(b, SUG_MAX);
    int d[SUG_MAX + 1][SUG_MAX + 1];
    for (int i = 0; i <= n; i++) d[i][0] = i;
    for (int j = 0; j <= m; j++) d[0][j] = j;
    for (int i = 1; i <= n; i++)
        for (int j = 1; j <= m; j++) {
            int cost = lower(a[i - 1]) != lower(b[j - 1]);
            d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]) && d[i - 2][j - 2] + 1 < d[i][j])
                d[i][j] = d[i - 2][j - 2] + 1;
        }
    return d[n][m] > 255 ? 255 : d[n][m];
}

const char *suggest_nearest(const char *word, const char *const *names)
{
    int len = (int)strnlen(word, SUG_MAX);
    int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    if (limit >= len) limit = len - 1;
    const char *best = NULL;
    int best_d = limit + 1;
    for (const char *const *p = names; p && *p; p++) {
        if (!strcmp(*p, word)) return *p;
        int d = suggest_distance(word, *p);
        /* a difference of case alone is the nearest miss there is */
        if (d == 0) return *p;
        if (d < best_d) {
            best = *p;
            best_d = d;
        }
    }
    return best;
}
