/**
 * Personas and the KNOWN TRUE channel effects of the synthetic world.
 *
 * The conversion model is deliberately simple so that its truth can be stated exactly: a person's
 * purchase probability in one buying cycle is
 *     P(convert | touched channels S) = 1 - (1 - base[persona]) * PRODUCT over c in S of (1 - lift[c])
 * i.e. every DISTINCT marketing channel the person met before deciding adds an independent true
 * incremental lift. `direct` has a lift of 0 on purpose: it is a frequent last touch that causes nothing,
 * which is exactly where last-touch attribution goes wrong and data-driven models should not.
 */
import type { TouchpointChannel } from '../../schemas/index.js';

export const PERSONAS = ['bargain_hunter', 'loyal_store_shopper', 'researcher', 'support_heavy'] as const;
export type Persona = (typeof PERSONAS)[number];

/** Marketing channels the generator produces as pre-purchase touches. */
export const TOUCH_CHANNELS = [
  'paid_search',
  'paid_social',
  'display',
  'email',
  'organic_search',
  'direct',
  'store',
  'call_center',
  'chat',
] as const satisfies readonly TouchpointChannel[];
export type TouchChannel = (typeof TOUCH_CHANNELS)[number];

/** True incremental lift of one touch of each channel on the cycle's conversion probability. */
export const TRUE_CHANNEL_LIFT: Readonly<Record<TouchChannel, number>> = {
  paid_search: 0.14,
  paid_social: 0.05,
  display: 0.01,
  email: 0.1,
  organic_search: 0.07,
  direct: 0,
  store: 0.2,
  call_center: 0.06,
  chat: 0.08,
};

export interface PersonaSpec {
  /** Share of the population. */
  share: number;
  /** Conversion probability of a cycle with no marketing touch at all. */
  base: number;
  /** Pre-purchase touches per cycle: min..max. */
  touches: [number, number];
  /** Which channel each touch comes through (relative weights). */
  channelMix: Partial<Record<TouchChannel, number>>;
  /** Where a purchase happens. */
  purchaseVia: { web: number; app: number; store: number };
  /** Order value: median and spread (log-normal sigma). */
  revenue: { median: number; sigma: number };
  /** Probability of using the mobile app at all. */
  appUser: number;
  /** Probability of holding a loyalty card. */
  loyaltyCard: number;
  /** Post-purchase support contacts: min..max. */
  supportContacts: [number, number];
  /** Buying cycles over the period. */
  cycles: [number, number];
}

export const PERSONA_SPECS: Readonly<Record<Persona, PersonaSpec>> = {
  bargain_hunter: {
    share: 0.35,
    base: 0.03,
    touches: [2, 6],
    channelMix: { paid_search: 3, paid_social: 3, display: 3, email: 2, direct: 2, organic_search: 1 },
    purchaseVia: { web: 0.75, app: 0.2, store: 0.05 },
    revenue: { median: 45, sigma: 0.5 },
    appUser: 0.4,
    loyaltyCard: 0.1,
    supportContacts: [0, 1],
    cycles: [1, 2],
  },
  loyal_store_shopper: {
    share: 0.25,
    base: 0.15,
    touches: [1, 4],
    channelMix: { store: 4, email: 3, direct: 2, display: 1, paid_social: 1 },
    purchaseVia: { web: 0.15, app: 0.15, store: 0.7 },
    revenue: { median: 80, sigma: 0.4 },
    appUser: 0.6,
    loyaltyCard: 0.95,
    supportContacts: [0, 1],
    cycles: [1, 3],
  },
  researcher: {
    share: 0.25,
    base: 0.05,
    touches: [3, 8],
    channelMix: { organic_search: 4, direct: 3, paid_search: 2, chat: 2, email: 1, display: 1 },
    purchaseVia: { web: 0.7, app: 0.1, store: 0.2 },
    revenue: { median: 220, sigma: 0.6 },
    appUser: 0.3,
    loyaltyCard: 0.2,
    supportContacts: [0, 1],
    cycles: [1, 1],
  },
  support_heavy: {
    share: 0.15,
    base: 0.06,
    touches: [2, 5],
    channelMix: { call_center: 3, chat: 3, email: 2, direct: 2, paid_search: 1 },
    purchaseVia: { web: 0.5, app: 0.2, store: 0.3 },
    revenue: { median: 120, sigma: 0.5 },
    appUser: 0.5,
    loyaltyCard: 0.4,
    supportContacts: [1, 4],
    cycles: [1, 2],
  },
};

/** Conversion probability of one cycle under the true model. */
export function conversionProbability(base: number, channels: Iterable<TouchChannel>): number {
  let miss = 1 - base;
  for (const c of new Set(channels)) miss *= 1 - TRUE_CHANNEL_LIFT[c];
  return 1 - miss;
}

/**
 * Exact Shapley split of one cycle's incremental conversion probability (P(all) - base) over the
 * distinct channels touched: the "true" expected conversions each channel caused. Summed over cycles
 * this is the ground truth to hold data-driven attribution against. At most 9 channels: 512 subsets.
 */
export function trueShapleyCredit(base: number, channels: Iterable<TouchChannel>): Map<TouchChannel, number> {
  const set = [...new Set(channels)];
  const n = set.length;
  const credit = new Map<TouchChannel, number>(set.map((c) => [c, 0]));
  if (n === 0) return credit;
  const fact = [1];
  for (let i = 1; i <= n; i++) fact[i] = fact[i - 1]! * i;
  const value = (mask: number): number => {
    let miss = 1 - base;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) miss *= 1 - TRUE_CHANNEL_LIFT[set[i]!];
    return 1 - miss;
  };
  for (let mask = 0; mask < 1 << n; mask++) {
    let size = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) size++;
    const w = (fact[size]! * fact[n - size - 1]!) / fact[n]!;
    const v = value(mask);
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) continue;
      const c = set[i]!;
      credit.set(c, credit.get(c)! + w * (value(mask | (1 << i)) - v));
    }
  }
  return credit;
}
