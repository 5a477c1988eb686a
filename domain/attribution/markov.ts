/**
 * Markov-chain removal-effect attribution (Anderl et al. 2016), computed EXACTLY.
 *
 * The chain follows ChannelAttribution's markov_model (v2.x C++ source) so results are comparable:
 * - states: (start), one state per channel (order 1) or per window of k consecutive channels
 *   (order k: "a,b" ...); a path shorter than k is a single state made of all its channels;
 *   (conversion) and (null) absorb.
 * - each path row contributes (conversions + nulls) to every transition along its states, then
 *   `conversions` to last -> (conversion) and `nulls` to last -> (null). With `convertingOnly`
 *   nulls count as 0 (ChannelAttribution without var_null): non-converting paths vanish.
 * - consecutive identical states are merged (no self-loops): "a > a > b" is (start) a b at order 1.
 * - removing channel c removes every state that CONTAINS c (at order k a window "a,c" is removed
 *   with c): transitions into them go to (null).
 * - RE(c) = 1 - P(conv | c removed) / P(conv), which equals P(the walk visits c | it converts): the
 *   statistic ChannelAttribution estimates by simulating walks. Credit(c) = RE(c) / sum RE * total.
 * - value: ChannelAttribution draws each simulated conversion's value from the values of the paths
 *   that converted from the same last state. Exactly: conversion from state s is worth mu(s) = sum of
 *   value / sum of conversions over rows ending in s, and value RE(c) = 1 - E[value | c removed] /
 *   E[value]. Value credit = value RE / sum value RE * total value (so value shares can differ from
 *   conversion shares when channels lead to conversions of different size).
 *
 * Instead of simulating, P(conv) solves the absorbing-chain system h = Q h + r (r = P(-> conversion)),
 * and the expected value g = Q g + r * mu, for the full chain and once per removed channel:
 * a dense LU solve for small chains, Gauss-Seidel to 1e-12 for large (high-order) ones, where a
 * removal re-solves only the states that can reach a removed state (the rest keep their values).
 * Pure: no I/O.
 */
import { AttributionInputError, MAX_CHANNELS, type PathTable } from './paths.js';

export interface MarkovOptions {
  /** Markov order 1..4 (default 1). */
  order?: number;
  /** Drop non-converting paths (ChannelAttribution without var_null). Default false. */
  convertingOnly?: boolean;
  /** Solver: 'auto' (dense up to DENSE_MAX_STATES transient states), 'dense' or 'iterative'. */
  solver?: 'auto' | 'dense' | 'iterative';
  /** Convergence tolerance of the iterative solver on probabilities (default 1e-12). */
  tolerance?: number;
  maxIterations?: number;
  /** Also return the transition matrix (probabilities, including to (conversion) and (null)). */
  transitionMatrix?: boolean;
}

export interface MarkovChannel {
  channel: string;
  conversions: number;
  value: number;
  removalEffect: number;
  valueRemovalEffect: number;
}

export interface Transition {
  from: string;
  to: string;
  probability: number;
}

export interface MarkovResult {
  order: number;
  convertingOnly: boolean;
  totalConversions: number;
  totalValue: number;
  /** P(reaching (conversion) from (start)). */
  conversionProbability: number;
  /** Expected conversion value per walk from (start). */
  expectedValue: number;
  /** Transient states including (start). */
  states: number;
  /** Non-zero transitions between transient states. */
  transitions: number;
  solver: 'dense' | 'iterative';
  /** Largest iteration count over all solves (0 for dense). */
  iterations: number;
  channels: MarkovChannel[];
  transitionMatrix?: Transition[];
}

export const MAX_ORDER = 4;
export const DENSE_MAX_STATES = 250;

export const START = '(start)';
export const CONVERSION = '(conversion)';
export const NULL = '(null)';

/** The aggregated chain: CSR rows of transition COUNTS between transient states, plus exits. */
export interface Chain {
  order: number;
  channels: readonly string[];
  /** state index -> channel ids in the state (state 0 = (start), no channels). */
  stateChannels: Int32Array[];
  rowPtr: Int32Array;
  col: Int32Array;
  count: Float64Array;
  convCount: Float64Array;
  nullCount: Float64Array;
  valueSum: Float64Array;
}

/** Transition counts: per from-state Map(to -> edge), counts in a growable typed array. */
class EdgeCounts {
  private readonly out: Map<number, number>[] = [];
  from = new Int32Array(1024);
  to = new Int32Array(1024);
  w = new Float64Array(1024);
  n = 0;

