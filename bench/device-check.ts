/**
 * The Node half of the GPU device check (scripts/device-check.sh; docs/gpu.md). The shell script does the steps
 * under `timeout` (one hung backend cannot eat the device budget); this driver probes one backend link at a time
 * and folds each step's output into one JSON file, `gpu.json`, rewritten after every step so that a run cut off
 * at its limit still leaves what it measured.
 *
 *   node device-check.js probe NAME                       one link of the backend chain, alone in this process:
 *                                                         initBackend(NAME), a 1 + 2 test op, two timed matmuls;
 *                                                         prints one JSON object
 *   node device-check.js record GPU_JSON KEY.PATH KIND …  fold a step's output into GPU_JSON at KEY.PATH:
 *        KIND json FILE                                   the JSON object in FILE (e.g. a probe's output)
 *        KIND value JSON_TEXT                             a literal JSON value
 *        KIND text FILE                                   the text of FILE (e.g. nvidia-smi's)
 *        KIND machine                                     this machine and this node (cores, memory, OS, version)
 *        KIND probe FILE RC SECONDS NAME                  a `probe NAME` run (its output, else its log's error)
 *        KIND score FILE RC SECONDS LABEL                 a `cell-lens score --json` run of one cell
 *        KIND study DIR RC SECONDS                        a `cell-lens study --out DIR` run
 *   node device-check.js pick GPU_JSON                    the backend the study should use (fastest full run)
 *   node device-check.js ok GPU_JSON KEY.PATH             exit 0 when that step's record says ok: true
 *   node device-check.js finish GPU_JSON                  agreement between backends, the verdict, finishedAt
 *
 * Bundled by the preparation step into .device/dist/ beside worker.js (so the wasm binaries and the optional
 * packages of .device's node_modules resolve the same way as for the scoring process).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeJson } from '../src/scoring/cache';

/** One link probed alone: what the chain would record for it, plus a matmul timing. */
export interface ProbeResult {
  readonly name: string;
  readonly ok: boolean;
  readonly description?: string;
  readonly error?: string;
  readonly initMs?: number;
  /** Median milliseconds of [m,k]·[k,n] products (data read back), keyed "MxKxN". */
  readonly matmulMs?: Record<string, number>;
}

/** One cell scored by one backend, as gpu.json keeps it (values only; details and per-node maps left out). */
export interface CellRun {
  readonly label: string;
  readonly hash?: string;
  readonly ok: boolean;
  readonly error?: string;
  /** Time inside the scoring process for this cell (report.totalMs). */
  readonly totalMs?: number;
  readonly backend?: string;
  readonly scores?: Record<string, number | string>;
  /** Scores that came out NaN or infinite, with the engine's reason. */
  readonly undefinedScores?: Record<string, string>;
  readonly rc: number;
  /** Wall-clock seconds of the whole command (process start, backend init, scoring). */
  readonly wallS: number;
  readonly timedOut?: boolean;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return undefined;
}

/** JSON keeps NaN / ±Infinity as strings (as `cell-lens score --json` does). */
function jsonValue(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** The last non-empty line of a log, for an error message. */
function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/**
 * One `cell-lens score FILE --json` run of a single cell → a {@link CellRun}. `stdout` is what the command printed
 * (empty when it died or timed out), `log` its stderr (for the error). rc 124/137 is `timeout`'s.
 */
export function summariseScoreRun(stdout: string, log: string, rc: number, wallS: number, label: string): CellRun {
  const timedOut = rc === 124 || rc === 137;
  const base = { label, rc, wallS: Math.round(wallS * 10) / 10, ...(timedOut ? { timedOut } : {}) };
  let doc:
    | {
        files?: {
          cells?: {
            hash?: string;
            valid?: boolean;
            report?: {
              backend?: string;
              totalMs?: number;
              results?: { id: string; value: unknown; reason?: string }[];
            };
            error?: string;
          }[];
        }[];
      }
    | undefined;
  try {
    doc = stdout.trim() ? (JSON.parse(stdout) as typeof doc) : undefined;
  } catch {
    doc = undefined;
  }
  const cell = doc?.files?.[0]?.cells?.[0];
  if (!cell?.report?.results) {
    const why = timedOut
      ? `timed out after ${base.wallS} s`
      : (cell?.error ?? (lastLine(log) || `exit code ${rc}, no report`));
    return { ...base, ...(cell?.hash ? { hash: cell.hash } : {}), ok: false, error: why };
  }
  const scores: Record<string, number | string> = {};
  const undef: Record<string, string> = {};
  for (const r of cell.report.results) {
    const v = num(r.value) ?? NaN;
    scores[r.id] = jsonValue(v);
    if (!Number.isFinite(v)) undef[r.id] = r.reason ?? 'no reason given';
  }
  return {
    ...base,
    ok: true,
    hash: cell.hash,
    backend: cell.report.backend,
    totalMs: Math.round((cell.report.totalMs ?? NaN) * 10) / 10,
    scores,
    ...(Object.keys(undef).length ? { undefinedScores: undef } : {}),
  };
}

/** Largest relative difference |a − b| / max(|a|, |b|, 1e-12) per score between two runs of one cell. */
export function relativeDifferences(
  a: Record<string, number | string>,
  b: Record<string, number | string>,
): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const id of Object.keys(a)) {
    if (!(id in b)) continue;
    const x = num(a[id]) ?? NaN,
      y = num(b[id]) ?? NaN;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      out[id] = Number.isNaN(x) && Number.isNaN(y) ? 0 : 'one is NaN';
      continue;
    }
    if (x === y) {
      out[id] = 0;
      continue;
    }
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      out[id] = 'one is infinite';
      continue;
    }
    out[id] = Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1e-12);
  }
  return out;
}

