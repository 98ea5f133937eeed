/**
 * The single edits of a cell: every cell one step of the search space's mutation operator away (./mutate.ts — change
 * one node's op, rewire one input, insert one node on an input edge, remove one node), each with its choices made
 * instead of drawn, and the edit said in words. What "Suggest Edits" scores and ranks (src/report/suggest.ts).
 *
 * - Kept: results that are valid (`validateRecipe`) and break no rule of the space ({@link spaceViolations}) that
 *   the original keeps (a cell already outside the space, e.g. a hand-made one with a 4-input linear, still gets
 *   suggestions that do not make it worse), and that compute another function than the original and than every edit
 *   kept before them (canonical hash).
 * - Nodes an edit leaves reading into nothing are removed with it (and said so); nodes the original already had
 *   dead stay.
 * - Order: deterministic, the enumeration order (kinds in {@link MUTATION_KINDS} order, nodes in key order, ops
 *   in the op table's order, candidates in cell-input-then-key order).
 * - A cap: a cell has hundreds to thousands of single edits (most of them inserts of a 3-input node), so at most
 *   `max` are kept, drawn with a seeded generator evenly over the kinds and, within a kind, over the new op (so a
 *   cheap tanh insert is as likely to be offered as one of the thousand blend inserts); they come back in the
 *   enumeration order. Only drawn edits are built and checked, so the cap also bounds the time.
 *
 * Pure logic; no `vscode` import.
 */
import type { Recipe } from '../recipe/types';
import { canonicalHash } from '../recipe/canonical';
import { hNewIndex, OP_NAMES, OPS, type OpName } from '../recipe/ops';
import { isValidRecipe } from '../recipe/validate';
import { makeRng } from '../scoring/rng';
import {
  MUTATION_KINDS,
  inputCandidates,
  insertCandidates,
  removalOptions,
  withInput,
  withInserted,
  withOp,
  withRemoved,
  type MutationKind,
} from './mutate';
import { freshName, inputAllowed, pruneDead, spaceArities, spaceViolations, type SpaceOptions } from './space';

/** One single edit of a cell. */
export interface SingleEdit {
  readonly kind: MutationKind;
  /** The edit in words: `change node i_act: tanh → sigmoid`. */
  readonly text: string;
  /** The cell after the edit. */
  readonly recipe: Recipe;
  /** Its canonical hash. */
  readonly hash: string;
}

/** Options of {@link singleEdits}. */
export interface SingleEditOptions extends SpaceOptions {
  /** At most this many edits (default 60); Infinity = all. */
  readonly max?: number;
  /** Seed of the draw when there are more than `max` (default 0). */
  readonly seed?: number;
}

/** What {@link singleEdits} found. */
export interface SingleEdits {
  /** The edits kept, in enumeration order. */
  readonly edits: SingleEdit[];
  /** Edits enumerated (before the checks). */
  readonly enumerated: number;
  /** Edits built and checked (all of them when no cap applied). */
  readonly checked: number;
  /** Whether the cap drew a subset of the enumerated edits. */
  readonly capped: boolean;
}

/** An edit not built yet: its kind, the stratum it is drawn in, and how to build it. */
interface Proposal {
  readonly kind: MutationKind;
  readonly stratum: string;
  readonly build: () => { recipe: Recipe; text: string } | undefined;
}

/** The label of an op in the words of an edit. */
const opLabel = (op: string): string => OPS[op as OpName]?.label ?? op;

/** `1st`, `2nd`, `3rd`. */
const slotName = (i: number): string => ['1st', '2nd', '3rd'][i] ?? `${i + 1}th`;

/** `f(a, b)`. */
const call = (op: string, inputs: readonly string[]): string => `${opLabel(op)}(${inputs.join(', ')})`;

