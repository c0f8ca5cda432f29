#include "CVectorMathAVX512.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__AVX512F__)
#include <immintrin.h>

// glibc's libmvec, x86_64 vector function ABI: 'e' is AVX-512, 8 lanes.
__m512d _ZGVeN8vv_pow(__m512d x, __m512d y);

// Eight points at a time; the last few in padded lanes computing 1^1, which do not touch them.
#define POW_LOOP(XI, YI)                                                                     \
    size_t i = 0;                                                                            \
    for (; i + 8 <= n; i += 8) {                                                             \
        __m512d vx = _mm512_set_pd(XI(i + 7), XI(i + 6), XI(i + 5), XI(i + 4),               \
                                   XI(i + 3), XI(i + 2), XI(i + 1), XI(i));                  \
        __m512d vy = _mm512_set_pd(YI(i + 7), YI(i + 6), YI(i + 5), YI(i + 4),               \
                                   YI(i + 3), YI(i + 2), YI(i + 1), YI(i));                  \
        _mm512_storeu_pd(out + i, _ZGVeN8vv_pow(vx, vy));                                    \
    }                                                                                        \
    if (i < n) {                                                                             \
        double bx[8] = {1, 1, 1, 1, 1, 1, 1, 1}, by[8] = {1, 1, 1, 1, 1, 1, 1, 1}, bo[8];    \
        for (size_t k = 0; i + k < n; k++) { bx[k] = XI(i + k); by[k] = YI(i + k); }         \
        _mm512_storeu_pd(bo, _ZGVeN8vv_pow(_mm512_loadu_pd(bx), _mm512_loadu_pd(by)));       \
        for (size_t k = 0; i + k < n; k++) out[i + k] = bo[k];                               \
    }

#define X_VEC(i) x[i]
#define Y_VEC(i) y[i]
#define X_ONE(i) x
#define Y_ONE(i) y

void napkin_pow_vv_avx512(const double *x, const double *y, double *out, size_t n) { POW_LOOP(X_VEC, Y_VEC) }
void napkin_pow_vs_avx512(const double *x, double y, double *out, size_t n) { POW_LOOP(X_VEC, Y_ONE) }
void napkin_pow_sv_avx512(double x, const double *y, double *out, size_t n) { POW_LOOP(X_ONE, Y_VEC) }

double napkin_pow1_avx512(double x, double y) {
    return _mm512_cvtsd_f64(_ZGVeN8vv_pow(_mm512_set1_pd(x), _mm512_set1_pd(y)));
}

#else

// Never called where AVX-512 is missing (CVectorMath checks first); defined so the target links.
void napkin_pow_vv_avx512(const double *x, const double *y, double *out, size_t n) { (void)x; (void)y; (void)out; (void)n; }
void napkin_pow_vs_avx512(const double *x, double y, double *out, size_t n) { (void)x; (void)y; (void)out; (void)n; }
void napkin_pow_sv_avx512(double x, const double *y, double *out, size_t n) { (void)x; (void)y; (void)out; (void)n; }
double napkin_pow1_avx512(double x, double y) { (void)x; (void)y; return 0; }

#endif
