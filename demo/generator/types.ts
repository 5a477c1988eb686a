import type { Persona, TouchChannel } from './personas.js';

/** The emitting systems; each gets its own write key when sent through the collector. */
export const SOURCE_NAMES = ['web', 'app', 'pos', 'callcenter', 'email'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/** A Segment message as an emitter would send it (plain JSON; validated by the collector). */
export type GeneratedEvent = Record<string, unknown> & { type: string; messageId: string; timestamp: string };

export interface GenerateOptions {
  /** Number of customers (persons) to simulate. */
  customers: number;
  /** Seed: the same seed and options give byte-identical output. */
  seed: number;
  /** First day of the simulated period (UTC). Default: `days` days before `now`, at midnight. */
  start?: Date | string;
  /** Length of the simulated period in days. Default 21. */
  days?: number;
  /** Clock used for the default start and to keep every event in the past. Default: Date.now(). */
  now?: Date | string;
  /** Share of events sent twice with the same messageId (a client retry). Default 0.02. */
  duplicateRate?: number;
  /** Share of app sessions buffered offline and sent hours late. Default 0.08. */
  lateSessionRate?: number;
  /** Share of events made invalid on purpose, to exercise refusals. Default 0.004. */
  invalidRate?: number;
}

export interface PersonTruth {
  persona: Persona;
  household?: string;
  cycles: number;
  conversions: number;
  revenue: number;
}

export interface CycleTruth {
  personId: string;
  persona: Persona;
  /** Distinct pre-purchase marketing channels in order of first touch. */
  channels: TouchChannel[];
  /** True conversion probability of this cycle under the model. */
  probability: number;
  converted: boolean;
  orderId?: string;
  revenue?: number;
}

export interface DatasetTruth {
  seed: number;
  start: string;
  end: string;
  persons: Record<string, PersonTruth>;
  /** messageId -> true person (duplicates share their original's id; invalid events included). */
  eventPerson: Record<string, string>;
  /** "type:value" -> persons that used it (more than one for shared devices). Raw email/phone values. */
  identifierOwners: Record<string, string[]>;
  cycles: CycleTruth[];
  channelLift: Record<TouchChannel, number>;
  personaBase: Record<Persona, number>;
  /**
   * Expected conversions each channel CAUSED (exact Shapley split of each cycle's P(all) - base),
   * summed over cycles; `baseline` is the expected conversions with no marketing at all.
   */
  trueIncrementalConversions: Record<TouchChannel | 'baseline', number>;
  stats: {
    events: number;
    uniqueEvents: number;
    duplicates: number;
    lateEvents: number;
    invalidEvents: number;
    conversions: number;
    revenue: number;
    sharedDevices: number;
    resets: number;
    bySource: Record<SourceName, number>;
  };
  /** messageIds sent twice, sent late (hours after they happened), and made invalid. */
  duplicateIds: string[];
  lateIds: string[];
  invalidIds: string[];
}

export interface Dataset {
  /** Events per emitting source, in the order they would arrive at the collector. */
  sources: Record<SourceName, GeneratedEvent[]>;
  truth: DatasetTruth;
}
