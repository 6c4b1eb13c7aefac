/* cli/run: `apical run`: load, estimate, build, simulate, write outputs, report. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/net.h"
#include "cli/run_ckpt.h"
#include "cli/run_ranks.h"
#include "cli/run_edges.h"
#include "cli/run_weights.h"
#include "io/afile.h"
#include "io/cfg.h"
#include "learning/lcfg.h"
#include "io/rec.h"
#include "io/rec_weights.h"
#include "io/sink.h"
#include "io/summary.h"
#include "io/svg.h"
#include "learning/present.h"
#include "io/rates.h"
#include "learning/snn_weights.h"
#include "learning/train.h"

/* The only mutable file-scope state: what a signal handler may touch. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static const char usage_run[] =
    "usage: apical run CONFIG [--set PATH=VALUE]... [--seed N] [--threads N] [-o DIR] [--quiet]\n"
    "                  [--checkpoint-every MS] [--weights DIR|FILE]\n"
    "       apical run --resume DIR [CONFIG] [--threads N] [--quiet]\n"
    "  simulates the network of CONFIG and writes spikes, traces, recorded weights, config.cfg,\n"
    "  raster.svg, weights.bin (the final weights of plastic projections and of those --weights\n"
    "  set) and, last, summary.json\n"
    "  into DIR (default out/CONFIG-NAME; docs/formats.md).\n"
    "  --set PATH=VALUE   change one setting of the config (docs/config.md, \"Overrides\")\n"
    "  --seed N           the same as --set simulation.seed=N\n"
    "  --threads N        the same as --set simulation.threads=N (0: all CPUs)\n"
    "  -o, --out DIR      the output folder\n"
    "  -q, --quiet        no progress or report lines on stderr\n"
    "  --checkpoint-every MS  write DIR/run.tmp/checkpoint.bin every MS of simulated time\n"
    "                     (SIGTERM always writes one before exiting 143)\n"
    "  --weights DIR|FILE start from the weights in FILE or DIR/weights.bin (of apical run or\n"
    "                     apical train; static projections too), refused if its network differs\n"
    "  --resume DIR       go on from DIR's checkpoint, to the outputs an uninterrupted run\n"
    "                     writes (any --threads; the config is the one the run started with)\n"
    "  -h, --help         this text\n"
    "Exit status: 0 done, 1 failed while running, 2 bad input, 130/143 interrupted.\n";

static const char usage_check[] =
    "usage: apical check CONFIG [--set PATH=VALUE]... [--seed N] [--threads N]\n"
    "  validates CONFIG without building the network, and prints the network it describes:\n"
    "  populations, projections with their expected synapse counts, stimuli, a memory\n"
    "  estimate and the config hash.\n"
    "  --set PATH=VALUE   change one setting of the config (docs/config.md, \"Overrides\")\n"
    "  --seed N           the same as --set simulation.seed=N\n"
    "  --threads N        the same as --set simulation.threads=N\n"
    "  -h, --help         this text\n"
    "Exit status: 0 valid, 2 bad input.\n";

static int usage_error(const char *msg, const char *arg, int allow_run)
{
    fprintf(stderr, "apical: %s%s%s\n(see apical %s --help)\n", msg, arg ? ": " : "",
            arg ? arg : "", allow_run ? "run" : "check");
    return 2;
}

/* "unknown option: --thread (did you mean --threads?)"; the nearest of run's or check's. */
static int unknown_option(const char *s, int allow_run)
{
    static const char *const run_opts[] = {"--set",    "--seed",    "--threads", "--out",
                                           "--resume", "--checkpoint-every", "--weights",
                                           "--help",   "--quiet",   NULL};
    static const char *const check_opts[] = {"--set", "--seed", "--threads", "--help", NULL};
    char msg[160];
    cli_unknown_option(s, allow_run ? run_opts : check_opts, msg, sizeof msg);
    return usage_error("unknown option", msg, allow_run);
}