  addState(): void {
    this.out.push(new Map());
  }

  add(from: number, to: number, w: number): void {
    const m = this.out[from]!;
    let e = m.get(to);
    if (e === undefined) {
      e = this.n++;
      if (e >= this.w.length) {
        const cap = this.w.length * 2;
        const f = new Int32Array(cap);
        f.set(this.from);
        this.from = f;
        const t = new Int32Array(cap);
        t.set(this.to);
        this.to = t;
        const ww = new Float64Array(cap);
        ww.set(this.w);
        this.w = ww;
      }
      m.set(to, e);
      this.from[e] = from;
      this.to[e] = to;
    }
    this.w[e]! += w;
  }
}

/**
 * One pass over the paths, O(total touches): order 1 with up to 512 channels counts into a dense
 * (channels+1)^2 matrix; otherwise windows are packed into integer keys (base channels+1, so they
 * stay small integers V8 hashes fast) and transitions counted per from-state.
 */
export function buildChain(t: PathTable, order = 1, convertingOnly = false): Chain {
  if (!Number.isInteger(order) || order < 1 || order > MAX_ORDER) {
    throw new AttributionInputError(`order must be an integer from 1 to ${MAX_ORDER} (got ${String(order)})`);
  }
  if (t.channels.length > MAX_CHANNELS) throw new AttributionInputError(`too many channels (${t.channels.length})`);
  const C = t.channels.length;
  const base = C + 1; // digit 0 unused: windows of different lengths get different keys
  const { offsets, ids, conversions, nulls, values } = t;

  const keyToState = new Map<number, number>();
  const stateKeys: number[] = [0];
  const conv: number[] = [0];
  const nul: number[] = [0];
  const val: number[] = [0];
  const edges = new EdgeCounts();
  edges.addState();
  let denseCounts: Float64Array | undefined;

  if (order === 1 && C <= 512) {
    // state c+1 = channel c
    for (let c = 0; c < C; c++) {
      keyToState.set(c + 1, c + 1);
      stateKeys.push(c + 1);
      conv.push(0);
      nul.push(0);
      val.push(0);
    }
    const N1 = C + 1;
    const counts = new Float64Array(N1 * N1);
    for (let i = 0; i < t.size; i++) {
      const c = conversions[i]!;
      const u = convertingOnly ? 0 : nulls[i]!;
      const w = c + u;
      if (w <= 0) continue;
      let prev = 0;
      for (let k = offsets[i]!, end = offsets[i + 1]!; k < end; k++) {
        const s = ids[k]! + 1;
        if (s === prev) continue; // no self-loops (ChannelAttribution merges equal consecutive states)
        counts[prev * N1 + s]! += w;
        prev = s;
      }
      conv[prev]! += c;
      nul[prev]! += u;
      if (c > 0) val[prev]! += values[i]!;
    }
    denseCounts = counts;
  } else {
    const topDigit = base ** (order - 1);
    const stateOf = (key: number): number => {
      let s = keyToState.get(key);
      if (s === undefined) {
        s = stateKeys.length;
        keyToState.set(key, s);
        stateKeys.push(key);
        conv.push(0);
        nul.push(0);
        val.push(0);
        edges.addState();
      }
      return s;
    };
    for (let i = 0; i < t.size; i++) {
      const c = conversions[i]!;
      const u = convertingOnly ? 0 : nulls[i]!;
      const w = c + u;
      if (w <= 0) continue;
      const a = offsets[i]!;
      const n = offsets[i + 1]! - a;
      let prev = 0; // (start)
      if (n < order) {
        // a path shorter than the order is one state made of all its channels
        let key = 0;
        for (let j = 0; j < n; j++) key = key * base + ids[a + j]! + 1;
        prev = stateOf(key);
        edges.add(0, prev, w);
      } else {
        let key = 0;
        for (let j = 0; j < order; j++) key = key * base + ids[a + j]! + 1;
        for (let j = order; ; j++) {
          const s = stateOf(key);
          if (s !== prev) {
            edges.add(prev, s, w);
            prev = s;
          }
          if (j >= n) break;
          key = (key - (ids[a + j - order]! + 1) * topDigit) * base + ids[a + j]! + 1; // slide the window
        }
      }
      conv[prev]! += c;
      nul[prev]! += u;
      if (c > 0) val[prev]! += values[i]!;
    }
  }

  const S = stateKeys.length;
  // CSR of transient -> transient counts
  const rowLen = new Int32Array(S);
  let nnz = 0;
  const N1 = C + 1;
  if (denseCounts) {
    for (let k = 0; k < denseCounts.length; k++) {
      if (denseCounts[k]! > 0) {
        rowLen[Math.floor(k / N1)]!++;
        nnz++;
      }
    }
  } else {
    for (let e = 0; e < edges.n; e++) rowLen[edges.from[e]!]!++;
    nnz = edges.n;
  }
  const rowPtr = new Int32Array(S + 1);
  for (let s = 0; s < S; s++) rowPtr[s + 1] = rowPtr[s]! + rowLen[s]!;
  const fill = rowPtr.slice(0, S);
  const col = new Int32Array(nnz);
  const count = new Float64Array(nnz);
  if (denseCounts) {
    for (let k = 0; k < denseCounts.length; k++) {
      const w = denseCounts[k]!;
      if (w > 0) {
        const e = fill[Math.floor(k / N1)]!++;
        col[e] = k % N1;
        count[e] = w;
      }
    }
  } else {
    for (let e0 = 0; e0 < edges.n; e0++) {
      const e = fill[edges.from[e0]!]!++;
      col[e] = edges.to[e0]!;
      count[e] = edges.w[e0]!;
    }
  }

  const stateChannels: Int32Array[] = stateKeys.map((key) => decodeKey(key, base));
  return {
    order,
    channels: t.channels,
    stateChannels,
    rowPtr,
    col,
    count,
    convCount: Float64Array.from(conv),
    nullCount: Float64Array.from(nul),
    valueSum: Float64Array.from(val),
  };
}

