/**
 * events_deduped: one row per message_id.
 *
 * Columns: every column of the lake `events` table (schemas/lake.ts, same names and types) plus
 * event_date (partition, 'YYYY-MM-DD').
 *
 * Deterministic pick among copies of one message_id: earliest received_at, then earliest
 * processed_at, then every remaining column in lake order (ascending, NULLs last). Copies that are equal
 * on all of those are identical rows, so the choice never depends on file or scan order, and
 * applying the view to its own output changes nothing (idempotent; tested).
 * Rows without a message_id (never produced by the processor) are kept as they are.
 *
 * Scope (ViewConfig.dedupScope):
 * - 'global' (default): the window is PARTITION BY message_id over the whole events table. This is what
 *   the contract promises (one row per messageId), but on Athena a filter on event_date against this
 *   view, or anything built on it, cannot be pushed below the window: every query scans all of events.
 * - 'event_date': PARTITION BY event_date, message_id. Trino pushes a predicate on a window's partition
 *   keys below the window, so `WHERE event_date >= '...'` prunes partitions. Rows are then unique per
 *   (event_date, message_id), and copies of one message on two different days both survive.
 *   When do copies differ in event_date? Kinesis/Lambda replays and collector-side retries carry the
 *   same envelope, hence the same event_time and event_date. A client retry after a 503 gets a new
 *   receivedAt: with an explicit client timestamp (analytics-node) event_time is unchanged; with a
 *   sentAt-derived timestamp (RudderStack, analytics.js) event_time moves by the retry delay, so the copies
 *   straddle two days only when the event was within that delay of midnight UTC. Rare, but then counted
 *   twice, which is why 'global' stays the default.
 */
import { EVENTS_COLUMNS } from '../../schemas/index.js';
import type { ViewColumnType } from '../view.js';
import { c, defineView } from '../view.js';

const LAKE_TO_VIEW: Record<string, ViewColumnType> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
};

export const EVENT_COLUMN_NAMES = EVENTS_COLUMNS.map((col) => col.name);

/** The pick order, shared with the idempotence test. */
export function dedupOrderBy(alias = ''): string {
  const p = alias ? `${alias}.` : '';
  const first = ['received_at', 'processed_at'];
  const rest = EVENT_COLUMN_NAMES.filter((n) => n !== 'message_id' && !first.includes(n));
  return [...first, ...rest].map((n) => `${p}${n} ASC NULLS LAST`).join(', ');
}

export const eventsDeduped = defineView({
  name: 'events_deduped',
  description:
    'One row per message_id (at-least-once delivery leaves duplicates in the lake). ' +
    'Deterministic pick: earliest received_at, then earliest processed_at, then all other columns ascending (NULLs last). ' +
    "With dedupScope 'event_date' the rows are unique per (event_date, message_id) instead, " +
    'so an event_date filter prunes Athena partitions, but a duplicate whose copies fall on two UTC days ' +
    '(a client retry of a sentAt-timestamped event near midnight) is kept twice.',
  dependsOn: ['model_events'],
  columns: [
    ...EVENTS_COLUMNS.map((col) => c(col.name, LAKE_TO_VIEW[col.type]!, col.doc)),
    c('event_date', 'VARCHAR', 'Partition date YYYY-MM-DD (UTC date of event_time)'),
  ],
  example: `SELECT event_date, count(*) AS events FROM events_deduped GROUP BY event_date ORDER BY event_date`,
  render: () => `SELECT ${eventsDeduped.columns.map((col) => col.name).join(', ')}
FROM model_events`,
});
