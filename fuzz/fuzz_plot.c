/* fuzz/fuzz_plot: `apical plot FILE -o FILE.svg` (cli/plot.c): a spike file (io/spikes) drawn as a
 * raster with rates, a traces file (io/tracefile, told apart by its t_ms header) drawn as
 * voltage traces, a weights file (io/wtrace, told apart by its whole header) drawn as
 * trajectories and histograms, through the picture writers of io/svg, or an online run's
 * learning.csv (io/lcurve, told apart by its whole header) drawn as a learning curve through
 * io/curves. Each input is drawn twice: with the defaults, then with --max-per-pop 2 --bin 0.1
 * (spikes), --currents --neurons 2 (traces), --tmin 1 --tmax 4 (weights) or a --title of
 * markup (learning curves). */
#include "fuzz/fuzz.h"

#include "cli/cli.h"
#include "io/lcurve.h"
#include "io/tracefile.h"
#include "io/wtrace.h"

static char svg[600];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_path(svg, sizeof svg, "plot.svg");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = (char *)fuzz_memfd(data, size);
    char *plain[] = {"plot", in, "-o", svg, NULL};
    (void)cli_plot(4, plain);
    char *spikes[] = {"plot", in, "-o", svg, "--max-per-pop", "2", "--bin", "0.1", NULL};
    char *traces[] = {"plot", in, "-o", svg, "--currents", "--neurons", "2", NULL};
    char *weights[] = {"plot", in, "-o", svg, "--tmin", "1", "--tmax", "4", NULL};
    char *learning[] = {"plot", in, "-o", svg, "--title", "<a & \"b\">", NULL};
    if (wtr_sniff(in)) (void)cli_plot(8, weights);
    else if (lcurve_sniff(in)) (void)cli_plot(6, learning);
    else if (trace_sniff(in)) (void)cli_plot(7, traces);
    else (void)cli_plot(8, spikes);
    return 0;
}
