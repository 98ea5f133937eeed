/**
 * THE score registry: every score module, in display order. Adding a score = one module in this folder + one
 * line here + its docs (docs/scores.md's table is generated from this list by `npm run docs:scores`).
 */
import { params } from './params';
import { zen } from './zen';
import { gradNorm } from './grad_norm';
import { snip } from './snip';
import { synflow } from './synflow';
import { jacobCov } from './jacob_cov';
import { naswot } from './naswot';
import { ninaswot } from './ninaswot';
import { maedet } from './maedet';
import { ntkTrace } from './ntk_trace';
import { ntkCond } from './ntk_cond';
import { hiddenCov } from './hidden_cov';
import { hybrid } from './hybrid';

export const SCORE_DEFS = [
  params,
  zen,
  gradNorm,
  snip,
  synflow,
  jacobCov,
  naswot,
  ninaswot,
  maedet,
  ntkTrace,
  ntkCond,
  hiddenCov,
  hybrid,
] as const;
