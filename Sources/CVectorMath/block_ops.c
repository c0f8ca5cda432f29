#include "CVectorMath.h"

#include <stdint.h>
#include <string.h>

// The arithmetic of a block of points (NumericTape.Block): one IEEE operation per point, so the
// bits are the same whatever instructions compute them. Each function is compiled twice, for
// AVX2 and for baseline x86-64, and the loader picks the one the processor runs best.

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define NAPKIN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define NAPKIN_CLONES
#endif

// Finite: not every exponent bit set (adding 1 to the exponent field carries into the sign bit
// exactly when it was all ones); tested on the bits, in the loop, so it vectorises.
#define FINITE_BIT(v) ({ uint64_t bits_; memcpy(&bits_, &(v), 8); (bits_ & 0x7FF0000000000000ull) + (1ull << 52); })

#define BLOCK_OP(NAME, OP)                                                                      \
    NAPKIN_CLONES int napkin_block_##NAME##_vv(const double *a, const double *b, double *o, size_t n) { \
        uint64_t any = 0;                                                                       \
        for (size_t i = 0; i < n; i++) { double v = a[i] OP b[i]; o[i] = v; any |= FINITE_BIT(v); } \
        return (any >> 63) == 0;                                                                \
    }                                                                                           \
    NAPKIN_CLONES int napkin_block_##NAME##_vs(const double *a, double b, double *o, size_t n) {   \
        uint64_t any = 0;                                                                       \
        for (size_t i = 0; i < n; i++) { double v = a[i] OP b; o[i] = v; any |= FINITE_BIT(v); }  \
        return (any >> 63) == 0;                                                                \
    }                                                                                           \
    NAPKIN_CLONES int napkin_block_##NAME##_sv(double a, const double *b, double *o, size_t n) {   \
        uint64_t any = 0;                                                                       \
        for (size_t i = 0; i < n; i++) { double v = a OP b[i]; o[i] = v; any |= FINITE_BIT(v); }  \
        return (any >> 63) == 0;                                                                \
    }

BLOCK_OP(add, +)
BLOCK_OP(sub, -)
BLOCK_OP(mul, *)
BLOCK_OP(div, /)

NAPKIN_CLONES int napkin_block_neg(const double *a, double *o, size_t n) {
    uint64_t any = 0;
    for (size_t i = 0; i < n; i++) { double v = -a[i]; o[i] = v; any |= FINITE_BIT(v); }
    return (any >> 63) == 0;
}
