/* tests/test_rec_weights: record.weights (io/rec_weights), weights.csv (io/wtrace) and its
 * pictures. Truths: the network's own weights read directly after every step of a one-thread
 * run (and before the first, and after the last), looked up by (source, target) in the
 * canonical order; the same bytes for any thread count and for a run paused for checkpoints;
 * histogram counts of a file written by hand, binned by hand. */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/net.h"
#include "io/cfg.h"
#include "io/rec_weights.h"
#include "io/svg.h"
#include "io/wtrace.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

/* pre (driven lif) onto post (driven lif) all to all with additive STDP; "sparse" is plastic
 * with two synapses, "ee" static. 1 s at dt = 0.1 ms. */
static const char base[] =
    "simulation = { dt = 0.1; duration = 1000.0; seed = 7; threads = 1; };\n"
    "populations = (\n"
    "  { name = \"pre\"; size = 20; model = \"lif\"; },\n"
    "  { name = \"post\"; size = 3; model = \"lif\"; }\n"
    ");\n"
    "projections = (\n"
    "  { name = \"in_exc\"; from = \"pre\"; to = \"post\"; rule = \"all_to_all\"; delay = 1.0;\n"
    "    weight = { dist = \"uniform\"; low = 200.0; high = 600.0; };\n"
    "    plasticity = { rule = \"stdp\"; w_max = 800.0; lambda = 0.05; alpha = 1.05;\n"
    "                   mu_plus = 0.0; mu_minus = 0.0; }; },\n"
    "  { name = \"sparse\"; from = \"pre\"; to = \"post\"; rule = \"list\"; sources = [0, 1];\n"
    "    targets = [0, 2]; weight = 100.0; delay = 1.0;\n"
    "    plasticity = { rule = \"stdp\"; w_max = 800.0; }; },\n"
    "  { name = \"ee\"; from = \"pre\"; to = \"pre\"; rule = \"fixed_indegree\"; k = 3;\n"
    "    weight = 10.0; delay = 1.5; }\n"
    ");\n"
    "stimuli = (\n"
    "  { name = \"drive\"; type = \"poisson\"; target = \"pre\"; rate = 9000.0; weight = 20.0; },\n"
    "  { name = \"post_drive\"; type = \"poisson\"; target = \"post\"; rate = 4000.0; weight = "
    "20.0; }\n"
    ");\n";

static const char good_record[] =
    "record = {\n"
    "  spikes = \"none\";\n"
    "  weights = ( { projection = \"in_exc\"; synapses = 12; interval = 10.0; },\n"
    "              { projection = \"in_exc\"; pairs = ( [0, 1], [3, 2] ); interval = 1.0; },\n"
    "              { projection = \"sparse\"; synapses = 5; interval = 2.5; } );\n"
    "};\n";

/* The config text with a record block. */
static const char *config(const char *name, const char *record)
{
    static char text[8192];
    snprintf(text, sizeof text, "%s%s", base, record);
    return harness_write(name, text);
}

/* ---- one row of weights.csv, read here without io/wtrace ---- */

struct row {
    double t;
    char proj[64];
    unsigned src, tgt;
    float w;
};

/* Rows of a weights file (after its header); returns how many, -1 if one is malformed. */
static long read_rows(const char *path, struct row **out)
{
    char *s = harness_slurp(path, NULL);
    if (!s) return -1;
    long n = 0, cap = 1024;
    struct row *r = malloc((size_t)cap * sizeof *r);
    char *line = strchr(s, '\n');
    int bad = !r || !line || strncmp(s, "t_ms,projection,source,target,weight\n", 37);
    for (line = line ? line + 1 : NULL; !bad && line && *line;) {
        char *end = strchr(line, '\n');
        if (!end) break;
        *end = 0;
        if (n == cap) r = realloc(r, (size_t)(cap *= 2) * sizeof *r);
        char proj[64];
        double w;
        if (sscanf(line, "%lf,%63[^,],%u,%u,%lf", &r[n].t, proj, &r[n].src, &r[n].tgt, &w) != 5)
            bad = 1;
        snprintf(r[n].proj, sizeof r[n].proj, "%s", proj);
        r[n].w = (float)w; /* "%.9g" of a float reads back as that float */
        n++;
        line = end + 1;
    }
    free(s);
    if (bad) {
        free(r);
        return -1;
    }
    *out = r;
    return n;
}

