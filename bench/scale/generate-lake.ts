/**
 * Generates N events straight into the lake layout (<lake>/<table>/event_date=YYYY-MM-DD/part-*.parquet,
 * zstd), with DuckDB producing the rows in bulk from range() and hash-based pseudo-random columns. The
 * pipeline would take hours for 100 M events; this writes 1 M in seconds. Same seed, same rows.
 *
 * Shape of the data (what the views need to do real work):
 *   - events come in sessions of up to 6 slots (page landing, pages and tracks, sometimes an identify,
 *     sometimes 'Order Completed' with revenue as the last slot); about one session in ten has a gap of
 *     two hours inside it, so the views see sessions of varying length;
 *   - sessions come in pairs of one person: a landing (web/app campaigns, direct, organic...) and a
 *     follow-up 1 to 21 hours later, often on an assisted channel (chat, call centre, store), so there
 *     are hand-offs and escalations;
 *   - persons are drawn with a skew (a few heavy persons, a long tail) and have 1 to 4 anonymous ids;
 *     every id after the first carries its own provisional person_id, merged into the person by
 *     identity_changes rows that form chains (p-1-3 -> p-1-2 -> p-1-1 -> p-1), so identity_map follows hops;
 *   - ~1% of events are written again as client retries (same message_id, later received_at) and
 *     ~0.2% as exact replays; ~2% arrive late (hours after event_time) in files of their own.
 * Days: pairs of sessions are spread evenly over `days` days from `startDate` (a follow-up may spill into
 * the next day), so a lake of N events holds about N / days events per day partition.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdbColumns, type LakeTableName } from '../../schemas/index.js';
import { PARTITION_KEY, partFileName } from '../../sql/index.js';

export const SLOTS_PER_SESSION = 6;
/** Event indexes are allotted per pair of sessions, so every generation call starts on a pair. */
export const EVENTS_PER_PAIR = 2 * SLOTS_PER_SESSION;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface GenerateLakeOptions {
  readonly lakeDir: string;
  readonly events: number;
  readonly seed?: number;
  /** First day, YYYY-MM-DD (UTC). */
  readonly startDate?: string;
  readonly days?: number;
  /** Size of the person population (default events / 40). Pass the base lake's when appending to it. */
  readonly persons?: number;
  /**
   * Index of the first event (a multiple of EVENTS_PER_PAIR). Appending a day to a lake of N events:
   * firstEvent = the base lake's `nextEvent`, so message ids never collide with the base.
   */
  readonly firstEvent?: number;
  /** Write identity_changes for the population (default true; false when appending a day). */
  readonly identityChanges?: boolean;
  /**
   * Late arrivals of an appended day: events received on the new day whose event_time lies 1-3 days
   * earlier, so they land in OLDER partitions (what an incremental refresh has to pick up). Default false:
   * in a base lake late events stay within their own day's partition range.
   */
  readonly lateIntoPastDays?: boolean;
  /** Events per DuckDB COPY (bounds memory at 100 M). */
  readonly chunkEvents?: number;
  /** Write time put into the part file names (default: startDate at midnight). */
  readonly writtenAt?: Date;
  readonly onProgress?: (done: number, total: number) => void;
  /** DuckDB threads (default: DuckDB's own, one per core). */
  readonly threads?: number;
}

export interface GeneratedLake {
  readonly lakeDir: string;
  readonly events: number;
  /** Rows written to events (events + retry and replay copies). */
  readonly eventRows: number;
  readonly identityChangeRows: number;
  readonly persons: number;
  readonly seed: number;
  readonly startDate: string;
  /** Last day with events from the even spread (a follow-up session may spill one day past it). */
  readonly endDate: string;
  readonly days: number;
  /** firstEvent to pass when appending to this lake. */
  readonly nextEvent: number;
  /** Files written by this call (absolute paths). */
  readonly files: string[];
}

interface Weighted {
  readonly value: string;
  readonly weight: number;
}

/** Where a first session of a pair comes from (share of sessions, percent). */
const LANDING_CHANNELS: readonly Weighted[] = [
  { value: 'direct', weight: 22 },
  { value: 'organic_search', weight: 18 },
  { value: 'paid_search', weight: 14 },
  { value: 'email', weight: 8 },
  { value: 'paid_social', weight: 8 },
  { value: 'mobile_app', weight: 6 },
  { value: 'referral', weight: 5 },
  { value: 'organic_social', weight: 4 },
  { value: 'display', weight: 3 },
  { value: 'store', weight: 3 },
  { value: 'affiliate', weight: 2 },
  { value: 'sms', weight: 2 },
  { value: 'push', weight: 2 },
  { value: 'chat', weight: 1.5 },
  { value: 'call_center', weight: 1.5 },
];

