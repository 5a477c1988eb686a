/**
 * sessions: one row per session (see events_sessionized for the session rule).
 */
import { c, defineView } from '../view.js';

export const sessions = defineView({
  name: 'sessions',
  description: 'One row per session of a canonical person. Sessions of one person never overlap: each ends before the next starts.',
  dependsOn: ['model_sessions'],
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
  // session_date is the model's partition, so a filter on it reads only those days' files.
  render: () => `SELECT ${sessions.columns.map((col) => (col.name === 'session_date' ? 'event_date AS session_date' : col.name)).join(', ')}
FROM model_sessions`,
});
