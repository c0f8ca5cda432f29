#ifndef NAPKIN_VECTOR_MATH_AVX2_H
#define NAPKIN_VECTOR_MATH_AVX2_H

#include <stddef.h>

// The AVX2 kernels of CVectorMath, in a target of their own: this one is compiled with -mavx2
// (libmvec's 4-lane pow takes and returns ymm registers) and is only called after the
// processor said it has AVX2.
void napkin_pow_vv_avx2(const double *x, const double *y, double *out, size_t n);
void napkin_pow_vs_avx2(const double *x, double y, double *out, size_t n);
void napkin_pow_sv_avx2(double x, const double *y, double *out, size_t n);
/// One power, as a lane of the same vector call (the same bits as in a block).
double napkin_pow1_avx2(double x, double y);

#endif
