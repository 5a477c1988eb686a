/**
 * person_friction: hand-off friction per person, beside the person's own same-channel baseline.
 *
 * friction_rate = the person's hand-offs not followed by a conversion within their task / hand-offs;
 * cross_channel_abandonment_rate = abandoned tasks with more than one channel / such tasks;
 * baseline_abandonment_rate = abandoned same-channel tasks / same-channel tasks. Each rate is NULL
 * when its denominator is 0. Only persons with at least one task (an activity event with a channel).
 */
import { dbl } from '../dialect.js';
import { c, defineView } from '../view.js';

export const personFriction = defineView({
  name: 'person_friction',
  description:
    "One row per person with tasks: hand-offs and the share not followed by a conversion, cross-channel tasks' abandonment " +
    'beside the same-channel baseline, escalations and repeat contacts.',
  dependsOn: ['task_journeys', 'handoff_events'],
  columns: [
    c('person_id', 'VARCHAR', 'Canonical person id'),
    c('tasks', 'BIGINT', 'Tasks of the person'),
    c('same_channel_tasks', 'BIGINT', 'Tasks on one channel'),
    c('cross_channel_tasks', 'BIGINT', 'Tasks on more than one channel'),
    c('handoffs', 'BIGINT', 'Hand-offs'),
    c('handoffs_without_conversion', 'BIGINT', 'Hand-offs not followed by a conversion within their task'),
    c('friction_rate', 'DOUBLE', 'handoffs_without_conversion / handoffs'),
    c('cross_channel_abandonment_rate', 'DOUBLE', 'Share of cross-channel tasks that did not convert'),
    c('baseline_abandonment_rate', 'DOUBLE', 'Share of same-channel tasks that did not convert'),
    c('escalations', 'BIGINT', 'Hand-offs along escalationPaths'),
    c('repeat_contacts', 'BIGINT', 'Repeat contacts on contactChannels'),
  ],
  example: `SELECT person_id, handoffs, friction_rate, cross_channel_abandonment_rate, baseline_abandonment_rate, escalations
FROM person_friction WHERE handoffs > 0 ORDER BY escalations DESC, handoffs DESC LIMIT 50`,
  render: () => {
    const rate = (num: string, den: string) => `${dbl(num)} / nullif(${dbl(den)}, 0)`;
    return `WITH per_task AS (
  SELECT person_id,
    count(*) AS tasks,
    CAST(sum(CASE WHEN distinct_channels = 1 THEN 1 ELSE 0 END) AS BIGINT) AS same_channel_tasks,
    CAST(sum(CASE WHEN distinct_channels > 1 THEN 1 ELSE 0 END) AS BIGINT) AS cross_channel_tasks,
    CAST(sum(CASE WHEN distinct_channels = 1 AND NOT converted THEN 1 ELSE 0 END) AS BIGINT) AS same_channel_abandoned,
    CAST(sum(CASE WHEN distinct_channels > 1 AND NOT converted THEN 1 ELSE 0 END) AS BIGINT) AS cross_channel_abandoned,
    CAST(sum(escalations) AS BIGINT) AS escalations,
    CAST(sum(repeat_contacts) AS BIGINT) AS repeat_contacts
  FROM task_journeys
  GROUP BY person_id
),
per_handoff AS (
  SELECT person_id, count(*) AS handoffs,
    CAST(sum(CASE WHEN converted_after THEN 0 ELSE 1 END) AS BIGINT) AS handoffs_without_conversion
  FROM handoff_events
  GROUP BY person_id
)
SELECT t.person_id, t.tasks, t.same_channel_tasks, t.cross_channel_tasks,
  coalesce(h.handoffs, 0) AS handoffs,
  coalesce(h.handoffs_without_conversion, 0) AS handoffs_without_conversion,
  ${rate('h.handoffs_without_conversion', 'h.handoffs')} AS friction_rate,
  ${rate('t.cross_channel_abandoned', 't.cross_channel_tasks')} AS cross_channel_abandonment_rate,
  ${rate('t.same_channel_abandoned', 't.same_channel_tasks')} AS baseline_abandonment_rate,
  t.escalations, t.repeat_contacts
FROM per_task t
LEFT JOIN per_handoff h ON h.person_id = t.person_id`;
  },
});
