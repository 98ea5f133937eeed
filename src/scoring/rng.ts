/**
 * Seeded pseudo-random numbers for the scoring engine: deterministic per seed, no global state.
 * mulberry32 for uniforms, Box–Muller for normals. Pure JS, no tensors.
 */

/** A seeded random source. Its functions close over the generator: they may be passed around on their own. */
export interface Rng {
  /** Uniform in [0, 1). */
  readonly next: () => number;
  /** Uniform in [lo, hi). */
  readonly uniform: (lo: number, hi: number) => number;
  /** Standard normal N(0, 1) (Box–Muller). */
  readonly normal: () => number;
  /** Integer in [0, n). */
  readonly int: (n: number) => number;
  /** A Float32Array of `n` uniforms in [lo, hi). */
  readonly uniformArray: (n: number, lo: number, hi: number) => Float32Array;
  /** A Float32Array of `n` normals N(0, std²). */
  readonly normalArray: (n: number, std?: number) => Float32Array;
}

/** Mix a seed and a stream label into a 32-bit state (so sub-streams of one seed are independent). */
export function mixSeed(seed: number, stream = 0): number {
  let h = (Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** A generator's whole state: mulberry32's word and Box–Muller's spare normal (the second of its pair). */
interface Gen {
  a: number;
  spare: number | undefined;
}

/** One mulberry32 step: the next 32-bit output (uniform in [0, 1) once divided by 2³²). */
function nextU32(g: Gen): number {
  g.a = (g.a + 0x6d2b79f5) | 0;
  let t = g.a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** The next standard normal (Box–Muller: the cosine of a pair now, its sine on the next call). */
function nextNormal(g: Gen): number {
  if (g.spare !== undefined) {
    const s = g.spare;
    g.spare = undefined;
    return s;
  }
  let u = nextU32(g) / 4294967296;
  while (u <= 1e-12) u = nextU32(g) / 4294967296;
  const v = nextU32(g) / 4294967296;
  const r = Math.sqrt(-2 * Math.log(u));
  g.spare = r * Math.sin(2 * Math.PI * v);
  return r * Math.cos(2 * Math.PI * v);
}

/**
 * A mulberry32 generator seeded with `seed` (any integer) and an optional stream number.
 * The same (seed, stream) always yields the same sequence.
 */
export function makeRng(seed: number, stream = 0): Rng {
  const g: Gen = { a: mixSeed(seed, stream), spare: undefined };
  const next = (): number => nextU32(g) / 4294967296;
  const normal = (): number => nextNormal(g);
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal,
    int: (n) => Math.min(n - 1, Math.floor(next() * n)),
    uniformArray(n, lo, hi) {
      const out = new Float32Array(n);
      const w = hi - lo;
      for (let i = 0; i < n; i++) out[i] = lo + w * next();
      return out;
    },
    normalArray(n, std = 1) {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = std * normal();
      return out;
    },
  };
}

/**
 * The draws of one (seed, stream) kept for the next cell. Every cell scored with a seed draws its weights from the
 * same streams (uniform ones from stream 1, Gaussian ones from stream 2, inputs and noise from streams 11 and 12) and
 * only the lengths and scales differ, so the raw draws — mulberry32's 32-bit integers, Box–Muller's float64
 * normals — can be kept and scaled again: a {@link keptStream} reader returns exactly what a fresh
 * `makeRng(seed, stream)` would (same arithmetic on the same float64 draws; tested), and a study or search draws
 * each number once instead of once per cell (≈ 0.5 s of a full-size LSTM's 6 s). A stream keeps at most
 * {@link keptStreamLimit} draws; a longer request draws the rest afresh from the saved generator state.
 */
interface Kept {
  /** Raw uniforms (mulberry32 outputs) or raw standard normals. */
  values: Uint32Array | Float64Array;
  length: number;
  /** The generator after `length` draws. */
  gen: Gen;
}

const kept = new Map<string, Kept>();
let keptLimit = 12_000_000;

/** At most `n` draws are kept per (seed, stream, kind) (default 12M: 48 MB of uniforms, 96 MB of normals). */
export function keptStreamLimit(n?: number): number {
  if (n !== undefined) {
    keptLimit = Math.max(0, Math.floor(n));
    kept.clear();
  }
  return keptLimit;
}

/** Draws dst[from … from + n) raw values of `kind` from `g` (which moves on past them). */
function draw(kind: 'uniform' | 'normal', g: Gen, dst: Uint32Array | Float64Array, from: number, n: number): void {
  if (kind === 'uniform') for (let i = from; i < from + n; i++) dst[i] = nextU32(g);
  else for (let i = from; i < from + n; i++) dst[i] = nextNormal(g);
}

/**
 * The raw draws [offset, offset + n) of (seed, stream, kind), kept up to the limit; past it, the rest is drawn
 * afresh from a copy of the generator after the kept ones, and `after` is that copy (for the reader to go on).
 */
function raws(
  seed: number,
  stream: number,
  kind: 'uniform' | 'normal',
  offset: number,
  n: number,
): { values: Uint32Array | Float64Array; after?: Gen } {
  const key = `${seed}:${stream}:${kind}`;
  let k = kept.get(key);
  if (!k) {
    k = {
      values: kind === 'uniform' ? new Uint32Array(0) : new Float64Array(0),
      length: 0,
      gen: { a: mixSeed(seed, stream), spare: undefined },
    };
    kept.set(key, k);
  }
  const want = Math.min(offset + n, keptLimit);
  if (want > k.length) {
    let cap = k.values.length;
    if (want > cap) {
      cap = Math.min(keptLimit, Math.max(want, cap * 2, 1024));
      const grown = kind === 'uniform' ? new Uint32Array(cap) : new Float64Array(cap);
      grown.set(k.values.subarray(0, k.length));
      k.values = grown;
    }
    draw(kind, k.gen, k.values, k.length, want - k.length);
    k.length = want;
  }
  if (offset + n <= k.length) return { values: k.values.subarray(offset, offset + n) };
  // Past the kept draws (a reader reads in order, so offset ≤ k.length here): the rest afresh.
  const out = kind === 'uniform' ? new Uint32Array(n) : new Float64Array(n);
  const keptPart = k.length - offset;
  out.set(k.values.subarray(offset, k.length));
  const after = { ...k.gen };
  draw(kind, after, out, keptPart, n - keptPart);
  return { values: out, after };
}

/**
 * A reader of (seed, stream) from its first draw, equal to `makeRng(seed, stream)` used with only `uniformArray`
 * or only `normalArray` (the kinds draw differently; mixing them on one reader throws).
 */
export function keptStream(seed: number, stream: number): Pick<Rng, 'uniformArray' | 'normalArray'> {
  let offset = 0;
  let kind: 'uniform' | 'normal' | undefined;
  /** The reader's own generator at `offset`, once it has gone past the kept draws. */
  let tail: Gen | undefined;
  const take = (k: 'uniform' | 'normal', n: number): Uint32Array | Float64Array => {
    if (kind && kind !== k)
      throw new Error(`keptStream(${seed}, ${stream}): ${k} draws after ${kind} ones would differ from makeRng's`);
    kind = k;
    let values: Uint32Array | Float64Array;
    if (tail) {
      values = k === 'uniform' ? new Uint32Array(n) : new Float64Array(n);
      draw(k, tail, values, 0, n);
    } else {
      const r = raws(seed, stream, k, offset, n);
      values = r.values;
      tail = r.after;
    }
    offset += n;
    return values;
  };
  return {
    uniformArray(n, lo, hi) {
      const src = take('uniform', n);
      const out = new Float32Array(n);
      const w = hi - lo;
      for (let i = 0; i < n; i++) out[i] = lo + w * (src[i] / 4294967296);
      return out;
    },
    normalArray(n, std = 1) {
      const src = take('normal', n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = std * src[i];
      return out;
    },
  };
}
