#include "CVectorMath.h"
#include "CVectorMathAVX2.h"
#include "CVectorMathAVX512.h"

#include <math.h>

#if defined(__x86_64__) && defined(__linux__)
#include <emmintrin.h>

// glibc's libmvec, x86_64 vector function ABI: 'b' is SSE2 (every x86-64 has it), 2 lanes.
__m128d _ZGVbN2vv_pow(__m128d x, __m128d y);

static int has_avx2, has_avx512;

__attribute__((constructor)) static void napkin_vector_math_init(void) {
    __builtin_cpu_init();
    has_avx2 = __builtin_cpu_supports("avx2");
    has_avx512 = __builtin_cpu_supports("avx512f");
}

// Two points at a time; the last one in a padded lane computing 1^1, which does not touch it.
#define POW_LOOP(XI, YI)                                                                 \
    size_t i = 0;                                                                        \
    for (; i + 2 <= n; i += 2) {                                                         \
        __m128d vx = _mm_set_pd(XI(i + 1), XI(i)), vy = _mm_set_pd(YI(i + 1), YI(i));    \
        _mm_storeu_pd(out + i, _ZGVbN2vv_pow(vx, vy));                                   \
    }                                                                                    \
    if (i < n) {                                                                         \
        double bo[2];                                                                    \
        _mm_storeu_pd(bo, _ZGVbN2vv_pow(_mm_set_pd(1, XI(i)), _mm_set_pd(1, YI(i))));    \
        out[i] = bo[0];                                                                  \
    }

#define X_VEC(i) x[i]
#define Y_VEC(i) y[i]
#define X_ONE(i) x
#define Y_ONE(i) y

// A block of 8 or more takes the widest kernel the processor has; one value (and a short block)
// takes a lane of the 4-lane call, which costs half as much for one value. libmvec's 8- and
// 4-lane pow are one algorithm and give the same bits (16 million random pairs over the whole
// range of doubles agreed; VectorPowerTests checks it on every run).
void napkin_pow_vv(const double *x, const double *y, double *out, size_t n) {
    if (has_avx512 && n >= 8) { napkin_pow_vv_avx512(x, y, out, n); return; }
    if (has_avx2) { napkin_pow_vv_avx2(x, y, out, n); return; }
    POW_LOOP(X_VEC, Y_VEC)
}
void napkin_pow_vs(const double *x, double y, double *out, size_t n) {
    if (has_avx512 && n >= 8) { napkin_pow_vs_avx512(x, y, out, n); return; }
    if (has_avx2) { napkin_pow_vs_avx2(x, y, out, n); return; }
    POW_LOOP(X_VEC, Y_ONE)
}
void napkin_pow_sv(double x, const double *y, double *out, size_t n) {
    if (has_avx512 && n >= 8) { napkin_pow_sv_avx512(x, y, out, n); return; }
    if (has_avx2) { napkin_pow_sv_avx2(x, y, out, n); return; }
    POW_LOOP(X_ONE, Y_VEC)
}

#else

void napkin_pow_vv(const double *x, const double *y, double *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = pow(x[i], y[i]);
}
void napkin_pow_vs(const double *x, double y, double *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = pow(x[i], y);
}
void napkin_pow_sv(double x, const double *y, double *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = pow(x, y[i]);
}

#endif

double napkin_pow(double x, double y) {
#if defined(__x86_64__) && defined(__linux__)
    if (has_avx2) return napkin_pow1_avx2(x, y);
    return _mm_cvtsd_f64(_ZGVbN2vv_pow(_mm_set1_pd(x), _mm_set1_pd(y)));
#else
    return pow(x, y);
#endif
}
