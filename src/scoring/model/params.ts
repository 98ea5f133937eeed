/**
 * Parameter shapes and the exact parameter count of a NAS-Bench-NLP language model, as a pure function of the
 * recipe and the sizes (no tensors). Matches NAS-Bench-NLP's `num_params` (checked against all 345 WikiText-2 logs):
 *
 *   num_params = vocab·embed (embedding, tied with the decoder weight) + vocab (decoder bias)
 *              + Σ_layers Σ_linear nodes ( Σ_inputs hidden_l·(input is `x` ? inputSize_l : hidden_l) + hidden_l ).
 *
 * Layer l reads inputSize_l = embed (l = 0) or hidden, and has hidden_l = hidden, except the last layer whose
 * hidden size is embed (tied weights). Every linear node counts, also one that does not reach the output.
 */
import type { Recipe } from '../../recipe/types';
import type { ModelSizes } from '../settings';
import { INPUT_X } from '../../recipe/ops';
import { linearParams } from '../../recipe/params';

/** The sizes that determine parameter shapes. */
export type ShapeSizes = Pick<ModelSizes, 'vocab' | 'embed' | 'hidden' | 'layers'>;

/** One weight matrix of a linear node: input `input` (index `index` in the node's input list). */
export interface WeightShape {
  readonly input: string;
  readonly index: number;
  /** Rows = the input's width (inputSize for `x`, hidden otherwise); columns = hidden. Stored as [rows, hidden]. */
  readonly rows: number;
  readonly cols: number;
}

/** Shapes of one linear node in one layer. */
export interface LinearShape {
  readonly node: string;
  readonly weights: readonly WeightShape[];
  /** Bias length (= hidden of the layer). */
  readonly bias: number;
  /** Number of parameters of this node in this layer. */
  readonly count: number;
}

/** Shapes of one recurrent layer. */
export interface LayerShape {
  readonly layer: number;
  readonly inputSize: number;
  readonly hidden: number;
  readonly linears: readonly LinearShape[];
  readonly count: number;
}

/** Exact parameter count with its breakdown. */
export interface ParamBreakdown {
  readonly total: number;
  readonly embedding: number;
  readonly decoderBias: number;
  readonly recurrent: number;
  readonly layers: readonly LayerShape[];
  /** Linear node → its parameters summed over all layers. */
  readonly perNode: Readonly<Record<string, number>>;
}

/** Input and hidden size of each layer (the last layer's hidden size is `embed`: tied weights). */
export function layerSizes(
  sizes: Pick<ModelSizes, 'embed' | 'hidden' | 'layers'>,
): { inputSize: number; hidden: number }[] {
  const out: { inputSize: number; hidden: number }[] = [];
  for (let l = 0; l < sizes.layers; l++) {
    out.push({
      inputSize: l === 0 ? sizes.embed : sizes.hidden,
      hidden: l === sizes.layers - 1 ? sizes.embed : sizes.hidden,
    });
  }
  return out;
}

/** Linear nodes of a recipe in key order. */
export function linearNodes(recipe: Recipe): string[] {
  return Object.keys(recipe).filter((k) => recipe[k].op === 'linear');
}

/** Parameter shapes and exact count of the language model built from `recipe` at `sizes`. */
export function paramShapes(recipe: Recipe, sizes: ShapeSizes): ParamBreakdown {
  const lin = linearNodes(recipe);
  const perNode: Record<string, number> = {};
  const layers: LayerShape[] = layerSizes(sizes).map(({ inputSize, hidden }, layer) => {
    let count = 0;
    const linears = lin.map((node) => {
      const weights = recipe[node].input.map((input, index) => ({
        input,
        index,
        rows: input === INPUT_X ? inputSize : hidden,
        cols: hidden,
      }));
      const c = linearParams(recipe[node].input, inputSize, hidden);
      count += c;
      perNode[node] = (perNode[node] ?? 0) + c;
      return { node, weights, bias: hidden, count: c };
    });
    return { layer, inputSize, hidden, linears, count };
  });
  const embedding = sizes.vocab * sizes.embed;
  const decoderBias = sizes.vocab;
  const recurrent = layers.reduce((s, l) => s + l.count, 0);
  return { total: embedding + decoderBias + recurrent, embedding, decoderBias, recurrent, layers, perNode };
}

/** Exact number of trainable parameters (NAS-Bench-NLP's `num_params`). */
export function countParams(recipe: Recipe, sizes: ShapeSizes): number {
  return paramShapes(recipe, sizes).total;
}

/** NAS-Bench-NLP's language model around a cell: embedding 400 (tied: the last layer's hidden size), hidden 600, 3 layers. */
export const BENCHMARK_MODEL: Omit<ShapeSizes, 'vocab'> = { embed: 400, hidden: 600, layers: 3 };

/** Vocabulary sizes of the NAS-Bench-NLP datasets (their logs' num_params include vocab·embed + vocab). */
export const DATASET_VOCAB: Readonly<Record<string, number>> = { 'WikiText-2': 33278, PTB: 10000 };

/** The dataset a parameter count is of when none is named, or the named one's vocabulary is unknown: the bundled one. */
export const DEFAULT_PARAMS_DATASET = 'WikiText-2';

/** The parameter count of the language model NAS-Bench-NLP trains around a cell on one dataset. */
export interface ModelParams {
  readonly count: number;
  readonly dataset: string;
  readonly vocab: number;
}

/**
 * THE parameter count every surface calls "params" (lens, hover, table, compare, graph, CLI): the benchmark's
 * language model around the cell on `dataset` (the loaded benchmark's; WikiText-2 by default), every linear node
 * counted. It equals the benchmark's recorded `num_params` of the cell's runs; an activation never changes it.
 * (The `#params` score is another number: the scored model at the scoring preset's sizes, live nodes only.)
 */
export function modelParams(recipe: Recipe, dataset: string = DEFAULT_PARAMS_DATASET): ModelParams {
  const d = DATASET_VOCAB[dataset] !== undefined ? dataset : DEFAULT_PARAMS_DATASET;
  const vocab = DATASET_VOCAB[d];
  return { count: countParams(recipe, { vocab, ...BENCHMARK_MODEL }), dataset: d, vocab };
}
