/** params: the exact number of trainable parameters of the language model built from the canonical cell. */
import { paramShapes } from '../model/params';
import { defineScore } from './types';

export const params = defineScore({
  id: 'params',
  label: '#params',
  better: 'lower',
  meaning:
    "Trainable parameters of the scored language model (embedding, tied decoder bias, every recurrent layer) at the scoring preset's sizes and vocabulary.",
  formula:
    "vocab·embed + vocab + Σ_layers Σ_linear nodes Σ_inputs (in·hidden) + hidden per bias. Counted on the canonical cell (live nodes only); NAS-Bench-NLP's `num_params` also counts dead linear nodes and uses the dataset's vocabulary (WikiText-2: 33,278), so compare with the benchmark's own count only at the same vocabulary. `details`: embedding, decoderBias, recurrent, per layer; `perNode`: per linear node.",
  undefinedWhen: 'never',
  source: 'zero-cost baseline (Abdelfattah et al. 2021)',
  reads: [],
  byDefault: true,
  compute: ({ recipe, settings }) => {
    const b = paramShapes(recipe, settings);
    const details: Record<string, number> = {
      embedding: b.embedding,
      decoderBias: b.decoderBias,
      recurrent: b.recurrent,
    };
    b.layers.forEach((l) => {
      details[`layer${l.layer}`] = l.count;
    });
    return { value: b.total, details, perNode: { ...b.perNode } };
  },
});