function decodeKey(key: number, base: number): Int32Array {
  const digits: number[] = [];
  let k = key;
  while (k > 0) {
    digits.unshift((k % base) - 1);
    k = Math.floor(k / base);
  }
  return Int32Array.from(digits);
}

export function stateName(chain: Chain, s: number): string {
  if (s === 0) return START;
  return Array.from(chain.stateChannels[s]!, (c) => chain.channels[c]!).join(',');
}

/**
 * Row-normalised system: P (CSR probabilities), r = P(-> conversion), rv = r * mu / muScale.
 * States are RENUMBERED into Gauss-Seidel order (reverse BFS from (start): successors before
 * predecessors), so a sweep walks the arrays front to back; `id` maps chain state -> system index.
 */
interface System {
  S: number;
  rowPtr: Int32Array;
  col: Int32Array;
  prob: Float64Array;
  r: Float64Array;
  rv: Float64Array;
  /** mu values were divided by muScale to keep g on the same scale as h (tolerances). */
  muScale: number;
  /** chain state -> system index */
  id: Int32Array;
  /** system index of (start) */
  start: number;
}

function toSystem(ch: Chain): System {
  const S = ch.stateChannels.length;
  const prob = new Float64Array(ch.count.length);
  const r = new Float64Array(S);
  const mu = new Float64Array(S);
  let muScale = 0;
  for (let s = 0; s < S; s++) {
    let out = ch.convCount[s]! + ch.nullCount[s]!;
    for (let e = ch.rowPtr[s]!; e < ch.rowPtr[s + 1]!; e++) out += ch.count[e]!;
    if (out > 0) {
      for (let e = ch.rowPtr[s]!; e < ch.rowPtr[s + 1]!; e++) prob[e] = ch.count[e]! / out;
      r[s] = ch.convCount[s]! / out;
    }
    mu[s] = ch.convCount[s]! > 0 ? ch.valueSum[s]! / ch.convCount[s]! : 0;
    muScale = Math.max(muScale, mu[s]!);
  }
  const rv = new Float64Array(S);
  if (muScale > 0) for (let s = 0; s < S; s++) rv[s] = (r[s]! * mu[s]!) / muScale;

  // reverse BFS order from (start); unreachable states (none in practice) go first
  const seen = new Uint8Array(S);
  const bfs: number[] = [0];
  seen[0] = 1;
  for (let q = 0; q < bfs.length; q++) {
    const s = bfs[q]!;
    for (let e = ch.rowPtr[s]!; e < ch.rowPtr[s + 1]!; e++) {
      const t2 = ch.col[e]!;
      if (!seen[t2]) {
        seen[t2] = 1;
        bfs.push(t2);
      }
    }
  }
  const sweep = new Int32Array(S);
  let p = 0;
  for (let s = 0; s < S; s++) if (!seen[s]) sweep[p++] = s;
  for (let q = bfs.length - 1; q >= 0; q--) sweep[p++] = bfs[q]!;
  const id = new Int32Array(S);
  for (let q = 0; q < S; q++) id[sweep[q]!] = q;
  // permute rows and columns
  const rowPtr = new Int32Array(S + 1);
  const col = new Int32Array(ch.col.length);
  const prob2 = new Float64Array(ch.col.length);
  const r2 = new Float64Array(S);
  const rv2 = new Float64Array(S);
  let e2 = 0;
  for (let q = 0; q < S; q++) {
    const s = sweep[q]!;
    for (let e = ch.rowPtr[s]!; e < ch.rowPtr[s + 1]!; e++) {
      col[e2] = id[ch.col[e]!]!;
      prob2[e2++] = prob[e]!;
    }
    rowPtr[q + 1] = e2;
    r2[q] = r[s]!;
    rv2[q] = rv[s]!;
  }
  return { S, rowPtr, col, prob: prob2, r: r2, rv: rv2, muScale, id, start: id[0]! };
}

