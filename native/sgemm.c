/*
 * Cell Lens native float32 matrix product, bit-identical to tfjs-backend-wasm's BatchMatMul (XNNPACK).
 *
 * XNNPACK's wasm-SIMD GEMM computes every output as one chain over k, in order, with a separate multiply and
 * add (WebAssembly SIMD has no fused multiply-add) starting from +0:
 *     c = 0; for p in 0..k-1: c = fl(c + fl(a[i,p] * b[p,j]))
 * This kernel does exactly that, eight columns at a time in AVX registers, so its results have the same bits:
 * it must never use FMA (the file is built with -ffp-contract=off and the AVX path's target has no "fma") and
 * never split or reorder the k loop. Blocking over k is exact: a partial sum stored as float32 and loaded again
 * is the same value the chain would carry on. Only the speed differs: the tile is 6 rows x 16 columns held in
 * twelve 256-bit registers, twice the lanes per instruction of WebAssembly's 128-bit SIMD.
 *
 * The Node binding is binding.c.
 */
#include "sgemm.h"
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MR 6
#define NR 16
#define KC 256
#define MC 96
#define PACK_MIN_ROWS 64

/* Portable reference: the same chain in scalar float arithmetic (used for tails and where AVX is absent). */
static void tile_scalar(const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc,
                        size_t mr, size_t nr, size_t kc, int first) {
  for (size_t r = 0; r < mr; r++) {
    for (size_t j = 0; j < nr; j++) {
      float acc = first ? 0.0f : c[r * ldc + j];
      const float *ar = a + r * lda;
      for (size_t p = 0; p < kc; p++) {
        float prod = ar[p] * b[p * ldb + j];
        acc = acc + prod;
      }
      c[r * ldc + j] = acc;
    }
  }
}

/* The AVX2 path needs GCC or Clang (target attributes, __builtin_cpu_supports); CL_SGEMM_SCALAR_ONLY builds without it. */
#if !defined(CL_SGEMM_SCALAR_ONLY) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX_PATH 1

/* The R x 16 tile, R = 1..6 rows of A against 16 columns of B: 2R accumulators stay in registers while k
   runs (with 6 rows: 12 accumulators, 2 B registers and a broadcast, all 16 AVX registers but one). */
#define ROW_INIT(r) __m256 c##r##0, c##r##1; \
  if (first) { c##r##0 = c##r##1 = _mm256_setzero_ps(); } \
  else { c##r##0 = _mm256_loadu_ps(c + r * ldc); c##r##1 = _mm256_loadu_ps(c + r * ldc + 8); }
#define ROW_STEP(r) { const __m256 x = _mm256_broadcast_ss(a + r * lda + p); \
  c##r##0 = _mm256_add_ps(c##r##0, _mm256_mul_ps(x, b0)); c##r##1 = _mm256_add_ps(c##r##1, _mm256_mul_ps(x, b1)); }
#define ROW_STORE(r) _mm256_storeu_ps(c + r * ldc, c##r##0); _mm256_storeu_ps(c + r * ldc + 8, c##r##1);
#define TILE(R, ROWS) \
  __attribute__((target("avx2"))) \
  static void tile_##R##x16(const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc, size_t kc, int first) { \
    ROWS(ROW_INIT) \
    for (size_t p = 0; p < kc; p++) { \
      const __m256 b0 = _mm256_loadu_ps(b + p * ldb), b1 = _mm256_loadu_ps(b + p * ldb + 8); \
      ROWS(ROW_STEP) \
    } \
    ROWS(ROW_STORE) \
  }
#define ROWS1(X) X(0)
#define ROWS2(X) X(0) X(1)
#define ROWS3(X) X(0) X(1) X(2)
#define ROWS4(X) X(0) X(1) X(2) X(3)
#define ROWS5(X) X(0) X(1) X(2) X(3) X(4)
#define ROWS6(X) X(0) X(1) X(2) X(3) X(4) X(5)
TILE(1, ROWS1)
TILE(2, ROWS2)
TILE(3, ROWS3)
TILE(4, ROWS4)
TILE(5, ROWS5)
TILE(6, ROWS6)

typedef void (*tile_fn)(const float *, size_t, const float *, size_t, float *, size_t, size_t, int);
static const tile_fn tiles_x16[MR + 1] = { NULL, tile_1x16, tile_2x16, tile_3x16, tile_4x16, tile_5x16, tile_6x16 };

/* Edge tiles: up to MR rows, 8 columns per register, one register per row. */
__attribute__((target("avx2")))
static void tile_rx8(const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc, size_t mr, size_t kc, int first) {
  for (size_t r = 0; r < mr; r++) {
    __m256 acc = first ? _mm256_setzero_ps() : _mm256_loadu_ps(c + r * ldc);
    const float *ar = a + r * lda;
    for (size_t p = 0; p < kc; p++) acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_broadcast_ss(ar + p), _mm256_loadu_ps(b + p * ldb)));
    _mm256_storeu_ps(c + r * ldc, acc);
  }
}

