/* cli/main: `apical SUBCOMMAND ...`. The one place that prints errors and chooses exit codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/version.h"

static const char usage[] =
    "usage: apical COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run CONFIG [--set PATH=VALUE]... [--seed N] [--threads N] [-o DIR] [--quiet]\n"
    "        simulate; writes spikes, traces, summary.json and raster.svg into DIR\n"
    "        (default out/CONFIG-NAME)\n"
    "  check CONFIG [--set PATH=VALUE]...\n"
    "        validate the config and print the network it describes\n"
    "  plot SPIKES -o FILE.svg [--max-per-pop N] [--bin MS] [--title T] [--tmin MS] [--tmax MS]\n"
    "  plot TRACES|DIR -o FILE.svg [--neurons K] [--currents] [--title T] [--tmin MS] [--tmax MS]\n"
    "        draw a raster and rate histogram from a spike file (CSV or binary)\n"
    "  sweep CONFIG [--grid PATH=VALUES]... [-o OUT] [--jobs K] [--slurm [--submit]]\n"
    "        run the config at every point of a grid, resumably; table in OUT/results.csv\n"
    "  sweep collect OUT | sweep plot OUT --x PATH [--y PATH] --z METRIC -o FILE.svg\n"
    "        (see apical sweep --help and docs/sweeps.md)\n"
    "  train CONFIG [-o DIR] [--set PATH=VALUE]... [--seed N] [--threads N] [--epochs N]\n"
    "        [--align] [--resume] [--quiet]\n"
    "        train spiking layers (mc_lif, lif) and an li readout (apical rule or BPTT;\n"
    "        docs/learning.md); apical run CONFIG simulates the same network on its data\n"
    "  eval CONFIG --weights CHECKPOINT [--train] [--set PATH=VALUE]... [--threads N]\n"
    "        loss and accuracy of trained weights, one JSON line\n"
    "\n"
    "  apical --help | --version | COMMAND --help\n"
    "Exit status: 0 done, 1 failed while running, 2 bad input, 130/143 interrupted.\n"
    "Config reference: docs/config.md\n";

int cli_report(const struct err *e) {
    char buf[2048];
    err_format(e, buf, sizeof buf);
    fprintf(stderr, "apical: %s\n", buf);
    switch (e->code) {
    case ERR_INPUT:
        return 2;
    case ERR_INTERRUPTED:
        return 130;
    default:
        return 1;
    }
}

/* The trainer's OpenMP loops run once per mini-batch, and between them libgomp's default wait
 * spins: on a core shared with other work the spinning threads take the time the working one
 * needs (Yin-Yang, 2 threads, one core busy: 2x slower than 1 thread; passive: the same;
 * bench/load). libgomp reads OMP_WAIT_POLICY once, when it loads, so train and eval start
 * again with "passive" unless the user chose a policy. (The engine's loop has its own barrier
 * and is not affected.) */
static void passive_waits(char **argv) {
#ifndef APICAL_NO_REEXEC
    if (getenv("OMP_WAIT_POLICY")) return;
    if (setenv("OMP_WAIT_POLICY", "passive", 1) == 0) execv("/proc/self/exe", argv);
    /* no /proc: go on with libgomp's default */
#else
    (void)argv;
#endif
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("apical %s\n", APICAL_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "run")) return cli_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "check")) return cli_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "plot")) return cli_plot(argc - 1, argv + 1);
    if (!strcmp(cmd, "sweep")) return cli_sweep(argc - 1, argv + 1);
    if (!strcmp(cmd, "train") || !strcmp(cmd, "eval")) passive_waits(argv);
    if (!strcmp(cmd, "train")) return cli_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "eval")) return cli_eval(argc - 1, argv + 1);
    fprintf(stderr, "apical: unknown command \"%s\"\n%s", cmd, usage);
    return 2;
}
