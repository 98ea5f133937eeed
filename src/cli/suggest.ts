/**
 * `cell-lens suggest FILE [--cell N] [--top K] [--preset proxy] [--calibration PATH] [--json] [--workers N]`: the
 * single edits of one cell (change an op, rewire an input, insert or remove a node) scored on a pool of scoring
 * processes at a preset with a predictor — the bundled WikiText-2 one, or `--calibration`'s of its dataset — ranked
 * by predicted test loss (src/report/suggest.ts), the best K printed with the predicted loss, its 80 % interval, Δ
 * against the cell's own predicted loss and the predicted percentile, and which dataset and population those are of.
 * Reports go through the same score cache as `score` and `predict`.
 * Exit codes: 0 ok, 1 the cell is invalid or missing, 2 usage error or scoring failure.
 */
import { promises as fs } from 'node:fs';
import type { CliIO } from './io';
import { parseCli, UsageError, type CommandSpec } from './args';
import {
  BACKEND_OPTION,
  CALIBRATION_OPTION,
  TIMEOUT_OPTION,
  WORKERS_OPTION,
  cliScorer,
  interruptSignal,
  readCalibrationArg,
  workerPathOf,
} from './common';
import type { StudyCliOptions } from './common';
import { SCORING_OPTIONS } from './score';
import { parseDocument } from '../recipe/parse';
import { toRecipe } from '../recipe/model';
import { ScoreCache, scoreCacheDir } from '../scoring/cache';
import { defaultWorkers } from '../process/pool';
import { PREDICTORS } from '../study/predictions';
import { BUNDLED_CALIBRATION } from '../study/calibration';
import type { PresetName } from '../scoring/presets';
import type { Scorer } from '../study/runner';
import { cellName } from '../report/format';
import { predictionText } from '../report/scoreFormat';
import { formatElapsed, formatInteger } from '../shared/format';
import {
  DEFAULT_CANDIDATES,
  DEFAULT_TOP,
  formatDelta,
  suggestEdits,
  suggestSettings,
  type SuggestResult,
} from '../report/suggest';

const PREDICTED_PRESETS = Object.keys(PREDICTORS) as PresetName[];

/** `cell-lens suggest`: its options, declared once for the parser and the help. */
export const SUGGEST_COMMAND = {
  name: 'suggest',
  synopsis: 'FILE [options]',
  description: `Suggested edits of one cell: every single edit (change one node's op, rewire one input, insert or remove one
node; valid, in the NAS-Bench-NLP space, canonical duplicates removed), at most --candidates of them drawn evenly over
the kinds, scored at the preset and ranked by the predicted test loss of the bundled WikiText-2 predictor, or of
--calibration's predictor of its dataset (docs/suggest.md says how often a predicted improvement is a real one on the
benchmark).`,
  positionals: { name: 'FILE', required: true },
  options: {
    cell: { type: 'int', arg: 'N', min: 0, default: 0, help: 'which cell of the file (0-based, as `check` counts)' },
    top: { type: 'int', arg: 'K', min: 1, default: DEFAULT_TOP, help: 'suggestions printed' },
    candidates: {
      type: 'int',
      arg: 'N',
      min: 1,
      default: DEFAULT_CANDIDATES,
      help: 'single edits scored at most (drawn with --seed when the cell has more)',
    },
    seed: { type: 'int', arg: 'S', min: 0, default: 0, help: 'seed of that draw' },
    preset: {
      type: 'string',
      arg: 'P',
      choices: PREDICTED_PRESETS,
      default: 'proxy',
      help: `scoring sizes with a bundled predictor: ${PREDICTED_PRESETS.join(', ')} (with --calibration: its preset)`,
    },
    calibration: CALIBRATION_OPTION,
    json: { type: 'boolean', help: 'print JSON instead of text' },
    workers: WORKERS_OPTION,
    backend: BACKEND_OPTION,
    timeout: TIMEOUT_OPTION,
    // How the cells are scored and cached: as `score` declares them.
    node: SCORING_OPTIONS.node,
    'no-cache': SCORING_OPTIONS['no-cache'],
    'cache-dir': SCORING_OPTIONS['cache-dir'],
    verbose: SCORING_OPTIONS.verbose,
  },
  footer: 'Exit codes: 0 ok, 1 the cell is invalid or missing, 2 usage error or scoring failure.',
} as const satisfies CommandSpec;