/** The k-subsets of `xs`, each in the order of `xs`. */
function combinations<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (k > xs.length) return [];
  const out: T[][] = [];
  const pick = (start: number, acc: T[]): void => {
    if (acc.length === k) {
      out.push([...acc]);
      return;
    }
    for (let i = start; i <= xs.length - (k - acc.length); i++) {
      acc.push(xs[i]);
      pick(i + 1, acc);
      acc.pop();
    }
  };
  pick(0, []);
  return out;
}

/** Every choice of one element per list (lists in order). */
function product<T>(lists: readonly (readonly T[])[]): T[][] {
  let out: T[][] = [[]];
  for (const l of lists) out = out.flatMap((acc) => l.map((x) => [...acc, x]));
  return out;
}

/** Every single edit of `recipe`, not built yet, in enumeration order. */
function proposals(recipe: Recipe): Proposal[] {
  const names = Object.keys(recipe);
  const out: Proposal[] = [];
  // op: every other op, every arity the space allows; inputs kept where the new op may read them, the surplus
  // dropped (every choice) or the missing drawn from the legal candidates (every choice).
  for (const node of names) {
    const cur = recipe[node];
    for (const op of OP_NAMES) {
      if (op === cur.op) continue;
      for (const arity of spaceArities(op)) {
        const kept = cur.input.filter((x) => inputAllowed(node, op, x));
        const choices =
          kept.length >= arity
            ? combinations(kept, arity)
            : combinations(inputCandidates(recipe, node, op, new Set(kept)), arity - kept.length).map((more) =>
                kept.concat(more),
              );
        for (const inputs of choices) {
          const same = inputs.length === cur.input.length && inputs.every((x, i) => x === cur.input[i]);
          out.push({
            kind: 'op',
            stratum: `op:${op}`,
            build: () => ({
              recipe: withOp(recipe, node, op, inputs),
              text: `change node ${node}: ${opLabel(cur.op)} → ${same ? opLabel(op) : call(op, inputs)}`,
            }),
          });
        }
      }
    }
  }
  // rewire: every input of every node to every legal candidate it does not read yet.
  for (const node of names) {
    const cur = recipe[node];
    const cands = inputCandidates(recipe, node, cur.op as OpName, new Set(cur.input));
    cur.input.forEach((old, slot) => {
      for (const c of cands)
        out.push({
          kind: 'rewire',
          stratum: 'rewire',
          build: () => ({
            recipe: withInput(recipe, node, slot, c),
            text:
              cur.input.length === 1
                ? `rewire ${node}'s input: ${old} → ${c}`
                : `rewire ${node}'s ${slotName(slot)} input: ${old} → ${c}`,
          }),
        });
    });
  }
  // add: on every input edge, a node of every op and arity that reads the old input (when it may) and others.
  const fresh = freshName(recipe);
  for (const consumer of names) {
    recipe[consumer].input.forEach((old, slot) => {
      for (const op of OP_NAMES) {
        const pool = insertCandidates(recipe, consumer, fresh, op);
        const first = inputAllowed(fresh, op, old) ? [old] : [];
        const rest = pool.filter((c) => c !== old);
        for (const arity of spaceArities(op))
          for (const more of combinations(rest, arity - first.length)) {
            const inputs = first.concat(more);
            out.push({
              kind: 'add',
              stratum: `add:${op}`,
              build: () => {
                const r = withInserted(recipe, consumer, slot, fresh, op, inputs);
                const where =
                  recipe[consumer].input.length === 1 ? `${consumer}'s input` : `${consumer}'s ${slotName(slot)} input`;
                return r && { recipe: r, text: `insert ${fresh} = ${call(op, inputs)} as ${where} (was ${old})` };
              },
            });
          }
      }
    });
  }
  // remove: every node but the outputs; each reader reads one of its inputs instead (every choice).
  for (const node of names) {
    if (hNewIndex(node) !== undefined) continue;
    const options = removalOptions(recipe, node);
    const readers = [...options.keys()];
    for (const pick of product(readers.map((k) => options.get(k)!))) {
      const instead = new Map(readers.map((k, i) => [k, pick[i]]));
      out.push({
        kind: 'remove',
        stratum: 'remove',
        build: () => ({
          recipe: withRemoved(recipe, node, instead),
          text:
            `remove node ${node}` +
            (readers.length ? `; ${readers.map((k, i) => `${k} reads ${pick[i]}`).join(', ')} instead` : ''),
        }),
      });
    }
  }
  return out;
}

