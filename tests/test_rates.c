/* tests/test_rates: record.rates (io/rates). Truth: the run's own spikes.csv, binned by hand:
 * every bin's rate of every population equals (its spikes in the bin) / (size x bin), a last
 * shorter bin over its own length; the bins' spikes add up to summary.json's counts; bad
 * settings exit 2 named. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT
#define NB 64

/* CUBA for 102 ms in bins of 5 ms: 20 whole bins and one of 2 ms. */
static void test_binned_by_hand(void)
{
    char cfg[1024], out[8192];
    snprintf(cfg, sizeof cfg, "%s/configs/cuba.cfg", harness_root());
    const char *dir = harness_path("rates_cuba");
    int rc = harness_apicalf(out, sizeof out,
                             "run %s -o %s --quiet --set simulation.duration=102.0 "
                             "--set 'record.rates = { bin = 5.0; }' --set record.raster=false",
                             cfg, dir);
    EXPECT(rc == 0, "cuba with rates", out);
    /* spikes.csv: "t pop id" rows; stamps are step ends, so a spike at t belongs to the bin
     * of the step that ends at t: floor((t - dt) / bin) */
    static double n[NB][2];
    memset(n, 0, sizeof n);
    char p[1200];
    snprintf(p, sizeof p, "%s/spikes.csv", dir);
    FILE *f = fopen(p, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[256];
    CU_ASSERT_FATAL(fgets(line, sizeof line, f) != NULL); /* header */
    long total[2] = {0, 0};
    while (fgets(line, sizeof line, f)) {
        double t;
        char pop[32];
        unsigned id;
        CU_ASSERT_FATAL(sscanf(line, "%lf %31s %u", &t, pop, &id) == 3);
        const int k = (int)floor((t - 0.1) / 5.0 + 1e-9), q = strcmp(pop, "exc") ? 1 : 0;
        CU_ASSERT_FATAL(k >= 0 && k < NB);
        n[k][q]++;
        total[q]++;
    }
    fclose(f);
    snprintf(p, sizeof p, "%s/rates.csv", dir);
    f = fopen(p, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_FATAL(fgets(line, sizeof line, f) != NULL);
    CU_ASSERT_STRING_EQUAL(line, "t_ms,exc,inh\n");
    int rows = 0;
    double worst = 0, sum[2] = {0, 0};
    static const double size[2] = {3200, 800};
    while (fgets(line, sizeof line, f)) {
        double t, r[2];
        CU_ASSERT_FATAL(sscanf(line, "%lf,%lf,%lf", &t, &r[0], &r[1]) == 3);
        CU_ASSERT(fabs(t - 5.0 * rows) < 1e-9);
        const double len_s = (rows == 20 ? 2.0 : 5.0) * 1e-3;
        for (int q = 0; q < 2; q++) {
            const double want = n[rows][q] / (size[q] * len_s);
            worst = fmax(worst, fabs(r[q] - want) / fmax(1.0, want));
            sum[q] += r[q] * size[q] * len_s;
        }
        rows++;
    }
    fclose(f);
    CU_ASSERT_EQUAL(rows, 21);
    CU_ASSERT(worst < 1e-8);
    CU_ASSERT(total[0] > 100 && total[1] > 10);
    /* the summary's counts */
    snprintf(p, sizeof p, "%s/summary.json", dir);
    cJSON *j = harness_read_json(p);
    const cJSON *pops = cJSON_GetObjectItem(j, "populations");
    for (int q = 0; q < 2; q++) {
        const double s = harness_json_num(cJSON_GetArrayItem(pops, q), "spikes");
        CU_ASSERT(fabs(sum[q] - s) < 1e-6 * s);
        CU_ASSERT_EQUAL((long)s, total[q]);
    }
    cJSON_Delete(j);
}

/* Truth: the documented error format, exit 2, naming the setting. */
static void test_refusals(void)
{
    static const struct {
        const char *args, *want;
    } cases[] = {
        {"--set 'record.rates = { bin = 0.25; }'", "record.rates.bin"},
        {"--set 'record.rates = { bin = 0.0; }'", "record.rates.bin"},
        {"--set 'record.rates = { bin = 0.1; }' --set simulation.duration=1e8", "record.rates.bin"},
        {"--set 'record.rates = { width = 1.0; }'", "record.rates"},
        {"--set 'record.rates = 5.0'", "record.rates"},
        {"--set 'record.rates = { bin = 1.0; }' --checkpoint-every 10", "record.rates"},
    };
    char cfg[1024];
    snprintf(cfg, sizeof cfg, "%s/configs/cuba.cfg", harness_root());
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[8192];
        int rc = harness_apicalf(out, sizeof out, "run %s -o %s --quiet %s", cfg,
                                 harness_path("rates_bad"), cases[i].args);
        EXPECT(rc == 2, cases[i].args, out);
        EXPECT(strstr(out, cases[i].want) != NULL, cases[i].args, out);
    }
}

static int rates_suite(void)
{
    CU_pSuite s = CU_add_suite("rates", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "bins equal the spikes binned by hand", test_binned_by_hand) ||
        !CU_add_test(s, "bad settings exit 2 named", test_refusals))
        return -1;
    return 0;
}

TEST_SUITE(rates_suite)
