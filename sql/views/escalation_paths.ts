/**
 * escalation_paths: the two escalation signals of channel_activity, counted per path (an event that is
 * both, a call to the call centre after a chat and after an earlier call, counts once under each kind).
 *  - kind 'escalation': hand-offs along escalationPaths (chat -> call_center by default).
 *  - kind 'repeat_contact': coming back to the same contactChannels channel within handoffWindowHours
 *    (from_channel = to_channel).
 * ended_without_conversion: no conversion at or after the event within its task (up to
 * handoffWindowHours after the task's last event), the friction rule of channel_handoffs;
 * baseline_abandonment_rate: abandonment of same-channel tasks on from_channel, as there.
 */
import { dbl, plusSeconds } from '../dialect.js';
import { c, defineView } from '../view.js';

export const escalationPaths = defineView({
  name: 'escalation_paths',
  description:
    'Escalations (hand-offs along escalationPaths) and repeat contacts (back on the same contact channel within the task window), per path, ' +
    'with the share not followed by a conversion and the same-channel baseline.',
  dependsOn: ['channel_activity', 'conversions', 'task_journeys'],
  columns: [
    c('kind', 'VARCHAR', 'escalation | repeat_contact'),
    c('from_channel', 'VARCHAR', 'Channel before'),
    c('to_channel', 'VARCHAR', 'Channel after (the same channel for a repeat contact)'),
    c('occurrences', 'BIGINT', 'Escalations or repeat contacts'),
    c('persons', 'BIGINT', 'Distinct persons'),
    c('ended_without_conversion', 'BIGINT', 'Not followed by a conversion within the task'),
    c('abandonment_rate', 'DOUBLE', 'ended_without_conversion / occurrences'),
    c('baseline_abandonment_rate', 'DOUBLE', 'Share of same-channel tasks on from_channel that did not convert'),
  ],
  example: `SELECT kind, from_channel, to_channel, occurrences, persons, abandonment_rate, baseline_abandonment_rate
FROM escalation_paths ORDER BY occurrences DESC`,
  render: (_d, cfg) => `WITH signals AS (
  SELECT 'escalation' AS kind, person_id, message_id, event_time, task_end, prev_channel AS from_channel, channel AS to_channel
  FROM channel_activity
  WHERE is_escalation
  UNION ALL
  SELECT 'repeat_contact' AS kind, person_id, message_id, event_time, task_end, channel AS from_channel, channel AS to_channel
  FROM channel_activity
  WHERE is_repeat_contact
),
outcomes AS (
  SELECT s.kind, s.person_id, s.message_id, s.from_channel, s.to_channel,
    CASE WHEN count(cv.conversion_id) > 0 THEN 0 ELSE 1 END AS abandoned
  FROM signals s
  LEFT JOIN conversions cv
    ON cv.person_id = s.person_id
    AND cv.conversion_time >= s.event_time
    AND cv.conversion_time <= ${plusSeconds('s.task_end', cfg.handoffWindowHours * 3600)}
  GROUP BY s.kind, s.person_id, s.message_id, s.from_channel, s.to_channel
),
baseline AS (
  SELECT first_channel AS channel,
    avg(CASE WHEN converted THEN ${dbl('0')} ELSE ${dbl('1')} END) AS baseline_abandonment_rate
  FROM task_journeys
  WHERE distinct_channels = 1
  GROUP BY first_channel
)
SELECT o.kind, o.from_channel, o.to_channel,
  count(*) AS occurrences,
  count(DISTINCT o.person_id) AS persons,
  CAST(sum(o.abandoned) AS BIGINT) AS ended_without_conversion,
  ${dbl('sum(o.abandoned)')} / ${dbl('count(*)')} AS abandonment_rate,
  max(b.baseline_abandonment_rate) AS baseline_abandonment_rate
FROM outcomes o
LEFT JOIN baseline b ON b.channel = o.from_channel
GROUP BY o.kind, o.from_channel, o.to_channel`,
});
