/**
 * Scoring benchmark: every score of the registry (`SCORE_IDS`) for the reference cells (RNN, LSTM, GRU of
 * /work/shared/nas-bench-nlp/recepies_example.json) at the small and the default NAS-Bench-NLP sizes.
 * Writes bench/results/scoring.json. Run: npx tsx bench/scoring.ts [backend ...] (default: wasm);
 * BENCH_RUNS (default 3) runs per cell and size, each with its own seed (1 repeat). Backends: argv, default wasm and cpu.
 *
 * Per cell and size: median total ms (wall) and process CPU ms (all threads; on a shared machine a useful check),
 * median ms per score (`wallMs`: the parts a score reads, shared parts split among their readers, plus its
 * own arithmetic), median ms per part of the computation (`passMs`: init, forward, codes, backward, ntk,
 * gauss, synflow, scores), and `tf.memory().numTensors` before and after each run.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/scoring/backends';
import { scoreCell } from '../src/scoring/engine';
import { DEFAULT_SIZES, ENGINE_VERSION, SCORE_IDS, type BackendName, type ModelSizes } from '../src/scoring/types';
import type { Recipe } from '../src/recipe/types';
import { SIZE_PRESETS } from '../src/scoring/presets';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const round = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const backends = process.argv.slice(2).filter((a) => !a.startsWith('--')) as BackendName[];
  const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
  const examples = JSON.parse(
    readFileSync(join(__dirname, '../../shared/nas-bench-nlp/recepies_example.json'), 'utf8'),
  ) as Recipe[];
  const cells: [string, Recipe][] = [
    ['RNN', examples[0]],
    ['LSTM', examples[1]],
    ['GRU', examples[2]],
  ];
  const sizes: [string, ModelSizes][] = [
    ['small', SIZE_PRESETS.proxy],
    ['default', DEFAULT_SIZES],
  ];
  const out: unknown[] = [];
  const backendInfo: unknown[] = [];
  // wasm and cpu always (tfjs-node / node-gpu / webgpu when named and available). The cpu backend is ~10-20x slower:
  // at the default size it runs BENCH_CPU_DEFAULT_RUNS times (default 1).
  for (const b of backends.length ? backends : (['wasm', 'cpu'] as BackendName[])) {
    const init = await initBackend(b);
    backendInfo.push({
      name: init.name,
      description: init.description,
      threads: init.threads ?? null,
      simd: init.name === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null,
    });
    for (const [sizeName, s] of sizes) {
      for (const [cellName, recipe] of cells) {
        const totals: number[] = [],
          cpus: number[] = [];
        const per: Record<string, number[]> = {};
        const parts: Record<string, number[]> = {};
        const tensors: { before: number; after: number }[] = [];
        const n =
          b === 'cpu' && sizeName === 'default' ? Math.max(1, Number(process.env.BENCH_CPU_DEFAULT_RUNS ?? 1)) : runs;
        for (let r = 0; r < n; r++) {
          const before = tf.memory().numTensors;
          const c0 = process.cpuUsage();
          const rep = await scoreCell(recipe, { ...s, scores: SCORE_IDS, seed: r, repeats: 1, backend: b });
          const c = process.cpuUsage(c0);
          tensors.push({ before, after: tf.memory().numTensors });
          totals.push(rep.totalMs);
          cpus.push((c.user + c.system) / 1000);
          for (const x of rep.results) (per[x.id] ??= []).push(x.wallMs);
          for (const [k, v] of Object.entries(rep.passMs ?? {})) (parts[k] ??= []).push(v);
        }
        const row = {
          backend: init.description,
          size: sizeName,
          sizes: s,
          cell: cellName,
          runs: n,
          totalMsMedian: round(median(totals)),
          cpuMsMedian: round(median(cpus)),
          totalMsRuns: totals.map(round),
          perScoreMsMedian: Object.fromEntries(Object.entries(per).map(([k, v]) => [k, round(median(v))])),
          perPassMsMedian: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, round(median(v))])),
          tensors,
        };
        console.log(
          JSON.stringify({
            cell: cellName,
            size: sizeName,
            totalMsMedian: row.totalMsMedian,
            cpuMsMedian: row.cpuMsMedian,
            perPassMsMedian: row.perPassMsMedian,
          }),
        );
        out.push(row);
      }
    }
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results/scoring.json'),
    JSON.stringify(
      {
        machine: {
          cpus: os.cpus().length,
          model: os.cpus()[0]?.model,
          node: process.version,
          platform: process.platform,
          loadavg: os.loadavg().map(round),
        },
        engineVersion: ENGINE_VERSION,
        backends: backendInfo,
        note:
          `Medians over runs (seeds 0..runs-1, all ${SCORE_IDS.length} scores, 1 repeat). ` +
          'perPassMsMedian: time per part of the computation ' +
          '(init = parameter/embedding init; forward/backward = the shared LM pass (clean forward, noisy forward for the codes, ' +
          'hand-written backward of CE and Σy); codes = activation-code kernels; ntk = NTK Gram matrices; gauss = Gaussian forward ' +
          "(zen, maedet); synflow; scores = per-score arithmetic). perScoreMsMedian: a score's share of the parts it reads. " +
          'cpuMsMedian: CPU time of the whole process (all its threads, GC helpers included; the machine is shared, so ' +
          'wall time can include waiting for the CPU). machine.loadavg: 1/5/15-minute load averages when the run ended.',
        results: out,
      },
      null,
      2,
    ) + '\n',
  );
}
void main();
