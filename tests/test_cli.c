/* tests/test_cli: the apical binary as a user meets it: every malformed config is refused by
 * `check` and `run` alike with exit status 2 and a `file:line: setting.path: message` error,
 * --set overrides land where they point, a run writes its files, signals stop a run cleanly,
 * a non-finite state fails it, and the top-level commands answer with the documented status. */
#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/harness.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers.
 */

#define OUT_CAP 65536

static int exists_in(const char *dir, const char *name) {
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return harness_exists(p);
}

static void sleep_s(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

#define EXPECT HARNESS_EXPECT

/* The line "apical: ..." of an output, copied into buf ("" if there is none). */
static void error_line(const char *out, char *buf, size_t n) {
    const char *p = out;
    buf[0] = '\0';
    while (p && *p) {
        if (!strncmp(p, "apical: ", 8)) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            snprintf(buf, n, "%.*s", (int)len, p);
            return;
        }
        p = strchr(p, '\n');
        if (p) p++;
    }
}

/* The size `apical check` prints for population name, or -1. */
static long checked_size(const char *out, const char *name) {
    char key[128];
    snprintf(key, sizeof key, "\n  %s ", name);
    const char *p = strstr(out, key);
    long v;
    char model[64];
    if (!p || sscanf(p + strlen(key), " %ld x %63s", &v, model) != 2) return -1;
    return v;
}

static double checked_dt(const char *out) {
    const char *p = strstr(out, "simulation: dt ");
    double dt;
    return p && sscanf(p, "simulation: dt %lf ms", &dt) == 1 ? dt : NAN;
}

static void checked_hash(const char *out, char *hash, size_t n) {
    const char *p = strstr(out, "(hash ");
    hash[0] = '\0';
    if (p) snprintf(hash, n, "%.16s", p + 6);
}

/* Spike counts per population in a bmtk CSV; 0 when the file is not well formed (header, three
 * fields per line, every line ended, times non-decreasing and not after t_max_ms). */
#define MAX_POPS 8
struct csv_counts {
    int npops;
    char name[MAX_POPS][64];
    long count[MAX_POPS];
    long lines;
};

static int read_csv_counts(const char *path, double t_max_ms, struct csv_counts *cc) {
    memset(cc, 0, sizeof *cc);
    size_t len;
    char *text = harness_slurp(path, &len);
    if (!text) return 0;
    const char *header = "timestamps population node_ids\n";
    int ok = !strncmp(text, header, strlen(header)) && text[len - 1] == '\n';
    double last = -INFINITY;
    for (char *p = text + strlen(header); ok && *p;) {
        char *nl = strchr(p, '\n');
        *nl = '\0';
        double t;
        char pop[64];
        unsigned id;
        int used = 0;
        ok = sscanf(p, "%lf %63s %u%n", &t, pop, &id, &used) == 3 && p[used] == '\0' && t >= last &&
             t <= t_max_ms + 1e-9;
        last = t;
        int k = 0;
        while (k < cc->npops && strcmp(cc->name[k], pop))
            k++;
        if (ok && k == cc->npops) {
            ok = k < MAX_POPS;
            if (ok) snprintf(cc->name[cc->npops++], 64, "%s", pop);
        }
        if (ok) cc->count[k]++, cc->lines++;
        p = nl + 1;
    }
    free(text);
    return ok;
}

