/**
 * channel_handoffs: transitions between channels in persons' tasks (web -> chat -> call_center), over
 * ALL channels (owned ones such as web and mobile_app included, unlike touchpoints).
 *
 * A hand-off is a change of channel between two consecutive events of one task (handoff_events,
 * channel_activity): events at most handoffWindowHours apart, mid-session 'direct' events counted as
 * their session's channel, so the internal pages of a visit are no hand-off and a visit 25 days later
 * is a new task rather than a hand-off. It "ends without conversion" when no conversion follows it
 * within its task (up to handoffWindowHours after the task's last event).
 * friction_rate = ended_without_conversion / handoffs; baseline_abandonment_rate is the same outcome for
 * tasks that stayed on from_channel alone (task_journeys), so friction reads against not handing off.
 * median_seconds_between is the exact median (mean of the two middle values for an even count),
 * computed with window functions so that both engines give the same number.
 */
import { dbl } from '../dialect.js';
import { c, defineView } from '../view.js';

export const channelHandoffs = defineView({
  name: 'channel_handoffs',
  description:
    'Hand-offs between channels within a task (from_channel -> to_channel) with counts, exact median time between, ' +
    'friction (the share not followed by a conversion within the task) and its baseline (abandonment of tasks that stayed on from_channel).',
  dependsOn: ['handoff_events', 'task_journeys'],
  columns: [
    c('from_channel', 'VARCHAR', 'Channel before the hand-off'),
    c('to_channel', 'VARCHAR', 'Channel after the hand-off'),
    c('handoffs', 'BIGINT', 'Number of hand-offs'),
    c('persons', 'BIGINT', 'Distinct persons making this hand-off'),
    c('median_seconds_between', 'DOUBLE', 'Exact median of the time between the two events (seconds)'),
    c('converted_after', 'BIGINT', 'Hand-offs followed by a conversion within their task'),
    c('ended_without_conversion', 'BIGINT', 'Hand-offs not followed by a conversion within their task'),
    c('friction_rate', 'DOUBLE', 'ended_without_conversion / handoffs'),
    c('is_escalation', 'BOOLEAN', 'from -> to is one of escalationPaths'),
    c('baseline_tasks', 'BIGINT', 'Same-channel tasks on from_channel'),
    c('baseline_abandonment_rate', 'DOUBLE', 'Share of those tasks that did not convert (NULL when there are none)'),
  ],
  example: `SELECT from_channel, to_channel, handoffs, median_seconds_between / 3600 AS median_hours, friction_rate, baseline_abandonment_rate
FROM channel_handoffs ORDER BY handoffs DESC`,
  render: () => `WITH outcomes AS (
  SELECT person_id, from_channel, to_channel, seconds_between, is_escalation,
    CASE WHEN converted_after THEN 1 ELSE 0 END AS converted
  FROM handoff_events
),
ranked AS (
  SELECT outcomes.*,
    row_number() OVER (PARTITION BY from_channel, to_channel ORDER BY seconds_between) AS pos,
    count(*) OVER (PARTITION BY from_channel, to_channel) AS n
  FROM outcomes
),
per_pair AS (
  SELECT from_channel, to_channel,
    count(*) AS handoffs,
    count(DISTINCT person_id) AS persons,
    avg(CASE WHEN 2 * pos BETWEEN n AND n + 2 THEN seconds_between END) AS median_seconds_between,
    CAST(sum(converted) AS BIGINT) AS converted_after,
    CAST(sum(1 - converted) AS BIGINT) AS ended_without_conversion,
    ${dbl('sum(1 - converted)')} / ${dbl('count(*)')} AS friction_rate,
    bool_or(is_escalation) AS is_escalation
  FROM ranked
  GROUP BY from_channel, to_channel
),
baseline AS (
  SELECT first_channel AS channel, count(*) AS baseline_tasks,
    avg(CASE WHEN converted THEN ${dbl('0')} ELSE ${dbl('1')} END) AS baseline_abandonment_rate
  FROM task_journeys
  WHERE distinct_channels = 1
  GROUP BY first_channel
)
SELECT p.from_channel, p.to_channel, p.handoffs, p.persons, p.median_seconds_between, p.converted_after,
  p.ended_without_conversion, p.friction_rate, p.is_escalation,
  coalesce(b.baseline_tasks, 0) AS baseline_tasks, b.baseline_abandonment_rate
FROM per_pair p
LEFT JOIN baseline b ON b.channel = p.from_channel`,
});