/** The follow-up session: assisted channels and e-mail are much more frequent. */
const FOLLOW_UP_CHANNELS: readonly Weighted[] = [
  { value: 'direct', weight: 20 },
  { value: 'chat', weight: 14 },
  { value: 'call_center', weight: 12 },
  { value: 'email', weight: 12 },
  { value: 'store', weight: 10 },
  { value: 'paid_search', weight: 8 },
  { value: 'organic_search', weight: 8 },
  { value: 'mobile_app', weight: 8 },
  { value: 'push', weight: 4 },
  { value: 'sms', weight: 4 },
];

const ASSISTED = ['store', 'call_center', 'chat'];
const APP = ['mobile_app', 'push'];
const CAMPAIGN_CHANNELS: Record<string, { source: string; medium: string }> = {
  paid_search: { source: 'google', medium: 'cpc' },
  paid_social: { source: 'facebook', medium: 'paid_social' },
  display: { source: 'dv360', medium: 'display' },
  affiliate: { source: 'awin', medium: 'affiliate' },
  email: { source: 'newsletter', medium: 'email' },
  sms: { source: 'sms', medium: 'sms' },
  push: { source: 'app', medium: 'push' },
};
const TRACK_NAMES = ['Product Viewed', 'Product Added', 'Checkout Started', 'Products Searched', 'Product List Viewed'];
const ASSISTED_NAMES: Record<string, string[]> = {
  store: ['Store Visit', 'Product Viewed', 'Store Visit'],
  call_center: ['Call Started', 'Call Ended', 'Ticket Updated'],
  chat: ['Chat Started', 'Chat Message', 'Chat Ended'],
};
const PAGE_SECTIONS = ['', 'products', 'category', 'cart', 'checkout', 'help', 'blog', 'account'];

function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
function list(values: readonly string[]): string {
  return `[${values.map(lit).join(', ')}]`;
}
/** CASE over cumulative weights for a uniform u in [0, 1). */
function pick(u: string, items: readonly Weighted[]): string {
  const total = items.reduce((s, x) => s + x.weight, 0);
  let acc = 0;
  const whens = items.slice(0, -1).map((x) => {
    acc += x.weight / total;
    return `WHEN ${u} < ${acc.toFixed(6)} THEN ${lit(x.value)}`;
  });
  return `CASE ${whens.join(' ')} ELSE ${lit(items[items.length - 1]!.value)} END`;
}

export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

interface EventsSqlParams {
  readonly seed: number;
  readonly firstPair: number;
  readonly pairs: number;
  /** pairs in the whole call (days are spread over all of them, not per chunk). */
  readonly callFirstPair: number;
  readonly callPairs: number;
  readonly lastEvent: number;
  readonly startMs: number;
  readonly days: number;
  readonly persons: number;
  readonly lateIntoPastDays: boolean;
}

/**
 * The SELECT of every lake column of events for the pairs [firstPair, firstPair + pairs), restricted to
 * `copy`: 'on_time' (events not late), 'late' (late events only), 'retry' (second copies of ~1% of the
 * events, received 2-30 s later) or 'replay' (exact copies of ~0.2%).
 */
