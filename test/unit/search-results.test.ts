/**
 * What a search hands back: a document of the best cells with rank, fitness and settings that Cell Lens parses as
 * cells ("search #k"), and reports narrowed to the user's settings so those cells show their scores in the editor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from '../../src/recipe/parse';
import { canonicalHash } from '../../src/recipe/canonical';
import { reportForSettings, searchResultsJson } from '../../src/search/runner';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import type { ScoreReport, ScoreSettings } from '../../src/scoring/types';
import { exampleText } from '../helpers/data';

const cells = (JSON.parse(exampleText()) as Record<string, { op: string; input: string[] }>[]).slice(0, 3);

test('the search document: one object per cell with rank, fitness and settings; each parses as a valid cell', () => {
  const best = cells.map((recipe, i) => ({ hash: canonicalHash(recipe), recipe, fitness: 10 - i }));
  const text = searchResultsJson(best, {
    algorithm: 'rea',
    score: 'ntk_cond',
    budget: 50,
    seed: 3,
    preset: 'Proxy sizes',
    evaluations: 50,
    testLossOf: (h) => (h === best[0].hash ? { testLoss: 4.52, rank: 1 } : undefined),
  });
  const doc = JSON.parse(text) as { search: Record<string, unknown>; recepie: unknown }[];
  assert.equal(doc.length, 3);
  assert.deepEqual(doc[0].search, {
    rank: 1,
    score: 'ntk_cond',
    fitness: -10,
    algorithm: 'rea',
    budget: 50,
    seed: 3,
    preset: 'Proxy sizes',
    evaluations: 50,
    benchmark_test_loss: 4.52,
    benchmark_rank: 1,
  });
  assert.equal(doc[1].search.fitness, -9, "κ is lower-is-better: the fitness is shown in the score's own units");
  const parsed = parseDocument(text);
  assert.deepEqual(
    parsed.cells.map((c) => c.label),
    ['search #1', 'search #2', 'search #3'],
  );
  assert.deepEqual(
    [...parsed.diagnostics, ...parsed.cells.flatMap((c) => c.diagnostics)].filter((d) => d.severity === 'error'),
    [],
  );
});

test("a search report narrowed to the user's settings: same sizes and seed, a subset of the scores; else none", () => {
  const s: ScoreSettings = {
    ...SIZE_PRESETS.proxy,
    scores: ['params', 'naswot', 'hidden_cov'],
    seed: 0,
    repeats: 1,
    backend: 'auto',
  };
  const r = (id: 'params' | 'naswot' | 'hidden_cov', value: number) => ({
    id,
    value,
    std: 0,
    values: [value],
    seed: 0,
    repeats: 1,
    wallMs: 1,
    backend: 'wasm' as const,
  });
  const report: ScoreReport = {
    hash: 'h',
    settings: s,
    backend: 'wasm',
    totalMs: 5,
    results: [r('params', 1), r('naswot', 2), r('hidden_cov', 3)],
  };
  const user: ScoreSettings = { ...s, scores: ['hidden_cov', 'naswot'] };
  assert.deepEqual(
    reportForSettings(report, user)!.results.map((x) => [x.id, x.value]),
    [
      ['hidden_cov', 3],
      ['naswot', 2],
    ],
  );
  assert.equal(reportForSettings(report, { ...user, seed: 1 }), undefined);
  assert.equal(reportForSettings(report, { ...user, hidden: 64 }), undefined);
  assert.equal(reportForSettings(report, { ...user, scores: ['zen'] }), undefined);
});