interface Solution {
  h: Float64Array; // P(conversion) from each state
  g: Float64Array; // expected value / muScale from each state
  iterations: number;
}

/** Dense Gaussian elimination with partial pivoting on (I - Q) over the kept states. */
function solveDense(sys: System, removed: Uint8Array | undefined): Solution {
  const kept: number[] = [];
  const idx = new Int32Array(sys.S).fill(-1);
  for (let s = 0; s < sys.S; s++) {
    if (removed && removed[s]) continue;
    idx[s] = kept.length;
    kept.push(s);
  }
  const m = kept.length;
  const A = new Float64Array(m * m);
  const b = new Float64Array(m * 2);
  for (let i = 0; i < m; i++) {
    const s = kept[i]!;
    A[i * m + i] = 1;
    for (let e = sys.rowPtr[s]!; e < sys.rowPtr[s + 1]!; e++) {
      const j = idx[sys.col[e]!]!;
      if (j >= 0) A[i * m + j]! -= sys.prob[e]!;
    }
    b[i * 2] = sys.r[s]!;
    b[i * 2 + 1] = sys.rv[s]!;
  }
  for (let k = 0; k < m; k++) {
    let piv = k;
    let best = Math.abs(A[k * m + k]!);
    for (let i = k + 1; i < m; i++) {
      const v = Math.abs(A[i * m + k]!);
      if (v > best) {
        best = v;
        piv = i;
      }
    }
    if (best === 0) throw new Error('singular absorbing system (a state cannot reach an absorbing state)');
    if (piv !== k) {
      for (let j = 0; j < m; j++) {
        const tmp = A[k * m + j]!;
        A[k * m + j] = A[piv * m + j]!;
        A[piv * m + j] = tmp;
      }
      for (let j = 0; j < 2; j++) {
        const tmp = b[k * 2 + j]!;
        b[k * 2 + j] = b[piv * 2 + j]!;
        b[piv * 2 + j] = tmp;
      }
    }
    const akk = A[k * m + k]!;
    for (let i = k + 1; i < m; i++) {
      const f = A[i * m + k]! / akk;
      if (f === 0) continue;
      for (let j = k; j < m; j++) A[i * m + j]! -= f * A[k * m + j]!;
      b[i * 2]! -= f * b[k * 2]!;
      b[i * 2 + 1]! -= f * b[k * 2 + 1]!;
    }
  }
  const h = new Float64Array(sys.S);
  const g = new Float64Array(sys.S);
  const x = new Float64Array(m * 2);
  for (let i = m - 1; i >= 0; i--) {
    let s0 = b[i * 2]!;
    let s1 = b[i * 2 + 1]!;
    for (let j = i + 1; j < m; j++) {
      s0 -= A[i * m + j]! * x[j * 2]!;
      s1 -= A[i * m + j]! * x[j * 2 + 1]!;
    }
    x[i * 2] = s0 / A[i * m + i]!;
    x[i * 2 + 1] = s1 / A[i * m + i]!;
  }
  for (let i = 0; i < m; i++) {
    h[kept[i]!] = x[i * 2]!;
    g[kept[i]!] = x[i * 2 + 1]!;
  }
  return { h, g, iterations: 0 };
}

/**
 * Gauss-Seidel on h = Q h + r and g = Q g + rv, removed states pinned at 0. Stops when the update
 * is below tol AND the geometric tail estimate delta * rho / (1 - rho) is below tol, so a slowly
 * contracting chain cannot stop early on a small step.
 */
