/**
 * unconverted_journeys: the non-converting journeys, one per person at most.
 *
 * Definition (the (null) paths of data-driven attribution):
 *   a person's touchpoints strictly AFTER their last conversion (all their touchpoints if they never
 *   converted), restricted to the lookback window that ends at the last of those touches:
 *   [last_touch_time - lookbackDays, last_touch_time].
 * Touches at or before a conversion belong to that conversion's journey (if inside its window) or to no
 * journey (older than the window); they are never counted as a non-conversion too. A person whose last
 * event is a conversion has no unconverted journey. The window is anchored at the last touch (not at
 * "now"), so the view does not change with the query date.
 */
import { minusSeconds } from '../dialect.js';
import { c, defineView } from '../view.js';
import { PATH_SEPARATOR } from './journeys.js';

export const unconvertedJourneys = defineView({
  name: 'unconverted_journeys',
  description:
    'Per person, the touches after their last conversion (or all, if none) within lookbackDays of the last such touch: ' +
    'the journey that has not (yet) converted.',
  dependsOn: ['touchpoints', 'conversions'],
  columns: [
    c('person_id', 'VARCHAR', 'Canonical person id (one row per person at most)'),
    c('touchpoint_count', 'BIGINT', 'Touches in the journey'),
    c('distinct_channels', 'BIGINT', 'Distinct channels'),
    c('path', 'VARCHAR', "Channels in time order joined by ' > '"),
    c('channels', 'ARRAY(VARCHAR)', 'Channels in time order'),
    c('first_touch_time', 'TIMESTAMP', 'First touch of the journey'),
    c('last_touch_time', 'TIMESTAMP', 'Last touch of the journey'),
  ],
  example: `SELECT path, count(*) AS persons FROM unconverted_journeys GROUP BY path ORDER BY persons DESC LIMIT 20`,
  render: (d, cfg) => `WITH last_conversion AS (
  SELECT person_id, max(conversion_time) AS last_conversion_time
  FROM conversions GROUP BY person_id
),
open_touches AS (
  SELECT t.person_id, t.touchpoint_id, t.touch_time, t.channel
  FROM touchpoints t
  LEFT JOIN last_conversion lc ON lc.person_id = t.person_id
  WHERE lc.last_conversion_time IS NULL OR t.touch_time > lc.last_conversion_time
),
bounds AS (
  SELECT person_id, max(touch_time) AS window_end FROM open_touches GROUP BY person_id
),
windowed AS (
  SELECT o.person_id, o.touchpoint_id, o.touch_time, o.channel
  FROM open_touches o JOIN bounds b ON b.person_id = o.person_id
  WHERE o.touch_time >= ${minusSeconds('b.window_end', cfg.lookbackDays * 86_400)}
),
grouped AS (
  SELECT person_id,
    count(*) AS touchpoint_count,
    count(DISTINCT channel) AS distinct_channels,
    array_agg(channel ORDER BY touch_time, touchpoint_id) AS channels,
    min(touch_time) AS first_touch_time,
    max(touch_time) AS last_touch_time
  FROM windowed GROUP BY person_id
)
SELECT person_id, touchpoint_count, distinct_channels,
  ${d.arrayJoin('channels', `'${PATH_SEPARATOR}'`)} AS path,
  channels, first_touch_time, last_touch_time
FROM grouped`,
});