export function eventsSelectSql(p: EventsSqlParams, copy: 'on_time' | 'late' | 'retry' | 'replay'): string {
  const h = (tag: string, ...keys: string[]) => `CAST(hash(${keys.join(', ')}, ${p.seed}, ${lit(tag)}) >> 1 AS BIGINT)`;
  const u = (tag: string, ...keys: string[]) => `(${h(tag, ...keys)} % 1000000)::DOUBLE / 1000000.0`;
  const hex = (tag: string, ...keys: string[]) => `lower(to_hex(${h(tag, ...keys)}))`;
  const first = p.firstPair * EVENTS_PER_PAIR;
  const last = Math.min(p.lastEvent, (p.firstPair + p.pairs) * EVENTS_PER_PAIR);
  const late = `${u('late', 'i')} < 0.02`;
  const copyFilter = {
    on_time: `NOT (${late})`,
    late,
    retry: `${u('retry', 'i')} < 0.01`,
    replay: `${u('replay', 'i')} < 0.002`,
  }[copy];
  const anonCount = `(CASE WHEN ${u('ids', 'p')} < 0.5 THEN 1 WHEN ${u('ids', 'p')} < 0.75 THEN 2 WHEN ${u('ids', 'p')} < 0.9 THEN 3 ELSE 4 END)`;
  const campaign = Object.keys(CAMPAIGN_CHANNELS);
  const caseOf = (key: string, m: Record<string, string>, otherwise = 'NULL') =>
    `CASE ${Object.entries(m)
      .map(([k, v]) => `WHEN ${key} = ${lit(k)} THEN ${v}`)
      .join(' ')} ELSE ${otherwise} END`;
  const lateBack = `(1 + ${h('lateback', 'i')} % 3) * ${DAY_MS} + ${h('latems', 'i')} % ${DAY_MS}`;
  const eventMs = p.lateIntoPastDays ? `base_ms - CASE WHEN is_late THEN ${lateBack} ELSE 0 END` : 'base_ms';
  const onTimeReceipt = `base_ms + 50 + ${h('recv', 'i')} % 3000`;
  const lateReceipt = p.lateIntoPastDays ? onTimeReceipt : `base_ms + (1 + ${h('lateh', 'i')} % 72) * ${HOUR_MS}`;
  const retryDelay = copy === 'retry' ? ` + 2000 + ${h('retryms', 'i')} % 28000` : '';

  // Columns of the contract that the generator fills; every other column is written as NULL.
  const expr: Record<string, string> = {
    message_id: `${hex('m1', 'i')} || ${hex('m2', 'i')}`,
    event_type: `CASE WHEN conv THEN 'track' WHEN ident THEN 'identify' WHEN platform = 'assisted' THEN 'track' WHEN j = 0 THEN 'page' WHEN ${u('type', 'i')} < 0.7 THEN 'page' ELSE 'track' END`,
    event_name: `CASE WHEN conv THEN 'Order Completed' WHEN ident THEN NULL
      WHEN platform = 'assisted' THEN ${caseOf('channel', Object.fromEntries(ASSISTED.map((c) => [c, `${list(ASSISTED_NAMES[c]!)}[1 + ${h('an', 'i')} % 3]`])))}
      WHEN j = 0 OR ${u('type', 'i')} < 0.7 THEN 'Page ' || section
      ELSE ${list(TRACK_NAMES)}[1 + ${h('tn', 'i')} % ${TRACK_NAMES.length}] END`,
    event_time: 'epoch_ms(event_ms)',
    original_timestamp: 'epoch_ms(event_ms)',
    sent_at: `epoch_ms(event_ms + ${h('sent', 'i')} % 2000)`,
    received_at: `epoch_ms(received_ms)`,
    processed_at: `epoch_ms(received_ms + 200 + ${h('proc', 'i')} % 1500)`,
    source_id: `'src-' || source`,
    source_name: 'source',
    anonymous_id: `'a-' || ${hex('anon', 'p', 'a')}`,
    user_id: `CASE WHEN known AND (ident OR conv OR ${u('login', 's')} < 0.5) THEN 'u-' || p ELSE NULL END`,
    person_id: `CASE WHEN a = 0 THEN 'p-' || p ELSE 'p-' || p || '-' || a END`,
    touchpoint_channel: `CASE WHEN j = 0 OR platform = 'assisted' THEN channel WHEN platform = 'app' THEN 'mobile_app' ELSE 'direct' END`,
    channel_rule: `CASE WHEN platform = 'assisted' THEN 'source_default' WHEN j > 0 OR channel = 'direct' THEN 'default'
      WHEN channel = 'paid_search' THEN 'click_id' WHEN channel IN ('organic_search', 'organic_social', 'referral') THEN 'referrer'
      WHEN channel = 'mobile_app' THEN 'source_default' ELSE 'utm' END`,
    sending_platform: `CASE WHEN platform = 'web' THEN 'web' WHEN platform = 'app' THEN 'mobile' ELSE 'server' END`,
    touchpoint_location: `CASE WHEN channel = 'store' THEN 'store-' || ${h('loc', 's')} % 50 WHEN channel = 'call_center' THEN 'queue-' || ${h('loc', 's')} % 5 ELSE NULL END`,
    touchpoint_agent: `CASE WHEN platform = 'assisted' THEN 'agent-' || ${h('agent', 's')} % 200 ELSE NULL END`,
    campaign_name: `CASE WHEN j = 0 AND channel IN (${campaign.map(lit).join(', ')}) THEN 'cmp-' || channel || '-' || ${h('cmp', 's')} % 12 ELSE NULL END`,
    campaign_source: `CASE WHEN j = 0 THEN ${caseOf('channel', Object.fromEntries(campaign.map((c) => [c, lit(CAMPAIGN_CHANNELS[c]!.source)])))} ELSE NULL END`,
    campaign_medium: `CASE WHEN j = 0 THEN ${caseOf('channel', Object.fromEntries(campaign.map((c) => [c, lit(CAMPAIGN_CHANNELS[c]!.medium)])))} ELSE NULL END`,
    click_id_type: `CASE WHEN j = 0 AND channel = 'paid_search' THEN 'gclid' ELSE NULL END`,
    click_id: `CASE WHEN j = 0 AND channel = 'paid_search' THEN 'Cj0' || ${hex('gclid', 's')} ELSE NULL END`,
    page_url: `CASE WHEN is_page THEN 'https://shop.example.com' || page_path || CASE WHEN j = 0 AND channel IN (${campaign.map(lit).join(', ')}) THEN '?utm_source=x&utm_campaign=c' ELSE '' END ELSE NULL END`,
    page_path: `CASE WHEN is_page THEN page_path ELSE NULL END`,
    page_title: `CASE WHEN is_page THEN 'Shop | ' || section ELSE NULL END`,
    referrer: `CASE WHEN is_page AND j > 0 THEN 'https://shop.example.com/' WHEN is_page THEN ${caseOf('channel', { organic_search: "'https://www.google.com/'", organic_social: "'https://www.facebook.com/'", referral: `'https://blog-' || ${h('ref', 's')} % 40 || '.example.org/post'` })} ELSE NULL END`,
    referrer_host: `CASE WHEN is_page AND j > 0 THEN 'shop.example.com' WHEN is_page THEN ${caseOf('channel', { organic_search: "'www.google.com'", organic_social: "'www.facebook.com'", referral: `'blog-' || ${h('ref', 's')} % 40 || '.example.org'` })} ELSE NULL END`,
    device_id: `CASE WHEN platform = 'app' THEN 'd-' || ${hex('dev', 'p', 'a')} ELSE NULL END`,
    device_type: `CASE WHEN platform = 'app' THEN 'mobile' WHEN channel = 'store' THEN 'pos' WHEN platform = 'assisted' THEN 'other' WHEN ${u('dt', 'p', 'a')} < 0.55 THEN 'desktop' WHEN ${u('dt', 'p', 'a')} < 0.95 THEN 'mobile' ELSE 'tablet' END`,
    os_name: `CASE WHEN platform = 'assisted' THEN NULL WHEN platform = 'app' OR ${u('dt', 'p', 'a')} >= 0.55 THEN ${list(['iOS', 'Android'])}[1 + ${h('os', 'p', 'a')} % 2] ELSE ${list(['Windows', 'Mac OS', 'Linux'])}[1 + ${h('os', 'p', 'a')} % 3] END`,
    os_version: `CASE WHEN platform = 'assisted' THEN NULL ELSE (10 + ${h('osv', 'p', 'a')} % 8) || '.' || ${h('osv2', 'p', 'a')} % 5 END`,
    browser_name: `CASE WHEN platform = 'web' THEN ${list(['Chrome', 'Safari', 'Firefox', 'Edge'])}[1 + ${h('br', 'p', 'a')} % 4] ELSE NULL END`,
    browser_version: `CASE WHEN platform = 'web' THEN (100 + ${h('brv', 'p', 'a')} % 30) || '.0' ELSE NULL END`,
    app_name: `CASE WHEN platform = 'app' THEN 'Shop' ELSE NULL END`,
    app_version: `CASE WHEN platform = 'app' THEN '4.' || ${h('appv', 'p', 'a')} % 10 || '.0' ELSE NULL END`,
    library_name: `CASE WHEN platform = 'web' THEN 'analytics.js' WHEN platform = 'app' THEN 'analytics-ios' ELSE 'analytics-node' END`,
    library_version: `CASE WHEN platform = 'web' THEN '5.2.0' WHEN platform = 'app' THEN '4.1.9' ELSE '2.1.0' END`,
    ip_truncated: `CASE WHEN platform = 'assisted' THEN NULL ELSE '10.' || ${h('ip1', 'p', 'a')} % 256 || '.' || ${h('ip2', 'p', 'a')} % 256 || '.0' END`,
    email_hash: `CASE WHEN known AND (ident OR conv) THEN ${hex('em1', 'p')} || ${hex('em2', 'p')} || ${hex('em3', 'p')} || ${hex('em4', 'p')} ELSE NULL END`,
    phone_hash: `CASE WHEN known AND channel = 'call_center' THEN ${hex('ph1', 'p')} || ${hex('ph2', 'p')} || ${hex('ph3', 'p')} || ${hex('ph4', 'p')} ELSE NULL END`,
    loyalty_id: `CASE WHEN known AND channel = 'store' THEN 'L' || p ELSE NULL END`,
    crm_id: `CASE WHEN known AND channel = 'call_center' THEN 'crm-' || p ELSE NULL END`,
    order_id: `CASE WHEN conv THEN 'o-' || ${hex('order', 'i')} ELSE NULL END`,
    revenue: `CASE WHEN conv THEN round(10 + ${u('rev', 'i')} * 290, 2) ELSE NULL END`,
    currency: `CASE WHEN conv THEN CASE WHEN ${u('cur', 'p')} < 0.8 THEN 'EUR' ELSE 'USD' END ELSE NULL END`,
    consent: `CASE WHEN ${u('consent', 'p')} < 0.9 THEN '{"analytics":true,"marketing":true}' ELSE '{"analytics":true,"marketing":false}' END`,
    identifiers_stripped: 'false',
    properties: `CASE WHEN ident THEN NULL
      WHEN conv THEN '{"order_id":"o-' || ${hex('order', 'i')} || '","revenue":' || round(10 + ${u('rev', 'i')} * 290, 2) || '}'
      WHEN is_page THEN '{"path":"' || page_path || '"}'
      ELSE '{"product_id":"sku-' || ${h('sku', 'i')} % 5000 || '","price":' || (5 + ${h('price', 'i')} % 200) || '}' END`,
    traits: `CASE WHEN ident THEN '{"plan":"' || ${list(['free', 'plus', 'pro'])}[1 + ${h('plan', 'p')} % 3] || '"}' ELSE NULL END`,
    schema_version: '1',
  };
  const columns = duckdbColumns('events');
  const unknown = Object.keys(expr).filter((k) => !columns.some((c) => c.name === k));
  if (unknown.length) throw new Error(`generator fills columns the events contract does not have: ${unknown.join(', ')}`);
  const select = columns.map((c) => `CAST(${expr[c.name] ?? 'NULL'} AS ${c.type}) AS ${c.name}`).join(',\n  ');

  return `WITH idx AS (
  SELECT i, i // ${SLOTS_PER_SESSION} AS s, i % ${SLOTS_PER_SESSION} AS j, i // ${EVENTS_PER_PAIR} AS v,
    (i // ${SLOTS_PER_SESSION}) % 2 AS k
  FROM range(${first}, ${last}) t(i)
  WHERE ${copyFilter}
),
person AS (
  SELECT idx.*, CAST(floor(${p.persons} * pow(${u('person', 'v')}, 1.5)) AS BIGINT) AS p
  FROM idx
),
sess AS (
  SELECT person.*,
    ${h('anonpick', 's')} % ${anonCount} AS a,
    ${u('known', 'p')} < 0.4 AS known,
    CASE WHEN k = 0 THEN ${pick(u('landing', 's'), LANDING_CHANNELS)} ELSE ${pick(u('follow', 's'), FOLLOW_UP_CHANNELS)} END AS channel,
    ${p.startMs} + ((v - ${p.callFirstPair}) * ${p.days} // ${p.callPairs}) * ${DAY_MS}
      + CAST(floor(${u('start', 'v')} * ${0.9 * DAY_MS}) AS BIGINT)
      + k * (${HOUR_MS} + CAST(floor(${u('gap', 'v')} * ${20 * HOUR_MS}) AS BIGINT)) AS session_ms,
    20000 + ${h('step', 's')} % 220000 AS step_ms,
    CASE WHEN ${u('split', 's')} < 0.1 THEN 1 + ${h('splitat', 's')} % ${SLOTS_PER_SESSION - 1} ELSE 99 END AS split_at
  FROM person
),
ev AS (
  SELECT sess.*,
    CASE WHEN channel IN (${ASSISTED.map(lit).join(', ')}) THEN 'assisted' WHEN channel IN (${APP.map(lit).join(', ')}) THEN 'app' ELSE 'web' END AS platform,
    j = ${SLOTS_PER_SESSION - 1} AND ${u('conv', 's')} < 0.06 AS conv,
    j = 1 AND known AND ${u('ident', 's')} < 0.3 AS ident,
    ${list(PAGE_SECTIONS)}[1 + ${h('section', 'i')} % ${PAGE_SECTIONS.length}] AS section,
    session_ms + j * step_ms + CASE WHEN j >= split_at THEN ${2 * HOUR_MS} ELSE 0 END AS base_ms,
    ${late} AS is_late
  FROM sess
),
timed AS (
  SELECT ev.*, ${eventMs} AS event_ms FROM ev
),
rows AS (
  SELECT timed.*,
    CASE WHEN platform = 'web' THEN 'web' WHEN platform = 'app' THEN 'ios' WHEN channel = 'store' THEN 'pos' ELSE channel END AS source,
    NOT conv AND NOT ident AND platform <> 'assisted' AND (j = 0 OR ${u('type', 'i')} < 0.7) AS is_page,
    '/' || section || CASE WHEN section = '' THEN '' ELSE '/' || ${h('page', 'i')} % 200 END AS page_path,
    CASE WHEN is_late THEN ${lateReceipt} ELSE ${onTimeReceipt} END${retryDelay} AS received_ms
  FROM timed
)
SELECT
  ${select},
  strftime(epoch_ms(event_ms), '%Y-%m-%d') AS ${PARTITION_KEY}
FROM rows`;
}