/**
 * Agreement of every backend's scores with the reference backend's (wasm, the one the project's numbers come from),
 * cell by cell: per score the largest relative difference over the cells both scored, and the overall largest.
 * Float32 kernels that sum in another order differ in the last digits; a determinant or condition number
 * amplifies that, so the per-score figures matter more than the single largest one.
 */
export function agreement(
  runs: Record<string, readonly CellRun[]>,
  reference = 'wasm',
): Record<string, { cells: number; maxRelDiff: number | string; perScore: Record<string, number | string> }> {
  const ref = runs[reference];
  const out: Record<string, { cells: number; maxRelDiff: number | string; perScore: Record<string, number | string> }> =
    {};
  if (!ref) return out;
  for (const [name, cells] of Object.entries(runs)) {
    if (name === reference) continue;
    const perScore: Record<string, number | string> = {};
    let n = 0;
    for (const c of cells) {
      const r = ref.find((x) => x.label === c.label);
      if (!c.ok || !r?.ok || !c.scores || !r.scores) continue;
      n++;
      for (const [id, d] of Object.entries(relativeDifferences(r.scores, c.scores))) {
        const prev = perScore[id];
        if (typeof d === 'string') perScore[id] = d;
        else if (typeof prev !== 'string') perScore[id] = Math.max(prev ?? 0, d);
      }
    }
    if (n === 0) continue;
    const numeric = Object.values(perScore).filter((v): v is number => typeof v === 'number');
    const worst = Object.values(perScore).find((v) => typeof v === 'string');
    out[name] = { cells: n, maxRelDiff: worst ?? (numeric.length ? Math.max(...numeric) : 0), perScore };
  }
  return out;
}

/**
 * The backend for the study: of the backends that scored every example cell, the one with the least scoring time
 * (the sum of report.totalMs; process start and backend init are paid once per worker, not per cell). `cpu` only
 * when nothing else ran.
 */
export function pickStudyBackend(runs: Record<string, readonly CellRun[]>, cellCount: number): string | undefined {
  let best: { name: string; ms: number } | undefined;
  for (const [name, cells] of Object.entries(runs)) {
    if (cells.length < cellCount || !cells.every((c) => c.ok)) continue;
    const ms = cells.reduce((s, c) => s + (c.totalMs ?? Infinity), 0);
    if (
      name === 'cpu' &&
      Object.keys(runs).some((n) => n !== 'cpu' && runs[n].length >= cellCount && runs[n].every((c) => c.ok))
    )
      continue;
    if (!best || ms < best.ms) best = { name, ms };
  }
  return best?.name;
}

