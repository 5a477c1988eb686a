/**
 * The mutable state of one generator run: the seeded random stream, the simulated clock, the id
 * counters, the events emitted so far (before delivery) and the ground truth being recorded.
 * Every behaviour module receives it explicitly; nothing is kept at module level, so two runs with
 * the same options are independent and give the same output.
 */

import { PERSONA_SPECS, PERSONAS, type Persona, TOUCH_CHANNELS, TRUE_CHANNEL_LIFT } from './personas.js';
import { createRng, type Rng } from './rng.js';
import { type DatasetTruth, type GeneratedEvent, type GenerateOptions, SOURCE_NAMES, type SourceName } from './types.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** The simulated period, in epoch milliseconds. Events happen in [start, end) and arrive no later than `now`. */
export interface Clock {
  start: number;
  end: number;
  now: number;
  days: number;
}

/** Delivery noise settings (see noise.ts). */
export interface NoiseRates {
  duplicate: number;
  lateSession: number;
  invalid: number;
}

/** An emitted event waiting for delivery. */
export interface Pending {
  source: SourceName;
  event: GeneratedEvent;
  /** When the collector receives it (late events arrive hours after they happened). */
  arrival: number;
  personId: string;
}

export interface GeneratorState {
  readonly rng: Rng;
  readonly seed: number;
  /** The seed in base 36, part of every message, order and loyalty id. */
  readonly seedTag: string;
  readonly customers: number;
  readonly clock: Clock;
  readonly rates: NoiseRates;
  /** Events in emission order; delivery noise and ordering are applied at the end. */
  readonly pending: Pending[];
  readonly truth: DatasetTruth;
  messageCount: number;
  orderCount: number;
}

export function createState(options: GenerateOptions): GeneratorState {
  const customers = Math.max(1, Math.floor(options.customers));
  const seed = Math.floor(options.seed) >>> 0;
  const days = options.days ?? 21;
  const now = options.now ? new Date(options.now).getTime() : Date.now();
  const start = options.start ? new Date(options.start).getTime() : Math.floor((now - days * DAY) / DAY) * DAY;
  const end = Math.min(start + days * DAY, now);
  return {
    rng: createRng(seed),
    seed,
    seedTag: seed.toString(36),
    customers,
    clock: { start, end, now, days },
    rates: {
      duplicate: options.duplicateRate ?? 0.02,
      lateSession: options.lateSessionRate ?? 0.08,
      invalid: options.invalidRate ?? 0.004,
    },
    pending: [],
    truth: emptyTruth(seed, start, end),
    messageCount: 0,
    orderCount: 0,
  };
}

function emptyTruth(seed: number, start: number, end: number): DatasetTruth {
  return {
    seed,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    persons: {},
    eventPerson: {},
    identifierOwners: {},
    cycles: [],
    channelLift: { ...TRUE_CHANNEL_LIFT },
    personaBase: Object.fromEntries(PERSONAS.map((p) => [p, PERSONA_SPECS[p].base])) as Record<Persona, number>,
    trueIncrementalConversions: Object.fromEntries(
      [...TOUCH_CHANNELS, 'baseline'].map((c) => [c, 0]),
    ) as DatasetTruth['trueIncrementalConversions'],
    stats: {
      events: 0,
      uniqueEvents: 0,
      duplicates: 0,
      lateEvents: 0,
      invalidEvents: 0,
      conversions: 0,
      revenue: 0,
      sharedDevices: 0,
      resets: 0,
      bySource: Object.fromEntries(SOURCE_NAMES.map((s) => [s, 0])) as Record<SourceName, number>,
    },
    duplicateIds: [],
    lateIds: [],
    invalidIds: [],
  };
}

export const iso = (t: number): string => new Date(t).toISOString();

/** Records in the truth that `personId` used the identifier `type:value` (no-op for a missing value). */
export function own(state: GeneratorState, type: string, value: string | undefined, personId: string): void {
  if (!value) return;
  const key = `${type}:${value}`;
  const owners = (state.truth.identifierOwners[key] ??= []);
  if (!owners.includes(personId)) owners.push(personId);
}

/**
 * Stamps an event with a new messageId, its timestamp and sentAt, and queues it for delivery.
 * `lateBy` replaces the usual small network delay (an app that buffered the event offline).
 */
export function emit(
  state: GeneratorState,
  source: SourceName,
  personId: string,
  t: number,
  event: Record<string, unknown> & { type: string },
  opts: { lateBy?: number } = {},
): GeneratedEvent {
  const { rng, clock, truth } = state;
  const time = Math.min(t, clock.end - 1000);
  const messageId = `tl-${state.seedTag}-${(++state.messageCount).toString(36).padStart(6, '0')}`;
  const e = { ...event, messageId, timestamp: iso(time) } as GeneratedEvent;
  // a small network delay; late events arrive hours after they happened
  const arrival = Math.min(time + (opts.lateBy ?? rng.int(200, 5000)), clock.now);
  // sentAt is when the emitter flushed it: hours after the event for an app buffering offline
  e.sentAt = iso(arrival);
  state.pending.push({ source, event: e, arrival, personId });
  truth.eventPerson[messageId] = personId;
  if (arrival - time >= HOUR) truth.lateIds.push(messageId);
  return e;
}

export function nextOrderId(state: GeneratorState): string {
  return `ORD-${state.seedTag}-${String(++state.orderCount).padStart(6, '0')}`;
}
