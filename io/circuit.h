/* io/circuit: a SONATA circuit as a network's populations and projections. Reads bmtk's
 * circuit_config.json ("manifest" variables, "components", "networks": nodes and edges files
 * with their type tables) and turns each node population into one population (its node
 * types must all give one model and one set of parameters) and each edge population into a
 * list projection per receptor, its edges read a chunk at a time (io/edges). Model templates
 * and NEST parameter names map onto apical's models (docs/formats.md, "SONATA circuits in");
 * anything unmapped is refused by name. Every error names the file and the field. Knows
 * nothing of libconfig: io/cfg calls it for `network = { sonata = ...; }`, cli/check for a
 * circuit config given directly. */
#ifndef APICAL_CIRCUIT_H
#define APICAL_CIRCUIT_H

#include "core/err.h"
#include "core/spec.h"

/* Fills sp->pops/npops and sp->projs/nprojs (sp's other members are left alone; projs has
 * one spare entry, as io/cfg allocates it) from the circuit config at path; delays are
 * checked against dt_ms. On error what was filled stays for spec_free. */
int circuit_load(const char *path, double dt_ms, struct net_spec *sp, struct err *e);

#endif
