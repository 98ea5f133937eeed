/**
 * Zip readers for the benchmark logs, side by side on the synthetic 14,000-log PTB zip of bench/benchmark-large.ts
 * (testkit/synthetic-logs.ts, cached in the temp folder): each reader lists the archive, inflates every log,
 * parses it (`parseLog`) and builds the index, in a fresh process, the readers interleaved run by run so the
 * load of the shared machine falls on all alike. Wall time, CPU time and peak RSS of the process.
 *   - handwritten: the shipped loader (src/benchmark/zip.ts: the central directory and local headers read by
 *                  hand, each entry inflated by Node's zlib);
 *   - yauzl:       yauzl's `fromBuffer` + `openReadStream` per entry (inflated by Node's zlib; asynchronous only);
 *   - adm-zip:     adm-zip's `new AdmZip(buffer)` + `getData()` per entry (synchronous; inflated by Node's zlib,
 *                  then a CRC-32 check in JavaScript);
 *                  yauzl and adm-zip are no dependencies of Cell Lens: give their folders with YAUZL= / ADM_ZIP=
 *                  (e.g. ADM_ZIP=/tmp/zip-try/node_modules/adm-zip after `npm install adm-zip` there), else a copy
 *                  npm installed for another package (yauzl for @vscode/vsce) is used, else the reader is skipped;
 *   - NAME, with `--candidate NAME=REV`: the loader of commit REV, from `git archive REV src`: fflate's `unzipSync`
 *                  with a filter, batches of the coming entries, fflate's own inflate, is commit b7224ea; fflate's
 *                  streaming `Unzip` (local headers, entries read lazily) with Node's zlib registered as its
 *                  deflate decoder is commit 0f7ee77.
 * With `--data-descriptors` the same logs are read from a zip written as streaming writers write (macOS's
 * Archive Utility, Java's ZipOutputStream): sizes and CRC in a data descriptor after each entry's data, zeros in its
 * local header (fflate's `Zip` + `ZipDeflate`, cached beside the other); its numbers go to `readersDataDescriptors`.
 * Run: `npx tsx bench/zip-readers.ts [runs=3] [--candidate fflate=b7224ea] [--candidate fflate-stream=0f7ee77]
 * [--data-descriptors] [--only NAME,NAME…]` (under `flock /tmp/cell-lens-heavy.lock`); writes bench/results/zip-readers.json (a reader
 * not measured in this run keeps its former numbers and date).
 */
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { unzipSync, Zip, ZipDeflate } from 'fflate';
import { BenchmarkIndex } from '../src/benchmark/index';
import { parseLog } from '../src/benchmark/logFormat';
import { loadLogsFromZip, type LoadResult } from '../src/benchmark/sources';
import { syntheticZip } from '../testkit/synthetic-logs';

const root = join(__dirname, '..');
const MB = 2 ** 20;
const r1 = (x: number) => Math.round(x * 10) / 10;
const LOGS = 14000;

interface Run {
  reader: string;
  wallMs: number;
  cpuMs: number;
  peakRssMB: number;
  runs: number;
  warnings: number;
  entries: number;
}

/** The minimal part of yauzl's API used here (it has no types in this repository). */
interface YauzlEntry {
  fileName: string;
}
interface YauzlZip {
  on(event: 'entry', f: (e: YauzlEntry) => void): void;
  on(event: 'end', f: () => void): void;
  on(event: 'error', f: (err: Error) => void): void;
  readEntry(): void;
  openReadStream(e: YauzlEntry, cb: (err: Error | null, s: NodeJS.ReadableStream) => void): void;
}
interface Yauzl {
  fromBuffer(b: Buffer, o: { lazyEntries: boolean }, cb: (err: Error | null, z: YauzlZip) => void): void;
}

/** The folder of a package that is no dependency of Cell Lens: `$ENV`, else a copy npm installed for another package. */
function packagePath(name: string, env: string): string | undefined {
  if (process.env[env]) return require.resolve(process.env[env]);
  try {
    return createRequire(join(root, 'package.json')).resolve(name);
  } catch {
    return undefined;
  }
}
const yauzlPath = () => packagePath('yauzl', 'YAUZL');
const admZipPath = () => packagePath('adm-zip', 'ADM_ZIP');