/* ---- the in-process run: the recorder beside a recorder that reads every weight ---- */

/* Every weight of projection j in canonical order after each step (one thread: on_step(s) runs
 * after the delivery of step s, so these are the weights at time s + 1), and before the run. */
struct snap {
    int j;
    uint64_t nsyn, *order;
    uint32_t *src, *tgt;
    float *w; /* (nsteps + 1) x nsyn */
};

static int snap_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)e;
    struct snap *s = self;
    for (uint64_t c = 0; c < s->nsyn; c++)
        s->w[(uint64_t)(step + 1) * s->nsyn + c] = proj_weight(&n->projs[s->j], s->order[c]);
    return 0;
}

static void snap_init(struct snap *s, const struct net *n, int j)
{
    struct err e = {0};
    s->j = j;
    s->nsyn = n->projs[j].nsyn;
    s->order = malloc(s->nsyn * sizeof *s->order);
    s->src = malloc(s->nsyn * sizeof *s->src);
    s->tgt = malloc(s->nsyn * sizeof *s->tgt);
    s->w = malloc((size_t)(n->nsteps + 1) * s->nsyn * sizeof *s->w);
    CU_ASSERT_FATAL(s->order && s->src && s->tgt && s->w);
    CU_ASSERT_FATAL(net_proj_order(n, j, s->order, s->src, s->tgt, &e) == 0);
    snap_step(s, n, -1, &e);
}

/* The first synapse from src to tgt in canonical order, or -1. */
static long long find_syn(const struct snap *s, unsigned src, unsigned tgt)
{
    for (uint64_t c = 0; c < s->nsyn; c++)
        if (s->src[c] == src && s->tgt[c] == tgt) return (long long)c;
    return -1;
}

/* Stops the run after step `at - 1` (n->step = at), as cli/run_ckpt's timer does. */
struct pause {
    int64_t at;
    volatile sig_atomic_t flag;
};

static int pause_step(void *self, const struct net *n, int64_t step, struct err *e)
{
    (void)n, (void)e;
    struct pause *p = self;
    if (step + 2 == p->at) p->flag = 1;
    return 0;
}

/* Runs the good config in process with one thread, pausing at step 450 (t = 45 ms: a sample
 * of the 1 ms entry only) for a mark; compares every row with the weights read directly. */
