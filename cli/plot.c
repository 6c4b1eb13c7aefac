/* cli/plot: `apical plot FILE -o FILE.svg`. Reads a spike file (CSV, binary or SONATA's HDF5:
 * io/spikes) and draws the raster with population rates, a traces file (its header starts with
 * t_ms; a folder means its traces.csv) and draws voltage traces, or a weights file (its header
 * is io/wtrace's) and draws weight trajectories and histograms, all through io/svg; or an
 * online run's learning.csv (io/lcurve; a folder that holds one means it) and draws its
 * learning curve through io/curves. Owns only the flags.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "io/curves.h"
#include "io/lcurve.h"
#include "io/spikes.h"
#include "io/svg.h"
#include "io/tracefile.h"
#include "io/wtrace.h"

#define DEFAULT_MAX_PER_POP 100

static const char usage[] =
    "usage: apical plot SPIKES -o FILE.svg [options]\n"
    "       apical plot TRACES -o FILE.svg [--neurons K] [--currents] [--title T] [--tmin MS]\n"
    "                   [--tmax MS]\n"
    "       apical plot WEIGHTS -o FILE.svg [--title T] [--tmin MS] [--tmax MS]\n"
    "       apical plot LEARNING -o FILE.svg [--title T]\n"
    "Draws a spike raster (top) and population rates in Hz (bottom) as SVG; or, from a traces\n"
    "file, one panel per neuron with the potential of each recorded compartment; or, from a\n"
    "weights file, a line per recorded synapse over time and, per projection, a histogram of\n"
    "the weights at the first and at the last sample; or, from an online run's learning.csv,\n"
    "the training accuracy over the last teacher.window samples against samples presented\n"
    "(epochs below), with the final accuracy of summary.json beside it marked.\n"
    "  SPIKES             spike file from apical run: CSV, binary or SONATA (spikes.h5, also\n"
    "                     bmtk's), told apart by content\n"
    "  TRACES             traces.csv from apical run (its header starts with t_ms), or the\n"
    "                     run's folder, meaning its traces.csv\n"
    "  WEIGHTS            weights.csv from apical run (record.weights)\n"
    "  LEARNING           learning.csv from apical run of an online config (a teacher block),\n"
    "                     or the run's folder when it holds one (its apical potentials, if\n"
    "                     recorded: apical plot FOLDER/traces.csv)\n"
    "  -o, --out FILE     the SVG to write (replaced atomically)\n"
    "  --title T          title above the picture\n"
    "  --tmin MS          start of the time axis (default: 0 for spikes, the first sample)\n"
    "  --tmax MS          end of the time axis (default: the last spike or sample)\n"
    "  -h, --help         this text\n"
    "spikes only:\n"
    "  --max-per-pop N    neurons shown per population, an evenly spaced sample (default 100)\n"
    "  --bin MS           rate histogram bin in ms (default: about 1/100 of the window)\n"
    "traces only:\n"
    "  --neurons K        the first K neurons of the file (default 6)\n"
    "  --currents         also a panel of each neuron's synaptic input (i_*, g_* columns)\n";

struct plot_args {
    const char *in, *out, *title;
    unsigned long max_per_pop, neurons;
    double bin, tmin, tmax;
    int has_tmin, has_tmax;
    const char *spikes_flag, *traces_flag; /* a flag given that belongs to one kind of input */
    int currents;
};

static int parse_ms(const char *flag, const char *s, double *v, struct err *e) {
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(*v))
        return err_set(e, ERR_INPUT, "", 0, "", "%s: expected a number of ms, got '%s'", flag, s);
    return 0;
}

static int parse_count(const char *flag, const char *s, unsigned long *v, struct err *e) {
    char *end;
    errno = 0;
    *v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || errno || *v < 1 || *v > UINT32_MAX)
        return err_set(e, ERR_INPUT, "", 0, "",
                       "%s: expected a whole number from 1 to 4294967295, got '%s'", flag, s);
    return 0;
}

/* The long options: those before --help take a value (cli_unknown_option's convention). */
static const char *const options[] = {"--out",  "--output",   "--title", "--max-per-pop",
                                      "--bin",  "--tmin",     "--tmax",  "--neurons",
                                      "--help", "--currents", NULL};

/* A flag that takes a value. */
static int known(const char *name) {
    if (!strcmp(name, "-o")) return 1;
    for (int i = 0; strcmp(options[i], "--help"); i++)
        if (!strcmp(name, options[i])) return 1;
    return 0;
}

