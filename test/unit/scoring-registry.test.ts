/**
 * The score registry drives the settings enums and the docs table (kept in sync by scripts/sync-scores.ts); each
 * score's declared direction is the one measured on the bundled benchmark; the shipped reference populations are
 * fresh (same engine version, and re-scoring the probe cells reproduces their stored values).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCORE_DEFS } from '../../src/scoring/scores/index';
import { DEFAULT_SCORE_IDS, ENGINE_VERSION, SCORE_IDS, SCORES, type ScoreSettings } from '../../src/scoring/types';
import {
  REFERENCE,
  percentileIn,
  percentileOf,
  referencePresetFor,
  withDerivedScores,
  type ReferenceScore,
} from '../../src/scoring/reference';
import { SIZE_PRESETS } from '../../src/scoring/presets';
import { initBackend } from '../../src/scoring/backends';
import { scoreCell } from '../../src/scoring/engine';
import { syncedDocs, syncedPackageJson } from '../../scripts/sync-scores';

const ROOT = join(__dirname, '..', '..');

test('registry: unique ids, each with label, meaning, formula, passes, and compute or derive', () => {
  assert.equal(new Set(SCORE_IDS).size, SCORE_IDS.length);
  // scoring/ids.ts (what protocols and webviews import) names the registry's modules, in the registry's order.
  assert.deepEqual(
    SCORE_DEFS.map((d) => d.id),
    [...SCORE_IDS],
  );
  for (const d of SCORE_DEFS) {
    assert.ok(d.label && d.meaning && d.formula && d.undefinedWhen && d.source, d.id);
    assert.ok(!!d.compute !== !!d.derive, `${d.id}: exactly one of compute / derive`);
    for (const c of d.combines ?? [])
      assert.ok((SCORE_IDS as readonly string[]).includes(c), `${d.id} combines unknown ${c}`);
  }
  assert.ok(DEFAULT_SCORE_IDS.includes('hidden_cov'));
  assert.ok(!DEFAULT_SCORE_IDS.includes('ninaswot'), 'NINASWOT ranks cells like NASWOT: off by default');
});

test('package.json enums and the docs/scores.md table are generated from the registry (run scripts/sync-scores.ts)', () => {
  const pkg = readFileSync(join(ROOT, 'package.json'), 'utf8');
  assert.equal(syncedPackageJson(pkg), pkg, 'package.json is stale');
  const docs = readFileSync(join(ROOT, 'docs', 'scores.md'), 'utf8');
  assert.equal(syncedDocs(docs), docs, 'docs/scores.md is stale');
  for (const d of SCORE_DEFS) assert.ok(docs.includes(`| \`${d.id}\` |`), d.id);
});

test('directions are measured: every score with a significant τ on the bundled benchmark (either preset) declares that sign', () => {
  let checked = 0;
  for (const preset of ['proxy', 'nas-bench-nlp'] as const) {
    const ref = REFERENCE.presets[preset];
    assert.ok(ref, `the ${preset} reference exists`);
    for (const d of SCORE_DEFS) {
      const r: ReferenceScore | undefined = ref.scores[d.id];
      assert.ok(r, `${d.id} has a ${preset} reference`);
      if (r.tauLo > 0 || r.tauHi < 0) {
        assert.equal(
          d.better,
          r.tau > 0 ? 'higher' : 'lower',
          `${d.id} (${preset}): τ ${r.tau} [${r.tauLo}, ${r.tauHi}] but declared ${d.better}`,
        );
        checked++;
      }
    }
  }
  assert.ok(checked >= 18, `${checked} (score, preset) pairs with a significant τ`);
});

test('percentiles: oriented, ties half, ±∞ at the ends, NaN undefined; only for the reference settings', () => {
  const ref = {
    values: [1, 2, 3, 4],
    posInf: 1,
    negInf: 0,
    nNaN: 0,
    tau: 0,
    tauLo: 0,
    tauHi: 0,
    rho: 0,
    better: 'higher' as const,
  };
  assert.equal(percentileIn(ref, 2.5, 'higher'), 40);
  assert.equal(percentileIn(ref, 2, 'higher'), 30);
  assert.equal(percentileIn(ref, 2, 'lower'), 70);
  assert.equal(percentileIn(ref, Infinity, 'lower'), 10);
  assert.equal(percentileIn(ref, -Infinity, 'higher'), 0);
  assert.equal(percentileIn(ref, NaN, 'higher'), undefined);
  const s: ScoreSettings = { ...SIZE_PRESETS.proxy, scores: SCORE_IDS, seed: 0, repeats: 1, backend: 'wasm' };
  assert.equal(referencePresetFor(s), 'proxy');
  assert.equal(referencePresetFor({ ...s, seed: 1 }), undefined);
  assert.equal(referencePresetFor({ ...s, hidden: 47 }), undefined);
  const vals = REFERENCE.presets.proxy!.scores.hidden_cov.values;
  assert.ok(percentileOf('hidden_cov', vals[vals.length - 1] + 1, s)! > 99);
  assert.ok(percentileOf('hidden_cov', vals[0] - 1, s)! < 1);
});

test('the reference is fresh: same engine version, and the probe cells re-score to their stored values (wasm)', async () => {
  assert.equal(
    REFERENCE.engineVersion,
    ENGINE_VERSION,
    'rebuild data/reference-wikitext2.json (scripts/build-reference.ts) after an engine change',
  );
  await initBackend('wasm');
  const probes = REFERENCE.probes.filter((p) => p.preset === 'proxy');
  assert.equal(probes.length, 3);
  for (const p of probes) {
    const ids = Object.keys(p.values).filter((id) =>
      (SCORE_IDS as readonly string[]).includes(id),
    ) as (typeof SCORE_IDS)[number][];
    const rep = await scoreCell(p.recipe, { ...SIZE_PRESETS.proxy, scores: ids, seed: 0, repeats: 1, backend: 'wasm' });
    for (const id of ids) {
      const want = typeof p.values[id] === 'number' ? p.values[id] : Number(p.values[id]);
      const got = rep.results.find((r) => r.id === id)!.value;
      // A derived score moves by 100/(3·258) per reference cell a component passes: compare in percentile units.
      if (SCORES[id].derive) {
        assert.ok(Math.abs(got - want) <= 1, `${p.hash} ${id}: ${got} vs stored ${want}`);
        continue;
      }
      if (!Number.isFinite(want)) {
        assert.ok(
          Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)),
          `${p.hash} ${id}: ${got} vs ${want}`,
        );
        continue;
      }
      assert.ok(
        Math.abs(got - want) <= 1e-4 * Math.max(1, Math.abs(want)),
        `${p.hash} ${id}: ${got} vs stored ${want}`,
      );
    }
  }
});

test("hybrid: the mean of its components' percentiles; NaN with a reason without a reference", async () => {
  const s: ScoreSettings = { ...SIZE_PRESETS.proxy, scores: ['hybrid'], seed: 0, repeats: 1, backend: 'wasm' };
  const probe = REFERENCE.probes.find((p) => p.preset === 'proxy')!;
  const rep = await scoreCell(probe.recipe, s);
  const by = new Map(rep.results.map((r) => [r.id, r.value]));
  const want =
    (['ninaswot', 'maedet', 'ntk_cond'] as const).reduce((a, id) => a + percentileOf(id, by.get(id)!, s)!, 0) / 3;
  assert.ok(Math.abs(by.get('hybrid')! - want) < 1e-12);
  const custom = withDerivedScores({ ...rep, settings: { ...s, hidden: 40 } });
  const h = custom.results.find((r) => r.id === 'hybrid')!;
  assert.ok(Number.isNaN(h.value));
  assert.match(h.reason ?? '', /no reference population/);
  assert.equal(SCORES.hybrid.combines?.length, 3);
});
