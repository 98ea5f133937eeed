/**
 * Zip readers for the benchmark logs, side by side on the synthetic 14,000-log PTB zip of bench/benchmark-large.ts
 * (testkit/synthetic-logs.ts, cached in the temp folder): each reader lists the archive, inflates every log,
 * parses it (`parseLog`) and builds the index, in a fresh process, the readers interleaved run by run so the
 * load of the shared machine falls on all alike. Wall time, CPU time and peak RSS of the process.
 *   - handwritten: the shipped loader (src/benchmark/zip.ts: the central directory and local headers read by
 *                  hand, each entry inflated by Node's zlib);
 *   - yauzl:       yauzl's `fromBuffer` + `openReadStream` per entry (inflated by Node's zlib); yauzl is no
 *                  dependency of Cell Lens: give its folder with YAUZL=/path/to/node_modules/yauzl, else the
 *                  copy npm installed for @vscode/vsce is used, else the reader is skipped;
 *   - NAME, with `--candidate NAME=REV`: the loader of commit REV, from `git archive REV src`; fflate's is commit
 *                  b7224ea (src/benchmark/zip.ts there: fflate's `unzipSync` with a filter, batches of the coming
 *                  entries, fflate's own inflate).
 * Run: `npx tsx bench/zip-readers.ts [runs=3] [--candidate fflate=b7224ea]` (under `flock /tmp/cell-lens-heavy.lock`); writes
 * bench/results/zip-readers.json (a reader not measured in this run keeps its former numbers and date).
 */
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
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

function yauzlPath(): string | undefined {
  if (process.env.YAUZL) return require.resolve(process.env.YAUZL);
  try {
    return createRequire(join(root, 'package.json')).resolve('yauzl');
  } catch {
    return undefined;
  }
}

/** The logs of the zip through yauzl, with the shipped loader's rules (`.json` entries, later name wins, name order). */
async function loadWithYauzl(zip: string): Promise<LoadResult> {
  const yauzl = createRequire(__filename)(yauzlPath() as string) as Yauzl;
  const z = await new Promise<YauzlZip>((res, rej) =>
    yauzl.fromBuffer(readFileSync(zip), { lazyEntries: true }, (err, zf) => (err ? rej(err) : res(zf))),
  );
  const byName = new Map<string, YauzlEntry>();
  await new Promise<void>((res, rej) => {
    z.on('entry', (e) => {
      if (e.fileName.endsWith('.json') && !e.fileName.includes('__MACOSX')) byName.set(e.fileName, e);
      z.readEntry();
    });
    z.on('end', res);
    z.on('error', rej);
    z.readEntry();
  });
  const result: LoadResult = { runs: [], warnings: [], ignored: [] };
  const hashes = new Map<string, string>();
  const utf8 = new TextDecoder();
  for (const name of [...byName.keys()].sort()) {
    const data = await new Promise<Buffer>((res, rej) =>
      z.openReadStream(byName.get(name) as YauzlEntry, (err, s) => {
        if (err) return rej(err);
        const parts: Buffer[] = [];
        s.on('data', (d: Buffer) => parts.push(d));
        s.on('end', () => res(Buffer.concat(parts)));
        s.on('error', rej);
      }),
    );
    const p = parseLog(utf8.decode(data), `${zip}:${name}`, undefined, hashes);
    if ('run' in p) result.runs.push(p.run);
    else result.warnings.push(p.warning);
  }
  return result;
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
    const loaded = reader === 'yauzl' ? await loadWithYauzl(zip) : loadLogsFromZip(readFileSync(zip), zip);
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
  const zip = join(tmp, `ptb-synthetic-${LOGS}-seed1.zip`);
  if (!existsSync(zip)) writeFileSync(zip, syntheticZip({ logs: LOGS, seed: 1 }).zip);

  for (const c of candidates.values()) {
    c.tree = mkdtempSync(join(os.tmpdir(), 'cl-zip-candidate-'));
    execSync(`git archive ${c.rev} src | tar -x -C ${c.tree}`, { cwd: root });
    symlinkSync(join(root, 'node_modules'), join(c.tree, 'node_modules'));
  }
  const readers = ['handwritten', ...(yauzlPath() ? ['yauzl'] : []), ...candidates.keys()];
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
  const former = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as { readers?: Record<string, unknown> }).readers
    : undefined;
  const date = new Date().toISOString();
  const summary: Record<string, unknown> = { ...former };
  for (const reader of readers) {
    const rs = all.filter((r) => r.reader === reader);
    summary[reader] = {
      date,
      ...(candidates.has(reader) ? { commit: candidates.get(reader)?.rev } : {}),
      ...(reader === 'yauzl'
        ? {
            version: (
              JSON.parse(readFileSync(join(yauzlPath() as string, '..', 'package.json'), 'utf8')) as { version: string }
            ).version,
          }
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
    date,
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    loadAverageAtEnd: os.loadavg().map(r1),
    note:
      'Each reader in a fresh process under tsx (so peak RSS includes tsx, alike for all): list the archive, inflate and ' +
      'parse every log, build the index. Shared 2-core machine: other jobs ran at the same time (loadAverageAtEnd).',
    data: { logs: LOGS, zipBytes: readFileSync(zip).length },
    repetitions: reps,
    readers: summary,
    runs: all,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify({ ...result, runs: undefined }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
