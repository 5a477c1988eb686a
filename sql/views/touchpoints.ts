/**
 * touchpoints: marketing touches of canonical persons, the raw material of journeys and attribution.
 *
 * A marketing event is an activity event (track/page/screen) whose touchpoint_channel is one of
 * ViewConfig.marketingChannels (default DEFAULT_MARKETING_CHANNELS: web and mobile_app are owned
 * properties, not touches, unless the processor classified the visit by campaign/referrer/click id).
 * Grain (ViewConfig.touchpointGrain):
 *  - 'session_channel' (default): consecutive marketing events of one session with the same channel and
 *    campaign form ONE touchpoint, timed at its first event (ten page views after one ad click = 1 touch;
 *    email -> paid_search -> email in one session = 3 touches). A 'direct' event that does not start its
 *    session is no touch: the processor's default rule calls internal navigation without referrer or
 *    campaign 'direct', and (as in GA) direct traffic does not interrupt a session's source;
 *  - 'event': every marketing event is a touchpoint.
 * A conversion event on a marketing channel (a store purchase, an order over the phone) is itself a touch.
 */
import { inList, lit } from '../dialect.js';
import { c, defineView } from '../view.js';

export const touchpoints = defineView({
  name: 'touchpoints',
  description:
    'Marketing touches: activity events on a marketing channel; ' +
    'by default consecutive events of one session with the same channel and campaign collapse into one touch.',
  dependsOn: ['model_touchpoints'],
  columns: [
    c('touchpoint_id', 'VARCHAR', 'message_id of the (first) event of the touch'),
    c('person_id', 'VARCHAR', 'Canonical person id'),
    c('session_id', 'VARCHAR', 'Session of the touch'),
    c('touch_time', 'TIMESTAMP', 'Time of the (first) event of the touch'),
    c('channel', 'VARCHAR', 'Touchpoint channel'),
    c('campaign_name', 'VARCHAR', 'Campaign name'),
    c('campaign_source', 'VARCHAR', 'utm_source'),
    c('campaign_medium', 'VARCHAR', 'utm_medium'),
    c('event_name', 'VARCHAR', 'Name of the (first) event'),
    c('event_date', 'VARCHAR', 'Partition date of the (first) event'),
  ],
  example: `SELECT channel, count(*) AS touches, count(DISTINCT person_id) AS persons
FROM touchpoints WHERE touch_time >= TIMESTAMP '2024-05-01 00:00:00' GROUP BY channel ORDER BY touches DESC`,
  render: () => `SELECT ${touchpoints.columns.map((col) => col.name).join(', ')}
FROM model_touchpoints`,
});
