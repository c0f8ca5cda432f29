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

/// The arithmetic of a block of points: o[i] = a[i] op b[i] (vv), a[i] op b (vs), a op b[i]
/// (sv), or -a[i]; each returns whether every result is finite. Compiled for AVX2 and for
/// baseline x86-64; one IEEE operation per point, so the bits do not depend on which runs.
int napkin_block_add_vv(const double *a, const double *b, double *o, size_t n);
int napkin_block_add_vs(const double *a, double b, double *o, size_t n);
int napkin_block_add_sv(double a, const double *b, double *o, size_t n);
int napkin_block_sub_vv(const double *a, const double *b, double *o, size_t n);
int napkin_block_sub_vs(const double *a, double b, double *o, size_t n);
int napkin_block_sub_sv(double a, const double *b, double *o, size_t n);
int napkin_block_mul_vv(const double *a, const double *b, double *o, size_t n);
int napkin_block_mul_vs(const double *a, double b, double *o, size_t n);
int napkin_block_mul_sv(double a, const double *b, double *o, size_t n);
int napkin_block_div_vv(const double *a, const double *b, double *o, size_t n);
int napkin_block_div_vs(const double *a, double b, double *o, size_t n);
int napkin_block_div_sv(double a, const double *b, double *o, size_t n);
int napkin_block_neg(const double *a, double *o, size_t n);

#endif