static long csv_count_of(const struct csv_counts *cc, const char *name) {
    for (int k = 0; k < cc->npops; k++)
        if (!strcmp(cc->name[k], name)) return cc->count[k];
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Malformed configs: one table, each entry run through `check` and through `run`.
 */

enum bad_kind { BAD_TEXT, BAD_BYTES, BAD_MISSING, BAD_FOLDER };

struct bad_case {
    const char *name; /* the config's file name in the temp folder */
    enum bad_kind kind;
    const char *text;    /* BAD_TEXT, BAD_BYTES */
    size_t nbytes;       /* BAD_BYTES */
    const char *args;    /* after CONFIG, shell-quoted */
    const char *file;    /* what the error must name instead of the config (an @include, a flag) */
    int line;            /* the line it must name, 0 where there is none */
    const char *want[3]; /* the setting path first where there is one, then words of the message */
    const char *aux_name, *aux_text; /* a second file, for @include */
};

#define POP "populations = ( { name = \"exc\"; size = 10; } );\n"
#define EE "projections = ( { name = \"ee\"; from = \"exc\"; to = \"exc\";\n"

static const char garbage[] = POP "\x7f"
                                  "ELF\x02\x01\x00\xff\xfe garbage\n";

static const struct bad_case bad_cases[] = {
    {.name = "cli_syntax.cfg",
     .text = "simulation = {\n  dt = 0.1;\n  duration = 100.0\n  seed = ;\n};\n" POP,
     .line = 4,
     .want = {"syntax error"}},
    {.name = "cli_missing.cfg", .kind = BAD_MISSING, .want = {"cannot open", "No such file"}},
    {.name = "cli_empty.cfg", .text = "", .want = {"empty"}},
    {.name = "cli_binary.cfg",
     .kind = BAD_BYTES,
     .text = garbage,
     .nbytes = sizeof garbage - 1,
     .line = 2,
     .want = {"binary"}},
    {.name = "cli_folder.cfg", .kind = BAD_FOLDER, .want = {"folder"}},
    {.name = "cli_top_key.cfg",
     .text = POP "simulation = { dt = 0.1; };\n\n# a setting nobody reads\nbogus = 1;\n",
     .line = 5,
     .want = {"bogus", "unknown setting"}},
    {.name = "cli_pop_key.cfg",
     .text = "populations = ( { name = \"exc\"; size = 10;\n  tau = 3.0; } );\n",
     .line = 2,
     .want = {"populations.exc.tau", "unknown setting"}},
    {.name = "cli_model.cfg",
     .text = "simulation = { dt = 0.1; };\npopulations = ( { name = \"exc\"; size = 10;\n"
             "  model = \"hodgkin_huxley\"; } );\n",
     .line = 3,
     .want = {"populations.exc.model", "hodgkin_huxley"}},
    {.name = "cli_size_type.cfg",
     .text = "populations = ( { name = \"exc\";\n  size = \"ten\"; } );\n",
     .line = 2,
     .want = {"populations.exc.size", "integer"}},
    {.name = "cli_size_neg.cfg",
     .text = "populations = (\n  { name = \"exc\";\n    size = -5; } );\n",
     .line = 3,
     .want = {"populations.exc.size", "-5"}},
    {.name = "cli_size_zero.cfg",
     .text = "populations = ( { name = \"exc\";\n  size = 0; } );\n",
     .line = 2,
     .want = {"populations.exc.size", "0 is out of range"}},
    {.name = "cli_from.cfg",
     .text = POP "projections = ( { name = \"ee\"; to = \"exc\"; rule = \"all_to_all\";\n"
                 "  from = \"nope\"; weight = 1.0; } );\n",
     .line = 3,
     .want = {"projections.ee.from", "nope"}},
    {.name = "cli_to.cfg",
     .text = POP "projections = ( { name = \"ee\"; from = \"exc\"; rule = \"all_to_all\";\n"
                 "  weight = 1.0;\n  to = \"nope\"; } );\n",
     .line = 4,
     .want = {"projections.ee.to", "nope"}},
    {.name = "cli_receptor.cfg",
     .text = POP EE "  rule = \"all_to_all\"; weight = 1.0; receptor = \"gaba\"; } );\n",
     .line = 3,
     .want = {"projections.ee.receptor", "gaba"}},
    {.name = "cli_rule.cfg",
     .text = POP EE "  weight = 1.0; rule = \"small_world\"; } );\n",
     .line = 3,
     .want = {"projections.ee.rule", "small_world"}},
    {.name = "cli_p.cfg",
     .text = POP EE "  rule = \"fixed_probability\"; weight = 1.0; p = 1.5; } );\n",
     .line = 3,
     .want = {"projections.ee.p", "1.5"}},
    {.name = "cli_dt_zero.cfg",
     .text = POP "simulation = {\n  dt = 0.0;\n};\n",
     .line = 3,
     .want = {"simulation.dt"}},
    {.name = "cli_dt_neg.cfg",
     .text = "simulation = {\n  dt = -0.1; };\n" POP,
     .line = 2,
     .want = {"simulation.dt", "-0.1"}},
    {.name = "cli_delay.cfg",
     .text = POP EE "  rule = \"all_to_all\"; weight = 1.0; delay = 0.05; } );\n"
                    "simulation = { dt = 0.1; };\n",
     .line = 3,
     .want = {"projections.ee.delay", "0.05"}},
    {.name = "cli_v_reset.cfg",
     .text = "populations = ( { name = \"exc\"; size = 10; v_th = -50.0;\n"
             "  v_reset = -40.0; } );\n",
     .line = 2,
     .want = {"populations.exc.v_reset", "v_th"}},
    {.name = "cli_dup_pop.cfg",
     .text = "populations = (\n  { name = \"exc\"; size = 10; },\n  { name = \"exc\"; size = 5; "
             "}\n);\n",
     .line = 3,
     .want = {"populations.exc", "exists already"}},
    {.name = "cli_indegree.cfg",
     .text = POP EE "  rule = \"fixed_indegree\"; weight = 1.0; allow_multapses = false;\n"
                    "  k = 11; } );\n",
     .line = 4,
     .want = {"projections.ee.k", "11"}},
    {.name = "cli_dist_kind.cfg",
     .text = POP EE "  rule = \"all_to_all\";\n  weight = { dist = \"gamma\"; k = 2.0; }; } );\n",
     .line = 4,
     .want = {"projections.ee.weight", "gamma"}},
    {.name = "cli_uniform.cfg",
     .text = POP EE "  rule = \"all_to_all\";\n"
                    "  weight = { dist = \"uniform\"; low = 2.0; high = 1.0; }; } );\n",
     .line = 4,
     .want = {"projections.ee.weight", "high"}},
    {.name = "cli_stim_type.cfg",
     .text = POP "stimuli = ( { name = \"s\"; target = \"exc\";\n  type = \"sine\"; } );\n",
     .line = 3,
     .want = {"stimuli.s.type", "sine"}},
    {.name = "cli_trace_var.cfg",
     .text = POP "record = { traces = ( { population = \"exc\"; neurons = [0];\n"
                 "  variables = [\"w\"]; } ); };\n",
     .line = 3,
     .want = {"record.traces.[0].variables", "\"w\""}},
    {.name = "cli_trace_index.cfg",
     .text = POP "record = { traces = ( { population = \"exc\";\n  neurons = [0, 10]; } ); };\n",
     .line = 3,
     .want = {"record.traces.[0].neurons"}},
    {.name = "cli_include.cfg",
     .text = "populations = ( { name = \"exc\";\n  @include \"cli_inc_part.cfg\"\n} );\n",
     .aux_name = "cli_inc_part.cfg",
     .aux_text = "size = 10;\nmodel = \"lif\";\nv_th = \"high\";\n",
     .file = "cli_inc_part.cfg",
     .line = 3,
     .want = {"populations.exc.v_th", "number"}},
    {.name = "cli_include_syntax.cfg",
     .text = "populations = ( { name = \"exc\";\n  @include \"cli_inc_syntax.cfg\"\n} );\n",
     .aux_name = "cli_inc_syntax.cfg",
     .aux_text = "size = 10;\nv_th = = -50.0;\n",
     .file = "cli_inc_syntax.cfg",
     .line = 2,
     .want = {"syntax error"}},
    {.name = "cli_set_path.cfg",
     .text = POP,
     .args = "--set nosuch.path=3",
     .file = "--set",
     .want = {"--set", "nosuch", "unknown setting"}},
    {.name = "cli_set_key.cfg",
     .text = POP,
     .args = "--set populations.exc.bogus=3",
     .file = "--set",
     .want = {"populations.exc.bogus", "unknown setting"}},
    {.name = "cli_set_value.cfg",
     .text = POP,
     .args = "--set 'populations.exc.size=[1,'",
     .file = "--set",
     .want = {"populations.exc.size", "cannot parse"}},
    {.name = "cli_set_type.cfg",
     .text = POP,
     .args = "--set populations.exc.size=ten",
     .file = "--set",
     .want = {"populations.exc.size", "integer"}},
    {.name = "cli_threads.cfg",
     .text = POP,
     .args = "--threads abc",
     .file = "--threads",
     .want = {"abc"}},
    {.name = "cli_bogus_flag.cfg", .text = POP, .args = "--bogus", .file = "--bogus"},
    /* scale (docs/config.md#scale) */
    {.name = "cli_scale_zero.cfg",
     .text = POP "scale = {\n  neurons = 0.0; };\n",
     .line = 3,
     .want = {"scale.neurons", "out of range"}},
    {.name = "cli_scale_indegree.cfg",
     .text = POP "scale = { neurons = 0.5;\n  indegree = 1.5; };\n",
     .line = 3,
     .want = {"scale.indegree", "1.5"}},
    {.name = "cli_scale_size.cfg",
     .text = "populations = ( { name = \"exc\";\n  size = 10; } );\nscale = { neurons = 0.01; };\n",
     .line = 2,
     .want = {"populations.exc.size", "scale.neurons"}},
    {.name = "cli_scale_all.cfg",
     .text = POP EE "  rule = \"all_to_all\"; weight = 1.0; } );\nscale = { neurons = 0.5; };\n",
     .line = 3,
     .want = {"projections.ee.rule", "all_to_all"}},
    {.name = "cli_scale_rate.cfg",
     .text = POP EE "  rule = \"fixed_indegree\"; k = 4; weight = 1.0; } );\n"
                    "scale = { indegree = 0.5; };\n",
     .line = 2,
     .want = {"projections.ee", "scale.mean_rates", "exc"}},
    {.name = "cli_scale_rate_name.cfg",
     .text = POP "scale = { indegree = 0.5;\n  mean_rates = {\n    inh = 3.0; }; };\n",
     .line = 4,
     .want = {"scale.mean_rates.inh", "inh"}},
    {.name = "cli_scale_cond.cfg",
     .text = "populations = ( { name = \"exc\"; size = 10; model = \"lif_cond\"; } );\n" EE
             "  rule = \"fixed_indegree\"; k = 4; weight = 1.0; } );\n"
             "scale = { indegree = 0.5; mean_rates = { exc = 1.0; }; };\n",
     .line = 2,
     .want = {"projections.ee", "lif_cond"}},
    {.name = "cli_poisson_mode.cfg",
     .text = POP "simulation = {\n  poisson = \"spikes\"; };\n",
     .line = 3,
     .want = {"simulation.poisson", "spikes"}},
    /* fixed_total_number */
    {.name = "cli_ftn_multapses.cfg",
     .text = POP EE "  rule = \"fixed_total_number\"; n = 10; weight = 1.0;\n"
                    "  allow_multapses = false; } );\n",
     .line = 4,
     .want = {"projections.ee.allow_multapses", "fixed_total_number"}},
    {.name = "cli_ftn_missing.cfg",
     .text = POP EE "  rule = \"fixed_total_number\"; weight = 1.0; } );\n",
     .line = 2,
     .want = {"projections.ee.n", "missing"}},
    {.name = "cli_ftn_range.cfg",
     .text = POP EE "  rule = \"fixed_total_number\"; weight = 1.0;\n  n = 5000000000L; } );\n",
     .line = 4,
     .want = {"projections.ee.n", "out of range"}},
    {.name = "cli_ftn_n_other.cfg",
     .text = POP EE "  rule = \"fixed_indegree\"; k = 2; weight = 1.0;\n  n = 5; } );\n",
     .line = 4,
     .want = {"projections.ee.n", "only for rule fixed_total_number"}},
    {.name = "cli_ftn_self.cfg",
     .text = "populations = ( { name = \"exc\"; size = 1; } );\n" EE
             "  rule = \"fixed_total_number\"; weight = 1.0; allow_autapses = false;\n"
             "  n = 5; } );\n",
     .line = 4,
     .want = {"projections.ee.n", "autapse"}},
    /* list: delays beyond the ring, and the allow_* flags */
    {.name = "cli_list_delay.cfg",
     .text = POP EE "  rule = \"list\"; sources = [0]; targets = [1]; weights = [1.0];\n"
                    "  delays = [7000.0]; } );\n",
     .line = 4,
     .want = {"projections.ee.delays", "entry 0", "65535"}},
    {.name = "cli_list_autapse.cfg",
     .text = POP EE "  rule = \"list\"; weight = 1.0; allow_autapses = false;\n"
                    "  sources = [0, 3]; targets = [1, 3]; } );\n",
     .line = 4,
     .want = {"projections.ee.sources", "entry 1", "allow_autapses"}},
    {.name = "cli_list_multapse.cfg",
     .text = POP EE "  rule = \"list\"; weight = 1.0; allow_multapses = false;\n"
                    "  sources = [0, 2, 0]; targets = [1, 1, 1]; } );\n",
     .line = 4,
     .want = {"projections.ee.sources", "entries 0 and 2", "allow_multapses"}},
    /* weights onto conductances */
    {.name = "cli_cond_weight.cfg",
     .text = "populations = ( { name = \"exc\"; size = 10; model = \"lif_cond\"; } );\n" EE
             "  rule = \"all_to_all\";\n  weight = -1.0; } );\n",
     .line = 4,
     .want = {"projections.ee.weight", "conductance", ">= 0"}},
    {.name = "cli_cond_normal.cfg",
     .text = "populations = ( { name = \"exc\"; size = 10; model = \"lif_cond\"; } );\n" EE
             "  rule = \"all_to_all\"; receptor = \"in\";\n"
             "  weight = { dist = \"normal\"; mean = 2.0; std = 1.0; }; } );\n",
     .line = 4,
     .want = {"projections.ee.weight", "min = 0.0"}},
    {.name = "cli_cond_list.cfg",
     .text = "populations = ( { name = \"exc\"; size = 10; model = \"lif_cond\"; } );\n" EE
             "  rule = \"list\"; sources = [0, 1]; targets = [1, 2];\n  weights = [1.0, -0.5]; } );\n",
     .line = 4,
     .want = {"projections.ee.weights", "entry 1", "conductance"}},
    {.name = "cli_cond_poisson.cfg",
     .text = "populations = ( { name = \"exc\"; size = 10; model = \"lif_cond\"; } );\n"
             "stimuli = ( { name = \"s\"; type = \"poisson\"; target = \"exc\"; rate = 10.0;\n"
             "  weight = -2.0; } );\n",
     .line = 3,
     .want = {"stimuli.s.weight", "conductance"}},
    /* redrawn distributions */
    {.name = "cli_redraw_mass.cfg",
     .text = POP EE "  rule = \"all_to_all\";\n"
                    "  weight = { dist = \"normal\"; mean = 0.0; std = 1.0; min = 10.0; "
                    "bounds = \"redraw\"; }; } );\n",
     .line = 4,
     .want = {"projections.ee.weight", "redraw"}},
    {.name = "cli_redraw_delay.cfg",
     .text = POP EE "  rule = \"all_to_all\"; weight = 1.0;\n"
                    "  delay = { dist = \"normal\"; mean = 0.01; std = 0.001; bounds = \"redraw\"; }; } );\n",
     .line = 4,
     .want = {"projections.ee.delay", "redraw"}},
    {.name = "cli_redraw_choice.cfg",
     .text = POP EE "  rule = \"all_to_all\"; weight = { dist = \"normal\"; mean = 0.0; std = 1.0;\n"
                    "    bounds = \"wrap\"; }; } );\n",
     .line = 4,
     .want = {"projections.ee.weight.bounds", "wrap"}},
    /* settings changed by --set are reported as the --set, not by the file's line */
    {.name = "cli_set_inplace.cfg",
     .text = POP EE "  rule = \"all_to_all\"; weight = 1.0;\n  delay = 1.5; } );\n",
     .args = "--set projections.ee.delay=0.05",
     .file = "--set projections.ee.delay=0.05",
     .want = {"projections.ee.delay", "shorter than one step"}},
    {.name = "cli_set_group.cfg",
     .text = POP EE "  rule = \"all_to_all\"; weight = 1.0; } );\n",
     .args = "--set 'projections.[0].weight={dist=\"normal\"; mean=1.0; std=-2.0;}'",
     .file = "--set projections.[0].weight={dist=\"normal\"; mean=1.0; std=-2.0;}",
     .want = {"projections.ee.weight.std", "-2"}},
};

static const char *bad_setup(const struct bad_case *c) {
    if (c->aux_name) harness_write(c->aux_name, c->aux_text);
    const char *path = harness_path(c->name);
    switch (c->kind) {
    case BAD_TEXT:
        harness_write(c->name, c->text);
        break;
    case BAD_BYTES: {
        FILE *f = fopen(path, "wb");
        CU_ASSERT_FATAL(f != NULL);
        CU_ASSERT_FATAL(fwrite(c->text, 1, c->nbytes, f) == c->nbytes);
        fclose(f);
        break;
    }
    case BAD_MISSING:
        unlink(path);
        break;
    case BAD_FOLDER:
        mkdir(path, 0755);
        break;
    }
    return path;
}

/* Runs one case through `check` (run_mode 0) or `run`; leaves the "apical: ..." line in errline. */
static void expect_rejected(const struct bad_case *c, const char *path, int run_mode, char *errline,
                            size_t n) {
    static char out[OUT_CAP];
    char cmd[4096], ctx[256], outdir[1024], at[256];
    snprintf(outdir, sizeof outdir, "%s/out_%s", harness_tmpdir(), c->name);
    if (run_mode)
        snprintf(cmd, sizeof cmd, "run %s -o %s --quiet %s", path, outdir, c->args ? c->args : "");
    else
        snprintf(cmd, sizeof cmd, "check %s %s", path, c->args ? c->args : "");
    snprintf(ctx, sizeof ctx, "%s, %s", c->name, run_mode ? "run" : "check");
    int status = harness_apical(cmd, out, sizeof out);
    EXPECT(status == 2, ctx, out);
    EXPECT(strstr(out, c->file ? c->file : path) != NULL, ctx, out);
    if (c->line > 0) {
        snprintf(at, sizeof at, "%s:%d:", c->file ? c->file : c->name, c->line);
        EXPECT(strstr(out, at) != NULL, ctx, out);
    }
    for (int k = 0; k < 3 && c->want[k]; k++)
        EXPECT(strstr(out, c->want[k]) != NULL, ctx, out);
    EXPECT(!harness_sanitizer_text(out), ctx, out);
    if (run_mode) EXPECT(!exists_in(outdir, "summary.json"), ctx, out);
    error_line(out, errline, n);
    EXPECT(errline[0] != '\0', ctx, out);
}

static void test_malformed_configs(void) {
    /* Truth: the documented error contract: exit status 2 and `apical: file:line: setting.path:
     * message` on stderr, the same from `check` and `run`, and no results from a rejected run. */
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        const char *path = bad_setup(c);
        char from_check[1024], from_run[1024];
        expect_rejected(c, path, 0, from_check, sizeof from_check);
        expect_rejected(c, path, 1, from_run, sizeof from_run);
        EXPECT(!strcmp(from_check, from_run), c->name, from_run);
    }
}

