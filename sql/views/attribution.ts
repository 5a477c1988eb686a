/**
 * attribution: credit of every touch of every journey under each rule-based model (long form: one row
 * per model x conversion x touch). Each model's definition follows.
 *
 *  - first_touch: 1 to touch_index 1.
 *  - last_touch: 1 to the last touch.
 *  - last_non_direct: 1 to the last touch whose channel is not directChannel ('direct'); a journey of
 *    direct touches only gives the last (direct) touch 1.
 *  - linear: 1/n each.
 *  - time_decay: weight 2^(-age / halfLife), age = conversion_time - touch_time (ms precision),
 *    normalised so the journey's weights sum to 1 (half-life from ViewConfig.halfLifeDays).
 *  - position_based: 1 touch 1; 2 touches 0.5/0.5; n >= 3: 0.4 first, 0.4 last, 0.2/(n-2) each middle one.
 * Every model's credits of one conversion sum to 1, so per model the credits add up to the number of
 * conversions with at least one touch, and revenue_credit (= credit * revenue) to their revenue.
 * Conversions without any touch in the window are not split (they appear in journeys with
 * touchpoint_count 0).
 */
import { dbl, lit } from '../dialect.js';
import { c, defineView } from '../view.js';

export const ATTRIBUTION_MODELS = ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based'] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

export const attribution = defineView({
  name: 'attribution',
  description:
    'Rule-based attribution credits, long form: one row per model, conversion and touch. Each conversion gives a total credit of 1 per model.',
  dependsOn: ['journey_touchpoints'],
  columns: [
    c('model', 'VARCHAR', ATTRIBUTION_MODELS.join(' | ')),
    c('conversion_id', 'VARCHAR', 'Conversion'),
    c('person_id', 'VARCHAR', 'Canonical person id'),
    c('conversion_time', 'TIMESTAMP', 'Conversion time'),
    c('touchpoint_id', 'VARCHAR', 'Touchpoint credited'),
    c('touch_time', 'TIMESTAMP', 'Touch time'),
    c('touch_index', 'BIGINT', 'Position of the touch in the journey'),
    c('touch_count', 'BIGINT', 'Touches in the journey'),
    c('channel', 'VARCHAR', 'Channel credited'),
    c('campaign_name', 'VARCHAR', 'Campaign of the touch'),
    c('credit', 'DOUBLE', 'Share of the conversion (0..1); sums to 1 per model and conversion'),
    c('revenue_credit', 'DOUBLE', 'credit * revenue'),
  ],
  example: `SELECT model, channel, sum(credit) AS conversions, sum(revenue_credit) AS revenue
FROM attribution GROUP BY model, channel ORDER BY model, conversions DESC`,
  render: (_d, cfg) => {
    const halfLifeMs = Math.round(cfg.halfLifeDays * 86_400_000);
    const models: Record<AttributionModel, string> = {
      first_touch: `CASE WHEN touch_index = 1 THEN ${dbl('1')} ELSE ${dbl('0')} END`,
      last_touch: `CASE WHEN touch_index = touch_count THEN ${dbl('1')} ELSE ${dbl('0')} END`,
      last_non_direct: `CASE WHEN touch_index = coalesce(last_non_direct_index, touch_count) THEN ${dbl('1')} ELSE ${dbl('0')} END`,
      linear: `${dbl('1')} / ${dbl('touch_count')}`,
      time_decay: `decay_weight / decay_total`,
      position_based: `CASE
      WHEN touch_count = 1 THEN ${dbl('1')}
      WHEN touch_count = 2 THEN ${dbl('0.5')}
      WHEN touch_index = 1 OR touch_index = touch_count THEN ${dbl('0.4')}
      ELSE ${dbl('0.2')} / ${dbl('touch_count - 2')}
    END`,
    };
    const branches = ATTRIBUTION_MODELS.map(
      (m) => `SELECT ${lit(m)} AS model, conversion_id, person_id, conversion_time, touchpoint_id, touch_time, touch_index,
  touch_count, channel, campaign_name,
  ${models[m]} AS credit,
  (${models[m]}) * revenue AS revenue_credit
FROM weighted`,
    );
    return `WITH enriched AS (
  SELECT journey_touchpoints.*,
    max(CASE WHEN channel <> ${lit(cfg.directChannel)} THEN touch_index END) OVER (PARTITION BY conversion_id) AS last_non_direct_index,
    power(${dbl('2')}, -(${dbl('ms_before_conversion')} / ${halfLifeMs})) AS decay_weight
  FROM journey_touchpoints
),
weighted AS (
  SELECT enriched.*, sum(decay_weight) OVER (PARTITION BY conversion_id) AS decay_total
  FROM enriched
)
${branches.join('\nUNION ALL\n')}`;
  },
});
