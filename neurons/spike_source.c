/* neurons/spike_source: no parameters, no state, no ports; update is NULL by contract. */
#include "neurons/spike_source.h"

const struct nrn_ops spike_source_ops = {
    .name = "spike_source",
    .doc = "emits the spike times it is given (list or file)",
};
