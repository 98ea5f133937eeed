import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { strToU8, Zip, ZipDeflate, ZipPassThrough, zipSync } from 'fflate';
import { datasetFromDataField, parseJsonWithNaN, parseLog, type BenchmarkRun } from '../../src/benchmark/logFormat';
import { loadLogSources, loadLogSourcesSync, loadLogsFromZip, MAX_LOG_BYTES } from '../../src/benchmark/sources';
import { canonicalHash } from '../../src/recipe/canonical';
import { MULTI_RUN_DIR, WT2_ZIP, rawRecipe, rawWikiText2Logs } from '../fixtures/benchmark/helpers';

const raw = rawWikiText2Logs();
const zipped = loadLogsFromZip(readFileSync(WT2_ZIP), WT2_ZIP);

test('the raw zip holds 345 logs (4 with a nan status)', () => {
  assert.equal(raw.length, 345);
  assert.equal(raw.filter((l) => l.json.status.includes('nan')).length, 4);
});

test('all 345 WikiText-2 logs load from the zip, without warnings', () => {
  assert.equal(zipped.warnings.length, 0, JSON.stringify(zipped.warnings.slice(0, 3)));
  assert.equal(zipped.runs.length, 345);
  assert.ok(
    zipped.runs.every((r) => r.dataset === 'WikiText-2'),
    'dataset inferred from data/wikitext-2',
  );
});

test('every run matches its raw log field by field', () => {
  const byName = new Map(zipped.runs.map((r) => [r.file.slice(WT2_ZIP.length + 1), r]));
  for (const l of raw) {
    const r = byName.get(l.name);
    assert.ok(r, l.name);
    const tests = l.json.test_losses.map((x) => (x === null ? NaN : x));
    const vals = l.json.val_losses.map((x) => (x === null ? NaN : x));
    assert.equal(r.recepieId, l.json.recepie_id);
    assert.equal(r.experimentId, l.json.experiment_id);
    assert.equal(r.recipe, l.json.recepie);
    assert.equal(r.hash, canonicalHash(rawRecipe(l)));
    assert.equal(r.numParams, l.json.num_params);
    assert.equal(r.status, l.json.status);
    assert.equal(r.epochs, tests.length);
    assert.equal(r.plannedEpochs, 50);
    assert.deepEqual(r.testLosses, tests);
    assert.deepEqual(r.valLosses, vals);
    assert.deepEqual(r.finalTest, tests[tests.length - 1]);
    assert.deepEqual(r.finalVal, vals[vals.length - 1]);
    const finite = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
    assert.deepEqual(r.bestTest, finite(tests).length ? Math.min(...finite(tests)) : NaN);
    assert.deepEqual(r.bestVal, finite(vals).length ? Math.min(...finite(vals)) : NaN);
    assert.equal(r.diverged, l.json.status !== 'OK', l.name);
  }
});

test('the 4 diverged logs are kept and flagged, with their partial curves', () => {
  const div = zipped.runs.filter((r) => r.diverged).sort((a, b) => (a.recepieId ?? 0) - (b.recepieId ?? 0));
  assert.deepEqual(
    div.map((r) => r.recepieId),
    [1007257, 1009182, 1009257, 1009703],
  );
  assert.deepEqual(
    div.map((r) => r.epochs),
    [19, 1, 23, 1],
  );
  assert.ok(div.every((r) => Number.isNaN(r.finalTest) && r.status === 'loss is nan!'));
  // 1007257 logged 18 finite test losses before the NaN; its best is the min of those.
  const l = raw.find((x) => x.json.recepie_id === 1007257)!;
  assert.equal(div[0].bestTest, Math.min(...l.json.test_losses.filter((x) => x !== null)));
});