/** identity_changes: one merge per extra anonymous id of every person, chained id 3 -> 2 -> 1 -> person. */
export function identityChangesSelectSql(o: { seed: number; persons: number; startMs: number; days: number }): string {
  const h = (tag: string, ...keys: string[]) => `CAST(hash(${keys.join(', ')}, ${o.seed}, ${lit(tag)}) >> 1 AS BIGINT)`;
  const u = (tag: string, ...keys: string[]) => `(${h(tag, ...keys)} % 1000000)::DOUBLE / 1000000.0`;
  const hex = (tag: string, ...keys: string[]) => `lower(to_hex(${h(tag, ...keys)}))`;
  const anonCount = `(CASE WHEN ${u('ids', 'p')} < 0.5 THEN 1 WHEN ${u('ids', 'p')} < 0.75 THEN 2 WHEN ${u('ids', 'p')} < 0.9 THEN 3 ELSE 4 END)`;
  const expr: Record<string, string> = {
    change_id: `'c-' || ${hex('change', 'p', 'a')}`,
    from_person_id: `'p-' || p || '-' || a`,
    to_person_id: `CASE WHEN a = 1 THEN 'p-' || p ELSE 'p-' || p || '-' || (a - 1) END`,
    reason: `CASE WHEN ${u('reason', 'p', 'a')} < 0.8 THEN 'identify' ELSE 'alias' END`,
    identifier_type: `CASE WHEN ${u('reason', 'p', 'a')} < 0.8 THEN 'user_id' ELSE 'anonymous_id' END`,
    message_id: `${hex('cm1', 'p', 'a')} || ${hex('cm2', 'p', 'a')}`,
    changed_at: `epoch_ms(change_ms + 1500)`,
    event_time: `epoch_ms(change_ms)`,
    schema_version: '1',
  };
  const columns = duckdbColumns('identity_changes');
  const unknown = Object.keys(expr).filter((k) => !columns.some((c) => c.name === k));
  if (unknown.length) throw new Error(`generator fills columns identity_changes does not have: ${unknown.join(', ')}`);
  const select = columns.map((c) => `CAST(${expr[c.name] ?? 'NULL'} AS ${c.type}) AS ${c.name}`).join(',\n  ');
  return `WITH merges AS (
  SELECT p, unnest(range(1, ${anonCount})) AS a FROM range(${o.persons}) t(p)
),
timed AS (
  SELECT p, a, ${o.startMs} + CAST(floor(${u('changeat', 'p', 'a')} * ${o.days * DAY_MS}) AS BIGINT) AS change_ms FROM merges
)
SELECT
  ${select},
  strftime(epoch_ms(change_ms), '%Y-%m-%d') AS ${PARTITION_KEY}
FROM timed`;
}

