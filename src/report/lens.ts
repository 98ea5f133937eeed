/**
 * THE order of a cell's CodeLens line and how it fits the width. Every lens of a cell has a slot; the slots' order
 * is the order of importance: what a user comes for (the predicted loss, the best score, the benchmark's loss) comes
 * first and must fit a half-width editor (the graph open beside it: ~626 px at 1600×900, about 64 characters of the
 * lens font); the full report sits behind `▸ more`, the actions (suggested edits, once computed; graph, compare) after it. Pure; no `vscode` import.
 */

/** Slots of a cell's lens line, most important first. */
export const LENS_SLOTS = ['prediction', 'score', 'benchmark', 'more', 'suggest', 'graph', 'compare'] as const;
export type LensSlot = (typeof LENS_SLOTS)[number];

/**
 * Width in characters that the lenses before `▸ more` may take together: what a half-width editor shows of the lens
 * line (1600×900, graph beside: ~626 px editor, ~440 px of it text after the gutter, minimap and scroll bar, ≈ 6.6 px
 * per character of the 13 px lens font), less a little for `▸ more` to start inside it.
 */
export const LENS_LINE_BUDGET = 60;

/** VS Code's separator between two lenses of a line (`&nbsp;|&nbsp;`). */
const SEPARATOR_WIDTH = 3;

/** Characters a lens title takes on screen: a `$(icon)` is drawn about two characters wide. */
export function lensWidth(title: string): number {
  return title.replace(/\$\([\w~-]+\)/g, '  ').length;
}

/** A title without its icons, for a tooltip. */
export function plainTitle(title: string): string {
  return title.replace(/\$\([\w~-]+\)\s*/g, '').trim();
}

/** One lens of a cell's line, as the fit sees it. */
export interface LensText {
  readonly slot: LensSlot;
  /** Its titles, longest first (a lens without a shorter form has one). */
  readonly titles: readonly string[];
}

/** Where a lens goes: its position in the input, the title chosen, and whether it was shortened. */
export interface FittedLens {
  readonly at: number;
  readonly title: string;
  /** A shorter title than its first was chosen (the tooltip then gives the full one). */
  readonly shortened: boolean;
  /** Moved behind `▸ more`: it did not fit before it. */
  readonly behindMore: boolean;
}

/** Total width of lenses side by side. */
export function lineWidth(titles: readonly string[]): number {
  return titles.reduce((w, t) => w + lensWidth(t), 0) + SEPARATOR_WIDTH * Math.max(0, titles.length - 1);
}

/**
 * The line of one cell: its lenses in slot order (stable within a slot), those before `more` fitted into `budget`.
 * While the line is too wide the least important lens with a shorter title gets it; when none has, and the line has
 * a `more` lens, the least important lens moves behind it (with its full title); then the most important lenses get
 * their longer titles back where the room allows.
 */
export function fitLensLine(lenses: readonly LensText[], budget = LENS_LINE_BUDGET): FittedLens[] {
  const rank = (s: LensSlot) => LENS_SLOTS.indexOf(s);
  const order = lenses.map((_, i) => i).sort((a, b) => rank(lenses[a].slot) - rank(lenses[b].slot) || a - b);
  const moreRank = rank('more');
  const hasMore = lenses.some((l) => l.slot === 'more');
  const first = order.filter((i) => rank(lenses[i].slot) < moreRank);
  const rest = order.filter((i) => rank(lenses[i].slot) >= moreRank);
  const level = new Map<number, number>(first.map((i) => [i, 0]));
  const moved: number[] = [];
  const shown = () => first.filter((i) => !moved.includes(i));
  const width = () => lineWidth(shown().map((i) => lenses[i].titles[level.get(i)!]));
  while (width() > budget) {
    const line = shown();
    const shorten = [...line].reverse().find((i) => level.get(i)! < lenses[i].titles.length - 1);
    if (shorten !== undefined) level.set(shorten, level.get(shorten)! + 1);
    else if (hasMore && line.length > 1) {
      const last = line[line.length - 1];
      moved.unshift(last);
      level.set(last, 0);
    } else break;
  }
  // Room freed by a move: the most important lenses take their longer titles back.
  for (const i of shown()) {
    while (level.get(i)! > 0) {
      level.set(i, level.get(i)! - 1);
      if (width() <= budget) continue;
      level.set(i, level.get(i)! + 1);
      break;
    }
  }
  const fitted = (i: number, behindMore: boolean): FittedLens => ({
    at: i,
    title: lenses[i].titles[behindMore ? 0 : level.get(i)!],
    shortened: !behindMore && level.get(i)! > 0,
    behindMore,
  });
  const more = rest.filter((i) => lenses[i].slot === 'more');
  const after = rest.filter((i) => lenses[i].slot !== 'more');
  return [
    ...shown().map((i) => fitted(i, false)),
    ...more.map((i) => ({ at: i, title: lenses[i].titles[0], shortened: false, behindMore: false })),
    ...moved.map((i) => fitted(i, true)),
    ...after.map((i) => ({ at: i, title: lenses[i].titles[0], shortened: false, behindMore: false })),
  ];
}