/** The loader's rules for a listing: `.json` entries, not `__MACOSX`, the later of a repeated name, in name order. */
function logNames<E>(entries: Iterable<[string, E]>): [string, E][] {
  const byName = new Map<string, E>();
  for (const [name, e] of entries) if (name.endsWith('.json') && !name.includes('__MACOSX')) byName.set(name, e);
  return [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Parses one log's bytes into the result, as the loader does. */
function addLog(result: LoadResult, hashes: Map<string, string>, file: string, data: Uint8Array): void {
  const p = parseLog(utf8.decode(data), file, undefined, hashes);
  if ('run' in p) result.runs.push(p.run);
  else result.warnings.push(p.warning);
}
const utf8 = new TextDecoder();

/** The logs of the zip through yauzl, with the shipped loader's rules. */
async function loadWithYauzl(zip: string): Promise<LoadResult> {
  const yauzl = createRequire(__filename)(yauzlPath() as string) as Yauzl;
  const z = await new Promise<YauzlZip>((res, rej) =>
    yauzl.fromBuffer(readFileSync(zip), { lazyEntries: true }, (err, zf) => (err ? rej(err) : res(zf))),
  );
  const listed: [string, YauzlEntry][] = [];
  await new Promise<void>((res, rej) => {
    z.on('entry', (e) => {
      listed.push([e.fileName, e]);
      z.readEntry();
    });
    z.on('end', res);
    z.on('error', rej);
    z.readEntry();
  });
  const result: LoadResult = { runs: [], warnings: [], ignored: [] };
  const hashes = new Map<string, string>();
  for (const [name, e] of logNames(listed)) {
    const data = await new Promise<Buffer>((res, rej) =>
      z.openReadStream(e, (err, s) => {
        if (err) return rej(err);
        const parts: Buffer[] = [];
        s.on('data', (d: Buffer) => parts.push(d));
        s.on('end', () => res(Buffer.concat(parts)));
        s.on('error', rej);
      }),
    );
    addLog(result, hashes, `${zip}:${name}`, data);
  }
  return result;
}

/** The minimal part of adm-zip's API used here. */
interface AdmZipEntry {
  entryName: string;
  getData(): Buffer;
}
type AdmZip = new (b: Buffer) => { getEntries(): AdmZipEntry[] };

/** The logs of the zip through adm-zip, with the shipped loader's rules. */
function loadWithAdmZip(zip: string): LoadResult {
  const Adm = createRequire(__filename)(admZipPath() as string) as AdmZip;
  const entries = new Adm(readFileSync(zip)).getEntries();
  const result: LoadResult = { runs: [], warnings: [], ignored: [] };
  const hashes = new Map<string, string>();
  for (const [name, e] of logNames(entries.map((e): [string, AdmZipEntry] => [e.entryName, e]))) {
    addLog(result, hashes, `${zip}:${name}`, e.getData());
  }
  return result;
}

/** The entries of a zip written again as a streaming writer writes them: data descriptors after the data. */
function withDataDescriptors(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const out = new Zip((err, chunk) => {
    if (err) throw err;
    parts.push(chunk);
  });
  const mtime = new Date(Date.UTC(2020, 5, 11, 2, 34));
  for (const [name, data] of Object.entries(unzipSync(bytes))) {
    const f = new ZipDeflate(name, { level: 6 });
    f.mtime = mtime;
    out.add(f);
    f.push(data, true);
  }
  out.end();
  return Buffer.concat(parts);
}

/** One reader, in this (fresh) process. */
async function scenario(reader: string, zip: string, tree?: string): Promise<Run> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let runs: number, warnings: number, entries: number;
  if (tree !== undefined) {
    const from = (f: string) => createRequire(__filename)(join(tree, 'src', 'benchmark', f)) as unknown;
    const loader = existsSync(join(tree, 'src/benchmark/sources.ts')) ? 'sources.ts' : 'logs.ts';
    const load = from(loader) as { loadLogsFromZip: typeof loadLogsFromZip };
    const Index = (from('index.ts') as { BenchmarkIndex: typeof BenchmarkIndex }).BenchmarkIndex;
    const loaded = load.loadLogsFromZip(readFileSync(zip), zip);
    const index = Index.fromLoadResult(loaded);
    [runs, warnings, entries] = [index.runs().length, loaded.warnings.length, index.entryCount];
  } else {
    const loaded =
      reader === 'yauzl'
        ? await loadWithYauzl(zip)
        : reader === 'adm-zip'
          ? loadWithAdmZip(zip)
          : loadLogsFromZip(readFileSync(zip), zip);
    const index = BenchmarkIndex.fromLoadResult(loaded);
    [runs, warnings, entries] = [index.runs().length, loaded.warnings.length, index.entryCount];
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    reader,
    wallMs: r1(wallMs),
    cpuMs: r1((cpu.user + cpu.system) / 1000),
    peakRssMB: r1((process.resourceUsage().maxRSS * 1024) / MB),
    runs,
    warnings,
    entries,
  };
}

function packageVersion(main: string): string {
  let dir = dirname(main);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--scenario') {
    const r = await scenario(args[1], args[2], args[3]);
    process.stdout.write(`\nRESULT ${JSON.stringify(r)}\n`);
    return;
  }
  const candidates = new Map<string, { rev: string; tree: string }>();
  args.forEach((a, i) => {
    if (a !== '--candidate') return;
    const [name, rev] = args[i + 1].split('=');
    candidates.set(name, { rev, tree: '' });
  });
  const reps = Math.max(1, Number(args.find((a) => /^\d+$/.test(a)) ?? 3));
  const tmp = join(os.tmpdir(), 'cell-lens-bench');
  mkdirSync(tmp, { recursive: true });
  const plainZip = join(tmp, `ptb-synthetic-${LOGS}-seed1.zip`);
  if (!existsSync(plainZip)) writeFileSync(plainZip, syntheticZip({ logs: LOGS, seed: 1 }).zip);
  const dataDescriptors = args.includes('--data-descriptors');
  const zip = dataDescriptors ? join(tmp, `ptb-synthetic-${LOGS}-seed1-data-descriptors.zip`) : plainZip;
  if (!existsSync(zip)) writeFileSync(zip, withDataDescriptors(readFileSync(plainZip)));
  const section = dataDescriptors ? 'readersDataDescriptors' : 'readers';

  for (const c of candidates.values()) {
    c.tree = mkdtempSync(join(os.tmpdir(), 'cl-zip-candidate-'));
    execSync(`git archive ${c.rev} src | tar -x -C ${c.tree}`, { cwd: root });
    symlinkSync(join(root, 'node_modules'), join(c.tree, 'node_modules'));
  }
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined;
  const readers = [
    'handwritten',
    ...(yauzlPath() ? ['yauzl'] : []),
    ...(admZipPath() ? ['adm-zip'] : []),
    ...candidates.keys(),
  ].filter((r) => only === undefined || only.includes(r));
  const all: Run[] = [];
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const reader of readers) {
        const p = spawnSync(
          process.execPath,
          [
            '--import',
            'tsx',
            __filename,
            '--scenario',
            reader,
            zip,
            ...(candidates.has(reader) ? [candidates.get(reader)?.tree as string] : []),
          ],
          { cwd: root, encoding: 'utf8', maxBuffer: 64 * MB },
        );
        const line = p.stdout.split('\n').find((l) => l.startsWith('RESULT '));
        if (p.status !== 0 || !line) throw new Error(`${reader} failed (${p.status}): ${p.stderr.slice(-2000)}`);
        const r = JSON.parse(line.slice(7)) as Run;
        all.push(r);
        console.log(
          `${reader} #${rep + 1}: ${(r.wallMs / 1000).toFixed(2)} s wall, ${(r.cpuMs / 1000).toFixed(2)} s CPU, ` +
            `peak RSS ${r.peakRssMB} MB, ${r.runs} runs (load average ${os.loadavg()[0].toFixed(1)})`,
        );
      }
    }
  } finally {
    for (const c of candidates.values()) rmSync(c.tree, { recursive: true, force: true });
  }
  const out = join(root, 'bench', 'results', 'zip-readers.json');
  const formerAll = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  const kept = [
    'data',
    'readers',
    'readersRuns',
    'readersDataDescriptors',
    'readersDataDescriptorsRuns',
    'loadScenarios',
  ];
  const formerResult = Object.fromEntries(Object.entries(formerAll).filter(([k]) => kept.includes(k)));
  const former = formerResult[section] as Record<string, unknown> | undefined;
  const formerRuns = (formerResult[`${section}Runs`] as { runs?: Run[] } | undefined)?.runs ?? [];
  const date = new Date().toISOString();
  const summary: Record<string, unknown> = { ...former };
  for (const reader of readers) {
    const rs = all.filter((r) => r.reader === reader);
    summary[reader] = {
      date,
      ...(candidates.has(reader) ? { commit: candidates.get(reader)?.rev } : {}),
      ...(reader === 'yauzl' || reader === 'adm-zip'
        ? { version: packageVersion((reader === 'yauzl' ? yauzlPath() : admZipPath()) as string) }
        : {}),
      wallMs: {
        median: r1(median(rs.map((r) => r.wallMs))),
        min: Math.min(...rs.map((r) => r.wallMs)),
        max: Math.max(...rs.map((r) => r.wallMs)),
      },
      cpuMs: { median: r1(median(rs.map((r) => r.cpuMs))) },
      peakRssMB: { median: r1(median(rs.map((r) => r.peakRssMB))), max: Math.max(...rs.map((r) => r.peakRssMB)) },
      runs: rs[0].runs,
      warnings: rs[0].warnings,
      entries: rs[0].entries,
    };
  }
  const result = {
    ...formerResult,
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    note:
      'Each reader in a fresh process under tsx (so peak RSS includes tsx, alike for all): list the archive, inflate and ' +
      'parse every log, build the index. Shared 2-core machine: other jobs ran at the same time (loadAverageAtEnd). ' +
      '`readers`: the synthetic zip as zipSync writes it (sizes in the local headers); `readersDataDescriptors`: the ' +
      'same logs with data descriptors (--data-descriptors); `loadScenarios`: bench/benchmark-large.ts --candidate.',
    data: {
      ...(formerResult.data as object),
      logs: LOGS,
      [dataDescriptors ? 'zipBytesDataDescriptors' : 'zipBytes']: readFileSync(zip).length,
    },
    [section]: summary,
    [`${section}Runs`]: {
      date,
      loadAverageAtEnd: os.loadavg().map(r1),
      repetitions: reps,
      // The runs of the readers measured now, after the former runs of the others.
      runs: [...formerRuns.filter((r) => !readers.includes(r.reader)), ...all],
    },
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(summary, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
