/**
 * The correlation study: how well each train-free score ranks cells by their trained loss.
 *
 * Sign convention (used everywhere in this module and in its reports): every score is first ORIENTED so
 * that higher = predicted better (a score whose `SCORES[id].better` is 'lower', e.g. `ntk_cond`, is
 * negated), and τ / ρ are computed between the oriented score and the NEGATIVE loss. So a positive τ
 * always means "the score puts low-loss cells first", whatever the score's native direction; τ = 1 is a
 * perfect ranker, 0 no information, negative = anti-correlated. (This equals the usual "correlation with
 * accuracy" of NAS papers for higher-better scores.)
 *
 * Diverged cells (training produced NaN loss, "loss is nan!") are excluded from every correlation and
 * reported apart (count and where the scores place them). Records whose loss is NaN but that are not
 * flagged diverged are dropped pairwise and counted.
 *
 * Pure logic; no `vscode` import.
 */
import { SCORES, type ScoreId } from '../scoring/types';
import { csvText } from '../shared/escape';
import { bestSingleScore } from './best';
import {
  bootstrapCI,
  fitEnsembleWeights,
  kendallTau,
  kendallTauClean,
  rankEnsemble,
  ranks,
  spearmanRhoClean,
  topKOverlap,
  type BootstrapResult,
  type FitEnsembleResult,
  type TopKOverlap,
} from './stats';

/** One trained and scored cell. */
export interface StudyRecord {
  /** Canonical hash of the cell. */
  readonly hash: string;
  /** Final test loss (NaN when unknown). */
  readonly testLoss: number;
  /** Final validation loss (NaN when unknown). */
  readonly valLoss: number;
  /** Whether training diverged (NAS-Bench-NLP status "loss is nan!"). */
  readonly diverged: boolean;
  /** Score values; a missing or NaN entry means "not available" for that score. */
  readonly scores: Partial<Record<ScoreId, number>>;
  /** Optional human label (e.g. "log 1000123"). */
  readonly label?: string;
}

/** Options of {@link runStudy}. */
export interface StudyOptions {
  /** Scores to study (default: every score that at least one record has, in SCORE_IDS order). */
  readonly scores?: readonly ScoreId[];
  /** Bootstrap resamples (default 1000). */
  readonly bootstrapSamples?: number;
  /** Bootstrap / CV seed (default 0). */
  readonly seed?: number;
  /** Confidence level (default 0.95). */
  readonly level?: number;
  /** Top fraction for the overlap (default 0.1 = top-10%). */
  readonly topFraction?: number;
  /** Also fit a rank ensemble of the studied scores by k-fold CV on τ vs test loss (default false). */
  readonly ensemble?: boolean;
  /** Folds of the ensemble CV (default 5). */
  readonly ensembleFolds?: number;
  /**
   * Scores the ensemble combines (default: the studied scores except `hybrid`, which is itself a fixed
   * combination and is reported beside the ensemble as a baseline on the same folds).
   */
  readonly ensembleScores?: readonly ScoreId[];
}

/** The components of the paper's rank-normalised hybrid score (NINASWOT ↑, MAE-DET ↑, NTK condition number ↓). */
export const RANK_HYBRID_SCORES: readonly ScoreId[] = ['ninaswot', 'maedet', 'ntk_cond'];

/** A fixed (not fitted) predictor evaluated on the ensemble's cross-validation folds. */
export interface EnsembleBaseline {
  /** A score id, or `rank-hybrid`: equal-weight rank ensemble of {@link RANK_HYBRID_SCORES}. */
  readonly id: ScoreId | 'rank-hybrid';
  readonly label: string;
  /** τ-b vs −test loss on all cells. */
  readonly tau: number;
  /** Mean held-out τ-b over the ensemble's folds (ranks taken within each fold for rank-hybrid). */
  readonly cvTau: number;
  readonly foldTaus: number[];
}

/** τ, ρ and top-k overlap of one score against one loss. */
export interface TargetStats {
  /** Kendall τ-b (oriented score vs −loss) with its bootstrap interval and n. */
  readonly tau: BootstrapResult;
  /** Spearman ρ (oriented score vs −loss) with its bootstrap interval. */
  readonly rho: BootstrapResult;
  /** Fraction of the top-fraction best-scored cells that are among the top-fraction lowest-loss cells. */
  readonly topK: TopKOverlap;
}

