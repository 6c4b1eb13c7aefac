/* neurons/registry: the one list of neuron models. Adding a model adds one line here. */
#include <math.h>
#include <string.h>

#include "neurons/lif.h"
#include "neurons/lif_cond.h"
#include "neurons/neuron.h"
#include "neurons/spike_source.h"

static const struct nrn_ops *const models[] = {
    &lif_ops,
    &lif_cond_ops,
    &spike_source_ops,
};

const struct nrn_ops *nrn_model(int i)
{
    if (i < 0 || i >= (int)(sizeof models / sizeof models[0])) return NULL;
    return models[i];
}

const struct nrn_ops *nrn_find(const char *name)
{
    for (int i = 0; nrn_model(i); i++)
        if (!strcmp(nrn_model(i)->name, name)) return nrn_model(i);
    return NULL;
}

int nrn_param_index(const struct nrn_ops *m, const char *name)
{
    for (int i = 0; i < m->nparams; i++)
        if (!strcmp(m->params[i].name, name)) return i;
    return -1;
}

int nrn_state_index(const struct nrn_ops *m, const char *name)
{
    for (int i = 0; i < m->nstate; i++)
        if (!strcmp(m->state_names[i], name)) return i;
    return -1;
}

int nrn_port_index(const struct nrn_ops *m, const char *name)
{
    for (int i = 0; i < m->nports; i++)
        if (!strcmp(m->port_names[i], name)) return i;
    return -1;
}

double nrn_psc_propagator(double h, double tau_m, double tau_s, double c)
{
    double z = h * (1.0 / tau_s - 1.0 / tau_m);
    double f = fabs(z) < 1e-9 ? 1.0 - 0.5 * z : -expm1(-z) / z;
    return h / c * exp(-h / tau_m) * f;
}
