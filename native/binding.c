/* Node-API binding of the float32 kernel in sgemm.c (see there for why its results equal tfjs-wasm's).
 * sgemm(a, b, out, m, k, n) with Float32Arrays (typically views of the wasm heap): a is [m,k], b is [k,n],
 * out is [m,n], all row-major; avx() tells whether the AVX2 path is in use (else the scalar one). */
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include "sgemm.h"

static napi_value throw_type(napi_env env, const char *msg) { napi_throw_type_error(env, NULL, msg); return NULL; }

static int f32_arg(napi_env env, napi_value v, float **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type type; void *ptr; napi_value ab; size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, &ab, &off) != napi_ok || type != napi_float32_array) return 0;
  *data = (float *)ptr;
  return 1;
}

static int size_arg(napi_env env, napi_value v, size_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > 9007199254740991.0 || d != (double)(int64_t)d) return 0;
  *out = (size_t)d;
  return 1;
}

static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 6; napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 6) return throw_type(env, "sgemm(a, b, out, m, k, n): six arguments expected");
  float *a, *b, *c; size_t la, lb, lc, m, k, n;
  if (!f32_arg(env, argv[0], &a, &la) || !f32_arg(env, argv[1], &b, &lb) || !f32_arg(env, argv[2], &c, &lc))
    return throw_type(env, "sgemm: a, b and out must be Float32Arrays");
  if (!size_arg(env, argv[3], &m) || !size_arg(env, argv[4], &k) || !size_arg(env, argv[5], &n))
    return throw_type(env, "sgemm: m, k and n must be non-negative integers");
  if ((k != 0 && m > la / k) || la < m * k || (n != 0 && k > lb / n) || lb < k * n || (n != 0 && m > lc / n) || lc < m * n)
    return throw_type(env, "sgemm: an array is shorter than its shape");
  /* out must not overlap a or b: the kernel reads partial sums back from out. */
  if ((c < a + m * k && a < c + m * n) || (c < b + k * n && b < c + m * n))
    return throw_type(env, "sgemm: out overlaps an input");
  cl_sgemm(a, b, c, m, k, n);
  return NULL;
}

static napi_value js_avx(napi_env env, napi_callback_info info) {
  (void)info; napi_value v; napi_get_boolean(env, cl_sgemm_avx() != 0, &v); return v;
}

NAPI_MODULE_INIT() {
  napi_value f;
  napi_create_function(env, "sgemm", NAPI_AUTO_LENGTH, js_sgemm, NULL, &f);
  napi_set_named_property(env, exports, "sgemm", f);
  napi_create_function(env, "avx", NAPI_AUTO_LENGTH, js_avx, NULL, &f);
  napi_set_named_property(env, exports, "avx", f);
  return exports;
}
