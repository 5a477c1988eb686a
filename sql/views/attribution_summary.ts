/**
 * attribution_summary: every rule-based model side by side, one row per channel.
 * For each model M: M_conversions (sum of credits) and M_revenue (sum of revenue credits). Summed over
 * channels, each M_conversions column equals the number of conversions with at least one touch and each
 * M_revenue column their revenue (tested).
 */
import { dbl, lit } from '../dialect.js';
import { c, defineView } from '../view.js';
import { ATTRIBUTION_MODELS } from './attribution.js';

export const attributionSummary = defineView({
  name: 'attribution_summary',
  description:
    'One row per channel with the conversions and revenue credited to it by each model ' +
    '(first_touch, last_touch, last_non_direct, linear, time_decay, position_based).',
  dependsOn: ['attribution'],
  columns: [
    c('channel', 'VARCHAR', 'Channel'),
    ...ATTRIBUTION_MODELS.flatMap((m) => [
      c(`${m}_conversions`, 'DOUBLE', `Conversions credited by ${m}`),
      c(`${m}_revenue`, 'DOUBLE', `Revenue credited by ${m}`),
    ]),
  ],
  example: `SELECT channel, last_touch_conversions, linear_conversions, time_decay_conversions, position_based_revenue
FROM attribution_summary ORDER BY linear_conversions DESC`,
  render: () => {
    const cols = ATTRIBUTION_MODELS.flatMap((m) => [
      `sum(CASE WHEN model = ${lit(m)} THEN credit ELSE ${dbl('0')} END) AS ${m}_conversions`,
      `sum(CASE WHEN model = ${lit(m)} THEN revenue_credit ELSE ${dbl('0')} END) AS ${m}_revenue`,
    ]);
    return `SELECT channel,
  ${cols.join(',\n  ')}
FROM attribution
GROUP BY channel`;
  },
});
