/**
 * The ids of the score registry (scores/index.ts), in display order: a leaf that code outside the scoring process —
 * protocols, the webviews — can import to name and validate a score without bundling the score modules. The
 * registry must declare exactly these ids in this order: scoring/types.ts checks the set at compile time and
 * test/unit/scoring-registry.test.ts the order.
 */
export const SCORE_IDS = [
  'params',
  'zen',
  'grad_norm',
  'snip',
  'synflow',
  'jacob_cov',
  'naswot',
  'ninaswot',
  'maedet',
  'ntk_trace',
  'ntk_cond',
  'hidden_cov',
  'hybrid',
] as const;

/** A score id. */
export type ScoreId = (typeof SCORE_IDS)[number];

const ID_SET: ReadonlySet<string> = new Set(SCORE_IDS);

/** Type guard: `x` is a known {@link ScoreId}. */
export function isScoreId(x: unknown): x is ScoreId {
  return typeof x === 'string' && ID_SET.has(x);
}
