/**
 * model_touchpoints: marketing touches (see the touchpoints view for the grain rules), partitioned by
 * the event_date of the touch's first event. A touch lies within one session, and the refresh rebuilds
 * whole sessions (all sessions starting >= W), so the touches of every partition >= W are rebuilt from
 * model_events_sessionized >= W alone.
 */
import { inList, lit } from '../dialect.js';
import { touchpoints } from '../views/touchpoints.js';
import { defineModel, fromPartition } from './model.js';

export const modelTouchpoints = defineModel({
  name: 'model_touchpoints',
  description: 'Marketing touches, partitioned by the event_date of their first event.',
  dependsOn: ['model_events_sessionized'],
  columns: touchpoints.columns,
  render: (_d, cfg, from) => {
    const collapse = cfg.touchpointGrain === 'session_channel';
    const keep = collapse
      ? `WHERE prev_channel IS NULL OR prev_channel <> touchpoint_channel OR (campaign_name IS DISTINCT FROM prev_campaign)`
      : '';
    const midSessionDirect = collapse ? `\n    AND (is_session_start OR touchpoint_channel <> ${lit(cfg.directChannel)})` : '';
    return `WITH marketing AS (
  SELECT person_id, session_id, message_id, event_time, touchpoint_channel, campaign_name, campaign_source,
    campaign_medium, event_name, event_date,
    lag(touchpoint_channel) OVER (PARTITION BY session_id ORDER BY event_time, message_id) AS prev_channel,
    lag(campaign_name) OVER (PARTITION BY session_id ORDER BY event_time, message_id) AS prev_campaign
  FROM model_events_sessionized
  WHERE ${fromPartition(from)} AND touchpoint_channel IN ${inList(cfg.marketingChannels)}${midSessionDirect}
)
SELECT message_id AS touchpoint_id, person_id, session_id, event_time AS touch_time, touchpoint_channel AS channel,
  campaign_name, campaign_source, campaign_medium, event_name, event_date
FROM marketing
${keep}`.trimEnd();
  },
});
