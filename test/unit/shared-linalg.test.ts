/**
 * The one Cholesky of src/shared/linalg.ts: the factor, its solve, and the two uses built on it (positive
 * definiteness for naswot, log det and tr A⁻¹ for hidden_cov), on small matrices with known answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cholesky, choleskyLogDetTraceInv, choleskySolve, isPositiveDefinite } from '../../src/shared/linalg';

// A = L·Lᵀ with L = [[2, 0, 0], [1, 3, 0], [-1, 2, 4]] (all entries exact in float64).
const L3 = [2, 0, 0, 1, 3, 0, -1, 2, 4];
const A3 = [4, 2, -2, 2, 10, 5, -2, 5, 21];

test('cholesky: the factor of a known matrix, zeros above the diagonal; only the lower triangle is read', () => {
  assert.deepEqual(Array.from(cholesky(A3, 3)!), L3);
  const upperGarbage = A3.slice();
  upperGarbage[1] = upperGarbage[2] = upperGarbage[5] = NaN;
  assert.deepEqual(Array.from(cholesky(upperGarbage, 3)!), L3);
  assert.deepEqual(Array.from(cholesky([], 0)!), []);
});

test('cholesky: not positive definite ⇒ undefined; with minPivot the pivot is raised instead', () => {
  assert.equal(cholesky([1, 2, 2, 1], 2), undefined); // eigenvalues 3 and −1
  assert.equal(cholesky([0, 0, 0, 1], 2), undefined); // semi-definite
  assert.equal(cholesky([NaN, 0, 0, 1], 2), undefined);
  assert.deepEqual(Array.from(cholesky([0, 0, 0, 1], 2, 1e-12)), [1e-6, 0, 0, 1]);
  assert.deepEqual(Array.from(cholesky([4, 0, 0, 9], 2, 1e-12)), [2, 0, 0, 3]);
});

test('choleskySolve: solves A·x = b through the factor', () => {
  // x = [1, −2, 3] ⇒ b = A·x
  const x = [1, -2, 3];
  const b = [0, 1, 2].map((i) => A3[3 * i] * x[0] + A3[3 * i + 1] * x[1] + A3[3 * i + 2] * x[2]);
  const got = choleskySolve(cholesky(A3, 3)!, b, 3);
  got.forEach((v, i) => assert.ok(Math.abs(v - x[i]) < 1e-12, `x[${i}] = ${v}`));
});

test('isPositiveDefinite and choleskyLogDetTraceInv agree with the factor', () => {
  assert.equal(
    isPositiveDefinite([
      [4, 2, -2],
      [2, 10, 5],
      [-2, 5, 21],
    ]),
    true,
  );
  assert.equal(
    isPositiveDefinite([
      [1, 2],
      [2, 1],
    ]),
    false,
  );
  assert.equal(
    isPositiveDefinite([
      [1, 0],
      [0, Infinity],
    ]),
    true,
  );
  const r = choleskyLogDetTraceInv(Float64Array.from(A3), 3);
  assert.equal(r.ok, true);
  assert.ok(Math.abs(r.logDet - Math.log(24 * 24)) < 1e-12); // det A = (2·3·4)²
  // tr A⁻¹ = ‖L⁻¹‖_F²; L⁻¹ = [[1/2, 0, 0], [−1/6, 1/3, 0], [5/24, −1/6, 1/4]]
  const want = 1 / 4 + 1 / 36 + 1 / 9 + 25 / 576 + 1 / 36 + 1 / 16;
  assert.ok(Math.abs(r.traceInv - want) < 1e-12, `${r.traceInv} vs ${want}`);
  assert.deepEqual(choleskyLogDetTraceInv(Float64Array.from([1, 2, 2, 1]), 2), {
    ok: false,
    logDet: NaN,
    traceInv: NaN,
  });
});
