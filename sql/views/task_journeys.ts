/**
 * task_journeys: one row per task (see channel_activity): a run of a person's channel events with no gap
 * longer than handoffWindowHours.
 *
 * converted: the person has a conversion in [task_start, task_end + handoffWindowHours]. The ranges
 * of one person's tasks never overlap (the next task starts more than the window after task_end), so
 * a conversion counts for one task at most. A task is abandoned when it did not convert.
 * baseline_abandonment_rate is the friction baseline: the share of same-channel tasks (one distinct
 * channel) on this task's first channel that were abandoned; a cross-channel task's abandonment is read
 * against what staying on its first channel gives.
 */
import { dbl, plusSeconds } from '../dialect.js';
import { c, defineView } from '../view.js';
import { PATH_SEPARATOR } from './journeys.js';

export const taskJourneys = defineView({
  name: 'task_journeys',
  description:
    "One row per task: a run of a person's channel activity with no gap longer than handoffWindowHours, with its channel path, " +
    'hand-offs, escalations, repeat contacts, outcome and the abandonment baseline of same-channel tasks on its first channel.',
  dependsOn: ['channel_activity', 'conversions'],
  columns: [
    c('task_id', 'VARCHAR', "person_id || '#' || task_number"),
    c('person_id', 'VARCHAR', 'Canonical person id'),
    c('task_number', 'BIGINT', "1-based index among the person's tasks"),
    c('task_start', 'TIMESTAMP', 'First event'),
    c('task_end', 'TIMESTAMP', 'Last event'),
    c('event_count', 'BIGINT', 'Events with a channel in the task'),
    c('first_channel', 'VARCHAR', 'Channel of the first event'),
    c('distinct_channels', 'BIGINT', 'Distinct channels (1 = a same-channel task)'),
    c('path', 'VARCHAR', "Channels in time order, repeats of one channel in a row collapsed, joined by ' > '"),
    c('channels', 'ARRAY(VARCHAR)', 'The same as an array'),
    c('handoffs', 'BIGINT', 'Hand-offs in the task'),
    c('escalations', 'BIGINT', 'Hand-offs along escalationPaths'),
    c('repeat_contacts', 'BIGINT', 'Repeat contacts on contactChannels'),
    c('converted', 'BOOLEAN', 'A conversion in [task_start, task_end + handoffWindowHours]'),
    c(
      'baseline_abandonment_rate',
      'DOUBLE',
      'Share of same-channel tasks on first_channel that did not convert (NULL when there are none)',
    ),
  ],
  example: `SELECT path, count(*) AS tasks, avg(CASE WHEN converted THEN 0.0 ELSE 1.0 END) AS abandonment_rate,
  max(baseline_abandonment_rate) AS baseline_abandonment_rate
FROM task_journeys WHERE distinct_channels > 1 GROUP BY path ORDER BY tasks DESC LIMIT 20`,
  render: (d, cfg) => `WITH per_task AS (
  SELECT task_id, person_id, task_number,
    min(event_time) AS task_start,
    max(event_time) AS task_end,
    count(*) AS event_count,
    max(CASE WHEN is_task_start THEN channel END) AS first_channel,
    count(DISTINCT channel) AS distinct_channels,
    CAST(sum(CASE WHEN is_handoff THEN 1 ELSE 0 END) AS BIGINT) AS handoffs,
    CAST(sum(CASE WHEN is_escalation THEN 1 ELSE 0 END) AS BIGINT) AS escalations,
    CAST(sum(CASE WHEN is_repeat_contact THEN 1 ELSE 0 END) AS BIGINT) AS repeat_contacts,
    array_agg(channel ORDER BY event_time, message_id) FILTER (WHERE is_task_start OR is_handoff) AS channels
  FROM channel_activity
  GROUP BY task_id, person_id, task_number
),
outcomes AS (
  SELECT t.task_id, count(cv.conversion_id) > 0 AS converted
  FROM per_task t
  LEFT JOIN conversions cv
    ON cv.person_id = t.person_id
    AND cv.conversion_time >= t.task_start
    AND cv.conversion_time <= ${plusSeconds('t.task_end', cfg.handoffWindowHours * 3600)}
  GROUP BY t.task_id
),
joined AS (
  SELECT t.*, o.converted
  FROM per_task t
  JOIN outcomes o ON o.task_id = t.task_id
)
SELECT task_id, person_id, task_number, task_start, task_end, event_count, first_channel, distinct_channels,
  ${d.arrayJoin('channels', `'${PATH_SEPARATOR}'`)} AS path, channels, handoffs, escalations, repeat_contacts, converted,
  avg(CASE WHEN distinct_channels = 1 THEN (CASE WHEN converted THEN ${dbl('0')} ELSE ${dbl('1')} END) END)
    OVER (PARTITION BY first_channel) AS baseline_abandonment_rate
FROM joined`,
});