/* "unknown option: --nerons (did you mean --neurons?); see apical plot --help" */
static int unknown_option(const char *arg, struct err *e) {
    char words[200];
    return err_set(e, ERR_INPUT, "", 0, "", "unknown option: %s; see apical plot --help",
                   cli_unknown_option(arg, options, words, sizeof words));
}

/* One flag with its value (from "--flag=value" or the next argument). */
static int parse_flag(struct plot_args *a, const char *name, const char *val, struct err *e) {
    if (!strcmp(name, "-o") || !strcmp(name, "--out") || !strcmp(name, "--output")) {
        a->out = val;
        return *val ? 0 : err_set(e, ERR_INPUT, "", 0, "", "%s: empty file name", name);
    }
    if (!strcmp(name, "--title")) {
        a->title = val;
        return 0;
    }
    if (!strcmp(name, "--max-per-pop")) {
        a->spikes_flag = "--max-per-pop";
        return parse_count(name, val, &a->max_per_pop, e);
    }
    if (!strcmp(name, "--neurons")) {
        a->traces_flag = "--neurons";
        return parse_count(name, val, &a->neurons, e);
    }
    if (!strcmp(name, "--bin")) {
        a->spikes_flag = "--bin";
        int rc = parse_ms(name, val, &a->bin, e);
        if (!rc && !(a->bin > 0))
            rc = err_set(e, ERR_INPUT, "", 0, "", "%s: must be positive, got '%s'", name, val);
        return rc;
    }
    if (!strcmp(name, "--tmin")) {
        a->has_tmin = 1;
        return parse_ms(name, val, &a->tmin, e);
    }
    if (!strcmp(name, "--tmax")) {
        a->has_tmax = 1;
        return parse_ms(name, val, &a->tmax, e);
    }
    return unknown_option(name, e); /* parse_args asks known() first */
}

/* Returns 0, 1 for --help, or a negative error code. */
static int parse_args(int argc, char **argv, struct plot_args *a, struct err *e) {
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) return 1;
        if (!strcmp(arg, "--currents")) {
            a->currents = 1;
            a->traces_flag = "--currents";
            continue;
        }
        if (arg[0] != '-' || !arg[1]) {
            if (a->in)
                return err_set(e, ERR_INPUT, "", 0, "", "more than one input file: '%s' and '%s'",
                               a->in, arg);
            a->in = arg;
            continue;
        }
        char name[64];
        const char *eq = strchr(arg, '=');
        const char *val = NULL;
        if (!strncmp(arg, "--", 2) && eq) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", arg);
        }
        if (!known(name)) return unknown_option(arg, e);
        if (!val) {
            if (i + 1 >= argc) return err_set(e, ERR_INPUT, "", 0, "", "%s needs a value", arg);
            val = argv[++i];
        }
        int rc = parse_flag(a, name, val, e);
        if (rc) return rc;
    }
    if (!a->in)
        return err_set(e, ERR_INPUT, "", 0, "",
                       "plot needs a spike, traces, weights or learning file (see apical plot "
                       "--help)");
    if (!a->out) return err_set(e, ERR_INPUT, "", 0, "", "plot needs -o FILE.svg");
    return 0;
}

/* --tmin alone runs to the last spike; --tmax alone starts at 0; neither leaves it to io/svg. */
static int window(const struct plot_args *a, const struct spk_table *t, struct svg_raster_opts *o,
                  struct err *e) {
    if (!a->has_tmin && !a->has_tmax) return 0;
    o->t_start_ms = a->has_tmin ? a->tmin : 0;
    if (a->has_tmax) {
        o->t_end_ms = a->tmax;
    } else {
        o->t_end_ms = -INFINITY;
        for (size_t i = 0; i < t->n; i++)
            o->t_end_ms = fmax(o->t_end_ms, t->t_ms[i]);
    }
    if (!(o->t_end_ms > o->t_start_ms))
        return err_set(e, ERR_INPUT, "", 0, "", "empty time window: from %g ms to %g ms (%s)",
                       o->t_start_ms, o->t_end_ms,
                       a->has_tmax ? "--tmax" : "the last spike; give --tmax");
    return 0;
}