test('a folder of the same logs gives the same runs as the zip', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cell-lens-bench-'));
  try {
    // Nested folders and a non-JSON file, to exercise the recursive scan.
    raw.forEach((l, i) => {
      const sub = join(dir, `part${i % 3}`, i % 2 ? 'deeper' : '');
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, l.name), l.text);
    });
    writeFileSync(join(dir, 'notes.txt'), 'not a log');
    const fromDir = loadLogSourcesSync([{ path: dir }]);
    const fromDirAsync = await loadLogSources([{ path: dir }]);
    assert.equal(fromDir.warnings.length, 0);
    assert.deepEqual(fromDir.ignored, [join(dir, 'notes.txt')]);
    const norm = (runs: BenchmarkRun[]) =>
      runs
        .map((r) => ({ ...r, file: basename(r.file.replace(/^.*\.zip:/, '')) }))
        .sort((a, b) => (a.file < b.file ? -1 : 1));
    assert.deepEqual(norm(fromDir.runs), norm(zipped.runs));
    assert.deepEqual(norm(fromDirAsync.runs), norm(zipped.runs));
    // The async path for a zip gives the same as the sync one.
    const zipAsync = await loadLogSources([{ path: WT2_ZIP }]);
    assert.deepEqual(norm(zipAsync.runs), norm(zipped.runs));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the dataset label comes from the user when given, else from the data field', () => {
  assert.equal(datasetFromDataField('data/wikitext-2'), 'WikiText-2');
  assert.equal(datasetFromDataField('data/ptb'), 'PTB');
  assert.equal(datasetFromDataField('data/penn'), 'PTB');
  assert.equal(datasetFromDataField('/home/me/corpora/enwik8/'), 'enwik8');
  assert.equal(datasetFromDataField(undefined), 'unknown');
  assert.equal(datasetFromDataField(''), 'unknown');
  const fixtures = loadLogSourcesSync([{ path: MULTI_RUN_DIR }]);
  assert.deepEqual(
    fixtures.runs.map((r) => r.dataset),
    ['PTB', 'PTB', 'PTB'],
  );
  const labelled = loadLogSourcesSync([{ path: MULTI_RUN_DIR, dataset: 'My corpus' }]);
  assert.deepEqual(
    labelled.runs.map((r) => r.dataset),
    ['My corpus', 'My corpus', 'My corpus'],
  );
});

test('NaN / Infinity tokens of Python json.dump are read; strings containing them are untouched', () => {
  const v = parseJsonWithNaN('{"a": [NaN, Infinity, -Infinity, 1.5], "s": "NaN \\" Infinity", "NaN": -1}') as Record<
    string,
    unknown
  >;
  assert.deepEqual(v.a, [NaN, Infinity, -Infinity, 1.5]);
  assert.equal(v.s, 'NaN " Infinity');
  assert.equal(v.NaN, -1);
  assert.throws(() => parseJsonWithNaN('{"a": NaNa}'));
  assert.throws(() => parseJsonWithNaN('{"a": nan}'));
});

const goodRecipe = JSON.stringify({ h_new_0: { op: 'activation_tanh', input: ['x'] } });
const log = (over: Record<string, unknown>) =>
  JSON.stringify({
    data: 'data/ptb',
    recepie_id: 1,
    experiment_id: 2,
    recepie: goodRecipe,
    num_params: 10,
    epochs: 2,
    test_losses: [6, 5],
    val_losses: [6.5, 5.5],
    status: 'OK',
    ...over,
  });