static void test_rows_are_the_weights(void)
{
    const char *cfg = config("wr_good.cfg", good_record);
    struct net_spec spec;
    char *resolved = NULL;
    struct err e = {0};
    CU_ASSERT_FATAL(cfg_load(cfg, NULL, 0, &spec, &resolved, &e) == 0);
    struct net n;
    CU_ASSERT_FATAL(net_build(&n, &spec, &e) == 0);
    struct snap sn[2];
    snap_init(&sn[0], &n, 0);
    snap_init(&sn[1], &n, 1);
    const char *csv = harness_path("wr_inproc.csv");
    struct rec_weights *rw = NULL;
    struct recorder recs[4];
    CU_ASSERT_FATAL(rec_weights_open(&rw, &recs[0], &n, csv, NULL, &e) == 0);
    struct pause pz = {450, 0};
    recs[1] = (struct recorder){snap_step, &sn[0], 0};
    recs[2] = (struct recorder){snap_step, &sn[1], 0};
    recs[3] = (struct recorder){pause_step, &pz, 0};
    CU_ASSERT(net_run(&n, recs, 4, &pz.flag, &e) == ERR_INTERRUPTED);
    CU_ASSERT_EQUAL(n.step, 450);
    unsigned long long bytes = 0;
    CU_ASSERT(rec_weights_mark(rw, &bytes, &e) == 0 && bytes > 0);
    pz.flag = 0;
    CU_ASSERT(net_run(&n, recs, 4, &pz.flag, &e) == 0);
    CU_ASSERT(rec_weights_close(rw, 1, &e) == 0);

    struct row *r = NULL;
    long nr = read_rows(csv, &r);
    CU_ASSERT_FATAL(nr > 0);
    /* 12 synapses at 0, 10, ..., 1000 ms; 2 at every ms; "sparse" has 2 synapses (of 5 asked)
     * at every 2.5 ms */
    CU_ASSERT_EQUAL(nr, 101 * 12 + 1001 * 2 + 401 * 2);
    long changed = 0, prev_t = -1, checked = 0;
    int ordered = 1;
    for (long i = 0; i < nr; i++) {
        int j = !strcmp(r[i].proj, "sparse");
        long long step = llround(r[i].t / 0.1);
        long long c = find_syn(&sn[j], r[i].src, r[i].tgt);
        ordered &= step >= prev_t;
        prev_t = step;
        if (c < 0 || step < 0 || step > n.nsteps) {
            CU_FAIL("a row names no synapse or a time outside the run");
            break;
        }
        float want = sn[j].w[(uint64_t)step * sn[j].nsyn + (uint64_t)c];
        if (r[i].w != want) {
            fprintf(stderr, "\n  row %ld: t %g %s %u->%u: %.9g, the network had %.9g\n", i + 2,
                    r[i].t, r[i].proj, r[i].src, r[i].tgt, r[i].w, want);
            CU_FAIL("a recorded weight is not the network's");
            break;
        }
        checked++;
        changed += r[i].w != sn[j].w[c];
    }
    CU_ASSERT_EQUAL(checked, nr);
    CU_ASSERT(ordered);
    CU_ASSERT(changed > 100); /* plasticity did change the weights recorded */
    /* the rows of the 10 ms entry: 12 distinct synapses in canonical order, at each time */
    long long last_c = -1;
    for (long i = 0; i < 12; i++) {
        long long c = find_syn(&sn[0], r[i].src, r[i].tgt);
        CU_ASSERT(c > last_c);
        last_c = c;
    }
    /* the last row is the final weight, the first the initial one: the network's own */
    CU_ASSERT_EQUAL(r[nr - 1].t, 1000.0);
    CU_ASSERT_EQUAL(r[nr - 1].w, proj_weight(&n.projs[1], sn[1].order[find_syn(&sn[1], 1, 2)]));
    struct net fresh;
    CU_ASSERT_FATAL(net_build(&fresh, &spec, &e) == 0);
    CU_ASSERT_EQUAL(r[0].t, 0.0);
    CU_ASSERT_EQUAL(
        r[0].w, proj_weight(&fresh.projs[0], sn[0].order[find_syn(&sn[0], r[0].src, r[0].tgt)]));
    net_free(&fresh);

    /* the same bytes as apical run at 1, 2 and 3 threads */
    char *mine = harness_slurp(csv, NULL);
    for (int T = 1; T <= 3; T++) {
        char args[4096], out[8192], dir[1100], path[1200];
        snprintf(dir, sizeof dir, "%s/wr_run%d", harness_tmpdir(), T);
        snprintf(args, sizeof args, "run '%s' --threads %d --quiet -o '%s'", cfg, T, dir);
        int rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 0, args, out);
        snprintf(path, sizeof path, "%s/weights.csv", dir);
        char *theirs = harness_slurp(path, NULL);
        EXPECT(mine && theirs && !strcmp(mine, theirs), path, out);
        free(theirs);
        snprintf(path, sizeof path, "%s/weights.svg", dir);
        CU_ASSERT(harness_exists(path));
    }
    free(mine);
    free(r);
    for (int j = 0; j < 2; j++) {
        free(sn[j].order), free(sn[j].src), free(sn[j].tgt), free(sn[j].w);
    }
    net_free(&n);
    spec_free(&spec);
    free(resolved);
}

/* A run paused for checkpoints writes the file an unpaused run writes (the pauses fall on
 * samples and between them). */
