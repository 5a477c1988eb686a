/**
 * model_conversions: one row per conversion (see the conversions view), partitioned by event_date.
 * Copies of one order (same order_id) are one conversion, the earliest (event_time, message_id) kept:
 * from W on they are ranked together, and an order already kept in a partition before W (an earlier
 * copy, since partitions before W are earlier days) excludes its later copies. Conversions are a small
 * share of events, so that check reads the conversion ids of the whole model.
 */
import { inList } from '../dialect.js';
import { conversions } from '../views/conversions.js';
import { beforePartition, defineModel, emptyRelation, fromPartition } from './model.js';

export const modelConversions = defineModel({
  name: 'model_conversions',
  description: 'Conversions deduplicated by order_id, partitioned by event_date.',
  dependsOn: ['model_events_sessionized'],
  columns: conversions.columns,
  render: (_d, cfg, from) => `WITH candidates AS (
  SELECT s.*,
    row_number() OVER (PARTITION BY coalesce(s.order_id, s.message_id) ORDER BY s.event_time, s.message_id) AS order_rank
  FROM model_events_sessionized s
  WHERE ${fromPartition(from, 's.event_date')} AND s.event_type = 'track' AND s.event_name IN ${inList(cfg.conversionEvents)}
),
kept_before AS (
  ${from === undefined ? emptyRelation([['conversion_id', 'VARCHAR']]) : `SELECT DISTINCT conversion_id FROM model_conversions WHERE ${beforePartition(from)}`}
)
SELECT coalesce(c.order_id, c.message_id) AS conversion_id, c.person_id, c.message_id, c.event_name,
  c.event_time AS conversion_time, c.order_id, coalesce(CAST(c.revenue AS DOUBLE), CAST(0 AS DOUBLE)) AS revenue, c.currency,
  c.touchpoint_channel AS conversion_channel, c.session_id, c.event_date
FROM candidates c
LEFT JOIN kept_before k ON k.conversion_id = coalesce(c.order_id, c.message_id)
WHERE c.order_rank = 1 AND k.conversion_id IS NULL`,
});
