/**
 * The reference cells NAS-Bench-NLP ships by name (the first three of its recepies_example.json: the Elman RNN, the
 * LSTM and the GRU), known by canonical hash so a renamed or reordered copy is named too. Pure: no `vscode`.
 */
import { canonicalHash } from './canonical';
import type { Recipe } from './types';

const lin = (a: string, b: string) => ({ op: 'linear', input: [a, b] });
const act = (op: string, a: string) => ({ op: `activation_${op}`, input: [a] });

/** The named reference cells, as recepies_example.json writes them. */
export const KNOWN_CELLS: readonly { readonly name: string; readonly recipe: Recipe }[] = [
  { name: 'RNN', recipe: { f: lin('x', 'h_prev_0'), h_new_0: act('tanh', 'f') } },
  {
    name: 'LSTM',
    recipe: {
      i: lin('x', 'h_prev_0'),
      i_act: act('tanh', 'i'),
      j: lin('x', 'h_prev_0'),
      j_act: act('sigm', 'j'),
      f: lin('x', 'h_prev_0'),
      f_act: act('sigm', 'f'),
      o: lin('x', 'h_prev_0'),
      o_act: act('tanh', 'o'),
      h_new_1_part1: { op: 'elementwise_prod', input: ['f_act', 'h_prev_1'] },
      h_new_1_part2: { op: 'elementwise_prod', input: ['i_act', 'j_act'] },
      h_new_1: { op: 'elementwise_sum', input: ['h_new_1_part1', 'h_new_1_part2'] },
      h_new_1_act: act('tanh', 'h_new_1'),
      h_new_0: { op: 'elementwise_prod', input: ['h_new_1_act', 'o_act'] },
    },
  },
  {
    name: 'GRU',
    recipe: {
      r: lin('x', 'h_prev_0'),
      r_act: act('sigm', 'r'),
      z: lin('x', 'h_prev_0'),
      z_act: act('sigm', 'z'),
      rh: { op: 'elementwise_prod', input: ['r_act', 'h_prev_0'] },
      h_tilde: lin('x', 'rh'),
      h_tilde_act: act('tanh', 'h_tilde'),
      h_new_0: { op: 'blend', input: ['z_act', 'h_prev_0', 'h_tilde_act'] },
    },
  },
];

let byHash: Map<string, string> | undefined;

/** The known name of the cell with this canonical hash (`LSTM`), if it is one of {@link KNOWN_CELLS}. */
export function knownCellName(hash: string): string | undefined {
  byHash ??= new Map(KNOWN_CELLS.map((k) => [canonicalHash(k.recipe), k.name]));
  return byHash.get(hash);
}
