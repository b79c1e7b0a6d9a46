#ifndef PHENOSCOPE_VECTOR_KERNELS_H
#define PHENOSCOPE_VECTOR_KERNELS_H

/* Distance kernels for the Search module's graph walk, written with AVX2/FMA intrinsics
 * because Swift's SIMD types compile for the baseline x86-64 (SSE2) target. The *_avx2
 * functions must only be called when the CPU has AVX2 and FMA (pvk_has_avx2_fma). */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1 if the running CPU has AVX2 and FMA, else 0. */
int pvk_has_avx2_fma(void);

/* Inner product of two n-vectors. */
float pvk_dot_avx2(const float *a, const float *b, long n);

/* Inner products of q with four n-vectors, sharing the loads of q. */
void pvk_dot4_avx2(const float *q, const float *b0, const float *b1, const float *b2,
                   const float *b3, long n, float *out);

/* Squared Euclidean distance of two n-vectors. */
float pvk_l2sq_avx2(const float *a, const float *b, long n);

/* Index of the first of row[from..<n] that is >= t, or n when none is: the scan that
 * exact search makes over a block of scores, where almost none beat a query's k-th best. */
long pvk_first_at_least_avx2(const float *row, long from, long n, float t);

/* Asks the cache for the `bytes` bytes at p (read, keep in all levels); a hint only. */
static inline void pvk_prefetch(const void *p, long bytes) {
    const char *c = (const char *)p;
    for (long o = 0; o < bytes; o += 64) __builtin_prefetch(c + o, 0, 3);
}

#ifdef __cplusplus
}
#endif

#endif
