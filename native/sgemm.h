#ifndef CELL_LENS_SGEMM_H
#define CELL_LENS_SGEMM_H
#include <stddef.h>
/* c[m,n] = a[m,k] . b[k,n] (row-major float32), each output summed over k in order with separate multiply and
 * add, starting from +0: the same bits as tfjs-backend-wasm's matMul. c must not overlap a or b. */
void cl_sgemm(const float *a, const float *b, float *c, size_t m, size_t k, size_t n);
/* 1 when the AVX2 path runs on this CPU, 0 when the scalar path does. */
int cl_sgemm_avx(void);
#endif
