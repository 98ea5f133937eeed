/**
 * Validation of a cell against NAS-Bench-NLP's semantics → diagnostics with a code, an exact span and a message
 * a person understands. Pure: no `vscode` import.
 */
import type { CellNode, Diagnostic, Fix, Recipe, Span } from './types';
import { OPS, editDistance, hNewIndex, hPrevIndex, isCellInput, isOpName, nearestOp, INPUT_X } from './ops';
import { recipeInfo } from './model';

const ZERO: Span = { start: 0, end: 0 };
/** Gaps in the hidden states beyond this many are summarised in one diagnostic. */
const MAX_MISSING_STATES_LISTED = 10;

/** Validate a plain recipe object (spans are 0-0). A recipe is valid when no diagnostic is an error. */
export function validateRecipe(recipe: Recipe): Diagnostic[] {
  if (!recipe || typeof recipe !== 'object' || Array.isArray(recipe)) {
    return [
      {
        code: 'not-a-cell',
        severity: 'error',
        span: ZERO,
        message: 'A recipe is an object {"node": {"op": ..., "input": [...]}}.',
      },
    ];
  }
  const diags: Diagnostic[] = [];
  const nodes: CellNode[] = [];
  for (const name of Object.keys(recipe)) {
    const spec = recipe[name] as unknown;
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) {
      diags.push({
        code: 'bad-node',
        severity: 'error',
        span: ZERO,
        nodes: [name],
        message: `Node "${name}" is not an object {"op", "input"}.`,
      });
      continue;
    }
    const s = spec as { op?: unknown; input?: unknown };
    if (typeof s.op !== 'string' || s.op === '')
      diags.push({
        code: 'missing-op',
        severity: 'error',
        span: ZERO,
        nodes: [name],
        message: `Node "${name}" has no "op" string.`,
      });
    if (!Array.isArray(s.input) || s.input.some((i) => typeof i !== 'string')) {
      diags.push({
        code: 'bad-input-list',
        severity: 'error',
        span: ZERO,
        nodes: [name],
        message: `The "input" of node "${name}" is not a list of names.`,
      });
    }
    const inputs = Array.isArray(s.input) ? s.input.filter((i): i is string => typeof i === 'string') : [];
    nodes.push({
      name,
      op: typeof s.op === 'string' ? s.op : '',
      inputs: inputs.map((n) => ({ name: n, span: ZERO })),
      keySpan: ZERO,
      valueSpan: ZERO,
      opSpan: ZERO,
      inputListSpan: ZERO,
    });
  }
  return diags.concat(validateNodes(nodes, ZERO, ZERO));
}

/** Whether a recipe has no error diagnostics. */
export function isValidRecipe(recipe: Recipe): boolean {
  return !validateRecipe(recipe).some((d) => d.severity === 'error');
}

/**
 * Semantic checks over parsed nodes. `anchor` is where cell-level problems are shown (start of the cell),
 * `cellSpan` the whole cell. `encode` writes a string value as it must appear in the document at a node's spans
 * (JSON.stringify for a recipe; doubly escaped inside a log's `recepie` string) — used for quick-fix texts.
 */