/** One row of the correlation table. */
export interface ScoreRow {
  readonly id: ScoreId;
  readonly label: string;
  readonly better: 'higher' | 'lower';
  /** Non-diverged cells with a usable (non-NaN) value of this score. */
  readonly nScored: number;
  /** Non-diverged cells where this score is missing or NaN. */
  readonly nNaN: number;
  readonly test: TargetStats;
  readonly val: TargetStats;
}

/** Where the scores place the diverged cells. */
export interface DivergedSummary {
  readonly count: number;
  readonly hashes: string[];
  /**
   * Per score: how many diverged cells have a value, and the median percentile (0 = worst, 100 = best,
   * oriented) of those values among all cells with a value. A low median means the score flags them.
   */
  readonly perScore: { id: ScoreId; nScored: number; medianPercentile: number }[];
}

/** The whole study. */
export interface StudyResult {
  readonly nCells: number;
  /** Non-diverged cells. */
  readonly nTrained: number;
  readonly rows: ScoreRow[];
  readonly diverged: DivergedSummary;
  /**
   * The cross-validated rank ensemble (when asked for and at least two scores are studied), with fixed
   * baselines (the best single score, `hybrid`, the rank hybrid) scored on the same folds.
   */
  readonly ensemble?: FitEnsembleResult & { readonly scores: ScoreId[]; readonly baselines: EnsembleBaseline[] };
  readonly settings: { samples: number; seed: number; level: number; topFraction: number };
}

/** A score value oriented so that higher = predicted better; NaN when missing. */
export function orientedScore(rec: StudyRecord, id: ScoreId): number {
  const v = rec.scores[id];
  if (v === undefined || Number.isNaN(v)) return NaN;
  return SCORES[id].better === 'lower' ? -v : v;
}