/* --tmin and --tmax default to the first and last sample. */
static int trace_window(const struct plot_args *a, const char *path, const struct trace_table *t,
                        struct svg_traces_opts *o, struct err *e) {
    if (!a->has_tmin && !a->has_tmax) return 0;
    if (!t->nrows) return err_set(e, ERR_INPUT, path, 0, "", "no samples to draw");
    o->t_start_ms = a->has_tmin ? a->tmin : t->t_ms[0];
    o->t_end_ms = a->has_tmax ? a->tmax : t->t_ms[t->nrows - 1];
    if (!(o->t_end_ms > o->t_start_ms))
        return err_set(e, ERR_INPUT, "", 0, "", "empty time window: from %g ms to %g ms (%s)",
                       o->t_start_ms, o->t_end_ms,
                       a->has_tmax ? "--tmax" : "the last sample; give --tmax");
    if (o->t_start_ms > t->t_ms[t->nrows - 1] || o->t_end_ms < t->t_ms[0])
        return err_set(e, ERR_INPUT, path, 0, "",
                       "no samples between %g and %g ms: the traces run from %g to %g ms",
                       o->t_start_ms, o->t_end_ms, t->t_ms[0], t->t_ms[t->nrows - 1]);
    return 0;
}

static int plot_traces(const struct plot_args *a, const char *path, struct err *e) {
    if (a->spikes_flag)
        return err_set(e, ERR_INPUT, "", 0, "", "%s is for spike files; %s holds traces",
                       a->spikes_flag, path);
    uint32_t k = a->neurons ? (uint32_t)a->neurons : SVG_TRACES_NEURONS;
    struct trace_table t;
    int rc = trace_read_neurons(path, k, &t, e);
    if (rc) return rc;
    struct svg_traces_opts o = {.max_neurons = k, .currents = a->currents, .title = a->title};
    rc = trace_window(a, path, &t, &o, e);
    if (!rc) {
        rc = svg_traces_write(a->out, &t, &o, e);
        /* io/svg knows no file names: its complaints about the data are about this file */
        if (rc == ERR_INPUT && !e->file[0]) snprintf(e->file, sizeof e->file, "%s", path);
    }
    trace_table_free(&t);
    return rc;
}

static int plot_weights(const struct plot_args *a, struct err *e) {
    if (a->spikes_flag || a->traces_flag)
        return err_set(e, ERR_INPUT, "", 0, "", "%s is for %s files; %s holds weights",
                       a->spikes_flag ? a->spikes_flag : a->traces_flag,
                       a->spikes_flag ? "spike" : "traces", a->in);
    struct wtr_table t;
    int rc = wtr_read(a->in, &t, e);
    if (rc) return rc;
    struct svg_weights_opts o = {.title = a->title};
    /* --tmin and --tmax default to the first and last sample */
    if (t.nseries && (a->has_tmin || a->has_tmax)) {
        double first = INFINITY, last = -INFINITY;
        for (size_t k = 0; k < t.nseries; k++) {
            first = fmin(first, t.s[k].t_ms[0]);
            last = fmax(last, t.s[k].t_ms[t.s[k].n - 1]);
        }
        o.t_start_ms = a->has_tmin ? a->tmin : first;
        o.t_end_ms = a->has_tmax ? a->tmax : last;
        if (!(o.t_end_ms > o.t_start_ms))
            rc = err_set(e, ERR_INPUT, "", 0, "", "empty time window: from %g ms to %g ms (%s)",
                         o.t_start_ms, o.t_end_ms,
                         a->has_tmax ? "--tmax" : "the last sample; give --tmax");
    }
    if (!rc) {
        rc = svg_weights_write(a->out, &t, &o, e);
        /* io/svg knows no file names: its complaints about the data are about this file */
        if (rc == ERR_INPUT && !e->file[0]) snprintf(e->file, sizeof e->file, "%s", a->in);
    }
    wtr_table_free(&t);
    return rc;
}

static int plot_spikes(const struct plot_args *a, struct err *e) {
    if (a->traces_flag)
        return err_set(
            e, ERR_INPUT, "", 0, "",
            "%s is for traces files; %s is not one (its header does not start with t_ms)",
            a->traces_flag, a->in);
    struct spk_table t;
    int rc = spk_read(a->in, &t, e);
    if (rc) return rc;
    struct svg_raster_opts o = {
        .max_per_pop = (uint32_t)a->max_per_pop, .bin_ms = a->bin, .title = a->title};
    rc = window(a, &t, &o, e);
    if (!rc) rc = svg_raster_write(a->out, &t, &o, e);
    spk_table_free(&t);
    return rc;
}