static void test_memory_beyond_machine(void) {
    /* Truth: a network larger than physical memory is bad input (cli/run.c check_memory), named
     * by the largest population's size setting, refused before anything is allocated. */
    static char out[OUT_CAP];
    const char *path = harness_write(
        "cli_huge.cfg", "populations = ( { name = \"exc\"; size = 10; },\n"
                        "  { name = \"big\";\n"
                        "    size = 2000000000; } );\n"
                        "projections = ( { name = \"bb\"; from = \"big\"; to = \"big\";\n"
                        "  rule = \"fixed_probability\"; p = 0.1; weight = 1.0; } );\n");
    char cmd[2048], outdir[1024];
    snprintf(outdir, sizeof outdir, "%s/out_cli_huge", harness_tmpdir());
    snprintf(cmd, sizeof cmd, "run %s -o %s --quiet", path, outdir);
    int status = harness_apical(cmd, out, sizeof out);
    EXPECT(status == 2, "huge, run", out);
    EXPECT(strstr(out, path) != NULL, "huge, run", out);
    EXPECT(strstr(out, "populations.big.size") != NULL, "huge, run", out);
    EXPECT(!harness_sanitizer_text(out), "huge, run", out);
    EXPECT(!exists_in(outdir, "summary.json"), "huge, run", out);
    /* the error names the line where the too-large size was set */
    EXPECT(strstr(out, "cli_huge.cfg:3:") != NULL, "huge, run", out);

    snprintf(cmd, sizeof cmd, "check %s", path);
    status = harness_apical(cmd, out, sizeof out);
    EXPECT(!harness_sanitizer_text(out), "huge, check", out);
    /* check refuses what run would refuse */
    EXPECT(status == 2 && strstr(out, "populations.big.size") != NULL, "huge, check", out);
}