/** Runs the study (see the module comment for the sign convention). Deterministic for a given seed. */
export function runStudy(records: readonly StudyRecord[], options: StudyOptions = {}): StudyResult {
  const samples = options.bootstrapSamples ?? 1000;
  const seed = options.seed ?? 0;
  const level = options.level ?? 0.95;
  const topFraction = options.topFraction ?? 0.1;
  const ids =
    options.scores ??
    (Object.keys(SCORES) as ScoreId[]).filter((id) => records.some((r) => r.scores[id] !== undefined));
  const trained = records.filter((r) => !r.diverged);
  const divergedRecs = records.filter((r) => r.diverged);
  const negTest = trained.map((r) => -r.testLoss);
  const negVal = trained.map((r) => -r.valLoss);
  const target = (xs: number[], ys: number[], s: number): TargetStats => ({
    tau: bootstrapCI(xs, ys, kendallTauClean, { samples, seed: s, level }),
    rho: bootstrapCI(xs, ys, spearmanRhoClean, { samples, seed: s + 1, level }),
    topK: topKOverlap(
      xs,
      ys.map((v) => -v),
      topFraction,
      'higher',
    ),
  });
  const rows: ScoreRow[] = ids.map((id) => {
    const xs = trained.map((r) => orientedScore(r, id));
    const nNaN = xs.filter((v) => Number.isNaN(v)).length;
    return {
      id,
      label: SCORES[id].label,
      better: SCORES[id].better,
      nScored: xs.length - nNaN,
      nNaN,
      test: target(xs, negTest, seed),
      val: target(xs, negVal, seed + 2),
    };
  });
  const perScore = ids.map((id) => {
    const all = records.map((r) => orientedScore(r, id));
    const rk = ranks(all);
    const m = all.filter((v) => !Number.isNaN(v)).length;
    const pct: number[] = [];
    records.forEach((r, i) => {
      if (r.diverged && !Number.isNaN(rk[i])) pct.push(m < 2 ? 50 : (100 * (rk[i] - 1)) / (m - 1));
    });
    pct.sort((a, b) => a - b);
    const med =
      pct.length === 0
        ? NaN
        : pct.length % 2
          ? pct[(pct.length - 1) / 2]
          : (pct[pct.length / 2 - 1] + pct[pct.length / 2]) / 2;
    return { id, nScored: pct.length, medianPercentile: med };
  });
  let ensemble: StudyResult['ensemble'];
  const ensIds = (
    options.ensembleScores ??
    (ids.filter((id) => id !== 'hybrid').length >= 2 ? ids.filter((id) => id !== 'hybrid') : ids)
  ).filter((id) => ids.includes(id));
  if (options.ensemble && ensIds.length >= 2 && trained.length >= 4) {
    const losses = trained.map((r) => r.testLoss);
    const fit = fitEnsembleWeights(
      ensIds.map((id) => ({ values: trained.map((r) => orientedScore(r, id)), better: 'higher' as const })),
      losses,
      { folds: options.ensembleFolds ?? 5, seed },
    );
    const baselines: EnsembleBaseline[] = [];
    const fixed = (
      id: EnsembleBaseline['id'],
      label: string,
      predictor: (rows: readonly number[]) => number[],
    ): void => {
      const all = trained.map((_, i) => i);
      const tau = kendallTau(
        predictor(all),
        all.map((r) => -losses[r]),
      ).value;
      // The predictor is evaluated per fold, so a rank-based one ranks within the fold (as the ensemble does).
      const perFold = fit.foldRows.map(
        (rows) =>
          kendallTau(
            predictor(rows),
            rows.map((r) => -losses[r]),
          ).value,
      );
      const d = perFold.filter((t) => !Number.isNaN(t));
      baselines.push({
        id,
        label,
        tau,
        cvTau: d.length ? d.reduce((a, b) => a + b, 0) / d.length : NaN,
        foldTaus: perFold,
      });
    };
    const best = bestSingleScore(rows);
    if (best)
      fixed(best.id, `best single score (${best.label})`, (rs) => rs.map((r) => orientedScore(trained[r], best.id)));
    if (ids.includes('hybrid'))
      fixed('hybrid', SCORES.hybrid.label, (rs) => rs.map((r) => orientedScore(trained[r], 'hybrid')));
    if (RANK_HYBRID_SCORES.every((id) => ids.includes(id))) {
      fixed('rank-hybrid', 'rank hybrid (equal-weight ranks of NINASWOT, MAE-DET, κ)', (rs) =>
        rankEnsemble(
          RANK_HYBRID_SCORES.map((id) => ({
            values: rs.map((r) => orientedScore(trained[r], id)),
            better: 'higher' as const,
          })),
          RANK_HYBRID_SCORES.map(() => 1),
        ),
      );
    }
    ensemble = { ...fit, scores: [...ensIds], baselines };
  }
  return {
    nCells: records.length,
    nTrained: trained.length,
    rows,
    diverged: { count: divergedRecs.length, hashes: divergedRecs.map((r) => r.hash), perScore },
    ensemble,
    settings: { samples, seed, level, topFraction },
  };
}

