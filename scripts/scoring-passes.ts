/**
 * A developer tool, not a benchmark: quick per-pass timing of one or more cells (`bench/scoring.ts` writes the
 * committed JSON).
 *   npx tsx scripts/scoring-passes.ts [--backend wasm|cpu] [--size small|default] [--cells RNN,LSTM,GRU] [--runs N] [--scores a,b]
 * Prints, per run, the total and the time of each pass (from the report's passMs when present, else from
 * progress timestamps), plus the tensor count before/after.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/scoring/backends';
import { scoreCell } from '../src/scoring/engine';
import { DEFAULT_SIZES, SCORE_IDS, type BackendName, type ModelSizes, type ScoreId } from '../src/scoring/types';
import type { Recipe } from '../src/recipe/types';
import { SIZE_PRESETS } from '../src/scoring/presets';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
};

async function main(): Promise<void> {
  const backend = arg('backend', 'wasm') as BackendName;
  const size = arg('size', 'small');
  const runs = Number(arg('runs', '1'));
  const names = arg('cells', 'RNN,LSTM,GRU').split(',');
  const scores = arg('scores', SCORE_IDS.join(',')).split(',') as ScoreId[];
  const examples = JSON.parse(
    readFileSync(join(__dirname, '../../shared/nas-bench-nlp/recepies_example.json'), 'utf8'),
  ) as Recipe[];
  const byName: Record<string, Recipe> = { RNN: examples[0], LSTM: examples[1], GRU: examples[2] };
  const sizes: ModelSizes = size === 'default' ? DEFAULT_SIZES : SIZE_PRESETS.proxy;
  const init = await initBackend(backend);
  console.log(init.description);
  for (const n of names) {
    for (let r = 0; r < runs; r++) {
      const before = tf.memory().numTensors;
      const cpu0 = process.cpuUsage();
      const marks: [string, number][] = [];
      const rep = await scoreCell(
        byName[n],
        { ...sizes, scores, seed: r, repeats: 1, backend },
        {
          onProgress: (p) =>
            marks.push([p.message.replace(/^seed \d+: /, '').replace(/ pass$/, ''), performance.now()]),
        },
      );
      const after = tf.memory().numTensors;
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      let passes: Record<string, number>;
      const pm = (rep as { passMs?: Record<string, number> }).passMs;
      if (pm) passes = pm;
      else {
        passes = {};
        for (let i = 0; i + 1 < marks.length; i++) passes[marks[i][0]] = marks[i + 1][1] - marks[i][1];
      }
      const fmt = Object.entries(passes)
        .map(([k, v]) => `${k} ${Math.round(v)}`)
        .join(', ');
      console.log(
        `${n} ${size} run ${r}: total ${Math.round(rep.totalMs)} ms (cpu ${Math.round(cpuMs)}) | ${fmt} | tensors ${before}→${after}`,
      );
      if (process.env.SHOW_VALUES) console.log(rep.results.map((x) => `${x.id}=${x.value}`).join(' '));
    }
  }
}
void main();
