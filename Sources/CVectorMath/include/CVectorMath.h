#ifndef NAPKIN_VECTOR_MATH_H
#define NAPKIN_VECTOR_MATH_H

#include <stddef.h>

/// napkin's power, x^y: glibc's vector pow (libmvec) on x86-64 Linux, four points at a time
/// with AVX2 (two with SSE2 where AVX2 is missing), libm's pow elsewhere. Each result depends
/// on its own x and y alone, never on its neighbours, so a point has the same bits alone, in a
/// block of any length, or at any position in one.
double napkin_pow(double x, double y);

/// out[i] = x[i]^y[i] for i < n.
void napkin_pow_vv(const double *x, const double *y, double *out, size_t n);
/// out[i] = x[i]^y for i < n.
void napkin_pow_vs(const double *x, double y, double *out, size_t n);
/// out[i] = x^y[i] for i < n.
void napkin_pow_sv(double x, const double *y, double *out, size_t n);

#endif
