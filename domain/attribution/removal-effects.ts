/**
 * Markov-chain removal-effect attribution (Anderl et al. 2016), computed EXACTLY on a chain built by
 * markov-chain.ts.
 *
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
 * and the expected value g = Q g + r * mu, for the full chain and once per removed channel
 * (absorbing-chain.ts): a dense LU solve for small chains, Gauss-Seidel to 1e-12 for large (high-order)
 * ones, where a removal re-solves only the states that can reach a removed state (the rest keep their
 * values). Pure: no I/O.
 */
import {
  AbsorbingChainNotConvergedError,
  type AbsorbingSolution,
  Ancestors,
  type OrderedSystem,
  solveDense,
  solveIterative,
  sweepOrdered,
} from './absorbing-chain.js';
import { buildChain, type Chain, type Transition, transitionMatrix } from './markov-chain.js';
import { AttributionInputError, type PathTable } from './paths.js';

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

export const DENSE_MAX_STATES = 250;

/**
 * The chain as an absorbing system with (conversion) as the target: Q = row-normalised counts,
 * absorb = r = P(-> conversion), reward = r * mu / muScale (mu divided by muScale keeps g on the same
 * scale as h, for the tolerances). Renumbered into Gauss-Seidel order from (start).
 */
interface System extends OrderedSystem {
  muScale: number;
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
  const ordered = sweepOrdered({ size: S, rowPtr: ch.rowPtr, col: ch.col, prob, absorb: r, reward: rv }, 0);
  return { ...ordered, muScale };
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
  const dense = mode === 'dense' || (mode === 'auto' && sys.size <= DENSE_MAX_STATES);
  const solve = (removed: Uint8Array | undefined, warm?: AbsorbingSolution, active?: Int32Array): AbsorbingSolution => {
    if (dense) return solveDense(sys, removed);
    try {
      return solveIterative(sys, removed, tol, maxIt, warm, active);
    } catch (err) {
      if (err instanceof AbsorbingChainNotConvergedError) {
        throw new Error(`Markov solver did not converge to ${tol} in ${maxIt} iterations; try a lower --order or fewer channels`);
      }
      throw err;
    }
  };

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
  const p = full.h[sys.root]!;
  const ev = full.g[sys.root]!;
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
  const removed = new Uint8Array(sys.size);
  const ancestors = dense ? undefined : new Ancestors(sys);
  for (let c = 0; c < C; c++) {
    const list = statesOf[c]!;
    if (list.length === 0) continue; // channel only in rows that count for nothing
    for (const s of list) removed[sys.id[s]!] = 1;
    // Only states that can reach a removed state change; if (start) cannot, RE(c) = 0 exactly.
    const active = ancestors?.of(
      list.map((s) => sys.id[s]!),
      removed,
    );
    if (active && !active.includes(sys.root)) {
      for (const s of list) removed[sys.id[s]!] = 0;
      continue;
    }
    const sol = solve(removed, full, active);
    iterations = Math.max(iterations, sol.iterations);
    for (const s of list) removed[sys.id[s]!] = 0;
    // clamp: removal can only lower P(conv); float noise must not make credit negative
    re[c] = p > 0 ? clamp01(1 - sol.h[sys.root]! / p) : 0;
    reV[c] = ev > 0 ? clamp01(1 - sol.g[sys.root]! / ev) : 0;
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
    states: sys.size,
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
  return Math.min(x, 1);
}
