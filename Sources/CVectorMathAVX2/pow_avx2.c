#include "CVectorMathAVX2.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__AVX2__)
#include <immintrin.h>

// glibc's libmvec, x86_64 vector function ABI: 'd' is AVX2, 4 lanes.
__m256d _ZGVdN4vv_pow(__m256d x, __m256d y);

// Four points at a time; the last few in padded lanes computing 1^1, which do not touch them.
#define POW_LOOP(XI, YI)                                                                 \
    size_t i = 0;                                                                        \
    for (; i + 4 <= n; i += 4) {                                                         \
        __m256d vx = _mm256_set_pd(XI(i + 3), XI(i + 2), XI(i + 1), XI(i));             \
        __m256d vy = _mm256_set_pd(YI(i + 3), YI(i + 2), YI(i + 1), YI(i));             \
        _mm256_storeu_pd(out + i, _ZGVdN4vv_pow(vx, vy));                                \
    }                                                                                    \
    if (i < n) {                                                                         \
        double bx[4] = {1, 1, 1, 1}, by[4] = {1, 1, 1, 1}, bo[4];                        \
        for (size_t k = 0; i + k < n; k++) { bx[k] = XI(i + k); by[k] = YI(i + k); }     \
        _mm256_storeu_pd(bo, _ZGVdN4vv_pow(_mm256_loadu_pd(bx), _mm256_loadu_pd(by)));   \
        for (size_t k = 0; i + k < n; k++) out[i + k] = bo[k];                           \
    }

#define X_VEC(i) x[i]
#define Y_VEC(i) y[i]
#define X_ONE(i) x
#define Y_ONE(i) y

void napkin_pow_vv_avx2(const double *x, const double *y, double *out, size_t n) { POW_LOOP(X_VEC, Y_VEC) }
void napkin_pow_vs_avx2(const double *x, double y, double *out, size_t n) { POW_LOOP(X_VEC, Y_ONE) }
void napkin_pow_sv_avx2(double x, const double *y, double *out, size_t n) { POW_LOOP(X_ONE, Y_VEC) }

double napkin_pow1_avx2(double x, double y) {
    return _mm256_cvtsd_f64(_ZGVdN4vv_pow(_mm256_set1_pd(x), _mm256_set1_pd(y)));
}

#else

// Never called where AVX2 is missing (CVectorMath checks first); defined so the target links.
void napkin_pow_vv_avx2(const double *x, const double *y, double *out, size_t n) { (void)x; (void)y; (void)out; (void)n; }
void napkin_pow_vs_avx2(const double *x, double y, double *out, size_t n) { (void)x; (void)y; (void)out; (void)n; }
void napkin_pow_sv_avx2(double x, const double *y, double *out, size_t n) { (void)x; (void)y; (void)out; (void)n; }
double napkin_pow1_avx2(double x, double y) { (void)x; (void)y; return 0; }

#endif