int cli_parse_args(int argc, char **argv, struct cli_args *a, int allow_run)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            fputs(allow_run ? usage_run : usage_check, stdout);
            a->help = 1;
            return 0;
        }
        if (!strcmp(s, "--set") || !strcmp(s, "--seed") || !strcmp(s, "--threads") ||
            (allow_run && (!strcmp(s, "-o") || !strcmp(s, "--out")))) {
            if (!val) return usage_error("missing value after", s, allow_run);
            i++;
            if (a->nsets >= CLI_MAX_SETS - 2) return usage_error("too many --set", NULL, allow_run);
            char *end;
            if (!strcmp(s, "--set")) {
                a->sets[a->nsets++] = val;
            } else if (!strcmp(s, "--seed")) {
                errno = 0;
                long long v = strtoll(val, &end, 10);
                if (errno || *end || end == val || v < 0) return usage_error("--seed needs an integer >= 0", val, allow_run);
                snprintf(a->seed_set, sizeof a->seed_set, "simulation.seed=%lldL", v);
                a->sets[a->nsets++] = a->seed_set;
            } else if (!strcmp(s, "--threads")) {
                long v = strtol(val, &end, 10);
                if (*end || end == val || v < 0 || v > 1024)
                    return usage_error("--threads needs an integer in [0, 1024]", val, allow_run);
                snprintf(a->threads_set, sizeof a->threads_set, "simulation.threads=%ld", v);
                a->sets[a->nsets++] = a->threads_set;
            } else {
                a->out_dir = val;
            }
        } else if (allow_run && (!strcmp(s, "--quiet") || !strcmp(s, "-q"))) {
            a->quiet = 1;
        } else if (allow_run && !strcmp(s, "--weights")) {
            if (!val) return usage_error("missing value after", s, allow_run);
            a->weights = argv[++i];
        } else if (allow_run && !strcmp(s, "--resume")) {
            if (!val) return usage_error("missing value after", s, allow_run);
            a->resume = argv[++i];
        } else if (allow_run && !strcmp(s, "--checkpoint-every")) {
            char *end;
            double v = val ? strtod(val, &end) : 0;
            if (!val || *end || end == val || !(v > 0) || !isfinite(v))
                return usage_error("--checkpoint-every needs a time in ms > 0", val, allow_run);
            a->ckpt_every_ms = v;
            i++;
        } else if (s[0] == '-' && s[1]) {
            return unknown_option(s, allow_run);
        } else if (!a->config) {
            a->config = s;
        } else {
            return usage_error("unexpected argument", s, allow_run);
        }
    }
    if (a->resume && a->nsets > (a->threads_set[0] ? 1 : 0))
        return usage_error("--resume goes on with the run's own settings: only --threads may "
                           "change", NULL, allow_run);
    if (a->resume && a->weights)
        return usage_error("--resume goes on with the run's own weights: --weights is for a "
                           "new run", NULL, allow_run);
    if (a->resume && a->out_dir && strcmp(a->out_dir, a->resume))
        return usage_error("--resume DIR writes into DIR: -o must be the same or left out", NULL,
                           allow_run);
    if (!a->config && !a->resume) return usage_error("missing CONFIG", NULL, allow_run);
    return 0;
}

/* ---- progress: newline-terminated lines at most once a second; one updating line on a tty */

struct progress {
    double t0, last;
    int tty;
    const struct present *pr; /* an online config's: its moving accuracy joins the line */
};

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void progress_line(struct progress *p, const struct net *n, int64_t done, int final)
{
    double wall = mono_s() - p->t0, sim = done * n->dt_ms;
    double frac = n->nsteps ? (double)done / n->nsteps : 1;
    double eta = frac > 0 ? wall * (1 - frac) / frac : 0;
    double rtf = wall > 0 ? sim * 1e-3 / wall : 0;
    char learn[96] = "";
    int64_t learned = 0;
    double acc = NAN;
    if (p->pr && present_learning(p->pr, &learned, &acc) && learned > 0)
        snprintf(learn, sizeof learn, "  learned %lld samples: %.1f %% right lately",
                 (long long)learned, acc);
    fprintf(stderr, "%s[apical] t = %.1f / %.1f ms (%3.0f%%)  wall %.1f s  ETA %.1f s  %.3gx real time%s%s",
            p->tty ? "\r" : "", sim, n->nsteps * n->dt_ms, 100 * frac, wall, eta, rtf, learn,
            p->tty && !final ? "   " : "\n");
    fflush(stderr);
}

static int progress_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct progress *p = self;
    double t = mono_s();
    if (t - p->last >= 1.0) {
        p->last = t;
        progress_line(p, n, step + 1, 0);
    }
    return 0;
}

/* ---- outputs ---- */

static int path_in(char *buf, size_t n, const char *dir, const char *name)
{
    if ((size_t)snprintf(buf, n, "%s/%s", dir, name) >= n) return -1;
    return 0;
}

