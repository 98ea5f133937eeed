/**
 * The loss chart of a benchmark cell: training, validation and test loss over epochs for every run of the cell, as a static
 * SVG themed through CSS classes (media/curves.css maps them to VS Code theme colours), and the page that shows it
 * (no script: the CSP allows only the stylesheet). What "Show Benchmark Record" opens. Pure; no `vscode` import.
 */
import type { BenchmarkEntry } from './index';
import { escapeMarkup } from '../shared/escape';

const W = 720,
  H = 360,
  M = { left: 56, right: 16, top: 16, bottom: 44 };

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));

/** "Nice" tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

/** The SVG of every run's test (solid), validation (dashed) and training (dotted) loss per epoch; gaps where a loss is not finite. */
export function lossCurvesSvg(entry: BenchmarkEntry): string {
  const runs = entry.runs;
  const finite = runs
    .flatMap((r) => [...r.testLosses, ...r.valLosses, ...(r.trainLosses ?? [])])
    .filter((v) => Number.isFinite(v));
  const epochs = Math.max(
    1,
    ...runs.map((r) => Math.max(r.testLosses.length, r.valLosses.length, r.trainLosses?.length ?? 0)),
  );
  const out: string[] = [
    `<svg class="cl-curves" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeMarkup(`${entry.dataset} loss curves of ${runs.length} run${runs.length === 1 ? '' : 's'}`)}">`,
  ];
  if (!finite.length) {
    out.push(
      `<text class="cl-curves-empty" x="${W / 2}" y="${H / 2}" text-anchor="middle">No finite loss in any run of this cell (every run diverged).</text></svg>`,
    );
    return out.join('');
  }
  let lo = Math.min(...finite),
    hi = Math.max(...finite);
  if (hi - lo < 1e-6) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const x = (e: number) => M.left + (epochs === 1 ? 0.5 : (e - 1) / (epochs - 1)) * (W - M.left - M.right);
  const y = (v: number) => M.top + (1 - (v - lo) / (hi - lo)) * (H - M.top - M.bottom);
  // grid and axes
  for (const t of ticks(lo, hi))
    out.push(
      `<line class="cl-curves-grid" x1="${M.left}" x2="${W - M.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/><text class="cl-curves-tick" x="${M.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`,
    );
  for (const e of ticks(1, epochs).filter((v) => Number.isInteger(v)))
    out.push(
      `<text class="cl-curves-tick" x="${x(e).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${e}</text>`,
    );
  out.push(
    `<line class="cl-curves-axis" x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}"/><line class="cl-curves-axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}"/>`,
  );
  out.push(
    `<text class="cl-curves-label" x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">epoch</text><text class="cl-curves-label" transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">loss (nats per token)</text>`,
  );
  runs.forEach((r, k) => {
    for (const [split, xs] of [
      ['test', r.testLosses],
      ['val', r.valLosses],
      ['train', r.trainLosses ?? []],
    ] as const) {
      // Split the curve at non-finite values (a diverged epoch is a gap, not a zero).
      let seg: string[] = [];
      const flush = () => {
        if (seg.length > 1)
          out.push(
            `<polyline class="cl-curve cl-run-${k % 6} cl-${split}" points="${seg.join(' ')}"><title>${escapeMarkup(`run ${k + 1}${r.recepieId !== undefined ? ` (recepie ${r.recepieId})` : ''}, ${split === 'test' ? 'test' : split === 'val' ? 'validation' : 'training'}`)}</title></polyline>`,
          );
        else if (seg.length === 1)
          out.push(
            `<circle class="cl-curve-dot cl-run-${k % 6}" r="2.5" cx="${seg[0].split(',')[0]}" cy="${seg[0].split(',')[1]}"/>`,
          );
        seg = [];
      };
      xs.forEach((v, i) => {
        if (Number.isFinite(v)) seg.push(`${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`);
        else flush();
      });
      flush();
    }
  });
  out.push('</svg>');
  return out.join('');
}

/** The whole page: title, the runs as a table (status, epochs, final losses), the chart, the legend. */
export function lossChartHtml(p: {
  cspSource: string;
  styleUri: string;
  entry: BenchmarkEntry;
  cellLabel: string;
}): string {
  const e = p.entry;
  const rows = e.runs
    .map(
      (r, k) =>
        `<tr><td><span class="cl-swatch cl-run-${k % 6}"></span>${k + 1}</td><td>${r.recepieId ?? '—'}</td><td>${escapeMarkup(r.status)}${r.diverged ? ' <b>(diverged)</b>' : ''}</td><td class="cl-num">${r.epochs}</td><td class="cl-num">${Number.isFinite(r.finalTest) ? r.finalTest.toFixed(3) : 'NaN'}</td><td class="cl-num">${Number.isFinite(r.finalVal) ? r.finalVal.toFixed(3) : 'NaN'}</td></tr>`,
    )
    .join('');
  const rank = e.rank !== undefined ? ` · rank ${e.rank} of ${e.size}` : '';
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${p.cspSource}; img-src ${p.cspSource};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeMarkup(p.styleUri)}"><title>${escapeMarkup(`Loss curves: ${p.cellLabel}`)}</title></head>
<body><main class="cl-curves-page">
<h1>${escapeMarkup(p.cellLabel)} · ${escapeMarkup(e.dataset)}</h1>
<p class="cl-muted">${e.runs.length} run${e.runs.length === 1 ? '' : 's'} of this cell${Number.isFinite(e.meanTest) ? ` · mean final test loss ${e.meanTest.toFixed(3)}` : ''}${rank}. Solid: test loss; dashed: validation loss; dotted: training loss. Gaps: epochs whose loss is NaN.</p>
${lossCurvesSvg(e)}
<table class="cl-curves-runs"><thead><tr><th>run</th><th>recepie id</th><th>status</th><th>epochs</th><th>final test</th><th>final val</th></tr></thead><tbody>${rows}</tbody></table>
</main></body></html>`;
}
