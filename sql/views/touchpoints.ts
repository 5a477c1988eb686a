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