function fmt(v: number, digits = 3): string {
  if (Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const t = v.toFixed(digits);
  return /^-0\.?0*$/.test(t) ? t.slice(1) : t; // no "-0.000"
}

function withCI(b: BootstrapResult): string {
  return `${fmt(b.estimate)} [${fmt(b.lo)}, ${fmt(b.hi)}]`;
}

/** Options of {@link studyToMarkdown}. */
export interface MarkdownOptions {
  /** First heading (default "Train-free score study"). */
  readonly title?: string;
  /** Markdown paragraphs / lines placed right after the title (e.g. dataset, sizes, the command, timing). */
  readonly intro?: readonly string[];
  /** Scatter plots to reference, score id → relative image path; shown after the tables. */
  readonly plots?: Partial<Record<ScoreId, string>>;
}

/** Markdown report of a study: the correlation table, the diverged cells, the ensemble. Pure string builder. */
export function studyToMarkdown(study: StudyResult, options: string | MarkdownOptions = {}): string {
  const o: MarkdownOptions = typeof options === 'string' ? { title: options } : options;
  const pctLevel = Math.round(study.settings.level * 100);
  const top = Math.round(study.settings.topFraction * 100);
  const lines: string[] = [];
  lines.push(`# ${o.title ?? 'Train-free score study'}`, '');
  if (o.intro?.length) lines.push(...o.intro, '');
  lines.push(
    `${study.nCells} cells, ${study.nTrained} trained without divergence, ${study.diverged.count} diverged (left out of the correlations).`,
    '',
  );
  lines.push(
    `Sign convention: each score is oriented so that higher = predicted better (lower-is-better scores are negated), and τ (Kendall τ-b) and ρ (Spearman) are computed against the **negative** loss. Positive = the score ranks low-loss cells first. Brackets: ${pctLevel}% bootstrap percentile intervals (${study.settings.samples} resamples, seed ${study.settings.seed}). Top-${top}%: fraction of the best-scored ${top}% that are among the ${top}% lowest-loss cells.`,
    '',
  );
  for (const which of ['test', 'val'] as const) {
    lines.push(`## ${which === 'test' ? 'Test' : 'Validation'} loss`, '');
    lines.push(`| Score | better | n | NaN | τ | ρ | top-${top}% |`);
    lines.push('|---|---|---:|---:|---|---|---:|');
    for (const r of study.rows) {
      const t = r[which];
      lines.push(
        `| ${r.label} | ${r.better} | ${t.tau.n} | ${r.nNaN} | ${withCI(t.tau)} | ${withCI(t.rho)} | ${fmt(t.topK.value, 2)} (k=${t.topK.k}) |`,
      );
    }
    lines.push('');
  }
  lines.push('## Diverged cells', '');
  if (study.diverged.count === 0) lines.push('None.', '');
  else {
    lines.push(`${study.diverged.count} cell(s): ${study.diverged.hashes.map((h) => `\`${h}\``).join(', ')}.`, '');
    lines.push('Median percentile of the diverged cells under each score (0 = scored worst, 100 = scored best):', '');
    lines.push('| Score | scored | median percentile |', '|---|---:|---:|');
    for (const p of study.diverged.perScore)
      lines.push(`| ${SCORES[p.id].label} | ${p.nScored} | ${fmt(p.medianPercentile, 1)} |`);
    lines.push('');
  }
  if (study.ensemble) {
    const e = study.ensemble;
    lines.push('## Rank ensemble', '');
    lines.push(
      `Weights fitted by coordinate search on the simplex maximising τ vs −test loss; ${e.foldTaus.length}-fold cross-validated τ = **${fmt(e.cvTau)}** (in-sample τ = ${fmt(e.trainTau)}). The fixed predictors below are scored on the same held-out folds (ranks taken within each fold).`,
      '',
    );
    lines.push('| Predictor | τ (all cells) | cross-validated τ |', '|---|---:|---:|');
    lines.push(`| learned rank ensemble | ${fmt(e.trainTau)} (in-sample) | **${fmt(e.cvTau)}** |`);
    for (const b of e.baselines) lines.push(`| ${b.label} | ${fmt(b.tau)} | ${fmt(b.cvTau)} |`);
    lines.push('');
    lines.push('| Score | weight |', '|---|---:|');
    e.scores.forEach((id, i) => lines.push(`| ${SCORES[id].label} | ${fmt(e.weights[i])} |`));
    lines.push('');
  }
  const plots = study.rows.filter((r) => o.plots?.[r.id]);
  if (plots.length) {
    lines.push('## Plots', '');
    for (const r of plots) lines.push(`![${r.label} vs test loss](${o.plots![r.id]})`, '');
  }
  return lines.join('\n');
}

function csvCell(v: string | number): string {
  if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v);
  return csvText(v);
}

/**
 * CSV report: one row per score and target (`test`, `val`), columns
 * score,target,better,n,n_nan,tau,tau_lo,tau_hi,rho,rho_lo,rho_hi,topk,k — same sign convention as
 * {@link runStudy}; an undefined value is an empty field.
 */
export function studyToCsv(study: StudyResult): string {
  const head = [
    'score',
    'target',
    'better',
    'n',
    'n_nan',
    'tau',
    'tau_lo',
    'tau_hi',
    'rho',
    'rho_lo',
    'rho_hi',
    'topk',
    'k',
  ];
  const out = [head.join(',')];
  for (const r of study.rows) {
    for (const which of ['test', 'val'] as const) {
      const t = r[which];
      out.push(
        [
          r.id,
          which,
          r.better,
          t.tau.n,
          r.nNaN,
          t.tau.estimate,
          t.tau.lo,
          t.tau.hi,
          t.rho.estimate,
          t.rho.lo,
          t.rho.hi,
          t.topK.value,
          t.topK.k,
        ]
          .map(csvCell)
          .join(','),
      );
    }
  }
  return out.join('\n') + '\n';
}
