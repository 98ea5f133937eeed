/**
 * How the compare panel arranges its two graphs: side by side (columns) or one above the other (rows), whichever
 * shows both larger when each is fitted into its pane (src/graph/viewport.ts fitTransform). Pure (no DOM): the page
 * (webview/compare.ts) measures the area the panes share and applies the answer.
 */
import { fitTransform, type GraphSize, type Size } from '../graph/viewport';

/** Height (px) of a pane's own chrome above its graph: the caption and the graph's toolbar (media/compare.css). */
export const COMPARE_PANE_CHROME = 56;

export type CompareArrangement = 'columns' | 'rows';

/** The smaller of the two graphs' Fit scales in panes of `pane` size. */
function smallerFit(pane: Size, graphs: readonly [GraphSize, GraphSize]): number {
  const area = { x: 0, y: 0, w: Math.max(1, pane.w), h: Math.max(1, pane.h) };
  return Math.min(fitTransform(graphs[0], area).k, fitTransform(graphs[1], area).k);
}

/** The arrangement that fits the smaller-shown graph larger in `area` (ties: columns). */
export function compareArrangement(area: Size, graphs: readonly [GraphSize, GraphSize]): CompareArrangement {
  const columns = smallerFit({ w: area.w / 2 - 1, h: area.h - COMPARE_PANE_CHROME }, graphs);
  const rows = smallerFit({ w: area.w, h: area.h / 2 - 1 - COMPARE_PANE_CHROME }, graphs);
  return rows > columns + 1e-9 ? 'rows' : 'columns';
}