/** A `cell-lens study --out DIR` run → its timing and the τ of each score (the report itself is copied beside). */
export function summariseStudy(
  resultsJson: string | undefined,
  log: string,
  rc: number,
  wallS: number,
): Record<string, Json> {
  const timedOut = rc === 124 || rc === 137;
  const wallS1 = Math.round(wallS * 10) / 10;
  const base: Record<string, Json> = { rc, wallS: wallS1, ...(timedOut ? { timedOut } : {}) };
  if (!resultsJson) {
    // No results.json: the progress lines on stderr say how far it got.
    const progress = log.split('\n').filter((l) => /^\[\d+\/\d+\]/.test(l.trim()));
    return {
      ...base,
      ok: false,
      error: timedOut ? `timed out after ${wallS1} s` : lastLine(log) || `exit code ${rc}`,
      cellsDone: progress.length,
      lastProgress: lastLine(progress.join('\n')),
    };
  }
  // results.json writes NaN / ±Infinity as {"$num": "NaN"} (encodeJson): decode it the way the project reads it.
  const doc = decodeJson(resultsJson) as {
    dataset: string;
    command: string;
    settings: Record<string, Json>;
    timing: Record<string, Json>;
    study: {
      nCells: number;
      nTrained: number;
      rows: {
        id: string;
        nScored: number;
        nNaN: number;
        test: { tau: { estimate: number; lo: number; hi: number; n: number }; rho: { estimate: number } };
      }[];
    };
    cells: { error?: string }[];
  };
  const r3 = (v: number): Json => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : String(v));
  const failedCells = doc.cells.filter((c) => c.error).length;
  const timing = Object.fromEntries(
    Object.entries(doc.timing).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? String(v) : v]),
  );
  return {
    // Exit 1 is "some cells failed": still a study, unless every cell failed.
    ...base,
    ok: (rc === 0 || rc === 1) && failedCells < doc.study.nCells,
    dataset: doc.dataset,
    command: doc.command,
    settings: doc.settings,
    timing,
    cells: doc.study.nCells,
    trained: doc.study.nTrained,
    failedCells,
    tau: Object.fromEntries(
      doc.study.rows.map((r) => [
        r.id,
        {
          tau: r3(r.test.tau.estimate),
          lo: r3(r.test.tau.lo),
          hi: r3(r.test.tau.hi),
          rho: r3(r.test.rho.estimate),
          n: r.test.tau.n,
          nNaN: r.nNaN,
        },
      ]),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// gpu.json

function readDoc(file: string): Record<string, Json> {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Json>) : {};
}

/** Write atomically: a run killed mid-write still leaves the previous, whole file. */
function writeDoc(file: string, doc: Record<string, Json>): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(doc, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

/** Set `doc[a][b]…` for the dotted path, creating objects on the way; a path ending in `[]` appends. */
export function setPath(doc: Record<string, Json>, dotted: string, value: Json): void {
  const keys = dotted.split('.');
  let o: Record<string, Json> = doc;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) o[k] = {};
    o = o[k] as Record<string, Json>;
  }
  const last = keys[keys.length - 1];
  if (last.endsWith('[]')) {
    const k = last.slice(0, -2);
    const arr = Array.isArray(o[k]) ? o[k] : [];
    arr.push(value);
    o[k] = arr;
  } else {
    o[last] = value;
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function scoringRuns(doc: Record<string, Json>): Record<string, CellRun[]> {
  const runs = ((doc.scoring as Record<string, Json> | undefined)?.runs ?? {}) as unknown as Record<string, CellRun[]>;
  return runs;
}

/** A probe's output, or (when it printed nothing: crashed, hung, killed) an error made from its exit and log. */
export function probeRecord(
  stdout: string,
  log: string,
  rc: number,
  wallS: number,
  name: string,
): ProbeResult & { wallS: number } {
  const w = Math.round(wallS * 10) / 10;
  try {
    const r = JSON.parse(lastLine(stdout)) as ProbeResult;
    if (r && typeof r.ok === 'boolean') return { ...r, wallS: w };
  } catch {
    /* fall through */
  }
  const error =
    rc === 124 || rc === 137
      ? `timed out after ${w} s`
      : `exit code ${rc}${lastLine(log) ? `: ${lastLine(log)}` : ', no output'}`;
  return { name, ok: false, error, wallS: w };
}

/** The end of a failed probe's stderr (Dawn and libtensorflow explain themselves there), at most 5 lines. */
function logTail(log: string): string[] | undefined {
  const lines = log
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)
    .slice(-5)
    .map((l) => l.slice(0, 300));
  return lines.length ? lines : undefined;
}

function machine(): Json {
  const osRelease = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readText('/etc/os-release'))?.[1] ?? '';
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    arch: process.arch,
    kernel: os.release(),
    os: osRelease,
    cores: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model ?? '',
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    nodePath: process.execPath,
  };
}

