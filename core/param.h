/* core/param: one user-settable parameter of a schema (a neuron model's, a plasticity
 * rule's). io/cfg validates every value against its schema; no loader code per model or rule. */
#ifndef APICAL_PARAM_H
#define APICAL_PARAM_H

/* One user-settable parameter. A parameter with choices is a string in the config, stored
 * as the index of the choice. Bounds are inclusive unless *_open. */
struct param {
    const char *name;
    const char *unit; /* "ms", "mV", "pA", "nS", "pF", "" */
    double def;
    double min, max;
    int min_open, max_open;
    const char *const *choices; /* NULL-terminated, or NULL for a number */
    const char *doc;
};

#endif