function solveIterative(
  sys: System,
  removed: Uint8Array | undefined,
  tol: number,
  maxIt: number,
  warm?: Solution,
  /** Only these states (ascending) can change: the others keep their warm-start values. */
  active?: Int32Array,
): Solution {
  const S = sys.S;
  // h and g interleaved: one cache line serves both right-hand sides
  const x = new Float64Array(2 * S);
  if (warm) {
    for (let s = 0; s < S; s++) {
      x[2 * s] = warm.h[s]!;
      x[2 * s + 1] = warm.g[s]!;
    }
  }
  if (removed) {
    for (let s = 0; s < S; s++) {
      if (removed[s]) {
        x[2 * s] = 0;
        x[2 * s + 1] = 0;
      }
    }
  }
  const { rowPtr, col, prob, r, rv } = sys;
  let prevDelta = Infinity;
  const n = active ? active.length : S;
  for (let it = 1; it <= maxIt; it++) {
    let delta = 0;
    for (let q = 0; q < n; q++) {
      const s = active ? active[q]! : q;
      if (removed !== undefined && removed[s] === 1) continue;
      let a = r[s]!;
      let b = rv[s]!;
      const end = rowPtr[s + 1]!;
      for (let e = rowPtr[s]!; e < end; e++) {
        const p = prob[e]!;
        const t2 = col[e]! << 1;
        a += p * x[t2]!;
        b += p * x[t2 + 1]!;
      }
      const da = Math.abs(a - x[2 * s]!);
      const db = Math.abs(b - x[2 * s + 1]!);
      if (da > delta) delta = da;
      if (db > delta) delta = db;
      x[2 * s] = a;
      x[2 * s + 1] = b;
    }
    const rho = Math.min(prevDelta === Infinity ? 0 : delta / prevDelta, 0.999999);
    if (delta <= tol && (delta * rho) / (1 - rho) <= tol) {
      const h = new Float64Array(S);
      const g = new Float64Array(S);
      for (let s = 0; s < S; s++) {
        h[s] = x[2 * s]!;
        g[s] = x[2 * s + 1]!;
      }
      return { h, g, iterations: it };
    }
    prevDelta = delta;
  }
  throw new Error(
    `Markov solver did not converge to ${tol} in ${maxIt} iterations; try a lower --order or fewer channels`,
  );
}

/** Predecessor lists of the system, to find the states whose P(conv) a removal can change. */
class Ancestors {
  private readonly predPtr: Int32Array;
  private readonly pred: Int32Array;
  private readonly seen: Int32Array;
  private stamp = 0;

  constructor(sys: System) {
    const S = sys.S;
    const cnt = new Int32Array(S + 1);
    for (let e = 0; e < sys.col.length; e++) cnt[sys.col[e]! + 1]!++;
    for (let s = 0; s < S; s++) cnt[s + 1]! += cnt[s]!;
    this.predPtr = cnt.slice();
    this.pred = new Int32Array(sys.col.length);
    const fill = cnt.slice(0, S);
    for (let s = 0; s < S; s++) {
      for (let e = sys.rowPtr[s]!; e < sys.rowPtr[s + 1]!; e++) this.pred[fill[sys.col[e]!]!++] = s;
    }
    this.seen = new Int32Array(S);
  }

  /** Non-removed states with a path into `targets`, ascending (= Gauss-Seidel order). */
  of(targets: number[], removed: Uint8Array): Int32Array {
    const mark = ++this.stamp;
    const queue = targets.slice();
    for (const t of targets) this.seen[t] = mark;
    const out: number[] = [];
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      for (let e = this.predPtr[s]!; e < this.predPtr[s + 1]!; e++) {
        const u = this.pred[e]!;
        if (this.seen[u] === mark) continue;
        this.seen[u] = mark;
        queue.push(u);
        if (!removed[u]) out.push(u);
      }
    }
    return Int32Array.from(out).sort();
  }
}

export function markovAttribution(t: PathTable, opts: MarkovOptions = {}): MarkovResult {
  const order = opts.order ?? 1;
  const convertingOnly = opts.convertingOnly ?? false;
  const chain = buildChain(t, order, convertingOnly);
  return markovFromChain(chain, t, opts);
}

