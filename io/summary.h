/* io/summary: summary.json, the one small machine-readable record of a run (cJSON): version,
 * config and its hash, seed, threads, per-population counts, rates and CV of ISI, synapses,
 * timing, events per second, peak memory, and per plastic projection its weight statistics
 * before and after. Written atomically. */
#ifndef APICAL_SUMMARY_H
#define APICAL_SUMMARY_H

#include "core/err.h"
#include "engine/net.h"

struct summary_info {
    const char *config_path;
    long peak_rss_kb;
    /* per projection (NULL: none plastic), the weights before the run: the summary gives
     * them beside the final ones for every plastic projection */
    const struct net_wstats *w0;
    /* a presented data set (learning/present): its split ("test", "train"; NULL: none), the
     * samples classified and how many rightly */
    const char *split;
    uint32_t samples, correct;
    /* an online config: the training samples it learned from, and the accuracy (%) over the
     * last teacher.window of them */
    int64_t learned;
    double learn_acc;
};

int summary_write(const char *path, const struct net *n, const struct summary_info *si,
                  struct err *e);

#endif
