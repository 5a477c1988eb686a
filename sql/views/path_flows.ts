/**
 * path_flows: edges of a flow (Sankey) diagram over all journeys, converting and not.
 * For a journey with channels c1..cn: rows (1, c1, c2), (2, c2, c3), ..., (n, cn, outcome) where outcome
 * is '(conversion)' for journeys (with touches) and '(null)' for unconverted_journeys; `count` is the
 * number of journeys taking that edge at that step. Node ids for a diagram: step || ':' || source.
 */
import { c, defineView } from '../view.js';

export const CONVERSION_NODE = '(conversion)';
export const NULL_NODE = '(null)';

export const pathFlows = defineView({
  name: 'path_flows',
  description:
    "Flow diagram edges: (step, source, target, count) over the channel sequences of all journeys; the last step's target is '(conversion)' or '(null)'.",
  dependsOn: ['journeys', 'unconverted_journeys'],
  columns: [
    c('step', 'BIGINT', '1-based position of source in the journey'),
    c('source', 'VARCHAR', 'Channel at this step'),
    c('target', 'VARCHAR', "Channel at the next step, or '(conversion)' / '(null)' after the last touch"),
    c('count', 'BIGINT', 'Journeys taking this edge at this step'),
  ],
  example: `SELECT step, source, target, count FROM path_flows WHERE step <= 5 ORDER BY step, count DESC`,
  render: (d) => `WITH all_journeys AS (
  SELECT channels, '${CONVERSION_NODE}' AS outcome FROM journeys WHERE touchpoint_count > 0
  UNION ALL
  SELECT channels, '${NULL_NODE}' AS outcome FROM unconverted_journeys
),
steps AS (
  SELECT s.channel AS source,
    CAST(s.step AS BIGINT) AS step,
    CASE WHEN s.step = ${d.arraySize('a.channels')} THEN a.outcome ELSE ${d.arrayAt('a.channels', 's.step + 1')} END AS target
  FROM all_journeys a
  CROSS JOIN UNNEST(a.channels) WITH ORDINALITY AS s(channel, step)
)
SELECT step, source, target, count(*) AS count
FROM steps
GROUP BY step, source, target`,
});