/* ---------------------------------------------------------------------------------------------
 * --set overrides, seen through `apical check`.
 */

#define CUBA_LIKE                                                                                  \
    "simulation = { dt = 0.1; duration = 100.0; seed = 3; };\n"                                    \
    "populations = (\n"                                                                            \
    "  { name = \"exc\"; size = 160; model = \"lif\"; synapse = \"voltage\"; tau_m = 20.0;\n"      \
    "    e_l = -60.0; v_th = -50.0; v_reset = -60.0; t_ref = 5.0; },\n"                            \
    "  { name = \"inh\"; size = 40; model = \"lif\"; synapse = \"voltage\"; tau_m = 20.0;\n"       \
    "    e_l = -60.0; v_th = -50.0; v_reset = -60.0; t_ref = 5.0; }\n"                             \
    ");\n"                                                                                         \
    "projections = (\n"                                                                            \
    "  { name = \"ee\"; from = \"exc\"; to = \"exc\"; receptor = \"ex\";\n"                        \
    "    rule = \"fixed_probability\"; p = 0.05; weight = 1.62; delay = 1.0; },\n"                 \
    "  { name = \"ei\"; from = \"exc\"; to = \"inh\"; receptor = \"ex\";\n"                        \
    "    rule = \"fixed_probability\"; p = 0.05; weight = 1.62; delay = 1.0; },\n"                 \
    "  { name = \"ie\"; from = \"inh\"; to = \"exc\"; receptor = \"in\";\n"                        \
    "    rule = \"fixed_probability\"; p = 0.05; weight = -9.0; delay = 1.0; },\n"                 \
    "  { name = \"ii\"; from = \"inh\"; to = \"inh\"; receptor = \"in\";\n"                        \
    "    rule = \"fixed_probability\"; p = 0.05; weight = -9.0; delay = 1.0; }\n"                  \
    ");\n"                                                                                         \
    "stimuli = (\n"                                                                                \
    "  { name = \"drive_e\"; type = \"poisson\"; target = \"exc\"; rate = 6000.0; weight = 1.0; "  \
    "},\n"                                                                                         \
    "  { name = \"drive_i\"; type = \"poisson\"; target = \"inh\"; rate = 6000.0; weight = 1.0; "  \
    "}\n"                                                                                          \
    ");\n"

static int check_cmd(const char *path, const char *sets, char *out, size_t n) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "check %s %s", path, sets);
    return harness_apical(cmd, out, n);
}

static void test_set_sizes(void) {
    /* Truth: --set PATH=VALUE replaces the setting PATH names, by population name or by list
     * index ([i] or i), before validation; the unset populations keep their sizes. */
    static char out[OUT_CAP];
    const char *path = harness_write("cli_cuba_like.cfg", CUBA_LIKE);
    EXPECT(check_cmd(path, "", out, sizeof out) == 0, "no --set", out);
    EXPECT(checked_size(out, "exc") == 160 && checked_size(out, "inh") == 40, "no --set", out);

    EXPECT(check_cmd(path, "--set populations.exc.size=123", out, sizeof out) == 0, "by name", out);
    EXPECT(checked_size(out, "exc") == 123 && checked_size(out, "inh") == 40, "by name", out);

    EXPECT(check_cmd(path, "--set 'populations.[0].size=7'", out, sizeof out) == 0, "[0]", out);
    EXPECT(checked_size(out, "exc") == 7 && checked_size(out, "inh") == 40, "[0]", out);

    EXPECT(check_cmd(path, "--set populations.1.size=9", out, sizeof out) == 0, "1", out);
    EXPECT(checked_size(out, "exc") == 160 && checked_size(out, "inh") == 9, "1", out);

    EXPECT(check_cmd(path, "--set populations.exc.size=11 --set populations.inh.size=12", out,
                     sizeof out) == 0,
           "two sets", out);
    EXPECT(checked_size(out, "exc") == 11 && checked_size(out, "inh") == 12, "two sets", out);
}

static void test_set_dt(void) {
    /* Truth: a number setting takes an int or a float from --set, whatever the file's type
     * (int -> float, float -> float, and an int given for a float). */
    static char out[OUT_CAP];
    const char *fpath = harness_write("cli_dt_float.cfg", CUBA_LIKE);
    const char *ipath =
        harness_write("cli_dt_int.cfg", "simulation = { dt = 1; duration = 100.0; };\n" POP);
    EXPECT(check_cmd(fpath, "--set simulation.dt=0.05", out, sizeof out) == 0, "float", out);
    EXPECT(checked_dt(out) == 0.05, "float", out);
    EXPECT(strstr(out, "(2000 steps)") != NULL, "float", out);

    EXPECT(check_cmd(ipath, "", out, sizeof out) == 0, "int file", out);
    EXPECT(checked_dt(out) == 1.0, "int file", out);
    EXPECT(check_cmd(ipath, "--set simulation.dt=0.05", out, sizeof out) == 0, "int->float", out);
    EXPECT(checked_dt(out) == 0.05, "int->float", out);

    EXPECT(check_cmd(fpath, "--set simulation.dt=1", out, sizeof out) == 0, "int for float", out);
    EXPECT(checked_dt(out) == 1.0, "int for float", out);
}

static void test_set_projection_weight(void) {
    /* Truth: projections.NAME.weight reaches that projection's weight (and only it): the config
     * hash changes, and an out-of-range value is reported under exactly that path. */
    static char out[OUT_CAP];
    char h0[32], h1[32], h2[32];
    const char *path = harness_write("cli_cuba_w.cfg", CUBA_LIKE);
    EXPECT(check_cmd(path, "", out, sizeof out) == 0, "no --set", out);
    checked_hash(out, h0, sizeof h0);
    EXPECT(check_cmd(path, "--set projections.ee.weight=2.0", out, sizeof out) == 0, "ee", out);
    checked_hash(out, h1, sizeof h1);
    EXPECT(h0[0] && h1[0] && strcmp(h0, h1) != 0, "ee hash", out);
    EXPECT(check_cmd(path, "--set projections.ee.weight=1.62", out, sizeof out) == 0, "ee 1.62",
           out);
    checked_hash(out, h2, sizeof h2);
    EXPECT(strcmp(h1, h2) != 0, "ee 1.62 vs 2.0", out);

    EXPECT(check_cmd(path, "--set projections.ee.weight=1e13", out, sizeof out) == 2, "ee big",
           out);
    EXPECT(strstr(out, "projections.ee.weight") != NULL, "ee big", out);
    EXPECT(check_cmd(path, "--set projections.ii.weight=1e13", out, sizeof out) == 2, "ii big",
           out);
    EXPECT(strstr(out, "projections.ii.weight") != NULL, "ii big", out);
    EXPECT(check_cmd(path, "--set 'projections.[2].weight=1e13'", out, sizeof out) == 2, "[2] big",
           out);
    EXPECT(strstr(out, "projections.ie.weight") != NULL, "[2] big", out);

    /* a group replacing a group (not merged into it, not ignored) */
    const char *g1 = "--set 'projections.ee.weight={dist=\"normal\";mean=1.0;std=0.1;}'";
    char both[256];
    EXPECT(check_cmd(path, g1, out, sizeof out) == 0, "ee group", out);
    checked_hash(out, h1, sizeof h1);
    snprintf(both, sizeof both, "%s %s", g1,
             "--set 'projections.ee.weight={dist=\"normal\";mean=1.0;std=0.2;}'");
    EXPECT(check_cmd(path, both, out, sizeof out) == 0, "ee group twice", out);
    checked_hash(out, h2, sizeof h2);
    EXPECT(h1[0] && h2[0] && strcmp(h1, h2) != 0, "group over group changes the hash", out);
    snprintf(both, sizeof both, "%s %s", g1,
             "--set 'projections.ee.weight={dist=\"normal\";mean=1.0;std=1e13;}'");
    EXPECT(check_cmd(path, both, out, sizeof out) == 2, "group over group, out of range", out);
    EXPECT(strstr(out, "projections.ee.weight.std") != NULL, "group over group", out);
}

