/* fuzz/fuzz_sweep: a sweep's folder as `apical sweep collect` and `apical sweep plot` read it:
 * OUT/sweep.json (sweep/plan's plan_load), the points' markers done.json and failed.json
 * (sweep/store) and their summary.json files (sweep/table), then the results table and the
 * picture (cli/sweep.c, cli/sweep_plot.c, sweep/plot.c).
 *
 * Input: the text of sweep.json, then any number of files, each after a line "@@ P NAME" where
 * P is a point number below 100 and NAME one of done, failed, summary: the lines up to the next
 * "@@ " line become OUT/points/<P, five digits>/NAME.json. Other "@@ " lines start text that is
 * dropped. Names are built here from P and NAME, never taken from the input. */
#include "fuzz/fuzz.h"

#include "cli/cli.h"
#include "sweep/plan.h"

static char out[600];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_path(out, sizeof out, "sweep");
    return 0;
}

/* The file named by the header line h[0..n) ("@@ P NAME"), or "" to drop what follows. */
static void part_path(const char *h, size_t n, char *path, size_t size)
{
    static const char *const names[] = {"done", "failed", "summary"};
    char line[64];
    path[0] = '\0';
    if (n >= sizeof line) return;
    memcpy(line, h, n);
    line[n] = '\0';
    unsigned p;
    char name[16];
    if (sscanf(line, "@@ %2u %15s", &p, name) != 2) return;
    for (int k = 0; k < 3; k++)
        if (!strcmp(name, names[k])) snprintf(path, size, "%s/points/%05u/%s.json", out, p, name);
}

/* Splits the input into the folder's files. */
static void unpack(const uint8_t *data, size_t size)
{
    nftw(out, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    char path[800];
    snprintf(path, sizeof path, "%s/sweep.json", out);
    fuzz_unpack(data, size, path, part_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unpack(data, size);
    char *collect[] = {"sweep", "collect", out, NULL};
    (void)cli_sweep(3, collect);
    struct plan p;
    struct err e = {0};
    if (plan_load(&p, out, &e) != 0) return 0;
    char svg[700], x[256], y[256];
    snprintf(svg, sizeof svg, "%s/plot.svg", out);
    snprintf(x, sizeof x, "%s", p.naxes > 0 ? p.axes[0].path : "none");
    snprintf(y, sizeof y, "%s", p.naxes > 1 ? p.axes[1].path : "none");
    int two = p.naxes > 1;
    plan_free(&p);
    char *plot[] = {"plot", out, "--x", x, "--z", "rate_hz,cv_isi", "-o", svg, "--y", y, NULL};
    (void)cli_sweep_plot(two ? 10 : 8, plot);
    return 0;
}
