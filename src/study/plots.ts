/**
 * Scatter plots of a train-free score against the final test loss as standalone SVG text (docs, export), from the
 * layout of scatter.ts (which the webview draws interactively, webview/plots.ts). Pure: no DOM, no `vscode`.
 *
 * One point per cell with a finite score and a finite loss (diverged cells have no loss and are not drawn; the
 * subtitle counts what was left out). The x axis is the score with its direction ("higher is better →") on the
 * axis of the spec (scatter.ts: by default log for positive scores spanning ≥ 3 decades, rank when a linear axis
 * would crowd the points into a few per cent of its width, else linear). The y axis is the
 * test loss (lower is better). The title carries τ and ρ (oriented: positive = the score ranks low-loss cells
 * first, see study.ts).
 */
import { SCORES, type ScoreId } from '../scoring/types';
import { escapeMarkup } from '../shared/escape';
import { formatLoss, formatScore } from '../shared/format';
import type { StudyRecord, StudyResult } from './study';
import { round, scatterLayout, type ScatterSpec } from './scatter';

/** Colours of a standalone SVG. */
export interface PlotColours {
  readonly background: string;
  readonly foreground: string;
  readonly muted: string;
  readonly grid: string;
  readonly point: string;
}

export const LIGHT_COLOURS: PlotColours = {
  background: '#ffffff',
  foreground: '#1f2328',
  muted: '#59636e',
  grid: '#d1d9e0',
  point: '#0969da',
};
export const DARK_COLOURS: PlotColours = {
  background: '#1e1e1e',
  foreground: '#d4d4d4',
  muted: '#a0a0a0',
  grid: '#3c3c3c',
  point: '#3794ff',
};

/**
 * The plot as a standalone SVG document (UTF-8 text, no external resources). Each point is a `<circle>` with
 * a `<title>` tooltip (cell, score, loss); nothing else in the document is a circle.
 */
export function scatterSvg(spec: ScatterSpec, colours: PlotColours = LIGHT_COLOURS): string {
  const L = scatterLayout(spec, SCORES[spec.scoreId]);
  const { area } = L;
  const c = colours;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11">`,
  );
  out.push(`<title>${escapeMarkup(L.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${L.width}" height="${L.height}" fill="${c.background}"/>`);
  out.push(
    `<text x="${L.width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600" fill="${c.foreground}">${escapeMarkup(L.title)}</text>`,
  );
  out.push(`<text x="${L.width / 2}" y="34" text-anchor="middle" fill="${c.muted}">${escapeMarkup(L.subtitle)}</text>`);
  // grid + ticks
  out.push(`<g stroke="${c.grid}" stroke-width="1">`);
  for (const t of L.xTicks)
    out.push(`<line x1="${round(t.pos)}" x2="${round(t.pos)}" y1="${area.top}" y2="${area.bottom}"/>`);
  for (const t of L.yTicks)
    out.push(`<line x1="${area.left}" x2="${area.right}" y1="${round(t.pos)}" y2="${round(t.pos)}"/>`);
  out.push('</g>');
  out.push(
    `<g stroke="${c.foreground}" stroke-width="1"><line x1="${area.left}" x2="${area.right}" y1="${area.bottom}" y2="${area.bottom}"/><line x1="${area.left}" x2="${area.left}" y1="${area.top}" y2="${area.bottom}"/></g>`,
  );
  out.push(`<g fill="${c.muted}">`);
  for (const t of L.xTicks)
    out.push(
      `<text x="${round(t.labelX)}" y="${area.bottom + 14}" text-anchor="middle">${t.title ? `<title>${escapeMarkup(t.title)}</title>` : ''}${escapeMarkup(t.label)}</text>`,
    );
  for (const t of L.yTicks)
    out.push(`<text x="${area.left - 6}" y="${round(t.pos) + 4}" text-anchor="end">${escapeMarkup(t.label)}</text>`);
  out.push('</g>');
  out.push(
    `<text class="x-label" x="${(area.left + area.right) / 2}" y="${L.height - 10}" text-anchor="middle" fill="${c.foreground}">${escapeMarkup(L.xLabel)}</text>`,
  );
  out.push(
    `<text class="y-label" transform="translate(14 ${(area.top + area.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="${c.foreground}">${escapeMarkup(L.yLabel)}</text>`,
  );
  out.push(`<g fill="${c.point}" fill-opacity="0.55" stroke="${c.point}" stroke-width="0.8">`);
  for (const p of L.points) {
    out.push(
      `<circle cx="${p.cx}" cy="${p.cy}" r="3"><title>${escapeMarkup(`${p.label} · ${SCORES[spec.scoreId].label} ${formatScore(p.x)} · test loss ${formatLoss(p.y)}`)}</title></circle>`,
    );
  }
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The plot specs of a study: one per studied score, points from the records (raw score vs test loss). */
export function plotsFromStudy(
  records: readonly StudyRecord[],
  study: StudyResult,
  options: { dataset?: string; scores?: readonly ScoreId[] } = {},
): ScatterSpec[] {
  const ids = options.scores ?? study.rows.map((r) => r.id);
  return ids.map((id) => {
    const row = study.rows.find((r) => r.id === id);
    return {
      scoreId: id,
      points: records.map((r) => ({
        x: r.scores[id] ?? NaN,
        y: r.diverged ? NaN : r.testLoss,
        hash: r.hash,
        label: r.label ?? r.hash.slice(0, 12),
      })),
      ...(row ? { tau: row.test.tau.estimate, rho: row.test.rho.estimate } : {}),
      ...(options.dataset ? { dataset: options.dataset } : {}),
    };
  });
}

/** File name of a score's plot: `study-<id>.svg` (ids are [a-z_]). */
export function plotFileName(id: ScoreId): string {
  return `study-${id.replace(/[^a-z0-9_-]/gi, '')}.svg`;
}