async function copyPartitioned(
  conn: DuckDBConnection,
  select: string,
  dir: string,
  writtenAt: Date,
): Promise<{ rows: number; files: string[] }> {
  await mkdir(dir, { recursive: true });
  const pattern = partFileName(writtenAt, '{uuid}').replace(/\.parquet$/, '');
  const reader = await conn.runAndReadAll(
    `COPY (${select}) TO ${lit(dir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${PARTITION_KEY}), APPEND, ` +
      `FILENAME_PATTERN ${lit(pattern)}, RETURN_FILES true)`,
  );
  const [row] = reader.getRowObjectsJS() as { Count: bigint; Files: string[] }[];
  return { rows: Number(row?.Count ?? 0), files: (row?.Files ?? []).map((f) => path.resolve(String(f))) };
}

export async function generateLake(opts: GenerateLakeOptions): Promise<GeneratedLake> {
  const seed = opts.seed ?? 1;
  const startDate = opts.startDate ?? '2025-12-01';
  const days = opts.days ?? 365;
  const events = Math.max(0, Math.floor(opts.events));
  const persons = Math.max(1, Math.floor(opts.persons ?? events / 40));
  const firstEvent = opts.firstEvent ?? 0;
  if (firstEvent % EVENTS_PER_PAIR !== 0) throw new RangeError(`firstEvent must be a multiple of ${EVENTS_PER_PAIR}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate)) throw new RangeError(`startDate must be YYYY-MM-DD, got ${startDate}`);
  if (!(days >= 1)) throw new RangeError('days must be at least 1');
  const startMs = Date.parse(`${startDate}T00:00:00Z`);
  const writtenAt = opts.writtenAt ?? new Date(startMs);
  const lakeDir = path.resolve(opts.lakeDir);
  const callFirstPair = firstEvent / EVENTS_PER_PAIR;
  const callPairs = Math.max(1, Math.ceil(events / EVENTS_PER_PAIR));
  const lastEvent = firstEvent + events;
  const chunkPairs = Math.max(1, Math.floor((opts.chunkEvents ?? 4_000_000) / EVENTS_PER_PAIR));

  const instance = await DuckDBInstance.create(':memory:', {
    preserve_insertion_order: 'false',
    ...(opts.threads ? { threads: String(opts.threads) } : {}),
  });
  const conn = await instance.connect();
  const files: string[] = [];
  let eventRows = 0;
  let identityChangeRows = 0;
  try {
    const eventsDir = path.join(lakeDir, tableDir('events'));
    for (let pair = callFirstPair; pair < callFirstPair + callPairs && events > 0; pair += chunkPairs) {
      const params: EventsSqlParams = {
        seed,
        firstPair: pair,
        pairs: Math.min(chunkPairs, callFirstPair + callPairs - pair),
        callFirstPair,
        callPairs,
        lastEvent,
        startMs,
        days,
        persons,
        lateIntoPastDays: opts.lateIntoPastDays ?? false,
      };
      // On-time rows first; late arrivals, retries and replays as later files, as the pipeline writes them.
      const onTime = await copyPartitioned(conn, eventsSelectSql(params, 'on_time'), eventsDir, writtenAt);
      const laterAt = new Date(writtenAt.getTime() + HOUR_MS);
      const late = await copyPartitioned(
        conn,
        (['late', 'retry', 'replay'] as const).map((c) => `SELECT * FROM (${eventsSelectSql(params, c)})`).join('\nUNION ALL\n'),
        eventsDir,
        laterAt,
      );
      eventRows += onTime.rows + late.rows;
      files.push(...onTime.files, ...late.files);
      opts.onProgress?.(Math.min(events, (pair + params.pairs - callFirstPair) * EVENTS_PER_PAIR), events);
    }
    if (opts.identityChanges ?? true) {
      const ic = await copyPartitioned(
        conn,
        identityChangesSelectSql({ seed, persons, startMs, days }),
        path.join(lakeDir, tableDir('identity_changes')),
        writtenAt,
      );
      identityChangeRows = ic.rows;
      files.push(...ic.files);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return {
    lakeDir,
    events,
    eventRows,
    identityChangeRows,
    persons,
    seed,
    startDate,
    endDate: addDays(startDate, days - 1),
    days,
    nextEvent: (callFirstPair + callPairs) * EVENTS_PER_PAIR,
    files,
  };
}

function tableDir(table: LakeTableName): string {
  return table;
}