/* summary.json beside the learning curve: the folder of path's. */
static int summary_beside(const char *path, char *out, size_t n, struct err *e) {
    const char *slash = strrchr(path, '/');
    int len = slash ? (int)(slash - path + 1) : 0;
    if ((size_t)snprintf(out, n, "%.*ssummary.json", len, path) >= n)
        return err_set(e, ERR_INPUT, path, 0, "", "path too long");
    return 0;
}

static int plot_learning(const struct plot_args *a, const char *path, struct err *e) {
    const char *flag = a->spikes_flag   ? a->spikes_flag
                       : a->traces_flag ? a->traces_flag
                       : a->has_tmin    ? "--tmin"
                       : a->has_tmax    ? "--tmax"
                                        : NULL;
    if (flag)
        return err_set(e, ERR_INPUT, "", 0, "",
                       "%s is not for learning curves; %s is one (its axis is samples presented)",
                       flag, path);
    struct lcurve c;
    int rc = lcurve_read(path, &c, e);
    if (rc) return rc;
    char sum[4200];
    struct lcurve_final fin;
    rc = summary_beside(path, sum, sizeof sum, e);
    if (!rc) rc = lcurve_final_read(sum, &fin, e);
    if (rc) {
        lcurve_free(&c);
        return rc;
    }
    char name[64], mark[80], title[4200];
    /* the first row is the first full window (or the end, before one) */
    if (c.n > 1)
        snprintf(name, sizeof name, "last %.0f samples", c.samples[0]);
    else
        snprintf(name, sizeof name, "training");
    struct curves_panel p = {.title = "accuracy while learning",
                             .ylabel = "%",
                             .nseries = 1,
                             .s = {{name, c.acc}},
                             .ymin = 0,
                             .ymax = 100};
    if (fin.have && isfinite(fin.accuracy)) {
        snprintf(mark, sizeof mark, "%s accuracy at the end: %.2f %%", fin.split, fin.accuracy);
        p.mark_label = mark, p.mark_y = fin.accuracy;
    }
    snprintf(title, sizeof title, "learning: %s", path);
    struct curves_opts o = {.title = a->title ? a->title : title,
                            .x = c.samples,
                            .xlabel = "samples presented",
                            .x2_per_x = c.epoch[c.n - 1] / c.samples[c.n - 1],
                            .x2label = "epoch"};
    rc = curves_write_opts(a->out, &o, (int)(c.n < INT32_MAX ? c.n : INT32_MAX), &p, 1, e);
    /* io/curves knows no file names: its complaints about the data are about this file */
    if (rc == ERR_INPUT && !e->file[0]) snprintf(e->file, sizeof e->file, "%s", path);
    lcurve_free(&c);
    return rc;
}

int cli_plot(int argc, char **argv) {
    struct err e = {0};
    struct plot_args a = {.max_per_pop = DEFAULT_MAX_PER_POP};
    int rc = parse_args(argc, argv, &a, &e);
    if (rc == 1) {
        fputs(usage, stdout);
        return 0;
    }
    if (rc) return cli_report(&e);

    /* a run's folder stands for its learning.csv (an online run), else its traces.csv */
    struct stat st;
    char inside[4096], learning[4096];
    if (stat(a.in, &st) == 0 && S_ISDIR(st.st_mode)) {
        if ((size_t)snprintf(inside, sizeof inside, "%s/traces.csv", a.in) >= sizeof inside ||
            (size_t)snprintf(learning, sizeof learning, "%s/learning.csv", a.in) >=
                sizeof learning)
            rc = err_set(&e, ERR_INPUT, a.in, 0, "", "path too long");
        else if (stat(learning, &st) == 0)
            rc = plot_learning(&a, learning, &e);
        else if (stat(inside, &st) != 0)
            rc = err_set(&e, ERR_INPUT, a.in, 0, "",
                         "a folder without learning.csv or traces.csv; for a raster give its "
                         "spikes.bin");
        else
            rc = plot_traces(&a, inside, &e);
    } else {
        rc = wtr_sniff(a.in)       ? plot_weights(&a, &e)
             : lcurve_sniff(a.in) ? plot_learning(&a, a.in, &e)
             : trace_sniff(a.in)  ? plot_traces(&a, a.in, &e)
                                  : plot_spikes(&a, &e);
    }
    return rc ? cli_report(&e) : 0;
}