static void default_out(char *buf, size_t n, const char *config)
{
    const char *base = strrchr(config, '/');
    base = base ? base + 1 : config;
    const char *dot = strrchr(base, '.');
    int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    snprintf(buf, n, "out/%.*s", len, base);
}

static int write_text(const char *path, const char *text, struct err *e)
{
    struct afile f;
    int rc = afile_open(&f, path, e);
    if (rc) return rc;
    fputs(text, f.fp);
    return afile_commit(&f, e);
}

static int draw_raster(const char *spikes, const char *svg, const struct net *n, const char *title,
                       struct err *e)
{
    struct spk_table t = {0};
    int rc = spk_read(spikes, &t, e);
    if (rc) return rc;
    /* the file knows only the ids that spiked (a CSV lists populations in the order they first
     * spike); the network knows the true sizes, by name */
    for (int i = 0; i < t.npops; i++)
        for (int j = 0; j < n->npops; j++)
            if (strcmp(t.pop_names[i], n->pops[j].name) == 0) t.pop_size[i] = n->pops[j].n;
    struct svg_raster_opts o = {.t_start_ms = 0, .t_end_ms = n->step * n->dt_ms,
                                .max_per_pop = n->spec->raster_per_pop, .bin_ms = 0,
                                .title = title};
    rc = svg_raster_write(svg, &t, &o, e);
    spk_table_free(&t);
    return rc;
}

/* traces.svg: the first neurons of traces.csv, with their synaptic input if it was recorded. */
static int draw_traces(const char *traces, const char *svg, const char *title, struct err *e)
{
    struct trace_table t;
    int rc = trace_read_neurons(traces, SVG_TRACES_NEURONS, &t, e);
    if (rc) return rc;
    struct svg_traces_opts o = {.currents = 1, .title = title};
    rc = svg_traces_write(svg, &t, &o, e);
    trace_table_free(&t);
    return rc;
}

/* weights.svg: the trajectories of weights.csv, with histograms of the first and last weights. */
static int draw_weights(const char *csv, const char *svg, const char *title, struct err *e)
{
    struct wtr_table t;
    int rc = wtr_read(csv, &t, e);
    if (rc) return rc;
    struct svg_weights_opts o = {.title = title};
    rc = svg_weights_write(svg, &t, &o, e);
    wtr_table_free(&t);
    return rc;
}

/* How quickly the raster reads a spike file back: spikes.bin, then spikes.csv, then others. */
static int reread_rank(const struct sink_ops *o)
{
    return o == sink_find("bin") ? 0 : o == sink_find("csv") ? 1 : 2;
}

/* An error about a file in the staging folder names the output it was to become, and says that
 * the run published nothing. */
static void name_output(struct err *e, const struct afile_stage *st)
{
    size_t n = strlen(st->tmp);
    if (strncmp(e->file, st->tmp, n) || e->file[n] != '/') return;
    char file[sizeof st->dir + sizeof e->file];
    const char *name = e->file + n + 1;
    int len = (int)strlen(name);
    if (len > 4 && !strcmp(name + len - 4, ".tmp")) len -= 4;
    snprintf(file, sizeof file, "%s/%.*s", st->dir, len, name);
    snprintf(e->file, sizeof e->file, "%.511s", file);
    size_t m = strlen(e->msg);
    snprintf(e->msg + m, sizeof e->msg - m, "; no output of this run was kept in %.300s/",
             st->dir);
}

static void print_estimate(const struct net_spec *s, int quiet)
{
    uint64_t neurons;
    double syn, bytes;
    net_estimate(s, &neurons, &syn, &bytes);
    if (!quiet)
        fprintf(stderr, "[apical] %llu neurons, %s%.0f synapses, about %.1f MiB\n",
                (unsigned long long)neurons, "~", syn, bytes / 1048576.0);
}

double cli_machine_bytes(void)
{
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    return phys > 0 ? phys : 0;
}

/* A network that cannot fit in this machine's memory is bad input, caught before allocating;
 * the error names the largest population's size. */
int cli_check_memory(const struct net_spec *s, struct err *e)
{
    uint64_t neurons;
    double syn, bytes;
    net_estimate(s, &neurons, &syn, &bytes);
    double phys = cli_machine_bytes();
    if (phys > 0 && bytes > phys) {
        int big = 0;
        for (int i = 1; i < s->npops; i++)
            if (s->pops[i].size > s->pops[big].size) big = i;
        char path[128];
        snprintf(path, sizeof path, "populations.%s.size", s->pops[big].name);
        return err_set(e, ERR_INPUT, s->pops[big].size_file, s->pops[big].size_line, path,
                       "the network needs about %.1f GiB (%.3g synapses), more than this "
                       "machine's %.1f GiB",
                       bytes / 1073741824.0, syn, phys / 1073741824.0);
    }
    return 0;
}