static void test_checkpoint_pauses(void)
{
    const char *cfg = config("wr_pause.cfg", good_record);
    char a[1200], b[1200];
    for (int k = 0; k < 2; k++) {
        char args[4096], out[8192];
        snprintf(k ? b : a, 1200, "%s/wr_pause%d", harness_tmpdir(), k);
        snprintf(args, sizeof args, "run '%s' --threads 2 --quiet -o '%s'%s", cfg, k ? b : a,
                 k ? " --checkpoint-every 37.5" : "");
        int rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 0, args, out);
    }
    strcat(a, "/weights.csv");
    strcat(b, "/weights.csv");
    char *x = harness_slurp(a, NULL), *y = harness_slurp(b, NULL);
    CU_ASSERT(x && y && !strcmp(x, y));
    free(x);
    free(y);
}

static int same_file(const char *dir_a, const char *dir_b, const char *name)
{
    char a[1300], b[1300];
    snprintf(a, sizeof a, "%s/%s", dir_a, name);
    snprintf(b, sizeof b, "%s/%s", dir_b, name);
    size_t na = 0, nb = 0;
    char *x = harness_slurp(a, &na), *y = harness_slurp(b, &nb);
    int same = x && y && na == nb && !memcmp(x, y, na);
    if (!same) fprintf(stderr, "\n  %s and %s differ\n", a, b);
    free(x);
    free(y);
    return same;
}


static const char term_record[] =
    "record = {\n"
    "  spikes = \"none\";\n"
    "  weights = ( { projection = \"in_exc\"; synapses = 12; interval = 10.0; },\n"
    "    { projection = \"in_exc\"; pairs = ( [0, 1], [3, 2] ); interval = 5.0; },\n"
    "    { projection = \"sparse\"; synapses = 5; interval = 2.5; } );\n"
    "};\n";

/* Stops a 60 s run on 1 thread with sig as soon as DIR/run.tmp/`watch` appears, resumes it on
 * 2 threads, and compares its weights files with those of the run never stopped (whole). */
static void stop_and_resume(const char *cfg, const char *whole, const char *name, const char *every,
                            const char *watch_name, int sig)
{
    const char *bin = harness_bin();
    char dir[1100], watch[1200], args[4096], out[8192];
    snprintf(dir, sizeof dir, "%s/%s", harness_tmpdir(), name);
    snprintf(watch, sizeof watch, "%s/run.tmp/%s", dir, watch_name);
    const char *argv[] = {
        bin, "run",     cfg,  "--set", "simulation.duration=60000",         "--threads",
        "1", "--quiet", "-o", dir,     every ? "--checkpoint-every" : NULL, every,
        NULL};
    int rc = harness_signal_when(argv, watch, sig, 0);
    int stopped = sig == SIGTERM ? rc == 143 : rc == -sig;
    /* 0 or the signal itself after the run: it was over before the signal (a machine far
     * faster than this one); nothing to resume then */
    CU_ASSERT(stopped || rc == 0 || rc == -sig);
    if (!stopped || (sig != SIGTERM && !harness_exists(watch))) {
        fprintf(stderr, "\n  %s: the run ended before the signal (status %d): not tested\n", name,
                rc);
        return;
    }
    snprintf(args, sizeof args, "run --resume '%s' --threads 2 --quiet", dir);
    rc = harness_apical(args, out, sizeof out);
    EXPECT(rc == 0, args, out);
    CU_ASSERT(same_file(whole, dir, "weights.csv"));
    CU_ASSERT(same_file(whole, dir, "weights.svg"));
    CU_ASSERT(same_file(whole, dir, "weights.bin"));
}

/* A run stopped and resumed on other threads ends with the weights.csv, weights.svg and
 * weights.bin of a run never stopped (3 threads): the file is cut back to the checkpoint's
 * bytes, the rows due at the checkpoint's time are in it, and the plastic state comes back with
 * the checkpoint. Stopped by SIGTERM at once (any step), and killed (SIGKILL) after the first
 * checkpoint of --checkpoint-every 2500 (a time every entry samples). */
