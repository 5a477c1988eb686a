/**
 * Rule-based (heuristic) models computed from paths, so `--model all` can put them next to the
 * data-driven ones. Each path's credit is split over its touches: first_touch and last_touch give it all
 * to the first / last touch, last_non_direct to the last touch not on a direct channel (to the last touch
 * if all are direct), linear 1/n to each, position_based 40% to the first and the last and the remaining
 * 20% evenly over the touches between (a 2-touch path splits 50/50).
 *
 * Touches are counted as given (a repeat is a touch): linear gives a channel touched twice in a
 * 4-touch path 2/4, as ChannelAttribution's linear_touch does. Value is split with the same weights.
 *
 * time_decay needs touch timestamps (weight 2^(-age/half_life)); a path row has none, so it is not
 * offered on path input (the SQL views compute it from the touchpoints with their times).
 * `timeDecayWeights` is here for callers that do have ages.
 */
import type { PathTable } from './paths.js';

export const HEURISTIC_MODELS = ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'position_based'] as const;
export type HeuristicModel = (typeof HEURISTIC_MODELS)[number];

export interface ChannelCredit {
  channel: string;
  conversions: number;
  value: number;
}

export interface HeuristicOptions {
  /** Channels treated as 'direct' by last_non_direct (default ['direct']). */
  directChannels?: readonly string[];
}

/**
 * Weights of the touches of one path (sum 1). `ids`/`a`/`n` address the touches in the table; `isDirect`
 * only matters for last_non_direct. Writes into `w` (length >= n).
 */
function touchWeights(model: HeuristicModel, n: number, w: Float64Array, isDirectAt: (j: number) => boolean): void {
  w.fill(0, 0, n);
  switch (model) {
    case 'first_touch':
      w[0] = 1;
      return;
    case 'last_touch':
      w[n - 1] = 1;
      return;
    case 'last_non_direct': {
      for (let j = n - 1; j >= 0; j--) {
        if (!isDirectAt(j)) {
          w[j] = 1;
          return;
        }
      }
      w[n - 1] = 1; // all direct: direct gets it
      return;
    }
    case 'linear':
      for (let j = 0; j < n; j++) w[j] = 1 / n;
      return;
    case 'position_based':
      if (n === 1) w[0] = 1;
      else if (n === 2) {
        w[0] = 0.5;
        w[1] = 0.5;
      } else {
        w[0] = 0.4;
        w[n - 1] = 0.4;
        for (let j = 1; j < n - 1; j++) w[j] = 0.2 / (n - 2);
      }
      return;
  }
}

export function heuristicAttribution(t: PathTable, model: HeuristicModel, opts: HeuristicOptions = {}): ChannelCredit[] {
  const direct = new Set(opts.directChannels ?? ['direct']);
  const isDirectId = t.channels.map((c) => direct.has(c));
  const conv = new Float64Array(t.channels.length);
  const val = new Float64Array(t.channels.length);
  let maxLen = 1;
  for (let i = 0; i < t.size; i++) maxLen = Math.max(maxLen, t.offsets[i + 1]! - t.offsets[i]!);
  const w = new Float64Array(maxLen);
  for (let i = 0; i < t.size; i++) {
    const c = t.conversions[i]!;
    const v = t.values[i]!;
    if (c === 0 && v === 0) continue;
    const a = t.offsets[i]!;
    const n = t.offsets[i + 1]! - a;
    touchWeights(model, n, w, (j) => isDirectId[t.ids[a + j]!]!);
    for (let j = 0; j < n; j++) {
      const wj = w[j]!;
      if (wj === 0) continue;
      const id = t.ids[a + j]!;
      conv[id]! += wj * c;
      val[id]! += wj * v;
    }
  }
  return t.channels.map((channel, id) => ({ channel, conversions: conv[id]!, value: val[id]! }));
}

/** Time-decay weights for touches of the given ages (same unit as halfLife), normalised to sum 1. */
export function timeDecayWeights(ages: readonly number[], halfLife = 7): number[] {
  if (!(halfLife > 0)) throw new RangeError('halfLife must be > 0');
  const raw = ages.map((a) => 2 ** (-a / halfLife));
  const sum = raw.reduce((x, y) => x + y, 0);
  return raw.map((x) => x / sum);
}
