/* cli/sweep_plot: `apical sweep plot OUT --x PATH [--y PATH] --z METRIC -o FILE.svg`. */
#include <stdio.h>

#include "cli/cli.h"

int cli_sweep_plot(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "apical: sweep plot: not yet\n");
    return 2;
}