test('malformed logs become warnings, never throws', () => {
  const cases: [string, string, RegExp][] = [
    ['bad.json', '{"recepie": ', /not valid JSON/],
    ['missing.json', JSON.stringify({ test_losses: [1], val_losses: [1] }), /no "recepie" field/],
    ['notstring.json', log({ recepie: { h_new_0: { op: 'linear', input: ['x'] } } }), /not a string/],
    ['unparseable.json', log({ recepie: '{"h_new_0": {"op": "linear", "input": ["x"]' }), /not valid JSON/],
    ['noinput.json', log({ recepie: '{"h_new_0": {"op": "linear"}}' }), /"input" list/],
    ['empty.json', log({ recepie: '{}' }), /no nodes/],
    ['list.json', JSON.stringify([{ h_new_0: { op: 'linear', input: ['x'] } }]), /no "recepie" field/],
    ['null.json', 'null', /no "recepie" field/],
    ['nolosses.json', log({ test_losses: undefined }), /test_losses/],
  ];
  for (const [file, text, re] of cases) {
    const r = parseLog(text, file);
    assert.ok('warning' in r, file);
    assert.equal(r.warning.file, file);
    assert.match(r.warning.message, re, file);
  }
  // The same files in a folder: all warned about, nothing thrown, the one good log loads.
  const dir = mkdtempSync(join(tmpdir(), 'cell-lens-bad-'));
  try {
    for (const [file, text] of cases) writeFileSync(join(dir, file), text);
    writeFileSync(join(dir, 'good.json'), log({}));
    const res = loadLogSourcesSync([
      { path: dir },
      { path: join(dir, 'does-not-exist') },
      { path: join(dir, 'good.json') },
    ]);
    assert.equal(res.runs.length, 2); // good.json from the folder and as a single file
    assert.deepEqual(
      res.warnings.map((w) => basename(w.file)).sort(),
      [...cases.map((c) => c[0]), 'does-not-exist'].sort(),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a log with a short, NaN-ending curve is diverged even when its status says OK', () => {
  const r = parseLog(log({ test_losses: [6, null], val_losses: [6, 5] }), 'f.json');
  assert.ok('run' in r);
  assert.equal(r.run.diverged, true);
  assert.ok(Number.isNaN(r.run.finalTest));
  assert.equal(r.run.bestTest, 6);
  const none = parseLog(log({ test_losses: [], val_losses: [] }), 'g.json');
  assert.ok('run' in none && none.run.diverged && none.run.epochs === 0);
});

test('zip: non-JSON entries are ignored, oversized and bad entries warned about, a bad archive too', () => {
  const big = new Uint8Array(MAX_LOG_BYTES + 1).fill(32);
  const zip = zipSync({
    'logs/a.json': strToU8(log({ recepie_id: 11 })),
    'logs/readme.txt': strToU8('hello'),
    'logs/bad.json': strToU8('{'),
    'logs/huge.json': big,
    '__MACOSX/logs/._a.json': strToU8('junk'),
  });
  const res = loadLogsFromZip(zip, 'x.zip');
  assert.deepEqual(
    res.runs.map((r) => [r.recepieId, r.file]),
    [[11, 'x.zip:logs/a.json']],
  );
  assert.deepEqual(res.ignored.sort(), ['x.zip:__MACOSX/logs/._a.json', 'x.zip:logs/readme.txt']);
  assert.deepEqual(res.warnings.map((w) => w.file).sort(), ['x.zip:logs/bad.json', 'x.zip:logs/huge.json']);
  const broken = loadLogsFromZip(strToU8('PK not really a zip'), 'broken.zip');
  assert.equal(broken.runs.length, 0);
  assert.equal(broken.warnings.length, 1);
  assert.match(broken.warnings[0].message, /zip/);
});

/** Three logs zipped by `zipSync`: sizes in the local headers, the first stored, the others deflated. */
const threeLogs = () =>
  zipSync({
    'logs/a.json': [strToU8(log({ recepie_id: 1 })), { level: 0 }],
    'logs/b.json': strToU8(log({ recepie_id: 2 })),
    'logs/c.json': strToU8(log({ recepie_id: 3, test_losses: [6, 4.5] })),
  });

test('zip: entries written with data descriptors (a streaming zip writer, sizes after the data) load the same', () => {
  const plain = threeLogs();
  const parts: Uint8Array[] = [];
  const streamed = new Zip((err, chunk) => {
    if (err) throw err;
    parts.push(chunk);
  });
  for (const [name, id, stored] of [
    ['logs/a.json', 1, true],
    ['logs/b.json', 2, false],
    ['logs/c.json', 3, false],
  ] as const) {
    const f = stored ? new ZipPassThrough(name) : new ZipDeflate(name, { level: 6 });
    streamed.add(f);
    f.push(strToU8(log({ recepie_id: id, ...(id === 3 ? { test_losses: [6, 4.5] } : {}) })), true);
  }
  streamed.end();
  const dd = Buffer.concat(parts);
  assert.equal(dd.readUInt16LE(6) & 8, 8, 'the first local header says a data descriptor follows');
  const a = loadLogsFromZip(plain, 'x.zip');
  const b = loadLogsFromZip(dd, 'x.zip');
  assert.deepEqual(b.warnings, []);
  assert.equal(b.runs.length, 3);
  assert.deepEqual(b.runs, a.runs);
});

test('zip: a truncated or garbled archive gives warnings, never throws', () => {
  const zip = threeLogs();
  const wellFormed = (res: ReturnType<typeof loadLogsFromZip>) => {
    for (const w of res.warnings) assert.ok(w.file.startsWith('x.zip') && w.message.length > 0, JSON.stringify(w));
    for (const r of res.runs) assert.ok(r.file.startsWith('x.zip:'), r.file); // a garbled name is still a name
  };
  // Cut anywhere: the end-of-central-directory record is gone, so the archive as a whole is not readable.
  for (let len = 0; len < zip.length; len += 7) {
    const res = loadLogsFromZip(zip.subarray(0, len), 'x.zip');
    wellFormed(res);
    assert.equal(res.runs.length, 0, `cut at ${len}`);
    assert.equal(res.warnings.length, 1, `cut at ${len}`);
    assert.match(res.warnings[0].message, /not a readable zip archive/);
  }
  // The deflated bytes of one log garbled: that log is warned about, the others load.
  const garbled = zip.slice();
  const at = Buffer.from(garbled).indexOf('logs/b.json') + 'logs/b.json'.length;
  garbled.fill(0xff, at, at + 40);
  const one = loadLogsFromZip(garbled, 'x.zip');
  assert.deepEqual(
    one.runs.map((r) => r.recepieId),
    [1, 3],
  );
  assert.deepEqual(
    one.warnings.map((w) => w.file),
    ['x.zip:logs/b.json'],
  );
  assert.match(one.warnings[0].message, /cannot read the entry|not valid JSON/);
  // Random bytes anywhere (seeded): whatever is read, nothing throws and every outcome names the archive.
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  for (let k = 0; k < 300; k++) {
    const bytes = zip.slice();
    for (let n = 1 + Math.floor(rand() * 8); n > 0; n--) bytes[Math.floor(rand() * bytes.length)] = rand() * 256;
    wellFormed(loadLogsFromZip(bytes, 'x.zip'));
  }
});
