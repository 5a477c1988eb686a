/**
 * sessions: one row per session (see events_sessionized for the session rule).
 */
import { c, defineView } from '../view.js';

export const sessions = defineView({
  name: 'sessions',
  description: 'One row per session of a canonical person. Sessions of one person never overlap: each ends before the next starts.',
  dependsOn: ['events_sessionized'],
  columns: [
    c('session_id', 'VARCHAR', "person_id || '#' || session_number"),
    c('person_id', 'VARCHAR', 'Canonical person id'),
    c('session_number', 'BIGINT', "1-based index among the person's sessions, in time order"),
    c('session_start', 'TIMESTAMP', 'Time of the first event'),
    c('session_end', 'TIMESTAMP', 'Time of the last event'),
    c('duration_seconds', 'DOUBLE', 'session_end - session_start in seconds (0 for one-event sessions)'),
    c('event_count', 'BIGINT', 'Activity events in the session'),
    c('landing_channel', 'VARCHAR', 'touchpoint_channel of the first event'),
    c('landing_campaign', 'VARCHAR', 'campaign_name of the first event'),
    c('landing_page_path', 'VARCHAR', 'page_path of the first event'),
    c('distinct_channels', 'BIGINT', 'Distinct non-NULL touchpoint channels seen in the session'),
    c('session_date', 'VARCHAR', 'UTC date of session_start, YYYY-MM-DD'),
  ],
  example: `SELECT session_date, landing_channel, count(*) AS sessions, avg(duration_seconds) AS avg_seconds
FROM sessions GROUP BY session_date, landing_channel ORDER BY session_date, sessions DESC`,
  render: (d) => `SELECT session_id, person_id, session_number,
  min(event_time) AS session_start,
  max(event_time) AS session_end,
  ${d.secondsBetween('min(event_time)', 'max(event_time)')} AS duration_seconds,
  count(*) AS event_count,
  max(CASE WHEN is_session_start THEN touchpoint_channel END) AS landing_channel,
  max(CASE WHEN is_session_start THEN campaign_name END) AS landing_campaign,
  max(CASE WHEN is_session_start THEN page_path END) AS landing_page_path,
  count(DISTINCT touchpoint_channel) AS distinct_channels,
  ${d.dateString('min(event_time)')} AS session_date
FROM events_sessionized
GROUP BY session_id, person_id, session_number`,
});
