import { c, defineView } from '../view.js';

export const ACTIVITY_EVENT_TYPES = ['track', 'page', 'screen'] as const;

export const eventsSessionized = defineView({
  name: 'events_sessionized',
  description:
    'Activity events (track, page, screen) of canonical persons, each with its session (inactivity timeout, optional split on channel/campaign change).',
  dependsOn: ['model_events_sessionized'],
  columns: [
    c('person_id', 'VARCHAR', 'Canonical person id'),
    c('session_id', 'VARCHAR', "person_id || '#' || session_number"),
    c('session_number', 'BIGINT', "1-based index of the session among the person's sessions"),
    c('is_session_start', 'BOOLEAN', 'True for the first event of its session'),
    c('message_id', 'VARCHAR', 'Event message id'),
    c('event_type', 'VARCHAR', 'track | page | screen'),
    c('event_name', 'VARCHAR', 'Track event name or page/screen name'),
    c('event_time', 'TIMESTAMP', 'Event time (UTC, ms)'),
    c('touchpoint_channel', 'VARCHAR', 'Touchpoint channel of the event'),
    c('campaign_name', 'VARCHAR', 'Campaign name'),
    c('campaign_source', 'VARCHAR', 'utm_source'),
    c('campaign_medium', 'VARCHAR', 'utm_medium'),
    c('page_path', 'VARCHAR', 'Page path'),
    c('referrer_host', 'VARCHAR', 'Referrer host'),
    c('source_id', 'VARCHAR', 'Source id'),
    c('device_type', 'VARCHAR', 'Device type'),
    c('order_id', 'VARCHAR', 'Order id (conversions)'),
    c('revenue', 'DOUBLE', 'Revenue (conversions)'),
    c('currency', 'VARCHAR', 'Currency of revenue'),
    c('properties', 'VARCHAR', 'JSON of properties'),
    c('seconds_since_previous', 'DOUBLE', "Seconds since the person's previous activity event (NULL for the first)"),
    c('event_date', 'VARCHAR', 'Partition date YYYY-MM-DD'),
  ],
  example: `SELECT session_id, event_time, event_name, touchpoint_channel
FROM events_sessionized WHERE person_id = 'p_123' ORDER BY event_time`,
  render: () => `SELECT ${eventsSessionized.columns.map((col) => col.name).join(', ')}
FROM model_events_sessionized`,
});
