/* io/sink: the one list of spike file formats. Adding a format adds one line here. */
#include "io/sink.h"

#include <stdio.h>
#include <string.h>

#include "io/sonata.h"
#include "io/spikes.h"

static const struct sink_ops *const sinks[] = {
    &spk_sink_csv,
    &spk_sink_bin,
    &sonata_sink,
};

_Static_assert(sizeof sinks / sizeof sinks[0] <= SINK_MAX, "raise SINK_MAX");

const struct sink_ops *sink_at(int i)
{
    if (i < 0 || i >= (int)(sizeof sinks / sizeof sinks[0])) return NULL;
    return sinks[i];
}

const struct sink_ops *sink_find(const char *name)
{
    for (int i = 0; name && sink_at(i); i++)
        if (!strcmp(sink_at(i)->name, name)) return sink_at(i);
    return NULL;
}

void sink_names(char *buf, size_t n)
{
    size_t len = 0;
    if (n) buf[0] = '\0';
    for (int i = 0; sink_at(i) && len < n; i++) {
        int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "", sink_at(i)->name);
        if (w < 0) break;
        len += (size_t)w;
    }
}
