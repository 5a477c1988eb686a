/**
 * View configuration: the parameters baked into the views when they are rendered. Rendering (not query
 * time) is where they live because Athena views cannot take parameters; redeploying the views is how
 * a change of, say, the lookback window reaches Athena.
 */
import { DEFAULT_CONVERSION_EVENTS, DEFAULT_MARKETING_CHANNELS } from '../schemas/index.js';

export interface ViewConfig {
  /** Inactivity that ends a session (minutes). */
  readonly sessionTimeoutMinutes: number;
  /** How far before a conversion touchpoints count for it (days). */
  readonly lookbackDays: number;
  /** Half-life of the time-decay model (days). */
  readonly halfLifeDays: number;
  /** Track event names that are conversions. */
  readonly conversionEvents: readonly string[];
  /** touchpoint_channel values that count as marketing touches. */
  readonly marketingChannels: readonly string[];
  /** The channel that last-non-direct skips. */
  readonly directChannel: string;
  /** A change of touchpoint_channel between consecutive events starts a new session. */
  readonly splitSessionsOnChannelChange: boolean;
  /** A new, different campaign_name starts a new session (as GA does). */
  readonly splitSessionsOnCampaignChange: boolean;
  /**
   * 'session_channel' (default): consecutive marketing events of one person in the same session with the
   * same channel and campaign are ONE touchpoint (ten page views after one ad click are one touch).
   * 'event': every marketing event is a touchpoint.
   */
  readonly touchpointGrain: 'session_channel' | 'event';
  /**
   * false (default, attribution.md): a conversion's journey is every touch in its lookback window, even
   * touches before an earlier conversion of the same person. true: the journey starts after the person's
   * previous conversion (each touch then belongs to at most one converting journey).
   */
  readonly resetJourneyAfterConversion: boolean;
  /**
   * Longest identity merge chain (A -> B -> C ...) resolved completely. Resolution uses pointer jumping
   * (each step doubles the hops covered), so the views hold ceil(log2(identityMaxHops)) self-joins and no
   * recursion (Athena caps WITH RECURSIVE at depth 10). Trino inlines CTEs, so Athena reads the small
   * identity_changes table 2^steps times per query: 16 hops = 4 steps = 16 reads. The processor's
   * union-find merges root into root, so real chains are a few hops long.
   */
  readonly identityMaxHops: number;
  /**
   * What events_deduped deduplicates over. 'global' (default): one row per message_id across the whole
   * events table, as the contract promises; on Athena a filter on event_date over events_deduped (and the
   * views built on it) then cannot prune partitions, because the dedup window spans every day.
   * 'event_date': one row per (event_date, message_id); Trino pushes an event_date filter below a window
   * partitioned by it, so date-bounded queries scan only their days. The cost: a duplicate whose copies
   * carry different event_dates survives twice (see sql/views/events_deduped.ts for when that happens).
   */
  readonly dedupScope: DedupScope;
  /**
   * How many days before a refresh's start date the model_events refresh looks for copies of a message
   * it already kept (global dedupScope). Copies of one message further apart than this in event_date are
   * both kept. Copies are one envelope replayed (same event_time) or a client retry seconds later, so a
   * day covers them; the default leaves a week of margin for a device that re-sends a stored batch.
   */
  readonly dedupHorizonDays: number;
  /**
   * The task window (hours): two consecutive channel events of one person at most this far apart belong
   * to one task, so a change of channel between them is a hand-off; a longer gap ends the task (a visit
   * 25 days later is a new task, not a hand-off). Also bounds repeat contacts and how long after a
   * task's last event a conversion still counts for it.
   */
  readonly handoffWindowHours: number;
  /** Hand-offs (from -> to) that count as escalations, e.g. chat -> call_center. */
  readonly escalationPaths: readonly (readonly [string, string])[];
  /** Assisted channels where coming back within the task window counts as a repeat contact. */
  readonly contactChannels: readonly string[];
}

export const DEDUP_SCOPES = ['global', 'event_date'] as const;
export type DedupScope = (typeof DEDUP_SCOPES)[number];

export const DEFAULT_VIEW_CONFIG: ViewConfig = {
  sessionTimeoutMinutes: 30,
  lookbackDays: 30,
  halfLifeDays: 7,
  conversionEvents: [...DEFAULT_CONVERSION_EVENTS],
  marketingChannels: DEFAULT_MARKETING_CHANNELS,
  directChannel: 'direct',
  splitSessionsOnChannelChange: false,
  splitSessionsOnCampaignChange: false,
  touchpointGrain: 'session_channel',
  resetJourneyAfterConversion: false,
  identityMaxHops: 16,
  dedupScope: 'global',
  dedupHorizonDays: 7,
  handoffWindowHours: 24,
  escalationPaths: [
    ['chat', 'call_center'],
    ['email', 'call_center'],
    ['chat', 'store'],
  ],
  contactChannels: ['call_center', 'chat'],
};

export function resolveViewConfig(partial: Partial<ViewConfig> = {}): ViewConfig {
  const cfg: ViewConfig = { ...DEFAULT_VIEW_CONFIG, ...stripUndefined(partial) };
  for (const key of [
    'sessionTimeoutMinutes',
    'lookbackDays',
    'halfLifeDays',
    'identityMaxHops',
    'handoffWindowHours',
    'dedupHorizonDays',
  ] as const) {
    const v = cfg[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new RangeError(`view config ${key} must be a positive number, got ${String(v)}`);
    }
  }
  // The refresh planner carries a session across a partition boundary by looking one timeout back.
  if (cfg.sessionTimeoutMinutes > 24 * 60) throw new RangeError('view config sessionTimeoutMinutes must be at most 1440 (one day)');
  if (!Number.isInteger(cfg.dedupHorizonDays)) throw new RangeError('view config dedupHorizonDays must be a whole number of days');
  if (cfg.conversionEvents.length === 0) throw new RangeError('view config conversionEvents must not be empty');
  if (cfg.marketingChannels.length === 0) throw new RangeError('view config marketingChannels must not be empty');
  if (cfg.touchpointGrain !== 'event' && cfg.touchpointGrain !== 'session_channel') {
    throw new RangeError(`view config touchpointGrain must be 'event' or 'session_channel'`);
  }
  if (!(DEDUP_SCOPES as readonly unknown[]).includes(cfg.dedupScope)) {
    throw new RangeError(`view config dedupScope must be 'global' or 'event_date', got ${JSON.stringify(cfg.dedupScope)}`);
  }
  const paths: unknown = cfg.escalationPaths;
  if (
    !Array.isArray(paths) ||
    !paths.every((p) => Array.isArray(p) && p.length === 2 && p.every((c) => typeof c === 'string' && c !== '') && p[0] !== p[1])
  ) {
    throw new RangeError(
      `view config escalationPaths must be a list of [from, to] pairs of two different channels, got ${JSON.stringify(paths)}`,
    );
  }
  const contacts: unknown = cfg.contactChannels;
  if (!Array.isArray(contacts) || contacts.length === 0 || !contacts.every((c) => typeof c === 'string' && c !== '')) {
    throw new RangeError(`view config contactChannels must be a non-empty list of channels, got ${JSON.stringify(contacts)}`);
  }
  return cfg;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
