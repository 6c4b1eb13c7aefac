/* cli/options: what the subcommands' option parsers share: the words after "unknown option",
 * with the nearest known option (io/suggest). Knows nothing of any subcommand's options. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "io/suggest.h"

const char *cli_unknown_option(const char *arg, const char *const *names, char *buf, size_t n)
{
    char name[64];
    /* "--threads=4": the name before '=' */
    snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
    const char *near = suggest_nearest(name, names);
    int takes_value = 0;
    for (int i = 0; near && strcmp(names[i], "--help"); i++) takes_value |= names[i] == near;
    if (!near || (!strcmp(near, name) && !strchr(arg, '=')))
        snprintf(buf, n, "%s", arg);
    else if (strcmp(near, name))
        snprintf(buf, n, "%s (did you mean %s?)", arg, near);
    else if (takes_value)
        snprintf(buf, n, "%s (write %s VALUE: the value is the next argument)", arg, name);
    else
        snprintf(buf, n, "%s (%s takes no value)", arg, name);
    return buf;
}