export function validateNodes(
  nodes: readonly CellNode[],
  anchor: Span,
  cellSpan: Span,
  encode: (s: string) => string = JSON.stringify,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (nodes.length === 0) {
    out.push({
      code: 'empty-cell',
      severity: 'error',
      span: cellSpan.end > cellSpan.start ? cellSpan : anchor,
      message: 'The cell has no nodes: a NAS-Bench-NLP cell needs at least h_new_0 = op(inputs).',
    });
    return out;
  }
  const byName = new Map<string, CellNode>();
  for (const n of nodes) byName.set(n.name, n);
  const nodeNames = [...byName.keys()];

  for (const n of nodes) {
    if (isCellInput(n.name)) {
      out.push({
        code: 'reserved-name',
        severity: 'error',
        span: n.keySpan,
        nodes: [n.name],
        message: `"${n.name}" is a cell input (x, h_prev_<i>) and cannot be defined as a node; rename it.`,
      });
    }
    // Op.
    if (n.op !== '' && !isOpName(n.op)) {
      const near = nearestOp(n.op);
      const fix: Fix = { title: `Change to "${near}"`, span: n.opSpan, text: encode(near) };
      out.push({
        code: 'unknown-op',
        severity: 'error',
        span: n.opSpan,
        nodes: [n.name],
        fixes: [fix],
        message: `Unknown op "${n.op}" in node "${n.name}". Did you mean "${near}"? NAS-Bench-NLP ops: ${Object.keys(OPS).join(', ')}.`,
      });
    } else if (isOpName(n.op)) {
      const info = OPS[n.op];
      const k = n.inputs.length;
      if (k < info.minInputs || k > info.maxInputs) {
        const want = info.minInputs === info.maxInputs ? `exactly ${info.minInputs}` : `at least ${info.minInputs}`;
        out.push({
          code: 'arity',
          severity: 'error',
          span: n.inputListSpan,
          nodes: [n.name],
          message: `"${n.op}" takes ${want} input${info.minInputs === 1 && info.maxInputs === 1 ? '' : 's'}; node "${n.name}" has ${k}.`,
        });
      }
    }
    // Inputs.
    for (const inp of n.inputs) {
      if (inp.name === INPUT_X && isOpName(n.op) && n.op !== 'linear') {
        out.push({
          code: 'x-not-linear',
          severity: 'error',
          span: inp.span,
          nodes: [n.name],
          message: `"x" is read by "${n.op}" in node "${n.name}": NAS-Bench-NLP's cells read x only through linear nodes (x has the embedding width, 400, the nodes the hidden width, 600), so the benchmark's network cannot run this cell. Read x in a linear node and use that node here.`,
        });
      }
      if (inp.name === INPUT_X || byName.has(inp.name)) continue;
      const k = hPrevIndex(inp.name);
      if (k !== undefined) {
        if (!byName.has(`h_new_${k}`)) {
          out.push({
            code: 'missing-hidden',
            severity: 'error',
            span: inp.span,
            nodes: [n.name],
            message: `"${inp.name}" is read but no node "h_new_${k}" produces it: hidden state ${k} would never be written (NAS-Bench-NLP's cell fails on this).`,
          });
        }
        continue;
      }
      const candidates = [INPUT_X, ...nodeNames.filter((x) => x !== n.name)];
      let best: string | undefined;
      let bestD = Infinity;
      for (const c of candidates) {
        const d = editDistance(inp.name, c);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      const fixes: Fix[] =
        best !== undefined && bestD <= Math.max(2, Math.floor(inp.name.length / 3))
          ? [{ title: `Change to "${best}"`, span: inp.span, text: encode(best) }]
          : [];
      out.push({
        code: 'dangling-input',
        severity: 'error',
        span: inp.span,
        nodes: [n.name],
        fixes,
        message: `Input "${inp.name}" of node "${n.name}" names no node and no cell input (x, h_prev_<i>)${fixes.length ? `. Did you mean "${best}"?` : '.'}`,
      });
    }
  }

  // Outputs and the hidden tuple.
  const recipe: Recipe = Object.create(null) as Recipe;
  for (const n of nodes) recipe[n.name] = { op: n.op, input: n.inputs.map((i) => i.name) };
  const info = recipeInfo(recipe);
  if (!byName.has('h_new_0')) {
    out.push({
      code: 'missing-output',
      severity: 'error',
      span: anchor,
      message:
        'The cell has no "h_new_0": NAS-Bench-NLP takes h_new_0 as the cell output (and as h_prev_0 at the next step).',
    });
  }
  if (info.hiddenTupleSize > 1) {
    const top = info.hiddenTupleSize - 1;
    // The node that sets the tuple size: "h_new_<top>", or a spelling such as "h_new_01" that NAS-Bench-NLP also
    // reads as index 1 (then "h_new_1" itself is missing).
    const maxNode = byName.get(`h_new_${top}`) ?? nodes.find((n) => hNewIndex(n.name) === top);
    const maxName = maxNode?.name ?? `h_new_${top}`;
    const missing: number[] = [];
    for (let i = 1; i <= top; i++) if (!byName.has(`h_new_${i}`)) missing.push(i);
    // One diagnostic per missing state, but not a hundred thousand of them for "h_new_99999".
    for (const i of missing.slice(0, MAX_MISSING_STATES_LISTED)) {
      out.push({
        code: 'missing-hidden',
        severity: 'error',
        span: maxNode?.keySpan ?? anchor,
        message: `The hidden tuple has ${info.hiddenTupleSize} states because of "${maxName}", but "h_new_${i}" is missing; number the states without gaps.`,
      });
    }
    if (missing.length > MAX_MISSING_STATES_LISTED) {
      const rest = missing.slice(MAX_MISSING_STATES_LISTED);
      out.push({
        code: 'missing-hidden',
        severity: 'error',
        span: maxNode?.keySpan ?? anchor,
        message: `The hidden tuple has ${info.hiddenTupleSize} states because of "${maxName}", and ${rest.length} more states are missing (h_new_${rest[0]} … h_new_${rest[rest.length - 1]}); number the states without gaps.`,
      });
    }
  }
  for (const n of nodes) {
    const i = hNewIndex(n.name);
    if (i !== undefined && i > 0 && !info.readStates.has(i)) {
      out.push({
        code: 'unread-state',
        severity: 'warning',
        span: n.keySpan,
        nodes: [n.name],
        message: `"${n.name}" is computed but "h_prev_${i}" is never read, so this state carries nothing to the next step.`,
      });
    }
  }

  // Cycles.
  for (const cyc of info.cycles) {
    const first = byName.get(cyc[0]);
    const related = cyc
      .slice(1, -1)
      .map((c) => ({ span: byName.get(c)?.keySpan ?? anchor, message: `"${c}" is on the cycle` }));
    out.push({
      code: 'cycle',
      severity: 'error',
      span: first?.keySpan ?? anchor,
      nodes: [...new Set(cyc)],
      related,
      message:
        cyc.length === 2
          ? `Node "${cyc[0]}" reads its own output. Within one time step the cell must be acyclic; use h_new_<i>/h_prev_<i> for recurrence.`
          : `Cycle: ${cyc.join(' → ')}. Within one time step the cell must be acyclic; use h_new_<i>/h_prev_<i> for recurrence.`,
    });
  }

  // Dead nodes (only meaningful when the output exists).
  if (byName.has('h_new_0')) {
    const unreadState = (name: string) => {
      const i = hNewIndex(name);
      return i !== undefined && i > 0 && !info.readStates.has(i);
    };
    const dead = nodes.filter((n) => !info.liveNodes.has(n.name) && !unreadState(n.name)); // unread states are reported above
    for (const n of dead) {
      const params =
        isOpName(n.op) && n.op === 'linear' ? ' It still adds parameters (NAS-Bench-NLP counts them).' : '';
      out.push({
        code: 'unreachable',
        severity: 'warning',
        span: n.keySpan,
        nodes: [n.name],
        message: `Node "${n.name}" does not reach the output h_new_0 (not even through the recurrent states).${params}`,
      });
    }
  }
  if (!nodes.some((n) => n.inputs.some((i) => i.name === INPUT_X)) && nodes.length > 0) {
    out.push({
      code: 'unreachable',
      severity: 'warning',
      span: anchor,
      message: 'No node reads "x": the cell ignores its input.',
    });
  } else if (
    byName.has('h_new_0') &&
    info.liveNodes.size > 0 &&
    ![...info.liveNodes].some((n) => byName.get(n)!.inputs.some((i) => i.name === INPUT_X))
  ) {
    out.push({
      code: 'unreachable',
      severity: 'warning',
      span: anchor,
      message: `"x" is read only by nodes that do not reach h_new_0: the output ignores the input.`,
    });
  }
  return out;
}