/** One suggestion as `--json` prints it. */
export interface SuggestionJson {
  readonly edit: string;
  readonly kind: string;
  readonly hash: string;
  readonly recipe: Record<string, { op: string; input: string[] }>;
  readonly predictedLoss: number;
  /** The 80 % interval of the predicted loss. */
  readonly interval: [number, number];
  /** predictedLoss − the original cell's predicted loss. */
  readonly delta: number;
  /** Predicted percentile among the benchmark's trained cells (100 = best). */
  readonly percentile: number;
}

/** Where the predicted losses and percentiles of a run come from. */
export interface SuggestPopulationJson {
  /** The benchmark dataset whose test loss is predicted and whose trained cells the percentiles are among. */
  readonly dataset: string;
  /** Those trained cells (the predictor's training cells). */
  readonly cells: number;
  readonly preset: PresetName;
  /** The calibration file, or null for the bundled WikiText-2 predictor. */
  readonly calibration: string | null;
}

/** What the predicted losses and percentiles are of, in words (the text output's second line). */
export function suggestPopulationText(p: SuggestPopulationJson): string {
  return `predicted ${p.dataset} test loss and percentile among ${formatInteger(p.cells)} trained ${p.dataset} cells at the ${p.preset} preset (${p.calibration === null ? 'the bundled predictor' : `calibration ${p.calibration}`})`;
}

/** The population of a run's predictions. */
function populationOf(r: SuggestResult, preset: PresetName): SuggestPopulationJson {
  const cal = r.calibration;
  return {
    dataset: r.prediction.dataset,
    cells: r.prediction.nCells,
    preset,
    calibration: cal.bundled ? null : (cal.source ?? cal.id),
  };
}

/** The JSON document of a run. */
export function suggestJson(file: string, label: string, r: SuggestResult, preset: PresetName): unknown {
  return {
    file,
    cell: { label, hash: r.hash },
    preset,
    dataset: r.prediction.dataset,
    population: populationOf(r, preset),
    original: {
      predictedLoss: r.prediction.loss,
      interval: [r.prediction.lo, r.prediction.hi],
      percentile: r.prediction.percentile,
    },
    enumerated: r.enumerated,
    capped: r.capped,
    scored: r.scored,
    improving: r.improving,
    failed: r.failed,
    aborted: r.aborted,
    suggestions: r.suggestions.map((s): SuggestionJson => ({
      edit: s.edit.text,
      kind: s.edit.kind,
      hash: s.edit.hash,
      recipe: s.edit.recipe,
      predictedLoss: s.prediction.loss,
      interval: [s.prediction.lo, s.prediction.hi],
      delta: s.delta,
      percentile: s.prediction.percentile,
    })),
  };
}

