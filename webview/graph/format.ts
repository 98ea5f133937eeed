/** Helpers of the graph view's drawing (numbers are formatted by src/shared/format.ts, as everywhere). */

/** A CSS variable of `root` (a theme colour), or `fallback` when it is not set. */
export function cssVar(root: Element, name: string, fallback: string): string {
  const v = getComputedStyle(root).getPropertyValue(name).trim();
  return v || fallback;
}
