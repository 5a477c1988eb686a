/**
 * model_events: the deduplicated events (one row per message_id), partitioned by event_date. The
 * events_deduped view reads it.
 *
 * Refresh from W: the copies of each message in the raw partitions >= W are ranked (earliest
 * received_at, then processed_at, then every other column, as the full-table rule), and a message whose
 * kept copy is already in a model partition of the dedupHorizonDays before W is left out. That is exact
 * for copies at most dedupHorizonDays apart in event_date: a copy that arrives later than its sibling on
 * an earlier day makes that earlier day part of the next refresh (its partition changed), so both copies
 * are then ranked together; a copy on a later day finds its sibling already kept. Copies of one message
 * are the same envelope (same event_time) or a client retry seconds apart, so they are at most one day
 * apart in practice; the horizon is a safety margin.
 */
import { dedupOrderBy, EVENT_COLUMN_NAMES, eventsDeduped } from '../views/events_deduped.js';
import { addDays } from './dates.js';
import { beforePartition, defineModel, fromPartition } from './model.js';

export const modelEvents = defineModel({
  name: 'model_events',
  description:
    'Deduplicated events, one row per message_id, partitioned by event_date; refreshed from a start date with the ' +
    'message ids kept in the dedupHorizonDays before it excluded.',
  dependsOn: ['events'],
  columns: eventsDeduped.columns,
  render: (_d, cfg, from) => {
    const cols = [...EVENT_COLUMN_NAMES, 'event_date'].join(', ');
    const perDay = cfg.dedupScope === 'event_date';
    // Without a start date there is no earlier partition that could hold a kept copy.
    const anti = !perDay && from !== undefined;
    const partitionBy = perDay ? 'event_date, message_id' : 'message_id';
    // Per-day scope keeps one row per (event_date, message_id): no earlier day can hold the kept copy.
    const kept =
      !anti || from === undefined
        ? ''
        : `
  LEFT JOIN (
    SELECT DISTINCT message_id AS kept_message_id FROM model_events
    WHERE ${fromPartition(addDays(from, -cfg.dedupHorizonDays))} AND ${beforePartition(from)}
  ) earlier ON earlier.kept_message_id = ranked.message_id`;
    return `SELECT ${cols}
FROM (
  SELECT ${cols},
    row_number() OVER (PARTITION BY ${partitionBy} ORDER BY ${dedupOrderBy()}) AS dedup_rank
  FROM events
  WHERE message_id IS NOT NULL AND ${fromPartition(from)}
) ranked${kept}
WHERE dedup_rank = 1${anti ? ' AND earlier.kept_message_id IS NULL' : ''}
UNION ALL
SELECT ${cols}
FROM events
WHERE message_id IS NULL AND ${fromPartition(from)}`;
  },
});