export async function runSuggest(argv: string[], io: CliIO, opts: StudyCliOptions = {}): Promise<number> {
  const parsed = parseCli(SUGGEST_COMMAND, argv, io, ({ values: v, positionals, given }) => {
    if (positionals.length > 1) throw new UsageError('one FILE at a time');
    return { file: positionals[0], ...v, presetGiven: given.has('preset') };
  });
  if (parsed.exit !== undefined) return parsed.exit;
  const a = parsed.args;
  const calibration = await readCalibrationArg(a.calibration, io, 'suggest');
  if (calibration === null) return 2;
  const cal = calibration ?? BUNDLED_CALIBRATION;
  // A calibration is of one preset: its own unless --preset names another (refused below).
  const preset: PresetName =
    calibration && !a.presetGiven
      ? ((Object.keys(calibration.predictors)[0] as PresetName | undefined) ?? a.preset)
      : a.preset;
  if (calibration && !calibration.predictors[preset]) {
    io.stderr(
      `cell-lens suggest: --calibration ${a.calibration}: a calibration of ${calibration.dataset} at the ${Object.keys(calibration.predictors).join(', ')} preset, not ${preset}\n`,
    );
    return 2;
  }
  let text: string;
  try {
    text = await fs.readFile(a.file, 'utf8');
  } catch (e) {
    io.stderr(`cell-lens suggest: cannot read ${a.file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return 2;
  }
  const cells = parseDocument(text).cells;
  const cell = cells.find((c) => c.index === a.cell);
  if (!cell) {
    io.stderr(
      `cell-lens suggest: ${a.file} has ${cells.length} cell${cells.length === 1 ? '' : 's'}; no cell ${a.cell}\n`,
    );
    return 1;
  }
  const errors = cell.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    io.stderr(`cell-lens suggest: ${a.file} (${cell.label}) is invalid: ${errors[0].message}\n`);
    return 1;
  }
  if (cells.length > 1 && a.cell === 0)
    io.stderr(`note: ${a.file} has ${cells.length} cells; suggesting for cell 0 (--cell N)\n`);
  const recipe = toRecipe(cell);
  const settings = suggestSettings(preset, a.backend, cal);
  const cache = a['no-cache'] ? undefined : new ScoreCache({ dir: a['cache-dir'] ?? scoreCacheDir() });
  const workers = a.workers ?? defaultWorkers(settings);
  const cs = cliScorer(
    { nodePath: a.node, backend: a.backend, timeoutMs: Math.round(a.timeout * 1000), verbose: a.verbose },
    io,
    { ...opts, workerPath: workerPathOf(opts) },
    workers,
  );
  const scorer: Scorer = async (r, s, signal, hash) => {
    const hit = hash ? await cache?.get(hash, s) : undefined;
    if (hit) return hit;
    const report = await cs.scorer(r, s, signal, hash);
    await cache?.put(report);
    return report;
  };
  const interrupt = interruptSignal(io, 'suggest', opts);
  const { signal } = interrupt;
  const t0 = Date.now();
  let result: SuggestResult;
  try {
    result = await suggestEdits(recipe, scorer, {
      preset,
      backend: a.backend,
      top: a.top,
      candidates: a.candidates,
      seed: a.seed,
      calibration: cal,
      parallel: workers,
      signal,
      onProgress: (p) => {
        if (io.stderrIsTTY) io.stderr(`\r${p.done}/${p.total} cells scored`);
      },
    });
  } catch (e) {
    io.stderr(`${io.stderrIsTTY ? '\n' : ''}cell-lens suggest: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  } finally {
    interrupt.release();
    cs.dispose();
  }
  const label = cellName(cell, result.hash);
  const elapsedMs = Date.now() - t0;
  io.stderr(
    `${io.stderrIsTTY ? '\n' : ''}${result.scored} of ${result.enumerated} single edits scored${result.capped ? ' (drawn evenly over the kinds)' : ''}` +
      `${result.failed ? `, ${result.failed} failed` : ''} in ${formatElapsed(elapsedMs)} on ${workers} process${workers === 1 ? '' : 'es'} (${settings.scores.length} scores, ${preset} preset)\n`,
  );
  if (a.json) {
    io.stdout(
      JSON.stringify(
        suggestJson(a.file, label, result, preset),
        (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
        2,
      ) + '\n',
    );
  } else {
    io.stdout(`${a.file} · ${label} · ${predictionText(result.prediction)} (${preset})\n`);
    io.stdout(`${suggestPopulationText(populationOf(result, preset))}\n`);
    io.stdout(
      `${result.improving} of ${result.scored} edits predicted to help; the best ${result.suggestions.length}:\n`,
    );
    result.suggestions.forEach((s, i) => {
      io.stdout(`${String(i + 1).padStart(3)}. ${s.edit.text}\n`);
      io.stdout(`     predicted ${s.prediction.lossText} · Δ ${formatDelta(s.delta)} · ${s.prediction.topText}\n`);
    });
  }
  return result.aborted ? 2 : 0;
}
