/**
 * model_sessions: one row per session, partitioned by the session's start date (event_date =
 * session_date). The sessions view reads it; the next refresh reads its partitions before the refresh
 * start for each person's carried state (session count, last end, last campaign and source channel).
 * Every session whose start is >= W is rebuilt from model_events_sessionized; the planner guarantees
 * that all its events are >= W too.
 */
import { c } from '../view.js';
import { sessions } from '../views/sessions.js';
import { defineModel, fromPartition } from './model.js';

export const modelSessions = defineModel({
  name: 'model_sessions',
  description:
    'Sessions, partitioned by session start date, with the per-person state (last campaign and source channel at the ' +
    'end of the session) that the next refresh carries over.',
  dependsOn: ['model_events_sessionized'],
  columns: [
    ...sessions.columns.filter((col) => col.name !== 'session_date'),
    c('last_campaign_through', 'VARCHAR', "Last non-NULL campaign of the person at the session's end"),
    c('last_source_channel_through', 'VARCHAR', "Last source channel of the person at the session's end"),
    c('event_date', 'VARCHAR', 'Partition: UTC date of session_start (the view calls it session_date)'),
  ],
  render: (d, _cfg, from) => `SELECT session_id, person_id, session_number,
  min(event_time) AS session_start,
  max(event_time) AS session_end,
  ${d.secondsBetween('min(event_time)', 'max(event_time)')} AS duration_seconds,
  count(*) AS event_count,
  max(CASE WHEN is_session_start THEN touchpoint_channel END) AS landing_channel,
  max(CASE WHEN is_session_start THEN campaign_name END) AS landing_campaign,
  max(CASE WHEN is_session_start THEN page_path END) AS landing_page_path,
  count(DISTINCT touchpoint_channel) AS distinct_channels,
  max(CASE WHEN is_session_end THEN last_campaign_through END) AS last_campaign_through,
  max(CASE WHEN is_session_end THEN last_source_channel_through END) AS last_source_channel_through,
  ${d.dateString('min(event_time)')} AS event_date
FROM model_events_sessionized
WHERE ${fromPartition(from)}
GROUP BY session_id, person_id, session_number`,
});
