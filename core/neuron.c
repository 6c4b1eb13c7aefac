/* core/neuron: what the contract offers every model and the engine: lookups by name in an ops
 * table, a whole neuron's counts, compartment names, and the shared PSC propagator. */
#include "core/neuron.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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

int nrn_cparam_index(const struct nrn_ops *m, const char *name)
{
    for (int i = 0; i < m->ncparams; i++)
        if (!strcmp(m->cparams[i].name, name)) return i;
    return -1;
}

int nrn_quantity_index(const struct nrn_ops *m, const char *name)
{
    for (int i = 0; i < m->nquantities; i++)
        if (!strcmp(m->quantities[i].name, name)) return i;
    return -1;
}

static int ncomp_of(const struct nrn_ops *m, const struct nrn_shape *s)
{
    return m->max_comps && s->ncomp > 0 ? s->ncomp : 1;
}

int nrn_nstate(const struct nrn_ops *m, const struct nrn_shape *s)
{
    return m->nstate * ncomp_of(m, s);
}

int nrn_nports(const struct nrn_ops *m, const struct nrn_shape *s)
{
    return m->nports * ncomp_of(m, s);
}

int nrn_comp_index(const struct nrn_shape *s, const char *name)
{
    for (int c = 0; c < s->ncomp; c++)
        if (!strcmp(s->names[c], name)) return c;
    return -1;
}

int nrn_state_lookup(const struct nrn_ops *m, const struct nrn_shape *s, const char *name)
{
    const char *dot = strchr(name, '.');
    if (!dot) return nrn_state_index(m, name);
    if (!m->max_comps || (size_t)(dot - name) >= NRN_COMP_NAME) return -1;
    char comp[NRN_COMP_NAME];
    memcpy(comp, name, (size_t)(dot - name));
    comp[dot - name] = '\0';
    int c = nrn_comp_index(s, comp), v = nrn_state_index(m, dot + 1);
    return c < 0 || v < 0 ? -1 : c * m->nstate + v;
}

const char *nrn_state_name(const struct nrn_ops *m, const struct nrn_shape *s, int i, char *buf,
                           size_t n)
{
    int c = i / m->nstate, v = i % m->nstate;
    if (c == 0)
        snprintf(buf, n, "%s", m->state_names[v]);
    else
        snprintf(buf, n, "%s.%s", s->names[c], m->state_names[v]);
    return buf;
}

void nrn_shape_point(struct nrn_shape *s)
{
    memset(s, 0, sizeof *s);
    s->ncomp = 1;
    snprintf(s->names[0], sizeof s->names[0], "soma");
}

double nrn_psc_propagator(double h, double tau_m, double tau_s, double c)
{
    double z = h * (1.0 / tau_s - 1.0 / tau_m);
    double f = fabs(z) < 1e-9 ? 1.0 - 0.5 * z : -expm1(-z) / z;
    return h / c * exp(-h / tau_m) * f;
}
