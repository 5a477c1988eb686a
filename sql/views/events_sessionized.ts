/**
 * events_sessionized: activity events (track, page, screen) with their session.
 *
 * Session rule, per canonical person, events ordered by (event_time, message_id):
 *  - the first event starts a session;
 *  - an event at least sessionTimeoutMinutes (default 30) after the previous one starts a new session
 *    (30 minutes of inactivity END a session: a gap of exactly 30:00.000 starts a new one, 29:59.999 does not);
 *  - optionally (splitSessionsOnChannelChange) an event whose touchpoint_channel differs from the last
 *    non-NULL channel before it starts a new session. A 'direct' (directChannel) event never does, and a
 *    direct event that did not start a session by the other rules is not "the channel before" either:
 *    the processor calls internal navigation without referrer or campaign 'direct', so the second page
 *    of a campaign landing is direct, and (as for touchpoints, and in GA) direct traffic does not
 *    interrupt a session's source. Deciding that from the timeout and campaign rules alone keeps the
 *    rule free of circularity;
 *  - optionally (splitSessionsOnCampaignChange) an event with a campaign_name that differs from the last
 *    non-NULL campaign_name before it starts a new session.
 * identify / group / alias calls are not activity and belong to no session.
 * Because sessions are consecutive runs of one person's time-ordered events, sessions of a person never
 * overlap (tested as an invariant).
 */
import { dbl, inList, lit } from '../dialect.js';
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
