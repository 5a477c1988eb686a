/**
 * channel_paths: ONE ROW PER DISTINCT PATH, the input of data-driven (Markov, Shapley) attribution.
 *
 * | path                   | VARCHAR | channels joined by ' > ' |
 * | total_conversions      | BIGINT  | converting journeys (journeys with >= 1 touch) with this path |
 * | total_conversion_value | DOUBLE  | their revenue |
 * | total_null             | BIGINT  | non-converting journeys (unconverted_journeys) with this path |
 *
 * Conversions with no touch in their window have no path and are not in this view.
 */
import { c, defineView } from '../view.js';

export const channelPaths = defineView({
  name: 'channel_paths',
  description:
    'One row per distinct channel path: converting journeys (journeys with touches) ' +
    'and non-converting journeys (unconverted_journeys) counted per path, with conversion value.',
  dependsOn: ['journeys', 'unconverted_journeys'],
  columns: [
    c('path', 'VARCHAR', "Channels in time order joined by ' > '"),
    c('total_conversions', 'BIGINT', 'Converting journeys with this path'),
    c('total_conversion_value', 'DOUBLE', 'Revenue of those conversions'),
    c('total_null', 'BIGINT', 'Non-converting journeys with this path'),
  ],
  example: `SELECT path, total_conversions, total_conversion_value, total_null
FROM channel_paths ORDER BY total_conversions + total_null DESC LIMIT 50`,
  render: () => `WITH all_journeys AS (
  SELECT path, 1 AS converted, revenue AS conversion_value FROM journeys WHERE touchpoint_count > 0
  UNION ALL
  SELECT path, 0 AS converted, CAST(0 AS DOUBLE) AS conversion_value FROM unconverted_journeys
)
SELECT path,
  CAST(sum(converted) AS BIGINT) AS total_conversions,
  CAST(sum(conversion_value) AS DOUBLE) AS total_conversion_value,
  CAST(sum(1 - converted) AS BIGINT) AS total_null
FROM all_journeys
GROUP BY path`,
});
