/** hybrid: NINASWOT, MAE-DET and TE-NAS κ combined by their percentiles in the reference population. */
import { defineScore } from './types';

export const HYBRID_PARTS = ['ninaswot', 'maedet', 'ntk_cond'] as const;

export const hybrid = defineScore({
  id: 'hybrid',
  label: 'Hybrid',
  better: 'higher',
  meaning:
    "Mean of the percentiles of NINASWOT, MAE-DET and TE-NAS κ among the bundled benchmark cells scored at the same settings (each oriented so that 100 = best): the hybrid-score GA's rank combination, against a stored population so one cell can be scored alone.",
  formula:
    '`hybrid = (pct(NINASWOT) + pct(MAE-DET) + pct(κ)) / 3`, pct = oriented percentile (0 … 100, ties count half) among the trained WikiText-2 cells of data/reference-wikitext2.json at the same preset and seed. (Engine 2 summed fixed scalings a + b − c, whose ranking followed MAE-DET alone, τ 0.86 between them.)',
  undefinedWhen: 'no reference population exists for these settings, or a component is NaN',
  source: 'hybrid-score GA (NINASWOT + MAE-DET + NTK condition number)',
  reads: [],
  byDefault: true,
  combines: HYBRID_PARTS,
  derive: (values, percentileOf) => {
    const details: Record<string, number> = {};
    for (const id of HYBRID_PARTS) {
      const v = values.get(id);
      if (v === undefined || Number.isNaN(v))
        return { value: NaN, reason: `${id} is ${v === undefined ? 'missing' : 'NaN'}` };
      const p = percentileOf(id, v);
      if (p === undefined)
        return {
          value: NaN,
          reason:
            'no reference population for these settings (percentiles need the proxy or nas-bench-nlp preset with the reference seed and repeats)',
        };
      details[`${id}Pct`] = p;
    }
    return { value: HYBRID_PARTS.reduce((s, id) => s + details[`${id}Pct`], 0) / HYBRID_PARTS.length, details };
  },
});
