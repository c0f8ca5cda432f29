#ifndef NAPKIN_VECTOR_MATH_AVX512_H
#define NAPKIN_VECTOR_MATH_AVX512_H

#include <stddef.h>

// The AVX-512 kernels of CVectorMath, in a target of their own compiled with -mavx512f
// (libmvec's 8-lane pow takes and returns zmm registers), called only after the processor said
// it has AVX-512, for blocks of 8 points or more.
void napkin_pow_vv_avx512(const double *x, const double *y, double *out, size_t n);
void napkin_pow_vs_avx512(const double *x, double y, double *out, size_t n);
void napkin_pow_sv_avx512(double x, const double *y, double *out, size_t n);
/// One power, as a lane of the same vector call.
double napkin_pow1_avx512(double x, double y);

#endif
