/** Number formats of the graph view (side panel, tooltip, legend, node labels for screen readers). */

export const fmtInt = (n: number): string => n.toLocaleString('en-US');

export function fmtNum(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

/** A CSS variable of `root` (a theme colour), or `fallback` when it is not set. */
export function cssVar(root: Element, name: string, fallback: string): string {
  const v = getComputedStyle(root).getPropertyValue(name).trim();
  return v || fallback;
}
