/**
 * THE op table of the NAS-Bench-NLP search space. Validator, canonical hash, model builder,
 * graph styling and search mutations all read this table; adding an op is one entry here.
 * No `vscode` import: pure data.
 */

export type OpCategory = 'linear' | 'blend' | 'elementwise' | 'activation';

export interface OpInfo {
  readonly name: OpName;
  /** Minimum and maximum number of inputs (max = Infinity for n-ary ops). */
  readonly minInputs: number;
  readonly maxInputs: number;
  /** Whether the order of the operands changes the result (blend: yes; the others: no). */
  readonly commutative: boolean;
  /** Whether the op owns trainable parameters (only `linear`). */
  readonly parametric: boolean;
  readonly category: OpCategory;
  /** Short name for a person (graph boxes, suggested edits): `tanh`, `⊙ prod`. */
  readonly label: string;
  /** Short human description, used in hovers and docs. */
  readonly description: string;
}

export const OP_NAMES = [
  'linear',
  'blend',
  'elementwise_prod',
  'elementwise_sum',
  'activation_tanh',
  'activation_sigm',
  'activation_leaky_relu',
] as const;

export type OpName = (typeof OP_NAMES)[number];

export const OPS: Readonly<Record<OpName, OpInfo>> = {
  linear: {
    name: 'linear',
    minInputs: 1,
    maxInputs: Infinity,
    commutative: true,
    parametric: true,
    category: 'linear',
    label: 'linear',
    description:
      'Σᵢ Wᵢ·inputᵢ + b — one weight matrix per input (sized by whether the input is x or a hidden state) and one bias; output size = hidden size',
  },
  blend: {
    name: 'blend',
    minInputs: 3,
    maxInputs: 3,
    commutative: false,
    parametric: false,
    category: 'blend',
    label: 'blend',
    description: 'blend(a, b, c) = a⊙b + (1 − a)⊙c — a gated mix; operand order matters',
  },
  elementwise_prod: {
    name: 'elementwise_prod',
    minInputs: 2,
    maxInputs: Infinity,
    commutative: true,
    parametric: false,
    category: 'elementwise',
    label: '⊙ prod',
    description: 'element-wise product of all inputs',
  },
  elementwise_sum: {
    name: 'elementwise_sum',
    minInputs: 2,
    maxInputs: Infinity,
    commutative: true,
    parametric: false,
    category: 'elementwise',
    label: '⊕ sum',
    description: 'element-wise sum of all inputs',
  },
  activation_tanh: {
    name: 'activation_tanh',
    minInputs: 1,
    maxInputs: 1,
    commutative: true,
    parametric: false,
    category: 'activation',
    label: 'tanh',
    description: 'tanh(a)',
  },
  activation_sigm: {
    name: 'activation_sigm',
    minInputs: 1,
    maxInputs: 1,
    commutative: true,
    parametric: false,
    category: 'activation',
    label: 'sigmoid',
    description: 'sigmoid(a) = 1 / (1 + e^(−a))',
  },
  activation_leaky_relu: {
    name: 'activation_leaky_relu',
    minInputs: 1,
    maxInputs: 1,
    commutative: true,
    parametric: false,
    category: 'activation',
    label: 'leaky ReLU',
    description: 'leaky ReLU(a) = max(a, 0.01·a) (PyTorch default slope 0.01)',
  },
};

export function isOpName(s: unknown): s is OpName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(OPS, s);
}

/** Leaky ReLU negative slope (PyTorch's `torch.nn.LeakyReLU()` default, as NAS-Bench-NLP used it). */
export const LEAKY_RELU_SLOPE = 0.01;

/** The cell's external input. */
export const INPUT_X = 'x';
const H_PREV = /^h_prev_(\d+)$/;
const H_NEW = /^h_new_(\d+)$/;

/** Index i of `h_prev_<i>`, or undefined. */
export function hPrevIndex(name: string): number | undefined {
  const m = H_PREV.exec(name);
  return m && m[1].length < 6 ? Number(m[1]) : undefined;
}
/** Index i of `h_new_<i>`, or undefined. */
export function hNewIndex(name: string): number | undefined {
  const m = H_NEW.exec(name);
  return m && m[1].length < 6 ? Number(m[1]) : undefined;
}
/** Whether a name is a cell input (`x` or `h_prev_<i>`), i.e. not a node of the recipe. */
export function isCellInput(name: string): boolean {
  return name === INPUT_X || hPrevIndex(name) !== undefined;
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const m = a.length,
    n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n];
}

/** The valid op nearest to an unknown op name (e.g. `activation_relu` → `activation_leaky_relu`). */
export function nearestOp(name: string): OpName {
  const core = (s: string) => s.replace(/^(activation|elementwise)_?/, '');
  const lower = name.toLowerCase().trim();
  const lowerCore = core(lower);
  let best: OpName = OP_NAMES[0];
  let bestD = Infinity;
  for (const op of OP_NAMES) {
    // Prefer ops whose core contains the typed core ("relu" → activation_leaky_relu, "sum" → elementwise_sum);
    // otherwise the smaller edit distance, on the full name or on the core ("tanhh" → activation_tanh).
    const d =
      lowerCore.length >= 3 && core(op).includes(lowerCore)
        ? 0.5
        : Math.min(editDistance(lower, op), editDistance(lowerCore, core(op)));
    if (d < bestD) {
      bestD = d;
      best = op;
    }
  }
  return best;
}
