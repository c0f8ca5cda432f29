// How long a thread sleeping on a semaphore takes to run after another core posts it: the
// hand-over a sweep spread over cores pays when its pooled thread has gone to sleep (see
// docs/performance.md, issue 17's fifth stop). Not part of the build or the tests.
//
//   cc -O2 bench/wake_latency.c -o /tmp/wake_latency -lpthread && /tmp/wake_latency 10000
//
// The argument is the pause between two posts, in microseconds.
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static sem_t posted;
static volatile double woke_at;

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void *sleeper(void *unused) {
    (void)unused;
    for (;;) {
        sem_wait(&posted);
        woke_at = now_us();
    }
    return NULL;
}

int main(int argc, char **argv) {
    int pause_us = argc > 1 ? atoi(argv[1]) : 10000;
    const int rounds = 50;
    sem_init(&posted, 0, 0);
    pthread_t thread;
    pthread_create(&thread, NULL, sleeper, NULL);
    usleep(10000);
    double total = 0, worst = 0;
    for (int i = 0; i < rounds; i++) {
        usleep(pause_us);
        woke_at = 0;
        double posted_at = now_us();
        sem_post(&posted);
        while (woke_at == 0) {}  // this core stays busy, as a spreading sweep's does
        double d = woke_at - posted_at;
        total += d;
        if (d > worst) worst = d;
    }
    printf("pause %d us: wake-up %.1f us on average, %.1f us at worst (%d rounds)\n", pause_us, total / rounds, worst, rounds);
    return 0;
}
