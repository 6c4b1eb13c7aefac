/* io/suggest: the nearest valid name to a misspelt one, for "did you mean --threads?" after an
 * unknown option, setting or choice. Distance is Damerau-Levenshtein (optimal string alignment:
 * insert, delete, substitute, swap two neighbours), case-insensitive; a case-only difference
 * counts as a near miss too. Knows nothing of what the names are. */
#ifndef APICAL_SUGGEST_H
#define APICAL_SUGGEST_H

/* The entry of names (NULL-terminated) nearest to word, or NULL when none is near enough: within
 * 1 edit for words of up to 4 characters, 2 up to 8, 3 beyond, and fewer edits than the word
 * has characters. Ties go to the earlier name. An exact match is returned as is. */
const char *suggest_nearest(const char *word, const char *const *names);

/* Edit distance between a and b as above (capped at 255). */
int suggest_distance(const char *a, const char *b);

#endif
