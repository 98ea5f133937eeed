/**
 * Small dense linear algebra in float64 plain JS, for the scores (matrices are batch × batch, e.g. 16 × 16) and the
 * loss predictor's ridge regression: symmetric eigenvalues (cyclic Jacobi), log|det| (LU with partial pivoting), one
 * Cholesky factorisation (positive definiteness, log det and tr A⁻¹, linear solves), correlation and Gram matrices.
 * Pure: no imports.
 */

/** A square matrix as rows. */
export type Matrix = number[][];

/** A copy of a float32 [n·n] buffer as float64 rows. */
export function toMatrix(data: ArrayLike<number>, n: number): Matrix {
  const m: Matrix = [];
  for (let i = 0; i < n; i++) m.push(Array.from({ length: n }, (_, j) => Number(data[i * n + j])));
  return m;
}

/**
 * Eigenvalues of a symmetric matrix by the cyclic Jacobi method (float64), sorted ascending.
 * Uses the average of A and Aᵀ (symmetrises float32 round-off). Returns NaNs if an entry is not finite.
 */
export function symmetricEigenvalues(a: Matrix, maxSweeps = 100): number[] {
  const n = a.length;
  const m = a.map((row, i) => row.map((v, j) => 0.5 * (v + a[j][i])));
  if (m.some((row) => row.some((v) => !Number.isFinite(v)))) return new Array<number>(n).fill(NaN);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0,
      diag = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i !== j) off += m[i][j] * m[i][j];
        else diag += m[i][i] * m[i][i];
      }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p][q];
        if (apq === 0) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k][p],
            mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p][k],
            mqk = m[q][k];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
      }
    }
  }
  return m.map((row, i) => row[i]).sort((x, y) => x - y);
}

/** sign and log|det| of a square matrix (LU with partial pivoting, float64). sign 0 ⇒ singular (logAbsDet = −∞). */
export function slogdet(a: Matrix): { sign: number; logAbsDet: number } {
  const n = a.length;
  const m = a.map((r) => r.slice());
  let sign = 1,
    logAbsDet = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[p][k])) p = i;
    const piv = m[p][k];
    if (piv === 0 || !Number.isFinite(piv))
      return { sign: piv === 0 ? 0 : NaN, logAbsDet: piv === 0 ? -Infinity : NaN };
    if (p !== k) {
      [m[p], m[k]] = [m[k], m[p]];
      sign = -sign;
    }
    if (piv < 0) sign = -sign;
    logAbsDet += Math.log(Math.abs(piv));
    for (let i = k + 1; i < n; i++) {
      const f = m[i][k] / piv;
      if (f === 0) continue;
      for (let j = k; j < n; j++) m[i][j] -= f * m[k][j];
    }
  }
  return { sign, logAbsDet };
}

/**
 * The Cholesky factor of a symmetric matrix A (n × n, row-major; only its lower triangle is read): the lower
 * triangular L with A = L·Lᵀ (row-major, zeros above the diagonal). Row by row, each entry is
 * L_ij = (A_ij − Σ_{k<j} L_ik·L_jk) / L_jj and L_jj = √(A_jj − Σ_{k<j} L_jk²), the terms subtracted one at a time in
 * the order k = 0 … j−1. Without `minPivot`, a pivot that is not > 0 (or not a number) means A is not positive
 * definite: undefined. With `minPivot`, a pivot is raised to at least `minPivot` (a NaN pivot stays NaN) and the
 * factor is always returned (the ridge's guard for a semi-definite matrix).
 */
export function cholesky(A: ArrayLike<number>, n: number): Float64Array | undefined;
export function cholesky(A: ArrayLike<number>, n: number, minPivot: number): Float64Array;
export function cholesky(A: ArrayLike<number>, n: number, minPivot?: number): Float64Array | undefined {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = A[ri + j];
      for (let k = 0; k < j; k++) s -= L[ri + k] * L[rj + k];
      if (i === j) {
        if (minPivot !== undefined) s = Math.max(s, minPivot);
        else if (!(s > 0)) return undefined;
        L[ri + i] = Math.sqrt(s);
      } else L[ri + j] = s / L[rj + j];
    }
  }
  return L;
}

/**
 * Solves L·Lᵀ·x = b for a {@link cholesky} factor L (n × n): forward substitution L·y = b, then back substitution
 * Lᵀ·x = y.
 */
