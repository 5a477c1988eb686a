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
 */
import { EVENTS_COLUMNS } from '../../schemas/lake.js';
import { c, defineView } from '../view.js';
import type { ViewColumnType } from '../view.js';

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
    'One row per message_id (at-least-once delivery leaves duplicates in the lake). Deterministic pick: earliest received_at, then earliest processed_at, then all other columns ascending (NULLs last).',
  dependsOn: ['events'],
  columns: [
    ...EVENTS_COLUMNS.map((col) => c(col.name, LAKE_TO_VIEW[col.type]!, col.doc)),
    c('event_date', 'VARCHAR', 'Partition date YYYY-MM-DD (UTC date of event_time)'),
  ],
  example: `SELECT event_date, count(*) AS events FROM events_deduped GROUP BY event_date ORDER BY event_date`,
  render: () => {
    const cols = [...EVENT_COLUMN_NAMES, 'event_date'].join(', ');
    return `SELECT ${cols}
FROM (
  SELECT ${cols},
    row_number() OVER (PARTITION BY message_id ORDER BY ${dedupOrderBy()}) AS dedup_rank
  FROM events
  WHERE message_id IS NOT NULL
) ranked
WHERE dedup_rank = 1
UNION ALL
SELECT ${cols}
FROM events
WHERE message_id IS NULL`;
  },
});
