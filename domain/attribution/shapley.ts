/**
 * Shapley attribution over channel SETS (order and repeats within a journey are ignored).
 *
 * R(S) = conversions (or value) of journeys whose distinct channel set is exactly S.
 *
 * - simplified (Zhao, Mahboobi & Bagheri 2018): phi(c) = sum over S containing c of R(S) / |S|.
 *   One pass over the paths, any number of channels.
 * - exact: the Shapley value of the game v(S) = sum of R(T) over T subset of S, i.e. the conversions
 *   of journeys that use ONLY channels in S (a coalition "produces" a journey's conversion when it
 *   holds every channel the journey used). Computed by the textbook formula over all 2^n coalitions:
 *   a zeta transform for v (n 2^n additions), then phi(c) = sum over S without c of
 *   |S|! (n-|S|-1)! / n! * (v(S + c) - v(S)) (n 2^n). Time O(n 2^n), memory 2^n doubles per measure:
 *   n = 20 is ~21M steps and 8 MB per array; every extra channel doubles both, hence EXACT_SHAPLEY_MAX_CHANNELS.
 *   Only channels that appear in a converting journey are players: the others are null players
 *   (their column adds no conversion to any coalition) and get 0.
 *
 * v is a sum of unanimity games R(T) * u_T, and the Shapley value of u_T is 1/|T| to each member of T,
 * so exact and simplified agree. That is Zhao et al.'s point, and we keep both: the exact
 * computation is an independent check of the simplified one (tests compare them) and the base for
 * other characteristic functions. Pure: no I/O.
 */

import type { ChannelCredit } from './heuristics.js';
import { AttributionInputError, type PathTable } from './paths.js';

export const EXACT_SHAPLEY_MAX_CHANNELS = 20;

export function shapleySimplified(t: PathTable): ChannelCredit[] {
  const C = t.channels.length;
  const conv = new Float64Array(C);
  const val = new Float64Array(C);
  const seenAt = new Int32Array(C).fill(-1);
  const distinct = new Int32Array(C);
  for (let i = 0; i < t.size; i++) {
    const c = t.conversions[i]!;
    const v = t.values[i]!;
    if (c === 0 && v === 0) continue;
    let k = 0;
    for (let e = t.offsets[i]!; e < t.offsets[i + 1]!; e++) {
      const id = t.ids[e]!;
      if (seenAt[id] !== i) {
        seenAt[id] = i;
        distinct[k++] = id;
      }
    }
    for (let j = 0; j < k; j++) {
      conv[distinct[j]!]! += c / k;
      val[distinct[j]!]! += v / k;
    }
  }
  return t.channels.map((channel, id) => ({ channel, conversions: conv[id]!, value: val[id]! }));
}

export function shapleyExact(t: PathTable, maxChannels = EXACT_SHAPLEY_MAX_CHANNELS): ChannelCredit[] {
  const C = t.channels.length;
  // players = channels present in a journey with conversions or value
  const bit = new Int32Array(C).fill(-1);
  const players: number[] = [];
  for (let i = 0; i < t.size; i++) {
    if (t.conversions[i] === 0 && t.values[i] === 0) continue;
    for (let e = t.offsets[i]!; e < t.offsets[i + 1]!; e++) {
      const id = t.ids[e]!;
      if (bit[id] === -1) {
        bit[id] = players.length;
        players.push(id);
      }
    }
  }
  const n = players.length;
  if (n > maxChannels) {
    throw new AttributionInputError(
      `exact Shapley is limited to ${maxChannels} channels (2^n coalitions; found ${n} channels in converting journeys). ` +
        `Use the simplified Shapley model (same result for this characteristic function, linear time) or group channels.`,
    );
  }
  const size = 2 ** n;
  const vc = new Float64Array(size);
  const vv = new Float64Array(size);
  for (let i = 0; i < t.size; i++) {
    const c = t.conversions[i]!;
    const v = t.values[i]!;
    if (c === 0 && v === 0) continue;
    let mask = 0;
    for (let e = t.offsets[i]!; e < t.offsets[i + 1]!; e++) mask |= 1 << bit[t.ids[e]!]!;
    vc[mask]! += c;
    vv[mask]! += v;
  }
  // zeta transform: v(S) = sum_{T subset S} R(T)
  for (let b = 0; b < n; b++) {
    const m = 1 << b;
    for (let S = 0; S < size; S++) {
      if (S & m) {
        vc[S]! += vc[S ^ m]!;
        vv[S]! += vv[S ^ m]!;
      }
    }
  }
  // weight(s) = s! (n-1-s)! / n! = 1 / (n * binom(n-1, s))
  const weight = new Float64Array(Math.max(n, 1));
  for (let s = 0; s < n; s++) weight[s] = 1 / (n * binom(n - 1, s));
  const pop = new Uint8Array(size);
  for (let S = 1; S < size; S++) pop[S] = pop[S >> 1]! + (S & 1);
  const phiC = new Float64Array(n);
  const phiV = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const m = 1 << p;
    let ac = 0;
    let av = 0;
    for (let S = 0; S < size; S++) {
      if (S & m) continue;
      const w = weight[pop[S]!]!;
      ac += w * (vc[S | m]! - vc[S]!);
      av += w * (vv[S | m]! - vv[S]!);
    }
    phiC[p] = ac;
    phiV[p] = av;
  }
  return t.channels.map((channel, id) => ({
    channel,
    conversions: bit[id]! >= 0 ? phiC[bit[id]!]! : 0,
    value: bit[id]! >= 0 ? phiV[bit[id]!]! : 0,
  }));
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}
