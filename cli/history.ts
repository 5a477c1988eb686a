/**
 * What `threadline send` does to a file before posting it: parse the NDJSON, drop the lines that
 * cannot be sent (each with a machine-readable reason), keep only events whose time lies in the range
 * the collector accepts, and order them by event time. Pure: the clock and the range are arguments.
 *
 * Ordering matters for history loads: the lake is partitioned by event date, and a delivery buffer
 * that spans hundreds of days fans out into hundreds of partitions at once (Firehose caps the active
 * partitions per buffer and sends the overflow to its error prefix). Sorted input keeps each request,
 * and so each buffer, within a few neighbouring days.
 */
import { DEFAULT_LIMITS, EARLIEST_EVENT_DATE, type EventTimeRange, eventTimeRange } from '../schemas/index.js';

export const SKIP_REASONS = ['invalid_json', 'not_an_object', 'invalid_timestamp', 'timestamp_out_of_range'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface SkippedLine {
  line: number;
  reason: SkipReason;
  message: string;
}

export interface PreparedHistory {
  /** Events to send, ordered by event time (events without a time count as "now", as the collector does). */
  events: Record<string, unknown>[];
  skipped: SkippedLine[];
  /** Skipped lines per reason, every reason present (0 when none). */
  skippedByReason: Record<SkipReason, number>;
  /** Earliest and latest event time among the events kept (null when none had one). */
  span: { fromMs: number; toMs: number } | null;
}

/**
 * The range the collector accepts for a route, as of `nowMs`: every route refuses events before the
 * lake's earliest date and too far ahead (the contract's range); live routes also refuse events older
 * than the contract's maximum age, /v1/import does not.
 */
export function acceptedRange(route: 'batch' | 'import', nowMs: number, earliestDate: string = EARLIEST_EVENT_DATE): EventTimeRange {
  const contract = eventTimeRange(nowMs, { earliestDate });
  if (route === 'import') return contract;
  return { ...contract, earliestMs: Math.max(contract.earliestMs, nowMs - DEFAULT_LIMITS.maxAgeMs) };
}

/**
 * The event time the collector derives for a message, as far as the sender can know it: an explicit
 * `timestamp`, else `originalTimestamp`, else none (the collector then uses its receive time).
 * undefined: no time given; NaN: a time that does not parse.
 */
export function eventTimeOf(event: Record<string, unknown>): number | undefined {
  const t = event.timestamp ?? event.originalTimestamp;
  if (t === undefined || t === null) return undefined;
  if (typeof t !== 'string') return Number.NaN;
  return Date.parse(t);
}

export function prepareHistory(text: string, range: EventTimeRange, nowMs: number): PreparedHistory {
  const skipped: SkippedLine[] = [];
  const kept: { event: Record<string, unknown>; at: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (err) {
      skipped.push({ line, reason: 'invalid_json', message: (err as Error).message });
      return;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      skipped.push({ line, reason: 'not_an_object', message: `expected a JSON object, got ${Array.isArray(v) ? 'an array' : String(v)}` });
      return;
    }
    const event = v as Record<string, unknown>;
    const at = eventTimeOf(event);
    if (at !== undefined && Number.isNaN(at)) {
      skipped.push({
        line,
        reason: 'invalid_timestamp',
        message: `timestamp ${JSON.stringify(event.timestamp ?? event.originalTimestamp)} is not a date`,
      });
      return;
    }
    const time = at ?? nowMs;
    if (time < range.earliestMs || time > range.latestMs) {
      skipped.push({
        line,
        reason: 'timestamp_out_of_range',
        message: `event time ${new Date(time).toISOString()} is outside the accepted range ${describeRange(range)}`,
      });
      return;
    }
    kept.push({ event, at: time });
  });
  // Array.prototype.sort is stable: events at the same instant keep their file order.
  kept.sort((a, b) => a.at - b.at);
  const skippedByReason = Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
  for (const s of skipped) skippedByReason[s.reason]++;
  const span = kept.length > 0 ? { fromMs: kept[0]!.at, toMs: kept[kept.length - 1]!.at } : null;
  return { events: kept.map((k) => k.event), skipped, skippedByReason, span };
}

export function describeRange(range: EventTimeRange): string {
  return `[${new Date(range.earliestMs).toISOString()}, ${new Date(range.latestMs).toISOString()}]`;
}
