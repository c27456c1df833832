// The fp32 ceiling of the cores themselves, for docs/performance.md "The GEMM underneath": each of
// THREADS threads runs 12 independent chains of fused multiply-adds (enough to cover the FMA
// latency on two pipes) on 512-bit and then 256-bit vectors, with nothing loaded or stored.
// Prints GFLOP/s per width summed over the threads. No GEMM reaches this; it says what fraction
// of the silicon a GEMM library uses.
// Build and run: gcc -O3 -mavx512f -mfma -pthread bench/mfu/fma_peak.c -o /tmp/fma_peak
//                /tmp/fma_peak 2
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHAINS 12
#define ITERS 100000000L

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void* run512(void* out) {
  __m512 a[CHAINS];
  __m512 b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < CHAINS; i++) a[i] = _mm512_set1_ps((float)i);
  for (long k = 0; k < ITERS / 2; k++)
    for (int i = 0; i < CHAINS; i++) a[i] = _mm512_fmadd_ps(a[i], b, c);
  float s = 0;
  for (int i = 0; i < CHAINS; i++) s += _mm512_reduce_add_ps(a[i]);
  *(float*)out = s;
  return NULL;
}

static void* run256(void* out) {
  __m256 a[CHAINS];
  __m256 b = _mm256_set1_ps(1.0000001f), c = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < CHAINS; i++) a[i] = _mm256_set1_ps((float)i);
  for (long k = 0; k < ITERS / 2; k++)
    for (int i = 0; i < CHAINS; i++) a[i] = _mm256_fmadd_ps(a[i], b, c);
  float s = 0, lanes[8];
  for (int i = 0; i < CHAINS; i++) {
    _mm256_storeu_ps(lanes, a[i]);
    for (int j = 0; j < 8; j++) s += lanes[j];
  }
  *(float*)out = s;
  return NULL;
}

static double measure(void* (*fn)(void*), int threads, int lanes) {
  pthread_t t[64];
  float sink[64];
  double start = now();
  for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, fn, &sink[i]);
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  double seconds = now() - start;
  double flops = (double)threads * (ITERS / 2) * CHAINS * lanes * 2;
  if (sink[0] == 12345.f) printf(" ");  // keep the chains alive
  return flops / seconds / 1e9;
}

int main(int argc, char** argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (threads < 1 || threads > 64) threads = 1;
  printf("{\"threads\":%d,\"fma512_gflops\":%.1f,", threads, measure(run512, threads, 16));
  printf("\"fma256_gflops\":%.1f}\n", measure(run256, threads, 8));
  return 0;
}
