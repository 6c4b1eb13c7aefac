/* cli: one function per subcommand; each parses its own arguments and returns the exit status
 * (0 ok, 1 runtime failure, 2 bad input, 130/143 interrupted). Only cli/ prints errors and exits. */
#ifndef APICAL_CLI_H
#define APICAL_CLI_H

#include <stddef.h>

#include "core/err.h"

int cli_run(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_plot(int argc, char **argv);
int cli_sweep(int argc, char **argv);      /* cli/sweep.c */
int cli_sweep_plot(int argc, char **argv); /* cli/sweep_plot.c: apical sweep plot */
int cli_train(int argc, char **argv);      /* cli/train.c */
int cli_eval(int argc, char **argv);       /* cli/train.c */

/* The arguments shared by run and check. --seed and --threads become --set overrides. */
#define CLI_MAX_SETS 256
struct cli_args {
    const char *config;
    const char *out_dir;
    const char *sets[CLI_MAX_SETS];
    int nsets;
    int quiet;
    int help; /* --help was given and the usage printed: exit 0 */
    const char *resume;   /* run --resume DIR: go on from DIR's checkpoint */
    double ckpt_every_ms; /* run --checkpoint-every MS (0: only on SIGTERM) */
    const char *weights;  /* run --weights DIR|FILE: start from these weights */
    char seed_set[64], threads_set[64];
};
/* Returns 0, or an exit status after printing the problem (an unknown option with the nearest
 * known one, io/suggest.h). -h/--help prints the usage of run (allow_run) or check to stdout
 * and returns 0 with help set. allow_run: accept -o, --quiet. */
int cli_parse_args(int argc, char **argv, struct cli_args *a, int allow_run);

/* The words after "unknown option: " for an option arg that matched none of names (cli/options.c):
 * "--thread (did you mean --threads?)" with the nearest of names (io/suggest); "--threads=4
 * (write --threads VALUE: the value is the next argument)" or "--quiet=1 (--quiet takes no
 * value)" where the parser takes no "NAME=VALUE"; arg alone when nothing is near. names is
 * NULL-terminated and must hold "--help": the names before it take a value, the others none.
 * Written into buf (n bytes), which is returned. */
const char *cli_unknown_option(const char *arg, const char *const *names, char *buf, size_t n);

/* This machine's physical memory in bytes, 0 if unknown: the limit above which run, train and
 * eval refuse a network (cli/run.c). */
double cli_machine_bytes(void);

/* Refuses (ERR_INPUT) a network whose estimated memory exceeds cli_machine_bytes(). */
struct net_spec;
int cli_check_memory(const struct net_spec *s, struct err *e);

/* Prints "apical: <formatted error>" to stderr and returns the exit status for its code. */
int cli_report(const struct err *e);

#endif
