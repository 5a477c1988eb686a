/**
 * channel_activity: every activity event that has a touchpoint channel, as the steps of a person's
 * cross-channel tasks. The base of hand-offs, task journeys, escalations and repeat contacts.
 *
 * Rules, per canonical person, events in (event_time, message_id) order, events with a NULL channel
 * left out:
 *  - channel: a 'direct' (directChannel) event that does not start its session takes the session's
 *    channel so far (the last channel in the session that is not such a direct event). The processor
 *    calls internal navigation without referrer or campaign 'direct', so the pages after a paid-search
 *    landing stay paid_search, as the touchpoints view and GA treat them. A session with no such
 *    channel before it keeps 'direct'.
 *  - task: the first event starts one; an event more than handoffWindowHours after the previous one
 *    starts the next (a gap of exactly the window stays in the task).
 *  - hand-off: an event whose channel differs from the previous event's in the same task.
 *  - contact start: the first event of a run of one channel within one session.
 *  - repeat contact: a contact start on one of contactChannels whose person's previous event on that
 *    channel is at most handoffWindowHours earlier (the customer came back to chat, or called again).
 *  - escalation: a hand-off whose (previous channel, channel) is one of escalationPaths.
 */
import { inList, lit } from '../dialect.js';
import { c, defineView } from '../view.js';

export function handoffWindowMs(hours: number): number {
  return Math.round(hours * 3_600_000);
}

export const channelActivity = defineView({
  name: 'channel_activity',
  description:
    "Activity events with a channel, as steps of tasks: runs of a person's events no more than handoffWindowHours apart. " +
    "Mid-session 'direct' events take their session's channel; flags mark hand-offs, escalations and repeat contacts.",
  dependsOn: ['events_sessionized'],
  columns: [
    c('person_id', 'VARCHAR', 'Canonical person id'),
    c('task_id', 'VARCHAR', "person_id || '#' || task_number"),
    c('task_number', 'BIGINT', "1-based index of the task among the person's tasks"),
    c('is_task_start', 'BOOLEAN', 'First event of its task'),
    c('task_end', 'TIMESTAMP', 'Time of the last event of the task'),
    c('session_id', 'VARCHAR', 'Session of the event'),
    c('message_id', 'VARCHAR', 'Event message id'),
    c('event_time', 'TIMESTAMP', 'Event time'),
    c('event_name', 'VARCHAR', 'Event name'),
    c('touchpoint_channel', 'VARCHAR', 'Channel as the processor classified it'),
    c(
      'channel',
      'VARCHAR',
      "Channel of the step: touchpoint_channel, except that a mid-session 'direct' event takes its session's channel",
    ),
    c('prev_channel', 'VARCHAR', 'channel of the previous event of the same task (NULL at a task start)'),
    c('ms_since_previous', 'BIGINT', "Milliseconds since the person's previous event with a channel (NULL for the first)"),
    c('is_handoff', 'BOOLEAN', 'channel differs from prev_channel'),
    c('is_contact_start', 'BOOLEAN', 'First event of a run of one channel within one session'),
    c('is_repeat_contact', 'BOOLEAN', 'Contact start on a contactChannels channel within handoffWindowHours of the last event on it'),
    c('is_escalation', 'BOOLEAN', 'Hand-off along one of escalationPaths'),
  ],
  example: `SELECT task_id, event_time, touchpoint_channel, channel, is_handoff, is_escalation
FROM channel_activity WHERE person_id = 'p_123' ORDER BY event_time`,
  render: (d, cfg) => {
    const windowMs = handoffWindowMs(cfg.handoffWindowHours);
    const person = 'PARTITION BY person_id ORDER BY event_time, message_id';
    const escalation = cfg.escalationPaths.length
      ? cfg.escalationPaths.map(([from, to]) => `(prev_channel = ${lit(from)} AND channel = ${lit(to)})`).join(' OR ')
      : 'FALSE';
    return `WITH stream AS (
  SELECT person_id, session_id, message_id, event_time, event_name, touchpoint_channel,
    CASE WHEN touchpoint_channel = ${lit(cfg.directChannel)} AND NOT is_session_start THEN NULL ELSE touchpoint_channel END AS source_channel
  FROM events_sessionized
  WHERE touchpoint_channel IS NOT NULL
),
effective AS (
  SELECT person_id, session_id, message_id, event_time, event_name, touchpoint_channel,
    coalesce(${d.lastValueIgnoreNulls('source_channel', 'PARTITION BY session_id ORDER BY event_time, message_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW')}, touchpoint_channel) AS channel
  FROM stream
),
sequenced AS (
  SELECT effective.*,
    lag(channel) OVER (${person}) AS prev_any_channel,
    lag(session_id) OVER (${person}) AS prev_session_id,
    lag(event_time) OVER (${person}) AS prev_time,
    lag(event_time) OVER (PARTITION BY person_id, channel ORDER BY event_time, message_id) AS prev_same_channel_time
  FROM effective
),
flagged AS (
  SELECT sequenced.*,
    ${d.msBetween('prev_time', 'event_time')} AS ms_since_previous,
    CASE WHEN prev_time IS NULL OR ${d.msBetween('prev_time', 'event_time')} > ${windowMs} THEN 1 ELSE 0 END AS task_start_flag
  FROM sequenced
),
numbered AS (
  SELECT flagged.*,
    CAST(sum(task_start_flag) OVER (${person} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS task_number,
    CASE WHEN task_start_flag = 1 THEN NULL ELSE prev_any_channel END AS prev_channel
  FROM flagged
),
tasks AS (
  SELECT numbered.*, max(event_time) OVER (PARTITION BY person_id, task_number) AS task_end
  FROM numbered
),
marked AS (
  SELECT tasks.*,
    coalesce(prev_channel <> channel, FALSE) AS is_handoff,
    (prev_time IS NULL OR prev_any_channel <> channel OR prev_session_id <> session_id) AS is_contact_start
  FROM tasks
)
SELECT person_id, person_id || ${lit('#')} || CAST(task_number AS VARCHAR) AS task_id, task_number,
  task_start_flag = 1 AS is_task_start, task_end, session_id, message_id, event_time, event_name, touchpoint_channel,
  channel, prev_channel, ms_since_previous, is_handoff, is_contact_start,
  (is_contact_start AND channel IN ${inList(cfg.contactChannels)} AND prev_same_channel_time IS NOT NULL
    AND ${d.msBetween('prev_same_channel_time', 'event_time')} <= ${windowMs}) AS is_repeat_contact,
  (is_handoff AND (${escalation})) AS is_escalation
FROM marked`;
  },
});
