/** `cell-lens lookup` (src/cli/lookup.ts): each cell under its one name, with the one parameter count and its model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLookup } from '../../src/cli/lookup';
import { EXAMPLES_PATH } from '../helpers/data';

test('lookup of the ten example cells: named RNN / LSTM / GRU or by recipe id; params of the WikiText-2 model', async () => {
  let out = '';
  const code = await runLookup([EXAMPLES_PATH], {
    stdout: (s) => {
      out += s;
    },
    stderr: () => undefined,
  });
  assert.equal(code, 0);
  const cells = JSON.parse(out) as {
    label: string;
    params: { count: number; dataset: string; vocab: number };
    matches: { numParams: number; recepieIds: number[] }[];
  }[];
  assert.deepEqual(
    cells.map((c) => c.label),
    ['RNN', 'LSTM', 'GRU', 'RNN', 'cell 4', 'recepie 1001636', 'cell 6', 'cell 7', 'cell 8', 'recepie 1003119'],
  );
  assert.deepEqual(cells[1].params, { count: 20230878, dataset: 'WikiText-2', vocab: 33278 });
  for (const c of cells) for (const m of c.matches) assert.equal(m.numParams, c.params.count);
});