/**
 * The order edits are drawn in when there are more than the cap: a seeded shuffle within each stratum (kind and new
 * op), strata taken in turn within a kind, kinds taken in turn.
 */
function drawOrder(props: readonly Proposal[], seed: number): number[] {
  const rng = makeRng(seed, 0x5e6);
  const byKind = new Map<MutationKind, Map<string, number[]>>();
  props.forEach((p, i) => {
    let strata = byKind.get(p.kind);
    if (!strata) byKind.set(p.kind, (strata = new Map<string, number[]>()));
    let s = strata.get(p.stratum);
    if (!s) strata.set(p.stratum, (s = []));
    s.push(i);
  });
  const shuffle = (xs: number[]): number[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  /** Round robin over lists. */
  const interleave = (lists: number[][]): number[] => {
    const out: number[] = [];
    for (let r = 0; lists.some((l) => r < l.length); r++) for (const l of lists) if (r < l.length) out.push(l[r]);
    return out;
  };
  const kinds = MUTATION_KINDS.filter((k) => byKind.has(k)).map((k) =>
    interleave([...byKind.get(k)!.values()].map(shuffle)),
  );
  return interleave(kinds);
}

/** The nodes of `before` that are live there but dead in `after` (removed with the edit). */
function newlyDead(before: Recipe, after: Recipe): { pruned: Recipe; dropped: string[] } {
  const live = pruneDead(after);
  const wasLive = new Set(Object.keys(pruneDead(before)));
  const dropped = Object.keys(after).filter((k) => !(k in live) && (wasLive.has(k) || !(k in before)));
  if (dropped.length === 0) return { pruned: after, dropped };
  const pruned: Recipe = {};
  for (const k of Object.keys(after)) if (!dropped.includes(k)) pruned[k] = after[k];
  return { pruned, dropped };
}

/**
 * The single edits of `recipe` (see the module comment): at most `max`, valid, no new rule of the space broken,
 * pairwise different functions and different from the original, in enumeration order.
 */
export function singleEdits(recipe: Recipe, options: SingleEditOptions = {}): SingleEdits {
  const max = options.max ?? 60;
  const props = proposals(recipe);
  const allowed = new Set(spaceViolations(recipe, options));
  const seen = new Set<string>([canonicalHash(recipe)]);
  const capped = props.length > max;
  const order = capped ? drawOrder(props, options.seed ?? 0) : props.map((_, i) => i);
  const kept: { at: number; edit: SingleEdit }[] = [];
  let checked = 0;
  for (const i of order) {
    if (kept.length >= max) break;
    checked++;
    const p = props[i];
    const built = p.build();
    if (!built) continue;
    const { pruned, dropped } = newlyDead(recipe, built.recipe);
    if (spaceViolations(pruned, options).some((v) => !allowed.has(v)) || !isValidRecipe(pruned)) continue;
    const hash = canonicalHash(pruned);
    if (seen.has(hash)) continue;
    seen.add(hash);
    const text = dropped.length
      ? `${built.text} (drops ${dropped.length === 1 ? 'node' : 'nodes'} ${dropped.join(', ')}, now unused)`
      : built.text;
    kept.push({ at: i, edit: { kind: p.kind, text, recipe: pruned, hash } });
  }
  kept.sort((a, b) => a.at - b.at);
  return { edits: kept.map((k) => k.edit), enumerated: props.length, checked, capped };
}
