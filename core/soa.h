/* core/soa: one allocation for the k equal arrays of a struct of arrays. Array j starts
 * j * stride doubles in, with the stride chosen so that consecutive arrays begin 3 cache lines
 * apart modulo 4 KiB: a loop streaming through all of them at once (a neuron update touches
 * every state variable and input) then spreads over distinct L1 sets instead of evicting
 * itself, as separately malloc'd, page-aligned arrays would. */
#ifndef APICAL_SOA_H
#define APICAL_SOA_H

#include <stddef.h>

/* The stride (in doubles) for arrays of n elements. */
size_t soa_stride(size_t n);
/* Zeroed block of k arrays of n doubles; free() it. NULL when out of memory. */
double *soa_alloc(size_t k, size_t n, size_t *stride);

#endif