export function markovFromChain(chain: Chain, t: PathTable, opts: MarkovOptions = {}): MarkovResult {
  const tol = opts.tolerance ?? 1e-12;
  const maxIt = opts.maxIterations ?? 200_000;
  const sys = toSystem(chain);
  const mode = opts.solver ?? 'auto';
  const dense = mode === 'dense' || (mode === 'auto' && sys.S <= DENSE_MAX_STATES);
  const solve = (removed: Uint8Array | undefined, warm?: Solution, active?: Int32Array) =>
    dense ? solveDense(sys, removed) : solveIterative(sys, removed, tol, maxIt, warm, active);

  let totalConversions = 0;
  let totalValue = 0;
  for (let i = 0; i < t.size; i++) {
    totalConversions += t.conversions[i]!;
    totalValue += t.values[i]!;
  }
  if (totalConversions <= 0) {
    throw new AttributionInputError('no conversions in the input: Markov attribution needs at least one converting path');
  }

  const full = solve(undefined);
  const p = full.h[sys.start]!;
  const ev = full.g[sys.start]!;
  let iterations = full.iterations;

  // states containing each channel
  const C = chain.channels.length;
  const statesOf: number[][] = Array.from({ length: C }, () => []);
  for (let s = 1; s < chain.stateChannels.length; s++) {
    const chs = chain.stateChannels[s]!;
    for (let k = 0; k < chs.length; k++) {
      const c = chs[k]!;
      const list = statesOf[c]!;
      if (list[list.length - 1] !== s) list.push(s);
    }
  }

  const re = new Float64Array(C);
  const reV = new Float64Array(C);
  const removed = new Uint8Array(sys.S);
  const ancestors = dense ? undefined : new Ancestors(sys);
  for (let c = 0; c < C; c++) {
    const list = statesOf[c]!;
    if (list.length === 0) continue; // channel only in rows that count for nothing
    for (const s of list) removed[sys.id[s]!] = 1;
    // Only states that can reach a removed state change; if (start) cannot, RE(c) = 0 exactly.
    const active = ancestors?.of(list.map((s) => sys.id[s]!), removed);
    if (active && !active.includes(sys.start)) {
      for (const s of list) removed[sys.id[s]!] = 0;
      continue;
    }
    const sol = solve(removed, full, active);
    iterations = Math.max(iterations, sol.iterations);
    for (const s of list) removed[sys.id[s]!] = 0;
    // clamp: removal can only lower P(conv); float noise must not make credit negative
    re[c] = p > 0 ? clamp01(1 - sol.h[sys.start]! / p) : 0;
    reV[c] = ev > 0 ? clamp01(1 - sol.g[sys.start]! / ev) : 0;
  }
  let sumRe = 0;
  let sumReV = 0;
  for (let c = 0; c < C; c++) {
    sumRe += re[c]!;
    sumReV += reV[c]!;
  }
  const channels: MarkovChannel[] = chain.channels.map((name, c) => ({
    channel: name,
    conversions: sumRe > 0 ? (re[c]! / sumRe) * totalConversions : 0,
    value: sumReV > 0 ? (reV[c]! / sumReV) * totalValue : 0,
    removalEffect: re[c]!,
    valueRemovalEffect: reV[c]!,
  }));

  const result: MarkovResult = {
    order: chain.order,
    convertingOnly: opts.convertingOnly ?? false,
    totalConversions,
    totalValue,
    conversionProbability: p,
    expectedValue: ev * sys.muScale,
    states: sys.S,
    transitions: chain.col.length,
    solver: dense ? 'dense' : 'iterative',
    iterations,
    channels,
  };
  if (opts.transitionMatrix) result.transitionMatrix = transitionMatrix(chain);
  return result;
}

function clamp01(x: number): number {
  if (x < 1e-15) return 0;
  return x > 1 ? 1 : x;
}

/** Transition probabilities as ChannelAttribution's transition_matrix lists them. */
export function transitionMatrix(chain: Chain): Transition[] {
  const out: Transition[] = [];
  const S = chain.stateChannels.length;
  for (let s = 0; s < S; s++) {
    let total = chain.convCount[s]! + chain.nullCount[s]!;
    for (let e = chain.rowPtr[s]!; e < chain.rowPtr[s + 1]!; e++) total += chain.count[e]!;
    if (total <= 0) continue;
    const from = stateName(chain, s);
    for (let e = chain.rowPtr[s]!; e < chain.rowPtr[s + 1]!; e++) {
      out.push({ from, to: stateName(chain, chain.col[e]!), probability: chain.count[e]! / total });
    }
    if (chain.convCount[s]! > 0) out.push({ from, to: CONVERSION, probability: chain.convCount[s]! / total });
    if (chain.nullCount[s]! > 0) out.push({ from, to: NULL, probability: chain.nullCount[s]! / total });
  }
  return out;
}
