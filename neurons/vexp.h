/* neurons/vexp: exp(x) written as plain arithmetic so that a loop over neurons calling it
 * vectorises, and gives the same bits whether a lane runs in the vector body or in a scalar
 * remainder (libm's exp is a call the vectoriser cannot inline; libmvec's rounds differently
 * from scalar exp, which would tie results to thread boundaries). Accuracy: within 2 ulp of
 * exp on [-708, 709.78] (tests/test_vexp.c); below -708 it returns exp(-708) (a neuron model
 * never needs the difference), above 709.78 +Inf, NaN for NaN. */
#ifndef APICAL_VEXP_H
#define APICAL_VEXP_H

#include <stdint.h>
#include <string.h>

static inline double vexp(double x)
{
    /* clamp so that the exponent below stays a normal one; a NaN fails both tests and stays */
    x = x < -708.0 ? -708.0 : x;
    x = x > 710.0 ? 710.0 : x;
    /* k = round(x / ln 2) by the 1.5 * 2^52 trick: the low bits of t hold k as an integer */
    const double shift = 0x1.8p52;
    const double t = x * 0x1.71547652b82fep0 + shift;
    const double k = t - shift;
    /* r = x - k ln 2 in two parts (Cody and Waite): k * ln2_hi is exact for |k| < 2^11 */
    const double r = (x - k * 0x1.62e42fee00000p-1) - k * 0x1.a39ef35793c76p-33;
    /* e^r for |r| <= ln(2)/2: Taylor to degree 13, truncation below 5e-18 relative */
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    /* 2^(k-1) from k - 1 + 1023 in the exponent field, then an exact doubling: k runs from
     * -1021 to 1024, and 2^1024 has no exponent field of its own */
    uint64_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits + 1022) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale * 2.0;
}

#endif
