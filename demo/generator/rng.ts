/**
 * The generator's random helpers over the domain's seeded PRNG (mulberry32), so that the generator is
 * deterministic from its seed on every platform and Node version (Math.random is not seedable).
 */
import { mulberry32 } from '../../domain/index.js';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Pick by weight; weights need not sum to 1. */
  weighted<T extends string>(weights: Readonly<Partial<Record<T, number>>>): T;
  /** Exponentially distributed with the given mean. */
  exp(mean: number): number;
  /** Lower-case hex id of the given length, deterministic. */
  hex(length: number): string;
  /** UUID v4 shaped id, deterministic. */
  uuid(): string;
}

export function createRng(seed: number): Rng {
  // a zero seed maps to a fixed non-zero one
  const next = mulberry32(seed >>> 0 || 0x9e3779b9);
  const hex = (length: number): string => {
    let s = '';
    while (s.length < length)
      s += Math.floor(next() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, length);
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted: (weights) => {
      const entries = Object.entries(weights) as [string, number][];
      const total = entries.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [k, w] of entries) {
        r -= w;
        if (r < 0) return k as never;
      }
      return entries[entries.length - 1]![0] as never;
    },
    exp: (mean) => -Math.log(1 - next()) * mean,
    hex,
    uuid: () => {
      const h = hex(32);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}