/* The whole command: one process, or rank 0 of several (cli/run_ranks), which alone writes. */
static int run_main(int argc, char **argv, struct run_ranks *rk)
{
    struct cli_args a;
    int rc = cli_parse_args(argc, argv, &a, 1);
    if (rc || a.help) return rc;
    double t_start = mono_s();
    double si_learn_acc = NAN; /* an online config's accuracy over its last window */
    struct err e = {0};
    struct net_spec spec;
    struct net net = {0};
    struct rec_spikes rs = {0};
    struct rec_traces *rt = NULL;
    struct rec_weights *rw = NULL;
    struct rates *rates = NULL; /* record.rates */
    struct afile_stage stage = {0};
    char *resolved = NULL;
    struct net_wstats *w0 = NULL;
    uint8_t *loaded = NULL; /* per projection: --weights set it */
    /* a resumed run reads the resolved config its start left in the staging folder (unless one
     * is given: the checkpoint then refuses it if it is another) */
    char out[900], config_buf[1100], p_path[1100];
    const char *config = a.config;
    int has_ckpt = 0; /* a checkpoint is in the staging folder: a failure keeps the folder */
    if (a.resume) {
        snprintf(out, sizeof out, "%s", a.resume);
        snprintf(config_buf, sizeof config_buf, "%s/%s/config.cfg", out, AFILE_STAGE);
        if (!config) config = config_buf;
    }
    memset(&spec, 0, sizeof spec);
    /* a training config runs as a simulation of its data set presented (learning/present) */
    struct learn_spec ls;
    struct train *tr = NULL;
    struct present *pr = NULL;
    int training = 0;
    if (run_ranks_refuse_args(rk, &a, &e)) return cli_report(&e);
    if ((rc = lcfg_load_any(config, a.sets, a.nsets, &spec, &ls, &resolved, &training, &e))) {
        if (a.resume && config == config_buf && access(config_buf, F_OK) != 0)
            err_set(&e, ERR_INPUT, out, 0, "--resume",
                    "no stopped run to resume in %s (no %s/config.cfg)", out, AFILE_STAGE);
        return cli_report(&e);
    }
    if (run_ranks_refuse_spec(rk, &spec, training, config, &e)) {
        spec_free(&spec);
        free(resolved);
        return cli_report(&e);
    }
    rk->agreed = 1; /* every rank goes on: a failure from here on ends the others */
    if (training && (a.resume || a.ckpt_every_ms > 0)) {
        err_set(&e, ERR_INPUT, config, 0, a.resume ? "--resume" : "--checkpoint-every",
                "a training config's presentation is not checkpointed; run it again");
        spec_free(&spec);
        free(resolved);
        return cli_report(&e);
    }
    if (spec.rates_bin_ms > 0 && (a.resume || a.ckpt_every_ms > 0)) {
        err_set(&e, ERR_INPUT, config, 0, a.resume ? "--resume" : "--checkpoint-every",
                "record.rates counts spikes in memory until the end, which a stop would lose: "
                "run without checkpoints, or without record.rates");
        spec_free(&spec);
        free(resolved);
        return cli_report(&e);
    }
    for (int i = 0; i < spec.nsinks && (a.resume || a.ckpt_every_ms > 0); i++)
        if (!spec.sinks[i]->mark) {
            err_set(&e, ERR_INPUT, config, 0, a.resume ? "--resume" : "--checkpoint-every",
                    "record.spikes.format has \"%s\", whose %s cannot go on after a stop: "
                    "run without checkpoints, or without \"%s\"",
                    spec.sinks[i]->name, spec.sinks[i]->file, spec.sinks[i]->name);
            spec_free(&spec);
            free(resolved);
            return cli_report(&e);
        }
    if (training) {
        /* a training config: the trainer's network and data; an online one (2): the data */
        struct train_opts to = {.threads = 1, .quiet = 1};
        if ((rc = training == 1 ? train_open(&tr, config, a.sets, a.nsets, &to, &e) : 0) ||
            (rc = tr ? present_train(&pr, tr, &e) : present_online(&pr, &ls, &spec, config, &e))) {
            present_close(pr);
            train_close(tr);
            spec_free(&spec);
            free(resolved);
            return cli_report(&e);
        }
        spec.duration_ms = (double)present_steps(pr) * spec.dt_ms;
    }
    if (a.resume)
        ;
    else if (a.out_dir)
        snprintf(out, sizeof out, "%s", a.out_dir);
    else
        default_out(out, sizeof out, config);
    /* Every output is written into the staging folder out/run.tmp and published at the end, in
     * the order of `outputs`, summary.json last; a failed run publishes nothing. */
    char p_traces[1100], p_sum[1100], p_svg[1100], p_cfg[1100], p_tsvg[1100], p_old_sum[1100];
    if (path_in(p_old_sum, sizeof p_old_sum, out, "summary.json") ||
        strlen(out) + sizeof "/" AFILE_STAGE "/summary.json.tmp" > 1024) {
        err_set(&e, ERR_INPUT, NULL, 0, "-o", "output path too long");
        goto fail_spec;
    }
    print_estimate(&spec, a.quiet);
    if (cli_check_memory(&spec, &e) || afile_mkdirs(out, &e)) goto fail_spec;
    if (a.resume) {
        if (afile_stage_reopen(&stage, out, &e)) goto fail_spec;
        has_ckpt = 1; /* the stopped run's folder is not this run's to remove */
    } else {
        /* a summary left from an earlier run must not pass for this one's */
        unlink(p_old_sum);
        if (afile_stage_open(&stage, out, &e)) goto fail_spec;
    }
    afile_stage_path(&stage, "traces.csv", p_traces, sizeof p_traces);
    afile_stage_path(&stage, "summary.json", p_sum, sizeof p_sum);
    afile_stage_path(&stage, "raster.svg", p_svg, sizeof p_svg);
    afile_stage_path(&stage, "traces.svg", p_tsvg, sizeof p_tsvg);
    afile_stage_path(&stage, "config.cfg", p_cfg, sizeof p_cfg);
    char p_ck[1100];
    afile_stage_path(&stage, RUN_CKPT_NAME, p_ck, sizeof p_ck);
    afile_stage_path(&stage, "config.path", p_path, sizeof p_path);
    char p_wts[1100], p_wstart[1100];
    afile_stage_path(&stage, "weights.bin", p_wts, sizeof p_wts);
    afile_stage_path(&stage, "weights.start.bin", p_wstart, sizeof p_wstart);
    /* the resolved config and its name go in first: a resumed run starts from them */
    if (a.resume) {
        FILE *f = !a.config ? fopen(p_path, "r") : NULL;
        if (f && fgets(config_buf, sizeof config_buf, f)) {
            config_buf[strcspn(config_buf, "\n")] = 0;
            config = config_buf; /* the summary names the config the run started from */
        }
        if (f) fclose(f);
    } else if (write_text(p_cfg, resolved, &e) || afile_write_text(p_path, config, &e)) {
        goto fail_spec;
    }
    /* from here on a signal ends the run at the next step with what was recorded */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (net_build(&net, &spec, &e)) goto fail_net;
    if (!a.quiet && net.nranks > 1)
        fprintf(stderr, "[apical] built %llu synapses (%.1f MiB) in %.2f s on %d ranks x %d "
                "threads\n", (unsigned long long)net_synapses(&net), net_bytes(&net) / 1048576.0,
                net.build_s, net.nranks, net.nthreads);
    else if (!a.quiet)
        fprintf(stderr, "[apical] built %llu synapses (%.1f MiB) in %.2f s on %d threads\n",
                (unsigned long long)net_synapses(&net), net_bytes(&net) / 1048576.0, net.build_s,
                net.nthreads);

    /* --weights: what the file set (static projections too) is written out again at the end.
     * A checkpoint keeps plastic weights only, so static ones the file set are staged as
     * weights.start.bin, which a resumed run loads before the checkpoint. */
    const char *wfrom = a.weights;
    /* a training config without --weights runs the trainer's initial weights (its first epoch
     * starts from them), not a draw of its own */
    if (tr && !wfrom) {
        if (snnw_save(train_net(tr), train_netspec(tr), p_wstart, &e)) goto fail_net;
        wfrom = p_wstart;
    }
    if ((wfrom || (a.resume && access(p_wstart, F_OK) == 0)) &&
        !(loaded = calloc((size_t)(net.nprojs ? net.nprojs : 1), 1))) {
        err_set(&e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
        goto fail_net;
    }
    if (loaded && run_weights_load(&net, wfrom ? wfrom : p_wstart, loaded, &e)) goto fail_net;
    int static_loaded = 0;
    for (int j = 0; loaded && j < net.nprojs; j++) static_loaded |= loaded[j] && !net.plast[j];
    if (a.weights && static_loaded && run_weights_save(&net, loaded, p_wstart, &e)) goto fail_net;
    /* the plastic weights before the run, for the summary */
    for (int j = 0; j < net.nprojs && !w0; j++)
        if (net.plast[j] && !(w0 = calloc((size_t)net.nprojs, sizeof *w0))) {
            err_set(&e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
            goto fail_net;
        }
    for (int j = 0; w0 && j < net.nprojs; j++)
        if (net.plast[j] && net_weight_stats(&net, j, &w0[j], &e)) goto fail_net;
    struct run_ckpt_pos pos = {0};
    if (a.resume && run_ckpt_load(&net, p_ck, &pos, &e)) goto fail_net;
    if (a.resume && !a.quiet)
        fprintf(stderr, "[apical] resumed at t = %g ms from %s\n", net.step * net.dt_ms, p_ck);
    struct recorder recs[8]; /* spikes, traces, weights, presentation, rates, checkpoints, progress */
    int nrecs = 0;
    struct progress prog = {.t0 = mono_s(), .last = mono_s(), .tty = isatty(2), .pr = pr};
    int any_spikes = 0;
    for (int i = 0; i < spec.npops; i++) any_spikes |= spec.record_spikes[i];
    /* the spike files; with none, spikes.bin for the raster. The raster reads the quickest to
     * read back: spikes.bin, else spikes.csv, else the first chosen. */
    const struct sink_ops *sinks[SINK_MAX];
    int nsinks = 0;
    for (int i = 0; i < spec.nsinks && nsinks < SINK_MAX; i++) sinks[nsinks++] = spec.sinks[i];
    if (spec.raster && nsinks == 0) sinks[nsinks++] = sink_find("bin");
    const struct sink_ops *raster_from = NULL;
    for (int i = 0; i < nsinks; i++)
        if (!raster_from || reread_rank(sinks[i]) < reread_rank(raster_from))
            raster_from = sinks[i];
    if (!any_spikes) nsinks = 0;
    int spk_rec = nsinks > 0;
    if (a.resume && (pos.spikes != spk_rec || pos.traces != (spec.ntraces > 0) ||
                     pos.weights != (spec.nwrecs > 0))) {
        err_set(&e, ERR_INPUT, p_ck, 0, "record", "checkpoint of a run that recorded otherwise");
        goto fail_net;
    }
    if (spk_rec) {
        if (rec_spikes_open(&rs, &recs[nrecs], &net, sinks, nsinks, stage.tmp,
                            a.resume ? &pos.spk : NULL, &e))
            goto fail_net;
        nrecs++;
    }
    if (spec.ntraces) {
        if (rec_traces_open(&rt, &recs[nrecs], &net, p_traces,
                            a.resume ? &pos.traces_bytes : NULL, &e))
            goto fail_rec;
        nrecs++;
    }
    /* record.weights: weights.csv (the pairs' synapses are looked up here, in the network) */
    char p_weights[1100], p_wsvg[1100];
    afile_stage_path(&stage, "weights.csv", p_weights, sizeof p_weights);
    afile_stage_path(&stage, "weights.svg", p_wsvg, sizeof p_wsvg);
    if (spec.nwrecs) {
        if (rec_weights_open(&rw, &recs[nrecs], &net, p_weights,
                             a.resume ? &pos.weights_bytes : NULL, &e))
            goto fail_rec;
        nrecs++;
    }
    if (pr) {
        if (present_start(pr, &net, &recs[nrecs], &e)) goto fail_rec;
        nrecs++;
    }
    if (spec.rates_bin_ms > 0) {
        if (rates_open(&rates, &recs[nrecs], &net,
                       (int64_t)floor(spec.rates_bin_ms / net.dt_ms + 0.5), &e))
            goto fail_rec;
        nrecs++;
    }
    struct run_ckpt_timer timer;
    if (a.ckpt_every_ms > 0) {
        run_ckpt_timer(&timer, &recs[nrecs], (int64_t)floor(a.ckpt_every_ms / net.dt_ms + 0.5),
                       &stop_signal);
        nrecs++;
    }
    if (!a.quiet) {
        recs[nrecs].on_step = progress_step;
        recs[nrecs].self = &prog;
        recs[nrecs].reads_state = 0;
        nrecs++;
    }

    struct err run_err = {0};
    int run_rc;
    /* a pause of the timer or SIGTERM: a checkpoint between two steps; the timer's goes on */
    for (;;) {
        run_rc = net_run(&net, recs, nrecs, &stop_signal, &run_err);
        rk->ran = 1;
        int sig = stop_signal;
        /* a run whose spike files cannot be checkpointed ends at SIGTERM as at SIGINT */
        if (run_rc != ERR_INTERRUPTED || (sig != RUN_CKPT_PAUSE && sig != SIGTERM) ||
            !rec_spikes_can_mark(&rs) || rk->size > 1)
            break;
        if (run_ckpt_save(&net, &rs, rt, rw, p_ck, &e)) goto fail_net;
        has_ckpt = 1;
        if (sig == SIGTERM || stop_signal == SIGTERM) {
            rec_spikes_detach(&rs);
            rec_traces_detach(rt);
            rec_weights_detach(rw);
            if (!a.quiet) progress_line(&prog, &net, net.step, 1);
            fprintf(stderr,
                    "apical: stopped by SIGTERM at t = %g ms; checkpoint %s; go on with "
                    "apical run --resume %s\n",
                    net.step * net.dt_ms, p_ck, out);
            net_free(&net);
            spec_free(&spec);
            free(resolved);
            free(w0);
            free(loaded);
            return 143;
        }
        __atomic_compare_exchange_n(&stop_signal, &sig, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (!a.quiet) progress_line(&prog, &net, net.step, 1);
    /* A fault in the state is not a result: drop the files. An interruption keeps what was
     * recorded, and the summary says interrupted. */
    int keep = run_rc == 0 || run_rc == ERR_INTERRUPTED;
    /* both recorders are closed whatever the first one says */
    int closed = rec_spikes_close(&rs, keep, &e);
    closed = rec_traces_close(rt, keep && !closed, closed ? NULL : &e) || closed;
    rt = NULL;
    closed = rec_weights_close(rw, keep && !closed, closed ? NULL : &e) || closed;
    rw = NULL;
    if (closed) goto fail_net;
    if (!keep) {
        e = run_err;
        goto fail_net;
    }
    if (pr && present_error(pr, &e)) goto fail_net;
    char p_pred[1100];
    afile_stage_path(&stage, "predictions.csv", p_pred, sizeof p_pred);
    if (pr && present_write_csv(pr, p_pred, &e)) goto fail_net;
    char p_learn[1100];
    afile_stage_path(&stage, "learning.csv", p_learn, sizeof p_learn);
    int64_t learned = 0;
    if (pr && present_learning(pr, &learned, &si_learn_acc) &&
        present_write_learning(pr, p_learn, &e))
        goto fail_net;
    char p_spikes[1100];
    if (spec.raster && raster_from && any_spikes &&
        (afile_stage_path(&stage, raster_from->file, p_spikes, sizeof p_spikes) ||
         draw_raster(p_spikes, p_svg, &net, config, &e)))
        goto fail_net;
    if (spec.ntraces && draw_traces(p_traces, p_tsvg, config, &e)) goto fail_net;
    if (spec.nwrecs && draw_weights(p_weights, p_wsvg, config, &e)) goto fail_net;
    int plastic = loaded != NULL; /* weights.bin: plastic projections and those of --weights */
    for (int j = 0; j < net.nprojs; j++) plastic |= net.plast[j] != NULL;
    if (plastic && run_weights_save(&net, loaded, p_wts, &e)) goto fail_net;
    if (!plastic) { /* an earlier run's weights are not this network's */
        char old[1100];
        if (!path_in(old, sizeof old, out, "weights.bin")) unlink(old);
    }
    char p_rates[1100];
    if (rates && (afile_stage_path(&stage, "rates.csv", p_rates, sizeof p_rates) ||
                  rates_write(rates, p_rates, &e)))
        goto fail_net;
    char p_nodes[1100], p_edges[1100];
    if (spec.record_connectivity &&
        (afile_stage_path(&stage, "nodes.h5", p_nodes, sizeof p_nodes) ||
         afile_stage_path(&stage, "edges.h5", p_edges, sizeof p_edges) ||
         run_edges_save(&net, p_nodes, p_edges, &e)))
        goto fail_net;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct summary_info si = {.config_path = config, .peak_rss_kb = ru.ru_maxrss, .w0 = w0};
    if (pr) si.samples = present_done(pr, &si.correct), si.split = present_split(pr, &(uint32_t){0});
    si.learned = learned;
    si.learn_acc = si_learn_acc;
    if (summary_write(p_sum, &net, &si, &e)) goto fail_net;
    /* the spike files of every format first, then the rest, summary.json last */
    static const char *const rest[] = {"traces.csv", "weights.csv", "raster.svg", "traces.svg",
                                       "weights.svg", "weights.bin", "nodes.h5", "edges.h5",
                                       "predictions.csv", "learning.csv", "rates.csv",
                                       "config.cfg", "summary.json", NULL};
    const char *outputs[SINK_MAX + sizeof rest / sizeof rest[0]];
    int nout = 0;
    for (int i = 0; sink_at(i); i++) outputs[nout++] = sink_at(i)->file;
    for (int i = 0; rest[i]; i++) outputs[nout++] = rest[i];
    outputs[nout] = NULL;
    if (afile_stage_publish(&stage, outputs, &e)) goto fail_net;
    if (!a.quiet) {
        for (int i = 0; i < net.npops; i++) {
            struct pop_stats st;
            net_pop_stats(&net, i, &st);
            char cv[32] = "n/a";
            if (st.cv_neurons) snprintf(cv, sizeof cv, "%.3f", st.cv_isi);
            fprintf(stderr, "[apical] %-12s %8u neurons %10llu spikes %8.2f Hz  CV ISI %s\n",
                    net.pops[i].name, net.pops[i].n, (unsigned long long)st.spikes, st.rate_hz,
                    cv);
        }
        if (learned)
            fprintf(stderr, "[apical] learned from %lld samples: %.2f %% right over the last "
                            "%u\n", (long long)learned, si_learn_acc, ls.acc_window);
        if (pr)
            fprintf(stderr, "[apical] classified %u %s samples: %u right (%.2f %%)\n",
                    si.samples, si.split, si.correct,
                    si.samples ? 100.0 * si.correct / si.samples : 0.0);
        fprintf(stderr, "[apical] simulated %.1f ms in %.2f s (build %.2f s, total %.2f s), "
                        "%.3g synaptic events/s; wrote %s/\n",
                net.step * net.dt_ms, net.sim_s, net.build_s, mono_s() - t_start,
                net.sim_s > 0 ? net_events(&net) / net.sim_s : 0.0, out);
    }
    net_free(&net);
    spec_free(&spec);
    free(resolved);
    free(w0);
    free(loaded);
    present_close(pr);
    rates_close(rates);
    train_close(tr);
    if (run_rc == ERR_INTERRUPTED && !stop_signal) { /* another rank's */
        fprintf(stderr, "apical: interrupted on another rank; partial results in %s/\n", out);
        return 130;
    }
    if (run_rc == ERR_INTERRUPTED) {
        fprintf(stderr, "apical: interrupted by signal %d; partial results in %s/\n",
                (int)stop_signal, out);
        return stop_signal == SIGTERM ? 143 : 130;
    }
    return 0;

fail_rec:
    if (has_ckpt)
        rec_spikes_detach(&rs);
    else
        rec_spikes_close(&rs, 0, NULL);
fail_net:
    if (has_ckpt) {
        /* the last checkpoint and the files it counts stay, to resume from */
        rec_spikes_detach(&rs);
        rec_traces_detach(rt);
        rec_weights_detach(rw);
        size_t m = strlen(e.msg);
        snprintf(e.msg + m, sizeof e.msg - m, "; the stopped run stays in %.300s/%s",
                 out, AFILE_STAGE);
        stage.open = 0;
    } else {
        rec_traces_close(rt, 0, NULL);
        rec_weights_close(rw, 0, NULL);
    }
fail_spec:
    if (stage.open) {
        afile_stage_abort(&stage);
        name_output(&e, &stage);
    }
    net_free(&net);
    spec_free(&spec);
    free(resolved);
    free(w0);
    free(loaded);
    present_close(pr);
    rates_close(rates);
    train_close(tr);
    return cli_report(&e);
}

int cli_run(int argc, char **argv)
{
    struct run_ranks rk;
    int rc = run_ranks_begin(&rk, &argc, &argv);
    if (rc) return rc;
    rc = rk.rank == 0 ? run_main(argc, argv, &rk) : run_ranks_worker(argc, argv, &rk);
    return run_ranks_end(&rk, rc);
}