static void test_set_index_range(void) {
    /* Truth: a list index names one element or none: an index past the end (even one that
     * wraps modulo 2^32) is "no such setting", never a different element. */
    static char out[OUT_CAP];
    const char *path = harness_write("cli_cuba_idx.cfg", CUBA_LIKE);
    EXPECT(check_cmd(path, "--set 'populations.[2].size=7'", out, sizeof out) == 2, "[2]", out);
    EXPECT(strstr(out, "populations.[2].size") && strstr(out, "no such setting"), "[2]", out);
    int status = check_cmd(path, "--set 'populations.[4294967296].size=7'", out, sizeof out);
    /* an index beyond the list (here one that would wrap to 0 in 32 bits) is no setting */
    EXPECT(status == 2 && strstr(out, "no such setting") != NULL, "[4294967296]", out);
}

static void test_seed_threads_without_simulation(void) {
    /* Truth: cli/main.c usage: run and check take --seed N and --threads N, and the simulation
     * group is optional (io/cfg.c load_simulation has defaults for all of it). */
    static char out[OUT_CAP], out2[OUT_CAP];
    const char *with = harness_write("cli_with_sim.cfg", CUBA_LIKE);
    EXPECT(check_cmd(with, "--seed 5 --threads 2", out, sizeof out) == 0, "with group", out);
    EXPECT(strstr(out, "seed 5, threads 2\n") != NULL, "with group", out);
    const char *without = harness_write("cli_without_sim.cfg", POP);
    EXPECT(check_cmd(without, "", out, sizeof out) == 0, "without group", out);
    EXPECT(strstr(out, "seed 1, threads 0") != NULL, "without group", out);
    int s1 = check_cmd(without, "--seed 5", out, sizeof out);
    int s2 = check_cmd(without, "--threads 2", out2, sizeof out2);
    /* --seed and --threads work without a simulation group in the config */
    EXPECT(s1 == 0 && strstr(out, "seed 5,") && s2 == 0 && strstr(out2, "threads 2\n"),
           "without group", out);
}

/* ---------------------------------------------------------------------------------------------
 * A whole run and its files.
 */

static void test_run_outputs(void) {
    /* Truth: summary.json counts what spikes.csv lists: per population, the number of data
     * lines equals the summary's spikes; every declared file exists; no .tmp is left. */
    static char out[OUT_CAP];
    const char *path = harness_write("cli_small.cfg", CUBA_LIKE);
    const char *dir = harness_path("out_small");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "run %s -o %s --quiet", path, dir);
    int status = harness_apical(cmd, out, sizeof out);
    EXPECT(status == 0, "small run", out);
    EXPECT(!harness_sanitizer_text(out), "small run", out);
    static const char *const files[] = {"spikes.csv", "spikes.bin", "summary.json", "raster.svg",
                                        "config.cfg"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        EXPECT(exists_in(dir, files[i]), files[i], out);
    EXPECT(harness_count_files(dir, ".tmp") == 0, "small run", out);

    char p[2048];
    snprintf(p, sizeof p, "%s/summary.json", dir);
    cJSON *j = harness_read_json(p);
    CU_ASSERT_FATAL(j != NULL);
    EXPECT(harness_json_num(j, "neurons") == 200, "summary", out);
    EXPECT(harness_json_num(j, "duration_ms") == 100 && harness_json_num(j, "simulated_ms") == 100,
           "summary", out);
    EXPECT(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "interrupted")), "summary", out);

    struct csv_counts cc;
    snprintf(p, sizeof p, "%s/spikes.csv", dir);
    EXPECT(read_csv_counts(p, 100.0, &cc), "spikes.csv well formed", out);
    const cJSON *pops = cJSON_GetObjectItemCaseSensitive(j, "populations");
    EXPECT(cJSON_GetArraySize(pops) == 2, "summary populations", out);
    static const char *const names[] = {"exc", "inh"};
    static const double sizes[] = {160, 40};
    double total = 0;
    for (int i = 0; i < 2 && i < cJSON_GetArraySize(pops); i++) {
        const cJSON *pj = cJSON_GetArrayItem(pops, i);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(pj, "name");
        EXPECT(cJSON_IsString(name) && !strcmp(name->valuestring, names[i]), names[i], out);
        EXPECT(harness_json_num(pj, "neurons") == sizes[i], names[i], out);
        double spikes = harness_json_num(pj, "spikes");
        EXPECT(spikes > 0, names[i], out); /* the Poisson drive makes both fire */
        EXPECT(spikes == (double)csv_count_of(&cc, names[i]), names[i], out);
        total += spikes;
    }
    EXPECT(harness_json_num(j, "spikes") == total && total == (double)cc.lines, "total spikes",
           out);
    cJSON_Delete(j);

    snprintf(p, sizeof p, "%s/raster.svg", dir);
    char *svg = harness_slurp(p, NULL);
    EXPECT(svg && strstr(svg, "<svg") && strstr(svg, "</svg>"), "raster.svg", out);
    free(svg);

    /* the resolved config is itself a valid config for the same network */
    char h0[32], h1[32];
    EXPECT(check_cmd(path, "", out, sizeof out) == 0, "check original", out);
    checked_hash(out, h0, sizeof h0);
    snprintf(p, sizeof p, "%s/config.cfg", dir);
    EXPECT(check_cmd(p, "", out, sizeof out) == 0, "check config.cfg", out);
    checked_hash(out, h1, sizeof h1);
    EXPECT(h0[0] && !strcmp(h0, h1), "config.cfg hash", out);
}

/* ---------------------------------------------------------------------------------------------
 * Signals.
 */

#define LONG_RUN                                                                                   \
    "simulation = { dt = 0.1; duration = 100000.0; };\n"                                           \
    "populations = ( { name = \"exc\"; size = 20000; } );\n"                                       \
    "stimuli = ( { name = \"drive\"; type = \"poisson\"; target = \"exc\"; rate = 8000.0;\n"       \
    "              weight = 30.0; } );\n"

/* Waits up to timeout_s for pid; returns its wait status, or -1 after killing it. */
static int wait_for(pid_t pid, double timeout_s) {
    double t0 = harness_now_s();
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) return st;
        if (r < 0) return -1;
        if (harness_now_s() - t0 > timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        sleep_s(0.005);
    }
}

/* Starts `apical run cfg -o dir` with its output in log, waits until the network is built (the
 * handlers go in right after), lets it simulate a while, sends sig; returns the wait status. */
