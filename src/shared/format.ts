/**
 * THE number formatter: every number Cell Lens shows — lens, hover, graph side panel, table, compare, plots, search
 * progress and CLI — is written by one of these functions, so a value reads the same digits everywhere. Pure, no
 * imports: the host and the webviews share it. NaN and ±∞ are always words, never a number.
 */

/** A score value: 3 significant digits (4 from 100 up), exponent form outside [0.01, 10⁵); NaN, ∞, −∞ as such. */
export function formatScore(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-2) {
    const [m, e] = v.toExponential(1).split('e');
    return `${m}e${Number(e)}`;
  }
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(a >= 100 ? 4 : 3)));
}

/** A count, short: `20.4M`, `845k`, `912`. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return String(n);
}

/** An integer in full, grouped: `20,352,000`. */
export function formatInteger(n: number): string {
  return n.toLocaleString('en-US');
}

/** What a value counts: a score (by {@link formatScore}) or a count such as the parameter count (`20.4M`). */
export type ValueKind = 'score' | 'count';

/** A value of its kind; `exact` writes a count in full (`20,352,000`) instead of short (`20.4M`). */
export function formatValue(v: number, kind: ValueKind = 'score', exact = false): string {
  if (kind === 'count' && Number.isFinite(v)) return exact ? formatInteger(v) : formatCount(v);
  return formatScore(v);
}

/** `12.3 ± 0.4`: the spread only after repeats, with a finite value and spread, and never for a count. */
export function formatWithSpread(
  r: { readonly value: number; readonly std: number; readonly repeats: number },
  kind: ValueKind = 'score',
  exact = false,
): string {
  const v = formatValue(r.value, kind, exact);
  if (kind === 'count') return v;
  return r.repeats > 1 && Number.isFinite(r.std) && Number.isFinite(r.value) ? `${v} ± ${formatScore(r.std)}` : v;
}

/** A percentile (0 … 100) as a rounded ordinal: `82nd`. */
export function ordinal(p: number): string {
  const n = Math.max(0, Math.min(100, Math.round(p)));
  const s =
    n % 100 >= 11 && n % 100 <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${s}`;
}

/** A measured loss (the benchmark's): 3 decimals, `4.982`; NaN and ±∞ by name. */
export function formatLoss(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : String(x);
}

/** A predicted loss (or an end of its interval): 2 decimals, `4.93`. */
export function formatPredicted(x: number): string {
  return x.toFixed(2);
}

/** A predicted loss with its interval when both ends are finite: `4.93 [4.71, 5.18]`. */
export function formatPredictedLoss(loss: number, lo = NaN, hi = NaN): string {
  const f = formatPredicted;
  return `${f(loss)}${Number.isFinite(lo) && Number.isFinite(hi) ? ` [${f(lo)}, ${f(hi)}]` : ''}`;
}

/** A rank among `size` as the top share: `top 4%` (one decimal under 1 %). */
export function formatTopShare(rank: number, size: number): string {
  const pct = (100 * rank) / size;
  return `top ${pct < 1 ? pct.toFixed(1) : Math.max(1, Math.round(pct))}%`;
}

/** A statistic such as Kendall τ, with a true minus: `−0.335`; `n/a` when NaN or absent. */
export function formatStat(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  return (v < 0 ? '−' : '') + Math.abs(v).toFixed(digits);
}

/** A measured wall time: `65 ms`, `1.2 s`, `1 min 5 s`; `?` when not finite. */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