static void test_stop_resume(void)
{
    const char *cfg = config("wr_term.cfg", term_record);
    char whole[1100], args[4096], out[8192];
    snprintf(whole, sizeof whole, "%s/wr_term_whole", harness_tmpdir());
    snprintf(args, sizeof args,
             "run '%s' --set simulation.duration=60000 --threads 3 --quiet -o '%s'", cfg, whole);
    int rc = harness_apical(args, out, sizeof out);
    EXPECT(rc == 0, args, out);
    /* weights.csv.tmp appears when the recorder opens, just before the first step */
    stop_and_resume(cfg, whole, "wr_term", NULL, "weights.csv.tmp", SIGTERM);
    stop_and_resume(cfg, whole, "wr_kill", "2500", "checkpoint.bin", SIGKILL);
}

/* The rows at t = 0 of a run started from another's weights (--weights) are that run's last
 * rows (both sample every group at 1000 ms). */
static void test_from_weights(void)
{
    const char *cfg = config("wr_from.cfg", good_record);
    char dir[2][1100], args[4096], out[8192], path[2400];
    struct row *r[2] = {NULL, NULL};
    long n[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        snprintf(dir[k], sizeof dir[k], "%s/wr_from%d", harness_tmpdir(), k);
        snprintf(args, sizeof args, "run '%s' --quiet -o '%s'%s%s%s", cfg, dir[k],
                 k ? " --weights '" : "", k ? dir[0] : "", k ? "'" : "");
        int rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 0, args, out);
        snprintf(path, sizeof path, "%s/weights.csv", dir[k]);
        n[k] = read_rows(path, &r[k]);
    }
    CU_ASSERT_FATAL(n[0] > 0 && n[0] == n[1]);
    long first = 0, last = n[0];
    while (first < n[1] && r[1][first].t == 0) first++;
    while (last > 0 && r[0][last - 1].t == 1000) last--;
    CU_ASSERT(first > 0 && first == n[0] - last);
    for (long i = 0; i < first && i < n[0] - last; i++) {
        const struct row *a = &r[1][i], *b = &r[0][last + i];
        CU_ASSERT(!strcmp(a->proj, b->proj) && a->src == b->src && a->tgt == b->tgt &&
                  a->w == b->w);
    }
    /* and the weights did move in the first run */
    int moved = 0;
    for (long i = 0; i < first; i++) moved |= r[0][i].w != r[1][i].w;
    CU_ASSERT(moved);
    free(r[0]);
    free(r[1]);
}