static int run_and_signal(const char *cfg, const char *dir, const char *log, int sig) {
    /* everything the child needs is ready before fork: it only redirects and execs */
    char *argv[] = {(char *)harness_bin(), "run", (char *)cfg, "-o", (char *)dir, NULL};
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(argv[0], argv);
        _exit(127);
    }
    double t0 = harness_now_s();
    int built = 0;
    while (!built && harness_now_s() - t0 < 10) {
        char *text = harness_slurp(log, NULL);
        built = text && strstr(text, "[apical] built") != NULL;
        free(text);
        int st;
        if (!built && waitpid(pid, &st, WNOHANG) == pid) return st; /* ended on its own */
        if (!built) sleep_s(0.01);
    }
    sleep_s(0.4);
    kill(pid, sig);
    return wait_for(pid, 20);
}

static void check_interrupted(int sig, int want_status) {
    char name[64], ctx[64];
    snprintf(name, sizeof name, "out_signal_%d", sig);
    snprintf(ctx, sizeof ctx, "signal %d", sig);
    const char *cfg = harness_write("cli_long.cfg", LONG_RUN);
    char dir[1024], log[1100], p[2048];
    snprintf(dir, sizeof dir, "%s", harness_path(name));
    snprintf(log, sizeof log, "%s.log", dir);
    int st = run_and_signal(cfg, dir, log, sig);
    char *text = harness_slurp(log, NULL);
    const char *out = text ? text : "(no log)";
    EXPECT(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == want_status, ctx, out);
    EXPECT(!harness_sanitizer_text(out), ctx, out);

    snprintf(p, sizeof p, "%s/summary.json", dir);
    cJSON *j = harness_read_json(p);
    EXPECT(j != NULL, ctx, out);
    double sim = harness_json_num(j, "simulated_ms"), dur = harness_json_num(j, "duration_ms");
    EXPECT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "interrupted")), ctx, out);
    EXPECT(dur == 100000.0 && sim > 0 && sim < dur, ctx, out);

    struct csv_counts cc;
    snprintf(p, sizeof p, "%s/spikes.csv", dir);
    EXPECT(read_csv_counts(p, sim, &cc), ctx, out);
    const cJSON *pops = cJSON_GetObjectItemCaseSensitive(j, "populations");
    EXPECT(harness_json_num(cJSON_GetArrayItem(pops, 0), "spikes") ==
               (double)csv_count_of(&cc, "exc"),
           ctx, out);
    EXPECT(harness_count_files(dir, ".tmp") == 0, ctx, out);
    cJSON_Delete(j);
    free(text);
}

static void test_sigterm(void) {
    /* Truth: the documented exit status 143 for SIGTERM (Slurm's pre-emption), after a
     * checkpoint: the stopped run stays in run.tmp with it, nothing is published, and the message
     * says how to go on (tests/test_run_ckpt.c resumes such runs to the uninterrupted files). */
    const char *cfg = harness_write("cli_long.cfg", LONG_RUN);
    char dir[1024], log[1100], p[2048];
    snprintf(dir, sizeof dir, "%s", harness_path("out_signal_15"));
    snprintf(log, sizeof log, "%s.log", dir);
    int st = run_and_signal(cfg, dir, log, SIGTERM);
    char *text = harness_slurp(log, NULL);
    const char *out = text ? text : "(no log)";
    EXPECT(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 143, "SIGTERM", out);
    EXPECT(!harness_sanitizer_text(out), "SIGTERM", out);
    EXPECT(strstr(out, "apical run --resume") != NULL, "SIGTERM", out);
    struct stat sb;
    snprintf(p, sizeof p, "%s/run.tmp/checkpoint.bin", dir);
    EXPECT(stat(p, &sb) == 0 && sb.st_size > 0, "SIGTERM", out);
    snprintf(p, sizeof p, "%s/summary.json", dir);
    EXPECT(stat(p, &sb) != 0, "SIGTERM", out);
    free(text);
}

static void test_sigint(void) {
    /* Truth: the documented exit status 130 for SIGINT, with the same partial results. */
    check_interrupted(SIGINT, 130);
}

/* ---------------------------------------------------------------------------------------------
 * A state that stops being finite.
 */

static void test_nonfinite_state(void) {
    /* Truth: v += p20 * (i_e + i_ext) with p20 ~ dt / c_m = 1e299 and i_ext = -1e12 pA overflows
     * to -inf (below threshold, so no reset hides it): exit status 1, no results. */
    static char out[OUT_CAP];
    const char *path = harness_write(
        "cli_nan.cfg", "simulation = { dt = 0.1; duration = 10.0; };\n"
                       "populations = ( { name = \"exc\"; size = 10; c_m = 1e-300; } );\n"
                       "stimuli = ( { name = \"dc\"; type = \"dc\"; target = \"exc\";\n"
                       "              amplitude = -1e12; } );\n");
    EXPECT(check_cmd(path, "", out, sizeof out) == 0, "nan config is valid", out);
    const char *dir = harness_path("out_nan");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "run %s -o %s --quiet", path, dir);
    int status = harness_apical(cmd, out, sizeof out);
    char line[1024];
    error_line(out, line, sizeof line);
    EXPECT(status == 1, "nan", out);
    EXPECT(strstr(line, "exc") && strstr(line, "step") && strstr(line, "non-finite"), "nan", out);
    EXPECT(!harness_sanitizer_text(out), "nan", out);
    EXPECT(!exists_in(dir, "summary.json"), "nan", out);
    EXPECT(!exists_in(dir, "spikes.csv") && !exists_in(dir, "spikes.bin"), "nan", out);
    EXPECT(harness_count_files(dir, ".tmp") == 0, "nan", out);
}

/* ---------------------------------------------------------------------------------------------
 * A full disk: the outputs appear together or not at all.
 */

/* apical with args (each one word) under a limit of limit bytes per file: a write past it fails
 * with EFBIG, as on a full disk (harness_apical_within). */
static int run_limited(unsigned long long limit, const char *const *args, char *out,
                       size_t outn) {
    char line[8192] = "";
    for (size_t i = 0, len = 0; args[i] && len < sizeof line; i++, len = strlen(line))
        snprintf(line + len, sizeof line - len, "%s'%s'", i ? " " : "", args[i]);
    return harness_apical_within(0, limit, line, out, outn);
}

static long file_size(const char *dir, const char *name) {
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}

