/**
 * channel_handoffs: transitions between touchpoint channels in persons' activity (web -> chat -> store),
 * over ALL channels (owned ones such as web and mobile_app included, unlike touchpoints).
 *
 * A hand-off is a pair of consecutive activity events of one canonical person (time order, events with a
 * NULL channel skipped) whose channels differ; time between = time of the first event on the new channel
 * minus time of the last event on the old one. It "ends without conversion" when the person has no
 * conversion at or after the hand-off (the event on the new channel) within lookbackDays.
 * friction_rate = ended_without_conversion / handoffs.
 * median_seconds_between is the exact median (mean of the two middle values for an even count),
 * computed with window functions so that both engines give the same number.
 */
import { dbl, plusSeconds } from '../dialect.js';
import { c, defineView } from '../view.js';

export const channelHandoffs = defineView({
  name: 'channel_handoffs',
  description:
    'Transitions between touchpoint channels (from_channel -> to_channel) with counts, exact median time between, ' +
    'and friction: the share of hand-offs not followed by a conversion within the lookback window.',
  dependsOn: ['events_sessionized', 'conversions'],
  columns: [
    c('from_channel', 'VARCHAR', 'Channel before the hand-off'),
    c('to_channel', 'VARCHAR', 'Channel after the hand-off'),
    c('handoffs', 'BIGINT', 'Number of hand-offs'),
    c('persons', 'BIGINT', 'Distinct persons making this hand-off'),
    c('median_seconds_between', 'DOUBLE', 'Exact median of the time between the two events (seconds)'),
    c('converted_after', 'BIGINT', 'Hand-offs followed by a conversion within the lookback window'),
    c('ended_without_conversion', 'BIGINT', 'Hand-offs not followed by a conversion within the window'),
    c('friction_rate', 'DOUBLE', 'ended_without_conversion / handoffs'),
  ],
  example: `SELECT from_channel, to_channel, handoffs, median_seconds_between / 3600 AS median_hours, friction_rate
FROM channel_handoffs ORDER BY handoffs DESC`,
  render: (d, cfg) => `WITH channel_events AS (
  SELECT person_id, message_id, event_time, touchpoint_channel AS channel,
    lag(touchpoint_channel) OVER (PARTITION BY person_id ORDER BY event_time, message_id) AS prev_channel,
    lag(event_time) OVER (PARTITION BY person_id ORDER BY event_time, message_id) AS prev_time
  FROM events_sessionized
  WHERE touchpoint_channel IS NOT NULL
),
handoff_events AS (
  SELECT person_id, message_id, prev_channel AS from_channel, channel AS to_channel, event_time AS handoff_time,
    ${d.msBetween('prev_time', 'event_time')} AS ms_between
  FROM channel_events
  WHERE prev_channel IS NOT NULL AND prev_channel <> channel
),
outcomes AS (
  SELECT h.person_id, h.message_id, h.from_channel, h.to_channel, h.ms_between,
    max(CASE WHEN cv.conversion_id IS NULL THEN 0 ELSE 1 END) AS converted
  FROM handoff_events h
  LEFT JOIN conversions cv
    ON cv.person_id = h.person_id
    AND cv.conversion_time >= h.handoff_time
    AND cv.conversion_time <= ${plusSeconds('h.handoff_time', cfg.lookbackDays * 86_400)}
  GROUP BY h.person_id, h.message_id, h.from_channel, h.to_channel, h.ms_between
),
ranked AS (
  SELECT outcomes.*,
    row_number() OVER (PARTITION BY from_channel, to_channel ORDER BY ms_between) AS pos,
    count(*) OVER (PARTITION BY from_channel, to_channel) AS n
  FROM outcomes
)
SELECT from_channel, to_channel,
  count(*) AS handoffs,
  count(DISTINCT person_id) AS persons,
  avg(CASE WHEN 2 * pos BETWEEN n AND n + 2 THEN ${dbl('ms_between')} END) / 1000 AS median_seconds_between,
  CAST(sum(converted) AS BIGINT) AS converted_after,
  CAST(sum(1 - converted) AS BIGINT) AS ended_without_conversion,
  ${dbl('sum(1 - converted)')} / ${dbl('count(*)')} AS friction_rate
FROM ranked
GROUP BY from_channel, to_channel`,
});
