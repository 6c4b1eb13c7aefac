/* io/cfg_int: integers as written. libconfig 1.5 reads an integer literal without the L suffix
 * with atoi, so 4294967396 becomes 100 and 99999999999999999999 becomes -1 without a word (it
 * makes a 64-bit integer only of 4294967396L). This module lexes the text libconfig read once
 * more, pairs each integer literal with the setting libconfig made of it, and gives that
 * setting the literal's value: a 64-bit integer where 32 bits do not hold it. It knows
 * libconfig's lexical rules and nothing of apical's settings. */
#ifndef APICAL_CFG_INT_H
#define APICAL_CFG_INT_H

#include <libconfig.h>

/* A literal that does not fit in a signed 64-bit integer, and the setting made of it. */
struct cfg_int_bad {
    const config_setting_t *s;
    char text[64]; /* as written, cut short after 60 characters */
};

/* Gives every integer setting under root the value its literal has. A setting's text is the
 * file libconfig names as its source, opened by that name (so call this in the folder
 * libconfig read from), or text for settings that have no source file (config_read_string).
 * Returns 0; 1 with *bad filled for a literal beyond 64 bits; -1 when a file cannot be read
 * again (errno says why). Settings whose literal does not match what libconfig made of it
 * (the file changed in between) keep libconfig's value. */
int cfg_int_widen(config_setting_t *root, const char *text, struct cfg_int_bad *bad);

/* Sets an integer setting, or an integer element of an array, to v. A value that needs 64 bits
 * makes the setting 64-bit, and in an array all its elements (libconfig's arrays hold one
 * type). */
void cfg_int_set(config_setting_t *s, long long v);

#endif