static void remove_outputs(const char *dir) {
    static const char *const names[] = {"spikes.csv", "spikes.bin", "traces.csv", "config.cfg",
                                        "raster.svg", "traces.svg", "summary.json", NULL};
    for (int i = 0; names[i]; i++) {
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
}

static void test_disk_full(void) {
    /* Truth: docs/formats.md "Complete files only": a run that fails writing any of its
     * outputs exits 1 naming that output, publishes none of them, leaves no temporary file or
     * staging folder, and (under the sanitizers) leaks nothing. Each case makes one output the
     * first to cross the limit: in an unlimited run that output is larger than the outputs
     * written before it, and the limit lies halfway between it and the next smaller output
     * (summary.json's timings make its size vary by a few bytes). */
    static char out[OUT_CAP];
    char hello[1024];
    snprintf(hello, sizeof hello, "%s/configs/hello.cfg", harness_root());
    char many[4096] = "simulation = { duration = 1.0; };\npopulations = (";
    for (int i = 0; i < 30; i++) {
        size_t len = strlen(many);
        snprintf(many + len, sizeof many - len, "%s{ name = \"p%02d\"; size = 1; }",
                 i ? ", " : "", i);
    }
    strcat(many, ");\nrecord = { spikes = \"none\"; };\n");
    const char *many_cfg = harness_write("cli_many_pops.cfg", many);
    const char *no_traces = "record.traces=()";
    struct {
        const char *target, *cfg, *set[3];
    } cases[] = {
        {"traces.csv", hello, {NULL}},
        {"spikes.bin", hello, {no_traces}},
        /* the spike recorder fails as it closes while the trace recorder is open */
        {"spikes.bin", hello, {"record.traces.[0].interval=5.0"}},
        {"spikes.csv", hello, {no_traces, "record.formats=[\"csv\"]", "record.raster=false"}},
        {"raster.svg", hello, {no_traces}},
        {"traces.svg", hello, {"record.spikes=\"none\"", "record.traces.[0].interval=5.0"}},
        {"config.cfg", hello, {"record.spikes=\"none\"", no_traces}},
        {"summary.json", many_cfg, {NULL}},
    };
    const char *dir = harness_path("out_full");
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const char *args[16] = {"run", cases[k].cfg, "-o", dir, "--quiet"};
        int n = 5;
        for (int j = 0; j < 3 && cases[k].set[j]; j++) {
            args[n++] = "--set";
            args[n++] = cases[k].set[j];
        }
        args[n] = NULL;
        remove_outputs(dir);
        int st = run_limited(HARNESS_ANY_SIZE, args, out, sizeof out);
        EXPECT(st == 0, cases[k].target, out);
        static const char *const names[] = {"spikes.csv", "spikes.bin", "traces.csv",
                                            "raster.svg", "traces.svg", "config.cfg",
                                            "summary.json"};
        long size = file_size(dir, cases[k].target), next = 0;
        for (size_t j = 0; j < sizeof names / sizeof *names; j++) {
            long sj = file_size(dir, names[j]);
            if (sj < size && sj > next) next = sj;
        }
        EXPECT(size > next + 2, cases[k].target, out);
        remove_outputs(dir);
        for (long limit = (size + next) / 2; size > next + 2; limit = 0) {
            /* the limit just below the target, then none at all (every output fails) */
            st = run_limited(limit, args, out, sizeof out);
            char line[1024], want[1200];
            error_line(out, line, sizeof line);
            snprintf(want, sizeof want, "apical: %s/%s: ", dir, cases[k].target);
            EXPECT(st == 1, cases[k].target, out);
            if (limit) EXPECT(!strncmp(line, want, strlen(want)), cases[k].target, out);
            EXPECT(strstr(line, "File too large") && strstr(line, "no output of this run"),
                   cases[k].target, out);
            EXPECT(!harness_sanitizer_text(out), cases[k].target, out);
            EXPECT(count_entries(dir) == 0, cases[k].target, out);
            if (!limit) break;
        }
    }

    /* An earlier run's outputs stay as they were, but its summary.json is gone: the folder no
     * longer claims a complete run. */
    const char *args[] = {"run", hello, "-o", dir, "--quiet", "--seed", "3", NULL};
    EXPECT(run_limited(HARNESS_ANY_SIZE, args, out, sizeof out) == 0, "earlier run", out);
    char p[2048];
    snprintf(p, sizeof p, "%s/spikes.csv", dir);
    size_t len0, len1;
    char *before = harness_slurp(p, &len0);
    long traces = file_size(dir, "traces.csv");
    const char *args2[] = {"run", hello, "-o", dir, "--quiet", NULL};
    EXPECT(run_limited(traces - 1, args2, out, sizeof out) == 1, "over an earlier run", out);
    char *after = harness_slurp(p, &len1);
    EXPECT(before && after && len0 == len1 && !memcmp(before, after, len0), "over an earlier run",
           out);
    EXPECT(!exists_in(dir, "summary.json") && exists_in(dir, "traces.csv") &&
               exists_in(dir, "config.cfg") && count_entries(dir) == 6,
           "over an earlier run", out);
    free(before);
    free(after);
}

/* ---------------------------------------------------------------------------------------------
 * The top-level commands.
 */

static void test_commands(void) {
    /* Truth: cli/main.c usage text: 0 for --help and --version, 2 for bad input. */
    static char out[OUT_CAP];
    EXPECT(harness_apical("--version", out, sizeof out) == 0, "--version", out);
    EXPECT(!strncmp(out, "apical ", 7), "--version", out);
    EXPECT(harness_apical("--help", out, sizeof out) == 0, "--help", out);
    EXPECT(strstr(out, "usage: apical") != NULL, "--help", out);
    EXPECT(harness_apical("", out, sizeof out) == 2, "no args", out);
    EXPECT(strstr(out, "usage: apical") != NULL, "no args", out);
    EXPECT(harness_apical("frobnicate", out, sizeof out) == 2, "unknown command", out);
    EXPECT(strstr(out, "frobnicate") != NULL, "unknown command", out);
    const char *missing = harness_path("cli_no_such_spikes.csv");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "plot %s -o %s", missing, harness_path("cli_plot.svg"));
    EXPECT(harness_apical(cmd, out, sizeof out) == 2, "plot missing", out);
    EXPECT(strstr(out, missing) != NULL, "plot missing", out);
    EXPECT(!harness_exists(harness_path("cli_plot.svg")), "plot missing", out);
    EXPECT(harness_apical("run", out, sizeof out) == 2, "run without config", out);
    EXPECT(harness_apical("check", out, sizeof out) == 2, "check without config", out);
    EXPECT(!harness_sanitizer_text(out), "commands", out);
    /* every subcommand answers --help with its usage and status 0 */
    static const char *const cmds[] = {"run", "check", "plot", "sweep", "train", "eval"};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        char want[64];
        snprintf(want, sizeof want, "usage: apical %s", cmds[i]);
        for (int h = 0; h < 2; h++) {
            snprintf(cmd, sizeof cmd, "%s %s", cmds[i], h ? "-h" : "--help");
            EXPECT(harness_apical(cmd, out, sizeof out) == 0, cmd, out);
            EXPECT(strstr(out, want) != NULL, cmd, out);
        }
    }
    /* with a config and other options too */
    char hello[1024];
    snprintf(hello, sizeof hello, "%s/configs/hello.cfg", harness_root());
    snprintf(cmd, sizeof cmd, "run %s --seed 3 --help -o %s", hello, harness_path("cli_help_out"));
    EXPECT(harness_apical(cmd, out, sizeof out) == 0 && strstr(out, "usage: apical run"), cmd, out);
    EXPECT(!harness_exists(harness_path("cli_help_out")), cmd, out);
}

static void test_suggestions(void) {
    /* Truth: io/suggest's nearest name (tests/test_suggest.c) in the messages about unknown
     * options and settings, with exit status 2 and, for settings, file, line and path. */
    static char out[OUT_CAP];
    char hello[1024], cmd[4096], line[1024];
    snprintf(hello, sizeof hello, "%s/configs/hello.cfg", harness_root());
    struct {
        const char *args, *want;
    } opts[] = {
        {"run %s --thread 2", "apical: unknown option: --thread (did you mean --threads?)"},
        {"check %s --thread 2", "apical: unknown option: --thread (did you mean --threads?)"},
        {"run %s --quite", "apical: unknown option: --quite (did you mean --quiet?)"},
        {"run %s --threads=2", "apical: unknown option: --threads=2 (write --threads VALUE"},
        {"run %s --frobnicate", "apical: unknown option: --frobnicate"},
        {"plot %s -o never.svg --nerons 3",
         "apical: unknown option: --nerons (did you mean --neurons?); see apical plot --help"},
        {"plot %s -o never.svg --titel=T",
         "apical: unknown option: --titel=T (did you mean --title?)"},
        {"plot %s -o never.svg --currents=1",
         "apical: unknown option: --currents=1 (--currents takes no value)"},
        {"plot %s -o never.svg --frobnicate", "apical: unknown option: --frobnicate; see apical"},
        {"train %s --thred 2", "apical: unknown option: --thred (did you mean --threads?)"},
        {"train %s --resum", "apical: unknown option: --resum (did you mean --resume?)"},
        {"train %s --epochs=3",
         "apical: unknown option: --epochs=3 (write --epochs VALUE: the value is the next"},
        {"train %s --frobnicate", "apical: unknown option: --frobnicate"},
        {"eval %s --thred 2", "apical: unknown option: --thred (did you mean --threads?)"},
        {"eval %s --weigths w", "apical: unknown option: --weigths (did you mean --weights?)"},
        {"eval %s --train=1", "apical: unknown option: --train=1 (--train takes no value)"},
        {"check %s --set simulation.sead=3",
         "apical: --set simulation.sead=3: simulation.sead: unknown setting: did you mean "
         "simulation.seed? (allowed here: dt, duration, seed, threads, poisson)"},
        {"check %s --set simulaton.seed=3", "simulaton: unknown setting: did you mean simulation?"},
        {"check %s --set populations.exc.sise=3",
         "populations.exc.sise: unknown setting for model lif: did you mean populations.exc.size?"},
        {"check %s --set populations.exc.Size=3", "did you mean populations.exc.size?"},
        /* and for names that are values */
        {"check %s --set populations.exc.model=lfi",
         "populations.exc.model: unknown model \"lfi\": did you mean \"lif\"? ("},
        {"check %s --set projections.ee.rule=fixed_indegre",
         "unknown rule \"fixed_indegre\": did you mean \"fixed_indegree\"? ("},
        {"check %s --set populations.exc.synapse=curent",
         "populations.exc.synapse: unknown choice \"curent\": did you mean \"current\"? ("},
    };
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++) {
        snprintf(cmd, sizeof cmd, opts[i].args, hello);
        EXPECT(harness_apical(cmd, out, sizeof out) == 2, cmd, out);
        error_line(out, line, sizeof line);
        EXPECT(strstr(line, opts[i].want) != NULL, cmd, out);
        EXPECT(strstr(cmd, "--frobnicate") == NULL || strstr(line, "did you mean") == NULL, cmd,
               out);
    }
    /* in a file: its line, and the nearest key of that group (the top level, a compartment) */
