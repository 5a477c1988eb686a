/**
 * journey_touchpoints: for every conversion, each touchpoint of its person inside the lookback window
 * [conversion_time - lookbackDays, conversion_time] (both ends included), numbered in time order.
 * By default a touch may belong to several conversions' journeys (windows are not reset by a
 * conversion, as attribution.md defines it and GA does); with resetJourneyAfterConversion the window
 * also starts strictly after the person's previous conversion.
 */
import { minusSeconds } from '../dialect.js';
import { c, defineView } from '../view.js';

export const journeyTouchpoints = defineView({
  name: 'journey_touchpoints',
  description:
    'One row per (conversion, touchpoint in its lookback window), ordered: the long form of journeys and the input of the attribution models.',
  dependsOn: ['conversions', 'touchpoints'],
  columns: [
    c('conversion_id', 'VARCHAR', 'Conversion'),
    c('person_id', 'VARCHAR', 'Canonical person id'),
    c('conversion_time', 'TIMESTAMP', 'Conversion time'),
    c('revenue', 'DOUBLE', 'Revenue of the conversion'),
    c('touchpoint_id', 'VARCHAR', 'Touchpoint'),
    c('touch_time', 'TIMESTAMP', 'Touch time'),
    c('channel', 'VARCHAR', 'Touch channel'),
    c('campaign_name', 'VARCHAR', 'Touch campaign'),
    c('touch_index', 'BIGINT', '1-based position in the journey (touch_time, touchpoint_id order)'),
    c('touch_count', 'BIGINT', 'Touches in the journey'),
    c('ms_before_conversion', 'BIGINT', 'conversion_time - touch_time in milliseconds'),
  ],
  example: `SELECT conversion_id, touch_index, channel, ms_before_conversion / 3600000.0 AS hours_before
FROM journey_touchpoints WHERE conversion_id = 'order-1001' ORDER BY touch_index`,
  render: (d, cfg) => `WITH cv AS (
  SELECT conversions.*,
    lag(conversion_time) OVER (PARTITION BY person_id ORDER BY conversion_time, conversion_id) AS previous_conversion_time
  FROM conversions
)
SELECT cv.conversion_id, cv.person_id, cv.conversion_time, cv.revenue,
  t.touchpoint_id, t.touch_time, t.channel, t.campaign_name,
  row_number() OVER (PARTITION BY cv.conversion_id ORDER BY t.touch_time, t.touchpoint_id) AS touch_index,
  count(*) OVER (PARTITION BY cv.conversion_id) AS touch_count,
  ${d.msBetween('t.touch_time', 'cv.conversion_time')} AS ms_before_conversion
FROM cv
JOIN touchpoints t
  ON t.person_id = cv.person_id
  AND t.touch_time <= cv.conversion_time
  AND t.touch_time >= ${minusSeconds('cv.conversion_time', cfg.lookbackDays * 86_400)}${
    cfg.resetJourneyAfterConversion ? `\n  AND (cv.previous_conversion_time IS NULL OR t.touch_time > cv.previous_conversion_time)` : ''
  }`,
});
