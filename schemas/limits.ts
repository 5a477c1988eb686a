/**
 * Size and time limits that are part of the contract: producers, the collector and every failed-events
 * writer apply them the same way, and the lake's partition projection is derived from the same numbers
 * so that no accepted event lands in a partition Athena never enumerates.
 */

/** Raw payload kept with a refused or failed event (RejectedEnvelope.raw, failed_events.raw): 256 KB of UTF-8. */
export const MAX_RAW_BYTES = 256 * 1024;

const DAY_MS = 86_400_000;
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Default earliest accepted event date (UTC, inclusive), on every route including /v1/import. It is also
 * the first day of the lake's partition projection: a deployment that loads older history configures an
 * earlier date (lib/config.ts eventTime.earliestDate) and both move together.
 */
export const EARLIEST_EVENT_DATE = '2024-01-01';

/** Event time this far after the collector's clock is refused: a device clock gone wild. */
export const MAX_EVENT_FUTURE_MS = DAY_MS;

/** True when `date` is a real calendar date written YYYY-MM-DD. */
export function isIsoDate(date: string): boolean {
  if (!ISO_DATE_RE.test(date)) return false;
  const ms = Date.parse(`${date}T00:00:00.000Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date;
}

/** Midnight UTC of a YYYY-MM-DD date, in epoch milliseconds. Throws RangeError on anything else. */
export function startOfUtcDateMs(date: string): number {
  if (!isIsoDate(date)) throw new RangeError(`expected a date YYYY-MM-DD, got ${date}`);
  return Date.parse(`${date}T00:00:00.000Z`);
}

/** The accepted event-time window at one instant: [earliestMs, latestMs], both inclusive. */
export interface EventTimeRange {
  readonly earliestMs: number;
  readonly latestMs: number;
}

export function eventTimeRange(nowMs: number, opts: { earliestDate?: string; maxFutureMs?: number } = {}): EventTimeRange {
  return {
    earliestMs: startOfUtcDateMs(opts.earliestDate ?? EARLIEST_EVENT_DATE),
    latestMs: nowMs + (opts.maxFutureMs ?? MAX_EVENT_FUTURE_MS),
  };
}

/**
 * Days past today the projection must enumerate so that an event dated up to `maxFutureMs` ahead is
 * queryable: the UTC date of now + d is at most today + ceil(d / 1 day).
 */
export function projectionFutureDays(maxFutureMs: number = MAX_EVENT_FUTURE_MS): number {
  return Math.max(0, Math.ceil(maxFutureMs / DAY_MS));
}

/**
 * Glue partition projection range for a `date` partition key in yyyy-MM-dd: from the earliest accepted
 * date to NOW plus the accepted future (Athena's relative form `NOW+<n>DAYS`, evaluated at query time).
 */
export function projectionDateRange(earliestDate: string = EARLIEST_EVENT_DATE, maxFutureMs: number = MAX_EVENT_FUTURE_MS): string {
  startOfUtcDateMs(earliestDate);
  const days = projectionFutureDays(maxFutureMs);
  return `${earliestDate},${days === 0 ? 'NOW' : `NOW+${days}DAYS`}`;
}