#define PYR                                                                                        \
    "populations = (\n"                                                                            \
    "  { name = \"pyr\"; size = 10; model = \"mc_lif\";\n"                                         \
    "    compartments = ( { name = \"soma\"; },\n"                                                 \
    "                     { name = \"dend\"; g_C = 10.0; } ); }\n"                                 \
    ");\n"
    static const struct {
        const char *name, *text, *want;
    } files[] = {
        {"cli_typo.cfg", "simulation = { dt = 0.1; };\n" PYR "recrod = { spikes = \"all\"; };\n",
         "cli_typo.cfg:7: recrod: unknown setting: did you mean record?"},
        {"cli_typo2.cfg", PYR,
         "cli_typo2.cfg:4: populations.pyr.compartments.dend.g_C: unknown compartment setting: "
         "did you mean populations.pyr.compartments.dend.g_c?"},
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(cmd, sizeof cmd, "check %s", harness_write(files[i].name, files[i].text));
        EXPECT(harness_apical(cmd, out, sizeof out) == 2, files[i].name, out);
        error_line(out, line, sizeof line);
        EXPECT(strstr(line, files[i].want), files[i].name, out);
    }
#undef PYR
    EXPECT(!harness_sanitizer_text(out), "suggestions", out);
}

static void test_set_origin(void) {
    /* Truth: docs/config.md "Validation and errors": a setting that --set changed is reported as
     * that --set (even when it was changed in place, keeping the file's line), anything else by
     * its file and line; a config without populations names the config, not --set. */
    static char out[OUT_CAP];
    const char *path = harness_write(
        "cli_origin.cfg", POP EE "  rule = \"all_to_all\"; weight = 1.0;\n  delay = 1.5; } );\n");
    EXPECT(check_cmd(path, "--set projections.ee.delay=0.05", out, sizeof out) == 2, "in place",
           out);
    EXPECT(strstr(out, "apical: --set projections.ee.delay=0.05: projections.ee.delay: ") != NULL,
           "in place", out);
    EXPECT(strstr(out, "cli_origin.cfg:") == NULL, "in place", out);
    /* the file's own mistake keeps its line while other --set are given */
    EXPECT(check_cmd(path, "--set projections.ee.weight=2.0 --set projections.ee.delay=0.01 "
                           "--set projections.ee.delay=1.5 --set 'projections.ee.rule=\"nope\"'",
                     out, sizeof out) == 2,
           "rule", out);
    EXPECT(strstr(out, "--set projections.ee.rule=\"nope\": projections.ee.rule: ") != NULL,
           "rule", out);
    const char *bad = harness_write("cli_origin_bad.cfg",
                                    POP EE "  rule = \"all_to_all\"; weight = 1.0;\n  delay = 0.01; } );\n");
    EXPECT(check_cmd(bad, "--set projections.ee.weight=2.0", out, sizeof out) == 2, "file", out);
    EXPECT(strstr(out, "cli_origin_bad.cfg:4: projections.ee.delay: ") != NULL, "file", out);
    const char *none = harness_write("cli_no_pops.cfg", "simulation = { dt = 0.1; };\n");
    EXPECT(check_cmd(none, "", out, sizeof out) == 2, "no populations", out);
    char want[1200];
    snprintf(want, sizeof want, "apical: %s: populations: missing", none);
    EXPECT(strstr(out, want) != NULL && strstr(out, "--set") == NULL, "no populations", out);
}

static void test_microcircuit(void) {
    /* Truth: Potjans & Diesmann (2014) Table 5 and NEST's example: 77 169 neurons and, from the
     * connection probabilities, 298 880 968 synapses at full scale; at 5 % of neurons and
     * in-degrees every population fires (the background and the compensating dc drive them). */
    static char out[OUT_CAP];
    char cfg[1024], cmd[4096];
    snprintf(cfg, sizeof cfg, "%s/configs/microcircuit.cfg", harness_root());
    EXPECT(check_cmd(cfg, "", out, sizeof out) == 0, "check", out);
    EXPECT(strstr(out, "total: 77169 neurons, ~298880968 synapses") != NULL, "check", out);
    EXPECT(check_cmd(cfg, "--set simulation.poisson=dc", out, sizeof out) == 0, "dc", out);
    EXPECT(strstr(out, "bg_L23e      dc 561.974 pA -> L23e") != NULL, "dc", out);
    const char *dir = harness_path("out_mc");
    snprintf(cmd, sizeof cmd, "run %s -o %s --quiet --set scale.neurons=0.05 "
             "--set scale.indegree=0.05 --set simulation.duration=200 --set record.raster=false",
             cfg, dir);
    EXPECT(harness_apical(cmd, out, sizeof out) == 0, "run 5 %", out);
    char p[2048];
    snprintf(p, sizeof p, "%s/summary.json", dir);
    cJSON *j = harness_read_json(p);
    CU_ASSERT_FATAL(j != NULL);
    const cJSON *pops = cJSON_GetObjectItemCaseSensitive(j, "populations");
    EXPECT(cJSON_GetArraySize(pops) == 8, "summary", out);
    for (int i = 0; i < cJSON_GetArraySize(pops); i++)
        EXPECT(harness_json_num(cJSON_GetArrayItem(pops, i), "rate_hz") > 0.1, "rates", out);
    cJSON_Delete(j);
}

static int suite_cli(void) {
    CU_pSuite s = CU_add_suite("cli", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "malformed configs", test_malformed_configs) ||
        !CU_add_test(s, "memory beyond the machine", test_memory_beyond_machine) ||
        !CU_add_test(s, "--set sizes", test_set_sizes) ||
        !CU_add_test(s, "--set dt", test_set_dt) ||
        !CU_add_test(s, "--set projection weight", test_set_projection_weight) ||
        !CU_add_test(s, "--set index range", test_set_index_range) ||
        !CU_add_test(s, "--set origin in errors", test_set_origin) ||
        !CU_add_test(s, "microcircuit", test_microcircuit) ||
        !CU_add_test(s, "--seed, --threads without simulation",
                     test_seed_threads_without_simulation) ||
        !CU_add_test(s, "run outputs", test_run_outputs) ||
        !CU_add_test(s, "SIGTERM", test_sigterm) || !CU_add_test(s, "SIGINT", test_sigint) ||
        !CU_add_test(s, "non-finite state", test_nonfinite_state) ||
        !CU_add_test(s, "disk full", test_disk_full) ||
        !CU_add_test(s, "commands", test_commands) ||
        !CU_add_test(s, "did you mean", test_suggestions))
        return -1;
    return 0;
}
TEST_SUITE(suite_cli)