export function choleskySolve(L: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/** Whether a symmetric matrix is positive definite (its {@link cholesky} factor exists in float64). */
export function isPositiveDefinite(a: Matrix): boolean {
  return cholesky(a.flat(), a.length) !== undefined;
}

/**
 * Pearson correlation matrix of the rows of `rows` (like numpy.corrcoef). Returns no matrix when a row has a
 * non-finite entry (`nonFiniteRow`) or zero variance (`constantRow`: the correlation is undefined), with the
 * index of that row.
 */
export function corrcoef(rows: Float64Array[]): { corr?: Matrix; constantRow?: number; nonFiniteRow?: number } {
  for (let i = 0; i < rows.length; i++) if (rows[i].some((v) => !Number.isFinite(v))) return { nonFiniteRow: i };
  const n = rows.length;
  const centred: Float64Array[] = [];
  const norms: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    let mean = 0;
    for (let k = 0; k < r.length; k++) mean += r[k];
    mean /= r.length;
    const c = new Float64Array(r.length);
    let ss = 0;
    for (let k = 0; k < r.length; k++) {
      c[k] = r[k] - mean;
      ss += c[k] * c[k];
    }
    if (!(ss > 0) || !Number.isFinite(ss)) return { constantRow: i };
    centred.push(c);
    norms.push(Math.sqrt(ss));
  }
  const corr: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      const a = centred[i],
        b = centred[j];
      for (let k = 0; k < a.length; k++) s += a[k] * b[k];
      corr[i][j] = corr[j][i] = i === j ? 1 : s / (norms[i] * norms[j]);
    }
  }
  return { corr };
}

/**
 * Rows b0 … b0+3 of G = R·Rᵀ (n rows of `len` numbers, row-major) against every column c ≥ b0, written to both
 * G[b][c] and G[c][b]. Blocked 4 × 4 (16 accumulators) for speed. Products of float32 inputs are exact in float64,
 * so the only rounding is float64 summation, in the order k = 0 … len−1. The JavaScript kernel: the reference the
 * WebAssembly kernel of model/gram must match bit for bit, and its fallback.
 */
function gramRowTile(out: Float64Array, R: ArrayLike<number>, n: number, len: number, b0: number): void {
  const a0 = Math.min(b0, n - 1) * len,
    a1 = Math.min(b0 + 1, n - 1) * len;
  const a2 = Math.min(b0 + 2, n - 1) * len,
    a3 = Math.min(b0 + 3, n - 1) * len;
  for (let c0 = b0; c0 < n; c0 += 4) {
    const e0 = Math.min(c0, n - 1) * len,
      e1 = Math.min(c0 + 1, n - 1) * len;
    const e2 = Math.min(c0 + 2, n - 1) * len,
      e3 = Math.min(c0 + 3, n - 1) * len;
    let s00 = 0,
      s01 = 0,
      s02 = 0,
      s03 = 0,
      s10 = 0,
      s11 = 0,
      s12 = 0,
      s13 = 0;
    let s20 = 0,
      s21 = 0,
      s22 = 0,
      s23 = 0,
      s30 = 0,
      s31 = 0,
      s32 = 0,
      s33 = 0;
    for (let k = 0; k < len; k++) {
      const x0 = R[a0 + k],
        x1 = R[a1 + k],
        x2 = R[a2 + k],
        x3 = R[a3 + k];
      const y0 = R[e0 + k],
        y1 = R[e1 + k],
        y2 = R[e2 + k],
        y3 = R[e3 + k];
      s00 += x0 * y0;
      s01 += x0 * y1;
      s02 += x0 * y2;
      s03 += x0 * y3;
      s10 += x1 * y0;
      s11 += x1 * y1;
      s12 += x1 * y2;
      s13 += x1 * y3;
      s20 += x2 * y0;
      s21 += x2 * y1;
      s22 += x2 * y2;
      s23 += x2 * y3;
      s30 += x3 * y0;
      s31 += x3 * y1;
      s32 += x3 * y2;
      s33 += x3 * y3;
    }
    const S = [s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33];
    for (let i = 0; i < 4; i++) {
      const b = b0 + i;
      if (b >= n) break;
      for (let j = 0; j < 4; j++) {
        const c = c0 + j;
        if (c >= n || (c0 === b0 && j < i)) continue;
        out[b * n + c] = S[i * 4 + j];
        out[c * n + b] = S[i * 4 + j];
      }
    }
  }
}

/** G = R·Rᵀ (n × n, row-major, float64) on the calling thread; model/gram `gram` gives the same bits on every core. */
export function gramMatrix(R: ArrayLike<number>, n: number, len: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let b0 = 0; b0 < n; b0 += 4) gramRowTile(out, R, n, len, b0);
  return out;
}

/**
 * For a symmetric positive-definite A (n × n, row-major, float64): log det A and tr A⁻¹ by {@link cholesky}
 * (A = L·Lᵀ: log det A = 2 Σ log L_ii; tr A⁻¹ = ‖L⁻¹‖_F²). Undefined (`ok: false`) when A is not positive definite.
 */
export function choleskyLogDetTraceInv(A: Float64Array, n: number): { ok: boolean; logDet: number; traceInv: number } {
  const L = cholesky(A, n);
  if (!L) return { ok: false, logDet: NaN, traceInv: NaN };
  let logDet = 0;
  for (let j = 0; j < n; j++) logDet += 2 * Math.log(L[j * n + j]);
  // tr A⁻¹ = Σ_ij (L⁻¹)_ij²: solve L·X = I column by column (forward substitution).
  let traceInv = 0;
  const x = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    x.fill(0);
    for (let i = c; i < n; i++) {
      const ri = i * n;
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= L[ri + k] * x[k];
      x[i] = s / L[ri + i];
      traceInv += x[i] * x[i];
    }
  }
  return { ok: true, logDet, traceInv };
}
