/**
 * handoff_events: one row per hand-off (see channel_activity): a change of channel between two
 * consecutive events of one task. seconds_between = time of the first event on the new channel minus
 * time of the last event on the old one (mid-session direct pages count as the old channel, so the
 * internal pages of a visit shorten the gap instead of adding a hand-off).
 *
 * converted_after: the person has a conversion at or after the hand-off and no later than
 * handoffWindowHours after the last event of its task (the same rule that task_journeys uses for a
 * whole task, so a hand-off's outcome and its task's outcome agree).
 */
import { dbl, plusSeconds } from '../dialect.js';
import { c, defineView } from '../view.js';

export const handoffEvents = defineView({
  name: 'handoff_events',
  description:
    'One row per hand-off: a change of channel between consecutive events of one task, with the time between ' +
    'and whether a conversion followed within the task.',
  dependsOn: ['channel_activity', 'conversions'],
  columns: [
    c('person_id', 'VARCHAR', 'Canonical person id'),
    c('task_id', 'VARCHAR', 'Task of the hand-off'),
    c('message_id', 'VARCHAR', 'First event on the new channel'),
    c('handoff_time', 'TIMESTAMP', 'Time of that event'),
    c('from_channel', 'VARCHAR', 'Channel before'),
    c('to_channel', 'VARCHAR', 'Channel after'),
    c('seconds_between', 'DOUBLE', 'handoff_time - time of the last event on from_channel (seconds)'),
    c('is_escalation', 'BOOLEAN', 'from -> to is one of escalationPaths'),
    c('converted_after', 'BOOLEAN', 'A conversion in [handoff_time, task end + handoffWindowHours]'),
  ],
  example: `SELECT from_channel, to_channel, count(*) AS handoffs, avg(CASE WHEN converted_after THEN 1.0 ELSE 0.0 END) AS conversion_rate
FROM handoff_events GROUP BY from_channel, to_channel ORDER BY handoffs DESC`,
  render: (_d, cfg) => `WITH h AS (
  SELECT person_id, task_id, message_id, event_time AS handoff_time, prev_channel AS from_channel, channel AS to_channel,
    ${dbl('ms_since_previous')} / 1000 AS seconds_between, is_escalation, task_end
  FROM channel_activity
  WHERE is_handoff
)
SELECT h.person_id, h.task_id, h.message_id, h.handoff_time, h.from_channel, h.to_channel, h.seconds_between, h.is_escalation,
  count(cv.conversion_id) > 0 AS converted_after
FROM h
LEFT JOIN conversions cv
  ON cv.person_id = h.person_id
  AND cv.conversion_time >= h.handoff_time
  AND cv.conversion_time <= ${plusSeconds('h.task_end', cfg.handoffWindowHours * 3600)}
GROUP BY h.person_id, h.task_id, h.message_id, h.handoff_time, h.from_channel, h.to_channel, h.seconds_between, h.is_escalation`,
});
