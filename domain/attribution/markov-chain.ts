/**
 * The order-k Markov chain of a PathTable, aggregated into transition COUNTS.
 *
 * The chain follows ChannelAttribution's markov_model (v2.x C++ source) so results are comparable:
 * - states: (start), one state per channel (order 1) or per window of k consecutive channels
 *   (order k: "a,b" ...); a path shorter than k is a single state made of all its channels;
 *   (conversion) and (null) absorb.
 * - each path row contributes (conversions + nulls) to every transition along its states, then
 *   `conversions` to last -> (conversion) and `nulls` to last -> (null). With `convertingOnly`
 *   nulls count as 0 (ChannelAttribution without var_null): non-converting paths vanish.
 * - consecutive identical states are merged (no self-loops): "a > a > b" is (start) a b at order 1.
 * - per last state, the value of the conversions that end there is summed too (valueSum).
 * Pure: no I/O.
 */
import { AttributionInputError, MAX_CHANNELS, type PathTable } from './paths.js';

export const MAX_ORDER = 4;

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

/** Channel ids of a packed window key (digits in base channels+1, most significant first, 0 unused). */
function decodeKey(key: number, base: number): Int32Array {
  const digits: number[] = [];
  let k = key;
  while (k > 0) {
    digits.unshift((k % base) - 1);
    k = Math.floor(k / base);
  }
  return Int32Array.from(digits);
}

/** A state's name: (start), or its channels joined by ','. */
export function stateName(chain: Chain, s: number): string {
  if (s === 0) return START;
  return Array.from(chain.stateChannels[s]!, (c) => chain.channels[c]!).join(',');
}

/** One row of the transition matrix: P(from -> to), absorbing states included. */
export interface Transition {
  from: string;
  to: string;
  probability: number;
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
