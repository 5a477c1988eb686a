/**
 * journeys: one row per conversion with its ordered touchpoints in the lookback window.
 * Conversions with no touch in the window are kept (touchpoint_count 0, path and channels NULL).
 */
import { c, defineView } from '../view.js';

export const PATH_SEPARATOR = ' > ';

export const journeys = defineView({
  name: 'journeys',
  description:
    "One row per conversion: its touchpoints within the lookback window in time order, the channel path ('a > b > c'), time to convert and distinct channels.",
  dependsOn: ['conversions', 'journey_touchpoints'],
  columns: [
    c('conversion_id', 'VARCHAR', 'Conversion'),
    c('person_id', 'VARCHAR', 'Canonical person id'),
    c('conversion_time', 'TIMESTAMP', 'Conversion time'),
    c('conversion_event', 'VARCHAR', 'Conversion event name'),
    c('order_id', 'VARCHAR', 'Order id'),
    c('revenue', 'DOUBLE', 'Revenue'),
    c('touchpoint_count', 'BIGINT', 'Touches in the window (0 when none)'),
    c('distinct_channels', 'BIGINT', 'Distinct channels among the touches'),
    c('path', 'VARCHAR', "Channels in time order joined by ' > ' (NULL when no touch)"),
    c('channels', 'ARRAY(VARCHAR)', 'Channels in time order (NULL when no touch)'),
    c('first_touch_time', 'TIMESTAMP', 'First touch in the window'),
    c('last_touch_time', 'TIMESTAMP', 'Last touch in the window'),
    c('seconds_to_convert', 'DOUBLE', 'conversion_time - first_touch_time in seconds'),
  ],
  example: `SELECT path, count(*) AS conversions, avg(seconds_to_convert) / 86400 AS avg_days
FROM journeys WHERE touchpoint_count > 0 GROUP BY path ORDER BY conversions DESC LIMIT 20`,
  render: (d) => `WITH per_conversion AS (
  SELECT conversion_id,
    count(*) AS touchpoint_count,
    count(DISTINCT channel) AS distinct_channels,
    array_agg(channel ORDER BY touch_index) AS channels,
    min(touch_time) AS first_touch_time,
    max(touch_time) AS last_touch_time
  FROM journey_touchpoints
  GROUP BY conversion_id
)
SELECT cv.conversion_id, cv.person_id, cv.conversion_time, cv.event_name AS conversion_event, cv.order_id, cv.revenue,
  coalesce(p.touchpoint_count, 0) AS touchpoint_count,
  coalesce(p.distinct_channels, 0) AS distinct_channels,
  ${d.arrayJoin('p.channels', `'${PATH_SEPARATOR}'`)} AS path,
  p.channels,
  p.first_touch_time,
  p.last_touch_time,
  ${d.secondsBetween('p.first_touch_time', 'cv.conversion_time')} AS seconds_to_convert
FROM conversions cv
LEFT JOIN per_conversion p ON p.conversion_id = cv.conversion_id`,
});