async function probe(name: string): Promise<ProbeResult> {
  // Loaded here, not at the top: `record`, `pick` and `finish` run often and need no TensorFlow.js.
  const { initBackend } = require('../src/scoring/backends') as typeof import('../src/scoring/backends');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require('@tensorflow/tfjs-core') as typeof import('@tensorflow/tfjs-core');
  const t0 = performance.now();
  let description: string;
  try {
    ({ description } = await initBackend(name as Parameters<typeof initBackend>[0]));
  } catch (e) {
    return {
      name,
      ok: false,
      error: (e instanceof Error ? e.message : String(e)).replace(/^Scoring backend '[^']*' is not available: /, ''),
      initMs: Math.round(performance.now() - t0),
    };
  }
  const initMs = Math.round(performance.now() - t0);
  // The scoring model's two typical products at full size: one step of a layer (batch 16) and the whole sequence
  // at once (35 × 16 rows) against a 600 → 4·600 weight. Median of up to 5 after 2 warm-ups, with the data read
  // back; fewer when they take long (plain-JS cpu needs seconds for the large one).
  const matmulMs: Record<string, number> = {};
  for (const [m, k, n] of [
    [16, 600, 2400],
    [560, 600, 2400],
  ]) {
    const a = tf.randomNormal([m, k]),
      b = tf.randomNormal([k, n]);
    const times: number[] = [];
    const start = performance.now();
    for (let i = 0; i < 7; i++) {
      const s = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
      if (i >= 2 || (i === 1 && performance.now() - start > 3000)) times.push(performance.now() - s);
      if (times.length > 0 && performance.now() - start > 3000) break;
    }
    a.dispose();
    b.dispose();
    times.sort((x, y) => x - y);
    matmulMs[`${m}x${k}x${n}`] = Math.round(times[Math.floor(times.length / 2)] * 100) / 100;
  }
  return { name, ok: true, description, initMs, matmulMs };
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'probe': {
      const r = await probe(rest[0]);
      process.stdout.write(JSON.stringify(r) + '\n');
      return r.ok ? 0 : 1;
    }
    case 'record': {
      const [file, key, kind, ...args] = rest;
      const doc = readDoc(file);
      let value: Json;
      switch (kind) {
        case 'json':
          value = JSON.parse(readText(args[0]) || 'null') as Json;
          break;
        case 'value':
          value = JSON.parse(args[0]) as Json;
          break;
        case 'text':
          value = readText(args[0]).trimEnd();
          break;
        case 'machine':
          value = machine();
          break;
        case 'probe': {
          const log = readText(`${args[0]}.log`);
          const r = probeRecord(readText(args[0]), log, Number(args[1]), Number(args[2]), args[3]);
          const tail = r.ok ? undefined : logTail(log);
          value = { ...r, ...(tail ? { stderr: tail } : {}) };
          break;
        }
        case 'score':
          value = summariseScoreRun(
            readText(args[0]),
            readText(`${args[0]}.log`),
            Number(args[1]),
            Number(args[2]),
            args[3],
          ) as unknown as Json;
          break;
        case 'study': {
          const results = join(args[0], 'results.json');
          value = summariseStudy(
            existsSync(results) ? readText(results) : undefined,
            readText(`${args[0]}.log`),
            Number(args[1]),
            Number(args[2]),
          );
          break;
        }
        default:
          throw new Error(`record: unknown kind "${kind}"`);
      }
      setPath(doc, key, value);
      doc.updatedAt = new Date().toISOString();
      writeDoc(file, doc);
      return 0;
    }
    case 'ok': {
      // Exit 0 when the object at KEY.PATH of GPU_JSON has ok: true.
      let v: unknown = readDoc(rest[0]);
      for (const k of rest[1].split('.')) v = (v as Record<string, unknown> | undefined)?.[k];
      return (v as { ok?: unknown } | undefined)?.ok === true ? 0 : 1;
    }
    case 'pick': {
      const doc = readDoc(rest[0]);
      const cells = ((doc.scoring as Record<string, Json> | undefined)?.cells ?? []) as Json[];
      const name = pickStudyBackend(scoringRuns(doc), cells.length);
      if (name) process.stdout.write(name + '\n');
      return name ? 0 : 1;
    }
    case 'finish': {
      const file = rest[0];
      const doc = readDoc(file);
      const runs = scoringRuns(doc);
      setPath(doc, 'scoring.agreementWithWasm', agreement(runs));
      const backends = (doc.backends ?? {}) as unknown as Record<string, ProbeResult>;
      const gpuLinks = ['tensorflow-gpu', 'webgpu'].filter((n) => backends[n]?.ok);
      for (const n of ['tensorflow-gpu', 'tensorflow']) {
        if (backends[n]?.error?.startsWith('Cannot find module')) {
          setPath(
            doc,
            `backends.${n}.note`,
            'not installed: its install script downloads libtensorflow from storage.googleapis.com, which neither the preparing machine nor the device can reach (prepared.tfjsNodeGpuInstall)',
          );
        }
      }
      const gpu = (doc.gpu ?? {}) as Record<string, Json>;
      doc.verdict = gpu.present
        ? gpuLinks.length
          ? `GPU backend(s) working: ${gpuLinks.join(', ')}`
          : 'a GPU is present but no GPU backend of the chain started (see backends.*.error)'
        : 'no GPU here: only the CPU links of the chain could run';
      doc.finishedAt = new Date().toISOString();
      writeDoc(file, doc);
      return 0;
    }
    default:
      process.stderr.write(
        'usage: device-check.js probe NAME | record GPU_JSON KEY KIND ARGS… | pick GPU_JSON | finish GPU_JSON\n',
      );
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    // Exit explicitly: Dawn and the wasm thread pool can keep the event loop alive after the work is done.
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`device-check: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(2);
    },
  );
}
