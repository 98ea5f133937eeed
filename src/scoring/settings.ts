/**
 * The sizes and backends a network is built and run with: the leaf of the scoring layer, imported by the model, the
 * score modules and the registry's front (types.ts) alike, so none of them has to import another to learn a size.
 */

export type BackendName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

/** Network and scoring sizes. Defaults are NAS-Bench-NLP's (see DEFAULT_SETTINGS). */
export interface ModelSizes {
  /** Vocabulary size (PTB 10000, WikiText-2 33278). */
  readonly vocab: number;
  /** Embedding size (400). The last layer's hidden size equals it (tied weights). */
  readonly embed: number;
  /** Hidden size of the inner layers (600). */
  readonly hidden: number;
  /** Number of recurrent layers (3). */
  readonly layers: number;
  /** Sequence length used for scoring. */
  readonly seqLen: number;
  /** Batch size used for scoring. */
  readonly batch: number;
}