/* Bad record.weights: exit 2, naming the file, the line where it applies, and the setting. */
static void test_bad_input(void)
{
    static const struct {
        const char *record, *want, *msg;
    } cases[] = {
        {"record = { weights = ( { projection = \"nope\"; synapses = 2; } ); };",
         "record.weights.[0].projection", "unknown projection \"nope\""},
        {"record = { weights = ( { projection = \"ee\"; synapses = 2; } ); };",
         "record.weights.[0].projection", "projection \"ee\" is not plastic"},
        {"record = { weights = ( { projection = \"in_exc\"; synapses = 2; interval = 0.25; } ); };",
         "record.weights.[0].interval", "not a multiple of dt"},
        {"record = { weights = ( { projection = \"in_exc\"; synapses = 2; interval = 0.05; } ); };",
         "record.weights.[0].interval", "out of range"},
        {"record = { weights = ( { projection = \"in_exc\"; synapses = -3; } ); };",
         "record.weights.[0].synapses", "out of range"},
        {"record = { weights = ( { projection = \"in_exc\"; synapses = 0; } ); };",
         "record.weights.[0].synapses", "out of range"},
        {"record = { weights = ( { projection = \"in_exc\"; } ); };", "record.weights.[0]",
         "needs synapses"},
        {"record = { weights = ( { projection = \"in_exc\"; synapses = 2; pairs = ( [0, 1] ); } "
         "); };",
         "record.weights.[0].pairs", "not both"},
        {"record = { weights = ( { projection = \"in_exc\"; pairs = ( [0, 3] ); } ); };",
         "record.weights.[0].pairs", "the target must be a neuron index in [0, 3)"},
        {"record = { weights = ( { projection = \"in_exc\"; pairs = ( [0, 1], [0, 1] ); } ); };",
         "record.weights.[0].pairs", "entry 1 repeats entry 0"},
        {"record = { weights = ( { projection = \"in_exc\"; pairs = ( [0, 1] ); },\n"
         "  { projection = \"sparse\"; pairs = ( [0, 0],\n [1, 0] ); } ); };",
         "record.weights.[1].pairs",
         "entry 1: no synapse of projection \"sparse\" joins source 1 "
         "to target 0"},
        {"record = { weights = { projection = \"in_exc\"; synapses = 1; }; };", "record.weights",
         "must be a list"},
        {"record = { weights = ( { projection = \"in_exc\"; synapses = 1; every = 2.0; } ); };",
         "record.weights.[0].every", "unknown setting"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64], args[4096], out[8192], where[1400];
        snprintf(name, sizeof name, "wr_bad%zu.cfg", i);
        const char *cfg = config(name, cases[i].record);
        snprintf(args, sizeof args, "run '%s' --quiet -o '%s/wr_bad'", cfg, harness_tmpdir());
        int rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 2, cases[i].record, out);
        /* the record block starts on the line after the base text */
        int line = 1;
        for (const char *p = base; *p; p++) line += *p == '\n';
        if (strstr(cases[i].record, "\n [1, 0]")) line += 1; /* the pairs list's line */
        snprintf(where, sizeof where, "%s:%d: %s: ", cfg, line, cases[i].want);
        EXPECT(strstr(out, where) != NULL, where, out);
        EXPECT(strstr(out, cases[i].msg) != NULL, cases[i].msg, out);
    }
}

/* ---- weights.csv read back, and drawn ---- */

static const char *svg_of(const char *csv, const char *name, const char *extra, int *rc, char *out,
                          size_t outn)
{
    const char *svg = harness_path(name);
    char args[4096];
    snprintf(args, sizeof args, "plot '%s' -o '%s' %s", csv, svg, extra);
    *rc = harness_apical(args, out, outn);
    return svg;
}

/* Numbers of attribute attr (space-separated) in the element of class cls whose data-proj is
 * proj, into v[0..n); returns how many. */
static int attr_numbers(const char *svg, const char *cls, const char *proj, const char *attr,
                        double *v, int n)
{
    char want[128];
    snprintf(want, sizeof want, "class=\"%s\" data-proj=\"%s\"", cls, proj);
    const char *p = strstr(svg, want), *end = p ? strchr(p, '>') : NULL;
    snprintf(want, sizeof want, " %s=\"", attr);
    const char *a = p ? strstr(p, want) : NULL;
    if (!a || a > end) return -1;
    a += strlen(want);
    int k = 0;
    while (k < n && *a != '"') {
        char *e;
        v[k++] = strtod(a, &e);
        if (e == a) return -1;
        a = e;
    }
    return k;
}

/* A file by hand: a multapse's two synapses (the same pair twice at each time), a third
 * synapse, another projection; histograms binned by hand. */
