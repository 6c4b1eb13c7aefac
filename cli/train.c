/* cli/train: `apical train` and `apical eval` (learning/train does the work). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "learning/snn.h"
#include "learning/train.h"

/* The only mutable file-scope state: what a signal handler may touch. */
static volatile sig_atomic_t stop_signal;
static void on_signal(int sig) {
    stop_signal = sig;
}

static const char usage_train[] =
    "usage: apical train CONFIG [-o DIR] [--set PATH=VALUE]... [--seed N] [--threads N]\n"
    "                    [--epochs N] [--align] [--resume] [--quiet]\n"
    "  trains the network of a training config (learning, data and encoder blocks; see\n"
    "  docs/learning.md); writes DIR/training.csv, curves.svg, summary.json, checkpoint.bin\n"
    "  and weights.bin (the weights for apical run --weights and apical eval) after every\n"
    "  epoch, the five together (DIR defaults to out/CONFIG-NAME).\n"
    "  First prints the network and the memory it needs (a run larger than this machine's\n"
    "  memory is refused, exit 2), then the first mini-batch's time and an estimate of the rest.\n"
    "  --resume continues from DIR/checkpoint.bin; SIGINT/SIGTERM write it and weights.bin\n"
    "  before exiting.\n";

static const char usage_eval[] =
    "usage: apical eval CONFIG --weights FILE|DIR [--set PATH=VALUE]... [--threads N]\n"
    "                   [--train]\n"
    "  loss and accuracy of the weights in FILE (weights.bin, as binary32, or checkpoint.bin)\n"
    "  or DIR (its weights.bin, else its checkpoint.bin) on the test split (--train: the\n"
    "  training split); prints one JSON line.\n";

struct targs {
    const char *config, *out_dir, *weights;
    const char *sets[CLI_MAX_SETS];
    int nsets, quiet, resume, threads, use_train;
    char extra[3][64];
};

static int bad_arg(const char *usage, const char *msg, const char *arg) {
    fprintf(stderr, "apical: %s%s%s\n%s", msg, arg ? " " : "", arg ? arg : "", usage);
    return 2;
}

/* "unknown option: --thred (did you mean --threads?)", the nearest of train's or eval's. */
static int unknown_option(const char *usage, const char *s, int train) {
    /* those before --help take a value (cli_unknown_option's convention) */
    static const char *const train_opts[] = {"--set",    "--seed",  "--threads",
                                             "--epochs", "--help",  "--align",
                                             "--resume", "--quiet", NULL};
    static const char *const eval_opts[] = {"--set",  "--seed",  "--threads", "--weights",
                                            "--help", "--train", NULL};
    char words[200];
    return bad_arg(usage, "unknown option:",
                   cli_unknown_option(s, train ? train_opts : eval_opts, words, sizeof words));
}

static int parse_count(const char *v, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || end == v || x < lo || x > hi) return -1;
    *out = x;
    return 0;
}

static int parse(int argc, char **argv, int train, struct targs *a) {
    const char *usage = train ? usage_train : usage_eval;
    memset(a, 0, sizeof *a);
    int nextra = 0, seen = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        long x;
        /* each of the three options that become a --set fills one slot of extra, once */
        int bit = !strcmp(s, "--seed")              ? 1
                  : train && !strcmp(s, "--epochs") ? 2
                  : train && !strcmp(s, "--align")  ? 4
                                                    : 0;
        if (bit & seen) return bad_arg(usage, "repeated option", s);
        seen |= bit;
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            fputs(usage, stdout);
            return -1;
        } else if (!strcmp(s, "--set")) {
            if (!val) return bad_arg(usage, "missing value after", s);
            if (a->nsets >= CLI_MAX_SETS - 3) return bad_arg(usage, "too many --set", NULL);
            a->sets[a->nsets++] = val, i++;
        } else if (!strcmp(s, "--seed") || (train && !strcmp(s, "--epochs"))) {
            if (!val || parse_count(val, 0, 1L << 20, &x))
                return bad_arg(usage, "needs an integer >= 0:", s);
            snprintf(a->extra[nextra], sizeof a->extra[0], "%s=%ld",
                     !strcmp(s, "--seed") ? "simulation.seed" : "learning.epochs", x);
            a->sets[a->nsets++] = a->extra[nextra++], i++;
        } else if (!strcmp(s, "--threads")) {
            if (!val || parse_count(val, 0, 1024, &x))
                return bad_arg(usage, "--threads needs an integer in [0, 1024]:", val);
            a->threads = (int)x, i++;
        } else if (train && !strcmp(s, "-o")) {
            if (!val) return bad_arg(usage, "missing value after", s);
            a->out_dir = val, i++;
        } else if (train && !strcmp(s, "--align")) {
            snprintf(a->extra[nextra], sizeof a->extra[0], "learning.align=true");
            a->sets[a->nsets++] = a->extra[nextra++];
        } else if (train && !strcmp(s, "--resume")) {
            a->resume = 1;
        } else if (train && !strcmp(s, "--quiet")) {
            a->quiet = 1;
        } else if (!train && !strcmp(s, "--weights")) {
            if (!val) return bad_arg(usage, "missing value after", s);
            a->weights = val, i++;
        } else if (!train && !strcmp(s, "--train")) {
            a->use_train = 1;
        } else if (s[0] == '-' && s[1]) {
            return unknown_option(usage, s, train);
        } else if (!a->config) {
            a->config = s;
        } else {
            return bad_arg(usage, "unexpected argument", s);
        }
    }
    if (!a->config) return bad_arg(usage, "missing CONFIG", NULL);
    if (!train && !a->weights) return bad_arg(usage, "missing --weights FILE|DIR", NULL);
    return 0;
}

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* What train prints before and while it trains (stdout, with the epoch lines). */
struct shown {
    const char *config, *out;
    double t0, last; /* last: when a progress line was printed; 0: none yet */
};

