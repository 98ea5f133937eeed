;; The float64 Gram kernel of the scoring engine (model/gram.ts), in WebAssembly with 128-bit SIMD.
;; Compiled by `npx tsx scripts/build-wasm.ts` into gramWasm.ts (the bytes, base64); a unit test checks that the
;; committed bytes are this file's.
;;
;; Layout (model/gram.ts packs it): the n rows of R (len numbers each) are stored twice, k-major, as panels:
;;   X: panels of 8 rows,   panel p = for k in 0..len: R[8p + 0..7][k]  (64 bytes per k)
;;   Y: panels of 2 rows,   panel q = for k in 0..len: R[2q + 0..1][k]  (16 bytes per k)
;; so that the inner loop reads both operands sequentially. `panel` computes the 8 × 2 blocks
;;   G[8p + i][2q + j] = Σ_k R[8p + i][k] · R[2q + j][k]        (i < 8, j < 2)
;; for `nq` consecutive column pairs q, starting at Y panel `y`, writing row i of a block at out + i·rowBytes.
;;
;; Every entry is summed over k in order 0, 1, …, len − 1, one IEEE multiply and one IEEE add per term (no fused
;; multiply-add), starting from +0 — exactly the textbook loop `s = 0; for k: s += a[k] * b[k]` in float64. That
;; is why the result is bit-identical to linalg `gramMatrix`, whatever panel or thread computes an entry.
;; len must be ≥ 1.
(module
  (import "env" "memory" (memory 1 32768 shared))
  (func (export "panel")
    (param $len i32) (param $x i32) (param $y i32) (param $nq i32) (param $out i32) (param $rowBytes i32)
    (local $k i32) (local $px i32) (local $po i32) (local $v v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $s4 v128) (local $s5 v128) (local $s6 v128) (local $s7 v128)
    (block $done
      (loop $pairs
        (br_if $done (i32.eqz (local.get $nq)))
        (local.set $s0 (v128.const i64x2 0 0))
        (local.set $s1 (v128.const i64x2 0 0))
        (local.set $s2 (v128.const i64x2 0 0))
        (local.set $s3 (v128.const i64x2 0 0))
        (local.set $s4 (v128.const i64x2 0 0))
        (local.set $s5 (v128.const i64x2 0 0))
        (local.set $s6 (v128.const i64x2 0 0))
        (local.set $s7 (v128.const i64x2 0 0))
        (local.set $px (local.get $x))
        (local.set $k (local.get $len))
        (loop $steps
          ;; v = (R[2q][k], R[2q+1][k]); s_i += splat(R[8p+i][k]) · v
          (local.set $v (v128.load (local.get $y)))
          (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (v128.load64_splat offset=0 (local.get $px)) (local.get $v))))
          (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (v128.load64_splat offset=8 (local.get $px)) (local.get $v))))
          (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (v128.load64_splat offset=16 (local.get $px)) (local.get $v))))
          (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (v128.load64_splat offset=24 (local.get $px)) (local.get $v))))
          (local.set $s4 (f64x2.add (local.get $s4) (f64x2.mul (v128.load64_splat offset=32 (local.get $px)) (local.get $v))))
          (local.set $s5 (f64x2.add (local.get $s5) (f64x2.mul (v128.load64_splat offset=40 (local.get $px)) (local.get $v))))
          (local.set $s6 (f64x2.add (local.get $s6) (f64x2.mul (v128.load64_splat offset=48 (local.get $px)) (local.get $v))))
          (local.set $s7 (f64x2.add (local.get $s7) (f64x2.mul (v128.load64_splat offset=56 (local.get $px)) (local.get $v))))
          (local.set $px (i32.add (local.get $px) (i32.const 64)))
          (local.set $y (i32.add (local.get $y) (i32.const 16)))
          (br_if $steps (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        ;; Row i of the block at out + i·rowBytes.
        (local.set $po (local.get $out))
        (v128.store (local.get $po) (local.get $s0))
        (local.set $po (i32.add (local.get $po) (local.get $rowBytes)))
        (v128.store (local.get $po) (local.get $s1))
        (local.set $po (i32.add (local.get $po) (local.get $rowBytes)))
        (v128.store (local.get $po) (local.get $s2))
        (local.set $po (i32.add (local.get $po) (local.get $rowBytes)))
        (v128.store (local.get $po) (local.get $s3))
        (local.set $po (i32.add (local.get $po) (local.get $rowBytes)))
        (v128.store (local.get $po) (local.get $s4))
        (local.set $po (i32.add (local.get $po) (local.get $rowBytes)))
        (v128.store (local.get $po) (local.get $s5))
        (local.set $po (i32.add (local.get $po) (local.get $rowBytes)))
        (v128.store (local.get $po) (local.get $s6))
        (local.set $po (i32.add (local.get $po) (local.get $rowBytes)))
        (v128.store (local.get $po) (local.get $s7))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $nq (i32.sub (local.get $nq) (i32.const 1)))
        (br $pairs)))))
