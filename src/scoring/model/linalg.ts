/**
 * Small dense linear algebra in float64 plain JS for the scores (matrices are batch × batch, e.g. 16 × 16):
 * symmetric eigenvalues (cyclic Jacobi), log|det| (LU with partial pivoting), correlation matrices.
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
    let off = 0, diag = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { if (i !== j) off += m[i][j] * m[i][j]; else diag += m[i][i] * m[i][i]; }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p][q];
        if (apq === 0) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k][p], mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p][k], mqk = m[q][k];
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
  let sign = 1, logAbsDet = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[p][k])) p = i;
    const piv = m[p][k];
    if (piv === 0 || !Number.isFinite(piv)) return { sign: piv === 0 ? 0 : NaN, logAbsDet: piv === 0 ? -Infinity : NaN };
    if (p !== k) { [m[p], m[k]] = [m[k], m[p]]; sign = -sign; }
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

/** Whether a symmetric matrix is positive definite (Cholesky in float64 succeeds). */
export function isPositiveDefinite(a: Matrix): boolean {
  const n = a.length;
  const L: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) { if (!(s > 0)) return false; L[i][i] = Math.sqrt(s); } else L[i][j] = s / L[j][j];
    }
  }
  return true;
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
    for (let k = 0; k < r.length; k++) { c[k] = r[k] - mean; ss += c[k] * c[k]; }
    if (!(ss > 0) || !Number.isFinite(ss)) return { constantRow: i };
    centred.push(c); norms.push(Math.sqrt(ss));
  }
  const corr: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      const a = centred[i], b = centred[j];
      for (let k = 0; k < a.length; k++) s += a[k] * b[k];
      corr[i][j] = corr[j][i] = i === j ? 1 : s / (norms[i] * norms[j]);
    }
  }
  return { corr };
}