/* The network and the memory it will take, before any of that is allocated. */
static void show_plan(void *ctx, const struct train *t, const struct train_mem *m) {
    const struct shown *sh = ctx;
    const struct snn *n = train_net(t);
    printf("apical train %s: %u inputs", sh->config, n->nin);
    for (int l = 0; l < n->nlayers; l++)
        printf(" -> %s %u%s", n->L[l].name, n->L[l].n, n->L[l].spiking ? "" : " (readout)");
    printf(", %u steps of %g ms, rule %s, %zu weights -> %s/\n", n->T, n->dt,
           snn_rule_names[train_spec(t)->rule], n->nforward, sh->out);
    const double mib = 1048576.0;
    printf("memory: about %.1f MiB (weights, optimizer and gradients %.1f, %d thread%s x %.1f "
           "workspace, data %.1f)\n",
           m->total / mib, m->weights / mib, m->threads, m->threads == 1 ? "" : "s",
           m->per_thread / mib, m->data / mib);
    fflush(stdout);
}

/* The first mini-batch, then at most one line every 10 s: a long presentation or a large
 * epoch says early how long it will take. */
static void show_progress(void *ctx, const struct train_progress *p) {
    struct shown *sh = ctx;
    double now = mono_s();
    if (sh->last > 0 && now - sh->last < 10) return;
    sh->last = now;
    printf("progress: epoch %u/%u, mini-batch %u/%u: %.3g s so far, about %.3g s to go\n", p->epoch,
           p->epochs, p->batch, p->nbatch, p->elapsed_s, p->eta_s);
    fflush(stdout);
}

int cli_train(int argc, char **argv) {
    struct targs a;
    int rc = parse(argc, argv, 1, &a);
    if (rc) return rc < 0 ? 0 : rc;
    char out[1024];
    if (a.out_dir) {
        snprintf(out, sizeof out, "%s", a.out_dir);
    } else {
        const char *base = strrchr(a.config, '/');
        base = base ? base + 1 : a.config;
        const char *dot = strrchr(base, '.');
        int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
        snprintf(out, sizeof out, "out/%.*s", len, base);
    }
    struct shown sh = {.config = a.config, .out = out, .t0 = mono_s()};
    struct train_opts o = {.threads = a.threads,
                           .quiet = a.quiet,
                           .stop = &stop_signal,
                           .max_bytes = cli_machine_bytes(),
                           .on_plan = a.quiet ? NULL : show_plan,
                           .on_progress = a.quiet ? NULL : show_progress,
                           .ctx = &sh};
    struct train *t = NULL;
    struct err e = {0};
    if ((rc = train_open(&t, a.config, a.sets, a.nsets, &o, &e))) {
        train_close(t);
        return cli_report(&e);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = train_run(t, out, a.resume, &e);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    train_close(t);
    if (rc == ERR_INTERRUPTED) {
        char buf[2048];
        err_format(&e, buf, sizeof buf);
        fprintf(stderr, "apical: %s\n", buf);
        return stop_signal == SIGTERM ? 143 : 130;
    }
    if (rc == ERR_NONFINITE) {
        cli_report(&e);
        return 1;
    }
    return rc ? cli_report(&e) : 0;
}

int cli_eval(int argc, char **argv) {
    struct targs a;
    int rc = parse(argc, argv, 0, &a);
    if (rc) return rc < 0 ? 0 : rc;
    struct train_opts o = {.threads = a.threads, .quiet = 1, .max_bytes = cli_machine_bytes()};
    struct train *t = NULL;
    struct err e = {0};
    double loss = 0, acc = 0;
    if ((rc = train_open(&t, a.config, a.sets, a.nsets, &o, &e)) ||
        (rc = train_load_weights(t, a.weights, &e)) ||
        (rc = train_eval(t, a.use_train, &loss, &acc, &e))) {
        train_close(t);
        return cli_report(&e);
    }
    printf("{\"config\": \"%s\", \"weights\": \"%s\", \"split\": \"%s\", \"loss\": %.6f, "
           "\"accuracy\": %.2f}\n",
           a.config, a.weights, a.use_train ? "train" : "test", loss, acc);
    train_close(t);
    return 0;
}
