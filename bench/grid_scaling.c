// How much faster this machine runs napkin-bench's sweep of sweeps in compiled C on two threads
// than on one: the ceiling for napkin's own "2 cores vs 1" (docs/performance.md, issue 17's
// seventh stop). Each outer point is an inner sweep of 1000 exponents through glibc's vector pow
// (libmvec, as napkin's blocks use) and a min; the outer points are taken four at a time from a
// shared counter, as napkin's workers take them. The second thread is started before the clock
// starts. Not part of the build or the tests.
//
//   cc -O2 -mavx512f bench/grid_scaling.c -o /tmp/grid_scaling -lmvec -lm -lpthread && /tmp/grid_scaling
//
// Each line is one round: the mean of three grids of 20,000 × 1000 points on one thread and on
// two, with scalar pow, AVX2 (4 lanes) and AVX-512 (8 lanes).
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

__m512d _ZGVeN8vv_pow(__m512d, __m512d);
__m256d _ZGVdN4vv_pow(__m256d, __m256d);

enum { INNER = 1000, OUTER = 20000, CHUNK = 4 };
static double exponents[INNER];
static double mins[OUTER];
static atomic_int next_point, go, finished;
static int kind;  // 0 scalar, 1 AVX2, 2 AVX-512

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void inner(double base, double *out) {
    if (kind == 2) {
        for (int i = 0; i < INNER; i += 8)
            _mm512_storeu_pd(out + i, _ZGVeN8vv_pow(_mm512_set1_pd(base), _mm512_loadu_pd(exponents + i)));
    } else if (kind == 1) {
        for (int i = 0; i < INNER; i += 4)
            _mm256_storeu_pd(out + i, _ZGVdN4vv_pow(_mm256_set1_pd(base), _mm256_loadu_pd(exponents + i)));
    } else {
        for (int i = 0; i < INNER; i++) out[i] = pow(base, exponents[i]);
    }
}

static void work(void) {
    double out[INNER];
    for (;;) {
        int from = atomic_fetch_add(&next_point, CHUNK);
        if (from >= OUTER) break;
        for (int a = from; a < from + CHUNK && a < OUTER; a++) {
            inner(a % INNER + 1, out);
            double m = INFINITY;
            for (int i = 0; i < INNER; i++) m = fmin(m, 3.2e11 * out[i]);
            mins[a] = m;
        }
    }
    atomic_fetch_add(&finished, 1);
}

static void *second(void *unused) {
    (void)unused;
    while (!atomic_load(&go)) {}
    work();
    return NULL;
}

static double grid(int threads) {
    atomic_store(&next_point, 0);
    atomic_store(&go, 0);
    atomic_store(&finished, 0);
    pthread_t t;
    if (threads > 1) pthread_create(&t, NULL, second, NULL);
    double t0 = now();
    atomic_store(&go, 1);
    work();
    while (atomic_load(&finished) < threads) {}
    double elapsed = now() - t0;
    if (threads > 1) pthread_join(t, NULL);
    return elapsed;
}

int main(void) {
    static const char *names[] = {"scalar pow", "AVX2 pow", "AVX-512 pow"};
    for (int i = 0; i < INNER; i++) exponents[i] = (i + 1) / (double)INNER;
    for (kind = 0; kind < 3; kind++) {
        for (int round = 0; round < 4; round++) {
            double one = 0, two = 0;
            for (int k = 0; k < 3; k++) {
                one += grid(1);
                two += grid(2);
            }
            printf("%-12s 1 thread %7.2f ms, 2 threads %7.2f ms: %.2fx\n", names[kind], one / 3 * 1e3, two / 3 * 1e3, one / two);
        }
    }
    return 0;
}