static void test_read_and_draw(void)
{
    const char *csv = harness_write("wr_hand.csv", "t_ms,projection,source,target,weight\n"
                                                   "0.0,ee,1,2,0\n"
                                                   "0.0,ee,1,2,0\n"
                                                   "0.0,ee,3,4,10\n"
                                                   "0.0,ie,0,0,-5\n"
                                                   "5.0,ee,1,2,10\n"
                                                   "5.0,ee,1,2,10\n"
                                                   "5.0,ee,3,4,0\n"
                                                   "10.0,ee,1,2,10\n"
                                                   "10.0,ee,1,2,9.75\n"
                                                   "10.0,ee,3,4,0\n"
                                                   "10.0,ie,0,0,-7.5\n");
    struct wtr_table t;
    struct err e = {0};
    CU_ASSERT_FATAL(wtr_read(csv, &t, &e) == 0);
    CU_ASSERT_EQUAL(t.nprojs, 2);
    CU_ASSERT_EQUAL(t.nseries, 4);
    CU_ASSERT_EQUAL(t.nrows, 11);
    CU_ASSERT(t.s[0].src == 1 && t.s[0].tgt == 2 && t.s[0].n == 3 && t.s[0].w[2] == 10);
    CU_ASSERT(t.s[1].src == 1 && t.s[1].tgt == 2 && t.s[1].n == 3 && t.s[1].w[2] == 9.75);
    CU_ASSERT(t.s[3].proj == 1 && t.s[3].n == 2 && t.s[3].t_ms[1] == 10 && t.s[3].w[1] == -7.5);
    wtr_table_free(&t);

    int rc;
    char out[8192];
    const char *svg = svg_of(csv, "wr_hand.svg", "", &rc, out, sizeof out);
    EXPECT(rc == 0, "apical plot weights", out);
    char *s = harness_slurp(svg, NULL);
    CU_ASSERT_FATAL(s != NULL);
    CU_ASSERT_EQUAL(harness_count(s, NULL, "<polyline class=\"weight\""), 4);
    /* ee: first weights 0, 0, 10 and last 10, 9.75, 0 over [0, 10] in 20 bins of 0.5 (the last
     * closed): before 2 in bin 0, 1 in bin 19; after 1 in bin 0, 1 in bin 19, 1 in bin 19 */
    double w[2], before[20], after[20];
    CU_ASSERT_EQUAL(attr_numbers(s, "hist", "ee", "data-w0", w, 1), 1);
    CU_ASSERT_EQUAL(attr_numbers(s, "hist", "ee", "data-w1", w + 1, 1), 1);
    CU_ASSERT(w[0] == 0 && w[1] == 10);
    CU_ASSERT_EQUAL(attr_numbers(s, "hist", "ee", "data-before", before, 20), 20);
    CU_ASSERT_EQUAL(attr_numbers(s, "hist", "ee", "data-after", after, 20), 20);
    double sb = 0, sa = 0;
    for (int b = 0; b < 20; b++) sb += before[b], sa += after[b];
    CU_ASSERT(sb == 3 && sa == 3);
    CU_ASSERT(before[0] == 2 && before[19] == 1 && after[0] == 1 && after[19] == 2);
    /* ie: -5 before, -7.5 after; both inside its range, in different bins */
    CU_ASSERT_EQUAL(attr_numbers(s, "hist", "ie", "data-before", before, 20), 20);
    CU_ASSERT_EQUAL(attr_numbers(s, "hist", "ie", "data-after", after, 20), 20);
    CU_ASSERT_EQUAL(attr_numbers(s, "hist", "ie", "data-w0", w, 1), 1);
    CU_ASSERT_EQUAL(attr_numbers(s, "hist", "ie", "data-w1", w + 1, 1), 1);
    int bb = -1, ba = -1;
    for (int b = 0; b < 20; b++) {
        if (before[b] == 1) bb = b;
        if (after[b] == 1) ba = b;
    }
    CU_ASSERT(bb == (int)fmin(19, floor((-5 - w[0]) / (w[1] - w[0]) * 20)));
    CU_ASSERT(ba == (int)fmin(19, floor((-7.5 - w[0]) / (w[1] - w[0]) * 20)));
    CU_ASSERT(w[0] <= -7.5 && w[1] >= -5);
    free(s);

    /* a window: the histograms take the first and last samples inside it */
    svg = svg_of(csv, "wr_hand_win.svg", "--tmax 5", &rc, out, sizeof out);
    EXPECT(rc == 0, "apical plot weights --tmax 5", out);
    s = harness_slurp(svg, NULL);
    CU_ASSERT_FATAL(s != NULL);
    CU_ASSERT_EQUAL(attr_numbers(s, "hist", "ee", "data-after", after, 20), 20);
    CU_ASSERT(after[0] == 1 && after[19] == 2);
    CU_ASSERT_EQUAL(harness_count(s, NULL, "<polyline class=\"weight\""), 4);
    free(s);

    /* flags of other files are refused */
    svg_of(csv, "wr_hand_bad.svg", "--neurons 2", &rc, out, sizeof out);
    EXPECT(rc == 2 && strstr(out, "--neurons is for traces files"), "--neurons", out);
}

