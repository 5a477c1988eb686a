/**
 * model_events_sessionized: activity events with their canonical person and session, partitioned by
 * event_date. The events_sessionized view reads it; the session rule is documented there.
 *
 * Refresh from W: model_events >= W, each event's person resolved through identity_map as it is now,
 * sessionized per person with the state carried from the person's sessions before W (model_sessions <
 * W): how many sessions the person had (session numbers continue), when the last one ended (the
 * inactivity rule for the first event from W on) and the last campaign and source channel seen (the
 * optional split rules). The planner picks W so that no session that started before W has an event
 * on or after W, so the carried state is the whole past.
 *
 * Internal columns (not in the view): last_campaign_through and last_source_channel_through (the last
 * non-NULL campaign and source channel of the person up to and including the event) and
 * is_session_end; model_sessions keeps their values at each session's end for the next refresh.
 */
import { dbl, inList, lit } from '../dialect.js';
import { c } from '../view.js';
import { ACTIVITY_EVENT_TYPES, eventsSessionized } from '../views/events_sessionized.js';
import { beforePartition, defineModel, emptyRelation, fromPartition } from './model.js';

const EVENT_DATE = eventsSessionized.columns.find((col) => col.name === 'event_date')!;

export const modelEventsSessionized = defineModel({
  name: 'model_events_sessionized',
  description:
    'Activity events of canonical persons with their session, partitioned by event_date; refreshed from a start date ' +
    "with each person's session count, last session end and last campaign/channel carried from model_sessions.",
  dependsOn: ['model_events', 'identity_map', 'model_sessions'],
  columns: [
    ...eventsSessionized.columns.filter((col) => col.name !== 'event_date'),
    c('last_campaign_through', 'VARCHAR', 'Last non-NULL campaign_name of the person up to this event (state for the next refresh)'),
    c('last_source_channel_through', 'VARCHAR', 'Last source channel of the person up to this event (state for the channel split)'),
    c('is_session_end', 'BOOLEAN', 'True for the last event of its session'),
    EVENT_DATE,
  ],
  render: (d, cfg, from) => {
    const timeoutMs = Math.round(cfg.sessionTimeoutMinutes * 60_000);
    const person = `PARTITION BY canonical_person_id ORDER BY event_time, message_id`;
    const before = `${person} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING`;
    const through = `${person} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`;
    const direct = lit(cfg.directChannel);
    const timeout = `${d.msBetween('prev_time', 'event_time')} >= ${timeoutMs}`;
    const campaignSplit = `campaign_name IS NOT NULL AND prev_campaign IS NOT NULL AND campaign_name <> prev_campaign`;
    const splitChannel = cfg.splitSessionsOnChannelChange;
    const splits: string[] = [];
    if (splitChannel) {
      splits.push(
        `WHEN touchpoint_channel IS NOT NULL AND touchpoint_channel <> ${direct} AND prev_channel IS NOT NULL AND touchpoint_channel <> prev_channel THEN 1`,
      );
    }
    if (cfg.splitSessionsOnCampaignChange) splits.push(`WHEN ${campaignSplit} THEN 1`);
    // The channel split compares against the last channel that is not a mid-session direct event; what
    // is mid-session is decided by the timeout (and campaign) rules, computed first.
    const sourced = splitChannel
      ? `CASE
      WHEN touchpoint_channel = ${direct} AND prev_time IS NOT NULL AND NOT (${timeout})${
        cfg.splitSessionsOnCampaignChange ? ` AND NOT (${campaignSplit})` : ''
      } THEN NULL
      ELSE touchpoint_channel
    END`
      : 'CAST(NULL AS VARCHAR)';
    return `WITH resolved AS (
  SELECT coalesce(m.canonical_person_id, e.person_id, e.user_id, e.anonymous_id) AS canonical_person_id,
    e.message_id, e.event_type, e.event_name, e.event_time, e.touchpoint_channel, e.campaign_name, e.campaign_source,
    e.campaign_medium, e.page_path, e.referrer_host, e.source_id, e.device_type, e.order_id, e.revenue, e.currency,
    e.properties, e.event_date
  FROM model_events e
  LEFT JOIN identity_map m ON m.from_person_id = e.person_id
  WHERE ${fromPartition(from, 'e.event_date')} AND e.event_type IN ${inList(ACTIVITY_EVENT_TYPES)} AND e.event_time IS NOT NULL
),
carried AS (
${
  from === undefined
    ? emptyRelation([
        ['person_id', 'VARCHAR'],
        ['prior_sessions', 'BIGINT'],
        ['prior_end', 'TIMESTAMP'],
        ['prior_campaign', 'VARCHAR'],
        ['prior_channel', 'VARCHAR'],
      ])
    : `SELECT coalesce(m.canonical_person_id, s.person_id) AS person_id,
    max(s.session_number) AS prior_sessions,
    max(s.session_end) AS prior_end,
    max_by(s.last_campaign_through, s.session_number) AS prior_campaign,
    max_by(s.last_source_channel_through, s.session_number) AS prior_channel
  FROM model_sessions s
  LEFT JOIN identity_map m ON m.from_person_id = s.person_id
  WHERE s.${beforePartition(from)}
    AND coalesce(m.canonical_person_id, s.person_id) IN (SELECT canonical_person_id FROM resolved)
  GROUP BY coalesce(m.canonical_person_id, s.person_id)`
}
),
activity AS (
  SELECT r.*,
    coalesce(lag(r.event_time) OVER (${person}), k.prior_end) AS prev_time,
    coalesce(${d.lastValueIgnoreNulls('r.campaign_name', before)}, k.prior_campaign) AS prev_campaign,
    coalesce(k.prior_sessions, 0) AS prior_sessions,
    k.prior_channel
  FROM resolved r
  LEFT JOIN carried k ON k.person_id = r.canonical_person_id
  WHERE r.canonical_person_id IS NOT NULL
),
sourced AS (
  SELECT activity.*, ${sourced} AS source_channel
  FROM activity
),
channelled AS (
  SELECT sourced.*,
    ${splitChannel ? `coalesce(${d.lastValueIgnoreNulls('source_channel', before)}, prior_channel)` : 'CAST(NULL AS VARCHAR)'} AS prev_channel
  FROM sourced
),
flagged AS (
  SELECT channelled.*,
    CASE
      WHEN prev_time IS NULL THEN 1
      WHEN ${timeout} THEN 1
      ${splits.join('\n      ')}
      ELSE 0
    END AS session_start_flag
  FROM channelled
),
numbered AS (
  SELECT flagged.*,
    prior_sessions + sum(session_start_flag) OVER (${through}) AS session_seq,
    coalesce(${d.lastValueIgnoreNulls('campaign_name', through)}, prev_campaign) AS campaign_through,
    ${splitChannel ? `coalesce(${d.lastValueIgnoreNulls('source_channel', through)}, prior_channel)` : 'CAST(NULL AS VARCHAR)'} AS channel_through,
    lead(session_start_flag) OVER (${person}) AS next_start_flag
  FROM flagged
)
SELECT canonical_person_id AS person_id,
  canonical_person_id || ${lit('#')} || CAST(CAST(session_seq AS BIGINT) AS VARCHAR) AS session_id,
  CAST(session_seq AS BIGINT) AS session_number,
  session_start_flag = 1 AS is_session_start,
  message_id, event_type, event_name, event_time, touchpoint_channel, campaign_name, campaign_source,
  campaign_medium, page_path, referrer_host, source_id, device_type, order_id, revenue, currency, properties,
  CASE WHEN prev_time IS NULL THEN NULL ELSE ${dbl(d.msBetween('prev_time', 'event_time'))} / 1000 END AS seconds_since_previous,
  campaign_through AS last_campaign_through,
  channel_through AS last_source_channel_through,
  coalesce(next_start_flag = 1, true) AS is_session_end,
  event_date
FROM numbered`;
  },
});
