import { c, defineView } from '../view.js';

export const conversions = defineView({
  name: 'conversions',
  description:
    'Conversion events (track events named in conversionEvents), deduplicated by order_id where present (earliest kept), each with the canonical person.',
  dependsOn: ['model_conversions'],
  columns: [
    c('conversion_id', 'VARCHAR', 'order_id when present, else message_id'),
    c('person_id', 'VARCHAR', 'Canonical person id'),
    c('message_id', 'VARCHAR', 'Message id of the kept conversion event'),
    c('event_name', 'VARCHAR', 'Conversion event name'),
    c('conversion_time', 'TIMESTAMP', 'Event time of the conversion'),
    c('order_id', 'VARCHAR', 'Order id (NULL when the event had none)'),
    c('revenue', 'DOUBLE', 'Revenue, 0 when absent'),
    c('currency', 'VARCHAR', 'Currency of revenue'),
    c('conversion_channel', 'VARCHAR', 'touchpoint_channel of the conversion event'),
    c('session_id', 'VARCHAR', 'Session in which the conversion happened'),
    c('event_date', 'VARCHAR', 'Partition date of the conversion'),
  ],
  example: `SELECT event_date, count(*) AS orders, sum(revenue) AS revenue
FROM conversions GROUP BY event_date ORDER BY event_date`,
  render: () => `SELECT ${conversions.columns.map((col) => col.name).join(', ')}
FROM model_conversions`,
});
