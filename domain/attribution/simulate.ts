/**
 * ChannelAttribution's estimator, re-implemented for COMPARISON only (tests and the benchmark):
 * simulate walks from (start) on the same chain; a walk that reaches (conversion) credits every
 * channel it visited; walks longer than maxSteps count as lost (ChannelAttribution's max_step,
 * default = the longest observed path in states). RE(c) ~ share of converting walks that visited c.
 *
 * The exact solver computes the limit of this estimator for nsim -> infinity and maxSteps -> infinity,
 * so the differences are Monte-Carlo noise (~ sqrt(RE (1 - RE) / conversions simulated)) plus the
 * truncation bias of maxSteps on chains with cycles. Pure and seeded: no I/O.
 */
import { mulberry32 } from '../random.js';
import type { Chain } from './markov-chain.js';
import type { PathTable } from './paths.js';

export interface SimulationResult {
  walks: number;
  conversions: number;
  /** Walks stopped by maxSteps before absorbing. */
  truncated: number;
  /** Removal-effect estimates per channel id. */
  removalEffect: Float64Array;
  /** Credited conversions per channel id (normalised to totalConversions as ChannelAttribution does). */
  credit: Float64Array;
}

/**
 * ChannelAttribution's default max_step: the longest observed path, counted in chain states
 * (windows of `order` channels, equal consecutive states merged).
 */
export function longestPathInStates(t: PathTable, order: number): number {
  let longest = 1;
  for (let i = 0; i < t.size; i++) {
    const a = t.offsets[i]!;
    const n = t.offsets[i + 1]! - a;
    let states = 0;
    let prev = '';
    for (let j = 0; j + order <= Math.max(n, order); j++) {
      const key = Array.from(t.ids.subarray(a + j, a + Math.min(n, j + order))).join(',');
      if (key !== prev) states++;
      prev = key;
    }
    longest = Math.max(longest, states);
  }
  return longest;
}

export function simulateRemovalEffects(
  chain: Chain,
  opts: { walks: number; maxSteps: number; seed?: number; totalConversions: number },
): SimulationResult {
  const S = chain.stateChannels.length;
  const C = chain.channels.length;
  // cumulative counts per row, exits last: [...to states, conversion, null]
  const cum: Float64Array[] = [];
  const dest: Int32Array[] = [];
  for (let s = 0; s < S; s++) {
    const a = chain.rowPtr[s]!;
    const b = chain.rowPtr[s + 1]!;
    const c = new Float64Array(b - a + 2);
    const d = new Int32Array(b - a + 2);
    let acc = 0;
    for (let e = a; e < b; e++) {
      acc += chain.count[e]!;
      c[e - a] = acc;
      d[e - a] = chain.col[e]!;
    }
    acc += chain.convCount[s]!;
    c[b - a] = acc;
    d[b - a] = -1; // conversion
    acc += chain.nullCount[s]!;
    c[b - a + 1] = acc;
    d[b - a + 1] = -2; // null
    cum.push(c);
    dest.push(d);
  }
  const rand = mulberry32(opts.seed ?? 1);
  const visitedAt = new Int32Array(C).fill(-1);
  const hits = new Float64Array(C);
  let conversions = 0;
  let truncated = 0;
  const visited: number[] = [];
  for (let w = 0; w < opts.walks; w++) {
    let s = 0;
    visited.length = 0;
    let outcome = 0; // 1 conversion, 2 null, 0 truncated
    for (let step = 0; step <= opts.maxSteps; step++) {
      const c = cum[s]!;
      const total = c[c.length - 1]!;
      if (total <= 0) {
        outcome = 2;
        break;
      }
      const u = rand() * total;
      let k = 0;
      while (c[k]! <= u) k++;
      const next = dest[s]![k]!;
      if (next === -1) {
        outcome = 1;
        break;
      }
      if (next === -2) {
        outcome = 2;
        break;
      }
      s = next;
      for (const ch of chain.stateChannels[s]!) {
        if (visitedAt[ch] !== w) {
          visitedAt[ch] = w;
          visited.push(ch);
        }
      }
    }
    if (outcome === 0) truncated++;
    if (outcome !== 1) continue;
    conversions++;
    for (const ch of visited) hits[ch]!++;
  }
  const removalEffect = new Float64Array(C);
  const credit = new Float64Array(C);
  let sum = 0;
  for (let c = 0; c < C; c++) sum += hits[c]!;
  for (let c = 0; c < C; c++) {
    removalEffect[c] = conversions > 0 ? hits[c]! / conversions : 0;
    credit[c] = sum > 0 ? (hits[c]! / sum) * opts.totalConversions : 0;
  }
  return { walks: opts.walks, conversions, truncated, removalEffect, credit };
}
