/* io/rec: recorders that write a run's observations to files as it goes: spikes (into every
 * chosen format, io/sink) and state traces (CSV, one row per sample time). Each file is written
 * under a temporary name and renamed only by rec_*_close(commit = 1). */
#ifndef APICAL_REC_H
#define APICAL_REC_H

#include "core/err.h"
#include "engine/net.h"
#include "io/sink.h"
#include "io/spikes.h"

struct rec_spikes {
    int nsinks; /* open sinks; 0: the recorder is closed */
    const struct sink_ops *ops[SINK_MAX];
    void *self[SINK_MAX];
    const struct net *net;
};

/* Records the populations the spec marks into each of sinks[0..nsinks), the file of each in
 * folder dir (dir/ops->file). from: NULL, or where a stopped run's recorder stood
 * (rec_spikes_mark), to go on with its files. On an error nothing stays open. */
int rec_spikes_open(struct rec_spikes *r, struct recorder *out, const struct net *n,
                    const struct sink_ops *const *sinks, int nsinks, const char *dir,
                    const struct spk_mark *from, struct err *e);
/* 1 if every sink of the recorder can be marked (checkpointed), or none is open. */
int rec_spikes_can_mark(const struct rec_spikes *r);
int rec_spikes_mark(struct rec_spikes *r, struct spk_mark *m, struct err *e);
/* Closes the recorder, keeping its files as they are (a stopped run, after a mark). */
void rec_spikes_detach(struct rec_spikes *r);
int rec_spikes_close(struct rec_spikes *r, int commit, struct err *e);

struct rec_traces;
/* One CSV for all traces of the spec: column t_ms, then POP[ID].VAR for each trace. */
/* from: NULL, or the bytes a stopped run's traces file had (rec_traces_mark), to go on with it. */
int rec_traces_open(struct rec_traces **r, struct recorder *out, const struct net *n,
                    const char *path, const unsigned long long *from, struct err *e);
int rec_traces_mark(struct rec_traces *r, unsigned long long *bytes, struct err *e);
void rec_traces_detach(struct rec_traces *r);
int rec_traces_close(struct rec_traces *r, int commit, struct err *e);

#endif