/* What the reader refuses: exit 2 naming file and line. */
static void test_reader_refuses(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"t_ms,projection,source,target,weight\n5.0,ee,1,2,3\n4.0,ee,1,2,3\n",
         ":3: time 4 ms comes before the previous row's 5 ms"},
        {"t_ms,projection,source,target,weight\n5.0,ee,1,2\n", ":2: expected 5 fields"},
        {"t_ms,projection,source,target,weight\n5.0,ee,1,-2,3\n", ":2: target: '-2' is not"},
        {"t_ms,projection,source,target,weight\n5.0,ee,1,2,nan\n", ":2: weight: 'nan' is not"},
        {"t_ms,projection,source,target,weight\n5.0,,1,2,1\n", ":2: projection: '' is not"},
        {"t_ms,projection,source,target,weight\n5.0,ee,1,2,1", ":2: line not terminated"},
        {"t_ms,projection,source,target,weight\n", ": no weights to draw"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64], out[8192];
        snprintf(name, sizeof name, "wr_refuse%zu.csv", i);
        const char *csv = harness_write(name, cases[i].text);
        int rc;
        svg_of(csv, "wr_refuse.svg", "", &rc, out, sizeof out);
        char where[1300];
        snprintf(where, sizeof where, "%s%s", csv, cases[i].want);
        EXPECT(rc == 2 && strstr(out, where), where, out);
    }
}

/* apical plot of a run's weights.csv, titled as the run titles it, is the run's weights.svg. */
static void test_plot_is_the_runs_picture(void)
{
    const char *cfg = config("wr_plot.cfg", good_record);
    char dir[1100], args[4096], out[8192], csv[1200], svg[1200];
    snprintf(dir, sizeof dir, "%s/wr_plotrun", harness_tmpdir());
    snprintf(args, sizeof args, "run '%s' --quiet -o '%s'", cfg, dir);
    int rc = harness_apical(args, out, sizeof out);
    EXPECT(rc == 0, args, out);
    snprintf(csv, sizeof csv, "%s/weights.csv", dir);
    snprintf(svg, sizeof svg, "%s/weights.svg", dir);
    char title[1300];
    snprintf(title, sizeof title, "--title '%s'", cfg);
    const char *mine = svg_of(csv, "wr_plot.svg", title, &rc, out, sizeof out);
    EXPECT(rc == 0, "apical plot", out);
    char *x = harness_slurp(svg, NULL), *y = harness_slurp(mine, NULL);
    CU_ASSERT(x && y && !strcmp(x, y));
    /* one line per recorded synapse: 12 + 2 of in_exc, 2 of sparse */
    CU_ASSERT_EQUAL(harness_count(x ? x : "", NULL, "<polyline class=\"weight\""), 16);
    CU_ASSERT_EQUAL(harness_count(x ? x : "", NULL, "<g class=\"hist\""), 2);
    free(x);
    free(y);
}

static int suite_rec_weights(void)
{
    CU_pSuite s = CU_add_suite("rec_weights", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "rows are the network's weights; any threads", test_rows_are_the_weights) ||
        !CU_add_test(s, "checkpoint pauses change nothing", test_checkpoint_pauses) ||
        !CU_add_test(s, "stopped, resumed on other threads = uninterrupted", test_stop_resume) ||
        !CU_add_test(s, "t = 0 rows are the weights --weights loads", test_from_weights) ||
        !CU_add_test(s, "bad record.weights", test_bad_input) ||
        !CU_add_test(s, "read back and drawn", test_read_and_draw) ||
        !CU_add_test(s, "reader refuses", test_reader_refuses) ||
        !CU_add_test(s, "plot redraws the run's picture", test_plot_is_the_runs_picture))
        return -1;
    return 0;
}
TEST_SUITE(suite_rec_weights)
