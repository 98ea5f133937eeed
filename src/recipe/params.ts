/**
 * The parameter count of one `linear` node, the one formula the model's exact count (src/scoring/model/params.ts,
 * per layer) and the graph's per-node count (src/graph/model.ts, first layer) share. Pure: no `vscode`, no tensors.
 */
import { INPUT_X } from './ops';

/**
 * Trainable parameters of a linear node in one layer: a weight matrix per operand, `inputSize × hidden` for the cell
 * input `x` and `hidden × hidden` for every other operand, and a bias of `hidden`.
 */
export function linearParams(inputs: readonly string[], inputSize: number, hidden: number): number {
  let p = 0;
  for (const i of inputs) p += (i === INPUT_X ? inputSize : hidden) * hidden;
  return p + hidden;
}
