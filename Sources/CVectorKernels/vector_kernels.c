#include "vector_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

int pvk_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

__attribute__((target("avx2,fma")))
static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 0x55));
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma")))
float pvk_dot_avx2(const float *a, const float *b, long n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float s = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

__attribute__((target("avx2,fma")))
void pvk_dot4_avx2(const float *q, const float *b0, const float *b1, const float *b2,
                   const float *b3, long n, float *out) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(q + i);
        s0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b0 + i), s0);
        s1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b1 + i), s1);
        s2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b2 + i), s2);
        s3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b3 + i), s3);
    }
    float r0 = hsum256(s0), r1 = hsum256(s1), r2 = hsum256(s2), r3 = hsum256(s3);
    for (; i < n; i++) { r0 += q[i] * b0[i]; r1 += q[i] * b1[i]; r2 += q[i] * b2[i]; r3 += q[i] * b3[i]; }
    out[0] = r0; out[1] = r1; out[2] = r2; out[3] = r3;
}

__attribute__((target("avx2,fma")))
float pvk_l2sq_avx2(const float *a, const float *b, long n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        s0 = _mm256_fmadd_ps(d, d, s0);
    }
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; i++) { float t = a[i] - b[i]; s += t * t; }
    return s;
}

__attribute__((target("avx2,fma")))
long pvk_first_at_least_avx2(const float *row, long from, long n, float t) {
    const __m256 th = _mm256_set1_ps(t);
    long i = from;
    for (; i + 32 <= n; i += 32) {
        __m256 c0 = _mm256_cmp_ps(_mm256_loadu_ps(row + i), th, _CMP_GE_OQ);
        __m256 c1 = _mm256_cmp_ps(_mm256_loadu_ps(row + i + 8), th, _CMP_GE_OQ);
        __m256 c2 = _mm256_cmp_ps(_mm256_loadu_ps(row + i + 16), th, _CMP_GE_OQ);
        __m256 c3 = _mm256_cmp_ps(_mm256_loadu_ps(row + i + 24), th, _CMP_GE_OQ);
        if (_mm256_movemask_ps(_mm256_or_ps(_mm256_or_ps(c0, c1), _mm256_or_ps(c2, c3)))) break;
    }
    for (; i < n; i++) if (row[i] >= t) return i;
    return n;
}

#else

/* Other architectures: never report AVX2, so the Swift fallbacks are used; these bodies
 * exist only so the symbols link. */
int pvk_has_avx2_fma(void) { return 0; }
float pvk_dot_avx2(const float *a, const float *b, long n) {
    float s = 0; for (long i = 0; i < n; i++) s += a[i] * b[i]; return s;
}
void pvk_dot4_avx2(const float *q, const float *b0, const float *b1, const float *b2,
                   const float *b3, long n, float *out) {
    out[0] = pvk_dot_avx2(q, b0, n); out[1] = pvk_dot_avx2(q, b1, n);
    out[2] = pvk_dot_avx2(q, b2, n); out[3] = pvk_dot_avx2(q, b3, n);
}
float pvk_l2sq_avx2(const float *a, const float *b, long n) {
    float s = 0; for (long i = 0; i < n; i++) { float t = a[i] - b[i]; s += t * t; } return s;
}
long pvk_first_at_least_avx2(const float *row, long from, long n, float t) {
    for (long i = from; i < n; i++) if (row[i] >= t) return i;
    return n;
}

#endif