int cl_sgemm_avx(void) {
  static int cached = -1;
  if (cached < 0) { __builtin_cpu_init(); cached = __builtin_cpu_supports("avx2") ? 1 : 0; }
  return cached;
}
#else
#define HAVE_AVX_PATH 0
int cl_sgemm_avx(void) { return 0; }
#endif

void cl_sgemm(const float *a, const float *b, float *c, size_t m, size_t k, size_t n) {
  if (k == 0) { memset(c, 0, m * n * sizeof(float)); return; }
  const int avx = cl_sgemm_avx();
  /* Columns done by the 16-wide tiles from packed B. A product of few rows uses each panel too few times to
     pay for packing it: those read B in place (same bits, only the addresses differ). */
  const int pack = m >= PACK_MIN_ROWS;
  const size_t n16 = avx ? n / NR * NR : 0;
  /* A KC x n16 slab of B packed as 16-column panels, each KC x 16 contiguous: a tile then reads B in order,
     from one page, instead of one row of B (often a page apart) per step of k. */
  /* Without memory for the panels (bp NULL) the tiles read B in place: the same bits. */
  float *bp = n16 && pack ? (float *)aligned_alloc(64, KC * n16 * sizeof(float)) : NULL;
  /* Blocks: KC of k (a 6 x KC piece of A and a KC x 16 panel of B stay in L1), MC rows of A (in L2) swept
     against every panel. Any order of the tiles gives the same bits: each output's chain over k is never
     split, only paused between k blocks (the partial sum waits in c as the float32 it is). */
  for (size_t k0 = 0; k0 < k; k0 += KC) {
    const size_t kc = k - k0 < KC ? k - k0 : KC;
    const int first = k0 == 0;
    const float *bk = b + k0 * n;
    if (bp) for (size_t j = 0; j < n16; j += NR) {
      float *panel = bp + j * kc;
      for (size_t p = 0; p < kc; p++) memcpy(panel + p * NR, bk + p * n + j, NR * sizeof(float));
    }
    for (size_t i0 = 0; i0 < m; i0 += MC) {
      const size_t mc = m - i0 < MC ? m - i0 : MC;
#if HAVE_AVX_PATH
      for (size_t j = 0; j < n16; j += NR) {
        const float *panel = bp ? bp + j * kc : bk + j;
        const size_t ldp = bp ? NR : n;
        size_t i = i0;
        for (; i + MR <= i0 + mc; i += MR) tile_6x16(a + i * k + k0, k, panel, ldp, c + i * n + j, n, kc, first);
        if (i < i0 + mc) tiles_x16[i0 + mc - i](a + i * k + k0, k, panel, ldp, c + i * n + j, n, kc, first);
      }
#endif
      size_t j = n16;
#if HAVE_AVX_PATH
      if (avx) for (; j + 8 <= n; j += 8) tile_rx8(a + i0 * k + k0, k, bk + j, n, c + i0 * n + j, n, mc, kc, first);
#endif
      if (j < n) tile_scalar(a + i0 * k + k0, k, bk + j, n, c + i0 * n + j, n, mc, n - j, kc, first);
    }
  }
  free(bp);
}
