/**
 * Graph facts of a recipe: topological order, cycles, liveness, hidden tuple size.
 * All algorithms are iterative (no recursion) so 10,000-node cells cannot overflow the stack.
 * Pure: no `vscode` import.
 */
import type { Cell, Recipe } from './types';
import { hNewIndex, hPrevIndex, isCellInput } from './ops';

/** The cell as plain `{name: {op, input}}` data (what NAS-Bench-NLP's code reads). */
export function toRecipe(cell: Cell): Recipe {
  const r: Recipe = Object.create(null) as Recipe;
  for (const n of cell.nodes) r[n.name] = { op: n.op, input: n.inputs.map((i) => i.name) };
  return r;
}

/** Recipe as a compact JSON string with keys in their order (for files, logs, search output). */
export function recipeToJson(recipe: Recipe, indent?: number): string {
  // No prototype: a node named "__proto__" must stay a key (an object literal would take it as its prototype).
  const plain = Object.create(null) as Record<string, { op: string; input: string[] }>;
  for (const k of Object.keys(recipe)) plain[k] = { op: recipe[k].op, input: [...recipe[k].input] };
  return JSON.stringify(plain, null, indent);
}

export interface RecipeInfo {
  /** Node names in a topological order (cell inputs excluded); undefined when the nodes form a cycle. */
  readonly order: string[] | undefined;
  /** 1 + the largest `h_new_<i>` index (0 when there is none), as NAS-Bench-NLP computes it. */
  readonly hiddenTupleSize: number;
  /** Nodes that influence `h_new_0` (the output) at this or a later time step, through h_new_i → h_prev_i. */
  readonly liveNodes: Set<string>;
  /** Cycles, each as the list of node names on it (only when order is undefined). */
  readonly cycles: string[][];
  /** Indices i with `h_prev_<i>` read by some node. */
  readonly readStates: Set<number>;
}

/** Node-to-node dependency edges (inputs that are nodes of the recipe), including repeated ones. */
function nodeDeps(recipe: Recipe, name: string): string[] {
  const spec = recipe[name];
  const out: string[] = [];
  if (!spec || !Array.isArray(spec.input)) return out;
  for (const i of spec.input)
    if (typeof i === 'string' && !isCellInput(i) && Object.prototype.hasOwnProperty.call(recipe, i)) out.push(i);
  return out;
}

export function recipeInfo(recipe: Recipe): RecipeInfo {
  const names = Object.keys(recipe);
  let hiddenTupleSize = 0;
  for (const n of names) {
    const i = hNewIndex(n);
    if (i !== undefined) hiddenTupleSize = Math.max(hiddenTupleSize, i + 1);
  }
  // Kahn's algorithm.
  const indeg = new Map<string, number>();
  const consumers = new Map<string, string[]>();
  for (const n of names) {
    indeg.set(n, 0);
    consumers.set(n, []);
  }
  for (const n of names) {
    for (const d of new Set(nodeDeps(recipe, n))) {
      indeg.set(n, (indeg.get(n) ?? 0) + 1);
      consumers.get(d)!.push(n);
    }
  }
  const queue = names.filter((n) => indeg.get(n) === 0);
  const order: string[] = [];
  for (let qi = 0; qi < queue.length; qi++) {
    const n = queue[qi];
    order.push(n);
    for (const c of consumers.get(n)!) {
      const d = indeg.get(c)! - 1;
      indeg.set(c, d);
      if (d === 0) queue.push(c);
    }
  }
  const acyclic = order.length === names.length;
  const cycles = acyclic
    ? []
    : findCycles(
        recipe,
        names.filter((n) => (indeg.get(n) ?? 0) > 0),
      );

  const readStates = new Set<number>();
  for (const n of names)
    for (const i of recipe[n]?.input ?? []) {
      const k = typeof i === 'string' ? hPrevIndex(i) : undefined;
      if (k !== undefined) readStates.add(k);
    }
  return { order: acyclic ? order : undefined, hiddenTupleSize, liveNodes: liveNodes(recipe), cycles, readStates };
}

/**
 * The nodes that influence `h_new_0` (the output) at this or a later time step: everything h_new_0 depends on, and
 * when a live node reads `h_prev_<i>`, `h_new_<i>` and what it depends on (fixed point). Recipe nodes only.
 */
export function liveNodes(recipe: Recipe): Set<string> {
  const live = new Set<string>();
  const stack: string[] = [];
  const push = (n: string) => {
    if (!live.has(n) && Object.prototype.hasOwnProperty.call(recipe, n)) {
      live.add(n);
      stack.push(n);
    }
  };
  push('h_new_0');
  while (stack.length) {
    const n = stack.pop()!;
    for (const i of recipe[n]?.input ?? []) {
      if (typeof i !== 'string') continue;
      const k = hPrevIndex(i);
      if (k !== undefined) push(`h_new_${k}`);
      else push(i);
    }
  }
  return live;
}

/** Strongly connected components (iterative Tarjan) restricted to `candidates`; returns each cycle as a path. */
function findCycles(recipe: Recipe, candidates: string[]): string[][] {
  const inSet = new Set(candidates);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const st: string[] = [];
  const sccs: string[][] = [];
  let counter = 0;
  for (const root of candidates) {
    if (index.has(root)) continue;
    const work: { n: string; deps: string[]; i: number }[] = [];
    const open = (n: string) => {
      index.set(n, counter);
      low.set(n, counter);
      counter++;
      st.push(n);
      onStack.add(n);
      work.push({ n, deps: nodeDeps(recipe, n).filter((d) => inSet.has(d)), i: 0 });
    };
    open(root);
    while (work.length) {
      const top = work[work.length - 1];
      if (top.i < top.deps.length) {
        const d = top.deps[top.i++];
        if (!index.has(d)) open(d);
        else if (onStack.has(d)) low.set(top.n, Math.min(low.get(top.n)!, index.get(d)!));
      } else {
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1].n;
          low.set(parent, Math.min(low.get(parent)!, low.get(top.n)!));
        }
        if (low.get(top.n) === index.get(top.n)) {
          const comp: string[] = [];
          let x: string;
          do {
            x = st.pop()!;
            onStack.delete(x);
            comp.push(x);
          } while (x !== top.n);
          const selfLoop = comp.length === 1 && nodeDeps(recipe, comp[0]).includes(comp[0]);
          if (comp.length > 1 || selfLoop) sccs.push(comp);
        }
      }
    }
  }
  // Turn each component into a readable cycle path a → b → ... → a (BFS inside the component).
  return sccs.map((comp) => cyclePath(recipe, comp));
}

function cyclePath(recipe: Recipe, comp: string[]): string[] {
  const inComp = new Set(comp);
  const start = [...comp].sort()[0];
  // BFS from start following "is input of" edges backwards = dependency edges, until we return to start.
  const prev = new Map<string, string>();
  const queue = [start];
  const seen = new Set<string>();
  for (let qi = 0; qi < queue.length; qi++) {
    const n = queue[qi];
    for (const d of nodeDeps(recipe, n)) {
      if (!inComp.has(d)) continue;
      if (d === start) {
        // n reads start (data flows start → n); prev[c] reads c, so following prev from n leads back to start.
        const chain = [n];
        let c = n;
        while (prev.has(c)) {
          c = prev.get(c)!;
          chain.push(c);
        }
        return c === start ? [start, ...chain] : [start, ...chain, start];
      }
      if (!seen.has(d)) {
        seen.add(d);
        prev.set(d, n);
        queue.push(d);
      }
    }
  }
  return [...comp, comp[0]];
}
