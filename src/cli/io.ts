/** What a CLI subcommand writes to; tests pass collectors, the binary passes process streams. */
export interface CliIO {
  stdout(s: string): void;
  stderr(s: string): void;
  /** stderr is a terminal: long runs draw one progress line in place instead of a line per cell. */
  readonly stderrIsTTY?: boolean;
  /** Terminal width (columns) when stderr is a terminal. */
  readonly columns?: number;
}

/**
 * `[██████░░░░░░]  120/260  46%  0.52 cells/s  ETA 4 min 30 s` — the one-line progress bar of a long run on a
 * terminal (written with a carriage return; the per-cell lines stay for logs and CI).
 */
export function progressBar(
  done: number,
  total: number,
  elapsedMs: number,
  etaMs: number | undefined,
  unit: string,
  width = 80,
): string {
  const pct = total > 0 ? done / total : 0;
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  const eta =
    etaMs === undefined
      ? ''
      : `  ETA ${etaMs < 60_000 ? `${Math.round(etaMs / 1000)} s` : `${Math.floor(etaMs / 60_000)} min ${Math.round((etaMs % 60_000) / 1000)} s`}`;
  const tail = `  ${done}/${total}  ${Math.round(pct * 100)}%  ${rate.toFixed(rate < 10 ? 2 : 1)} ${unit}/s${eta}`;
  const barWidth = Math.max(10, Math.min(40, width - tail.length - 3));
  const filled = Math.round(pct * barWidth);
  return `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]${tail}`;
}

/** 1-based line and column of an offset. */
export function lineCol(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset: number) => {
    let lo = 0,
      hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  };
}
