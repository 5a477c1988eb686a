/**
 * Every view on the golden dataset (golden-data.ts), executed on DuckDB over Parquet written by the lake
 * writer. Expected values are worked out by hand in the comments; none is read back from the engine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import { buildFunnelSql } from '../../sql/builders/funnel.js';
import { buildRetentionSql } from '../../sql/builders/retention.js';
import { VIEW_NAMES, viewByName } from '../../sql/registry.js';
import { ATTRIBUTION_MODELS } from '../../sql/views/attribution.js';
import { close, writeLake } from './fixtures.js';
import { GOLDEN_EVENTS, GOLDEN_IDENTITY_CHANGES } from './golden-data.js';

let dir: string;
let engine: DuckDbEngine;
type Row = Record<string, unknown>;
const q = async <T = Row>(sql: string) => (await engine.query<T>(sql)).rows;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-golden-'));
  await writeLake(dir, { events: GOLDEN_EVENTS, identityChanges: GOLDEN_IDENTITY_CHANGES });
  engine = await createDuckDbEngine({ lakeDir: dir });
});
afterAll(async () => {
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

const DAY = 86_400;
const HALF_LIFE = 7 * DAY;
const w = (ageSeconds: number) => 2 ** (-ageSeconds / HALF_LIFE);

describe('events_deduped', () => {
  it('keeps one row per message_id, the earliest received copy', async () => {
    // 25 distinct messages, 2 of them delivered twice.
    expect((await q('SELECT count(*) AS n FROM events'))[0]).toEqual({ n: 27 });
    expect((await q('SELECT count(*) AS n, count(DISTINCT message_id) AS d FROM events_deduped'))[0]).toEqual({ n: 25, d: 25 });
    const [kept] = await q(`SELECT page_path, received_at FROM events_deduped WHERE message_id = 'a-email-1'`);
    expect(kept).toEqual({ page_path: '/spring', received_at: '2024-05-01T10:00:00.000Z' });
  });
  it('keeps millisecond timestamps and the partition column', async () => {
    const [r] = await q(`SELECT event_time, event_date FROM events_deduped WHERE message_id = 'f-referral'`);
    expect(r).toEqual({ event_time: '2024-04-15T11:59:59.999Z', event_date: '2024-04-15' });
  });
});

describe('identity_map and events_resolved', () => {
  it('follows the two-hop chain pC -> pB -> pA, replayed change counted once', async () => {
    expect(await q('SELECT * FROM identity_map ORDER BY from_person_id')).toEqual([
      { from_person_id: 'pB', canonical_person_id: 'pA', hops: 1 },
      { from_person_id: 'pC', canonical_person_id: 'pA', hops: 2 },
    ]);
  });
  it('gives every event of A the canonical id pA', async () => {
    const rows = await q(`SELECT person_id, canonical_person_id, count(*) AS n FROM events_resolved
      WHERE message_id LIKE 'a-%' GROUP BY 1, 2 ORDER BY 1`);
    expect(rows).toEqual([
      { person_id: 'pA', canonical_person_id: 'pA', n: 3 },
      { person_id: 'pB', canonical_person_id: 'pA', n: 2 },
      { person_id: 'pC', canonical_person_id: 'pA', n: 3 },
    ]);
  });
});

describe('sessions', () => {
  it('splits at 30 minutes of inactivity (30:00.000 new, 29:59.999 same) and skips identify calls', async () => {
    const rows = await q(`SELECT person_id, session_number, session_start, session_end, duration_seconds, event_count,
        landing_channel, landing_campaign, landing_page_path, distinct_channels, session_date
      FROM sessions WHERE person_id IN ('pA', 'pE', 'pG') ORDER BY person_id, session_number`);
    expect(rows).toEqual([
      {
        person_id: 'pA',
        session_number: 1,
        session_start: '2024-05-01T10:00:00.000Z',
        session_end: '2024-05-01T10:10:00.000Z',
        duration_seconds: 600,
        event_count: 3,
        landing_channel: 'email',
        landing_campaign: 'spring',
        landing_page_path: '/spring',
        distinct_channels: 2,
        session_date: '2024-05-01',
      },
      {
        person_id: 'pA',
        session_number: 2,
        session_start: '2024-05-03T09:00:00.000Z',
        session_end: '2024-05-03T09:00:00.000Z',
        duration_seconds: 0,
        event_count: 1,
        landing_channel: 'paid_search',
        landing_campaign: 'brand',
        landing_page_path: null,
        distinct_channels: 1,
        session_date: '2024-05-03',
      },
      {
        person_id: 'pA',
        session_number: 3,
        session_start: '2024-05-05T12:00:00.000Z',
        session_end: '2024-05-05T12:11:00.000Z',
        duration_seconds: 660,
        event_count: 3,
        landing_channel: 'direct',
        landing_campaign: null,
        landing_page_path: null,
        distinct_channels: 2,
        session_date: '2024-05-05',
      },
      {
        person_id: 'pE',
        session_number: 1,
        session_start: '2024-05-12T10:00:00.000Z',
        session_end: '2024-05-12T10:00:00.000Z',
        duration_seconds: 0,
        event_count: 1,
        landing_channel: 'direct',
        landing_campaign: null,
        landing_page_path: null,
        distinct_channels: 1,
        session_date: '2024-05-12',
      },
      {
        person_id: 'pE',
        session_number: 2,
        session_start: '2024-05-12T10:30:00.000Z',
        session_end: '2024-05-12T10:31:00.000Z',
        duration_seconds: 60,
        event_count: 2,
        landing_channel: 'direct',
        landing_campaign: null,
        landing_page_path: null,
        distinct_channels: 2,
        session_date: '2024-05-12',
      },
      {
        person_id: 'pG',
        session_number: 1,
        session_start: '2024-05-02T10:00:00.000Z',
        session_end: '2024-05-02T10:29:59.999Z',
        duration_seconds: 1799.999,
        event_count: 2,
        landing_channel: 'chat',
        landing_campaign: null,
        landing_page_path: null,
        distinct_channels: 2,
        session_date: '2024-05-02',
      },
      {
        person_id: 'pG',
        session_number: 2,
        session_start: '2024-05-03T15:00:00.000Z',
        session_end: '2024-05-03T15:00:00.000Z',
        duration_seconds: 0,
        event_count: 1,
        landing_channel: 'store',
        landing_campaign: null,
        landing_page_path: null,
        distinct_channels: 1,
        session_date: '2024-05-03',
      },
    ]);
  });
  it('counts 15 sessions in all (A 3, D 2, E 2, F 3, G 2, H 1, S 1, K 1)', async () => {
    const rows = await q(`SELECT person_id, count(*) AS n FROM sessions GROUP BY person_id ORDER BY person_id`);
    expect(rows).toEqual([
      { person_id: 'pA', n: 3 },
      { person_id: 'pD', n: 2 },
      { person_id: 'pE', n: 2 },
      { person_id: 'pF', n: 3 },
      { person_id: 'pG', n: 2 },
      { person_id: 'pH', n: 1 },
      { person_id: 'pK', n: 1 },
      { person_id: 'pS', n: 1 },
    ]);
  });
});

describe('touchpoints and conversions', () => {
  it('collapses same-channel events of a session into one touch; web is not a touch; store purchases are', async () => {
    const rows = await q(
      `SELECT touchpoint_id, person_id, channel, campaign_name, touch_time FROM touchpoints ORDER BY person_id, touch_time`,
    );
    expect(rows.map((r) => `${r.person_id}:${r.channel}:${r.touchpoint_id}`)).toEqual([
      'pA:email:a-email-1',
      'pA:paid_search:a-search',
      'pA:direct:a-direct',
      'pD:paid_social:d-social',
      'pD:email:d-email',
      'pE:direct:e-direct-1',
      'pE:direct:e-direct-2',
      'pF:referral:f-referral',
      'pF:display:f-display',
      'pF:affiliate:f-affiliate',
      'pG:chat:g-chat',
      'pG:store:g-store',
      'pK:store:k-order',
      'pS:store:s-order',
    ]);
  });
  it('dedups conversions by order_id (earliest kept), uses message_id when there is no order', async () => {
    const rows = await q(`SELECT conversion_id, person_id, message_id, conversion_time, order_id, revenue, conversion_channel
      FROM conversions ORDER BY conversion_time`);
    expect(rows).toEqual([
      {
        conversion_id: 'o1',
        person_id: 'pA',
        message_id: 'a-order',
        conversion_time: '2024-05-05T12:10:00.000Z',
        order_id: 'o1',
        revenue: 100,
        conversion_channel: 'web',
      },
      {
        conversion_id: 'o4',
        person_id: 'pH',
        message_id: 'h-order',
        conversion_time: '2024-05-06T10:05:00.000Z',
        order_id: 'o4',
        revenue: 30,
        conversion_channel: 'web',
      },
      {
        conversion_id: 'o5',
        person_id: 'pS',
        message_id: 's-order',
        conversion_time: '2024-05-07T14:00:00.000Z',
        order_id: 'o5',
        revenue: 200,
        conversion_channel: 'store',
      },
      {
        conversion_id: 'o6',
        person_id: 'pK',
        message_id: 'k-order',
        conversion_time: '2024-05-08T16:00:00.000Z',
        order_id: 'o6',
        revenue: 10,
        conversion_channel: 'store',
      },
      {
        conversion_id: 'o2',
        person_id: 'pD',
        message_id: 'd-order',
        conversion_time: '2024-05-10T08:20:00.000Z',
        order_id: 'o2',
        revenue: 50,
        conversion_channel: 'web',
      },
      {
        conversion_id: 'o3',
        person_id: 'pE',
        message_id: 'e-order',
        conversion_time: '2024-05-12T10:31:00.000Z',
        order_id: 'o3',
        revenue: 20,
        conversion_channel: 'web',
      },
      {
        conversion_id: 'f-conv',
        person_id: 'pF',
        message_id: 'f-conv',
        conversion_time: '2024-05-15T12:00:00.000Z',
        order_id: null,
        revenue: 0,
        conversion_channel: 'web',
      },
    ]);
  });
});

describe('journeys', () => {
  it('orders the touches in the 30-day window (both ends included) per conversion', async () => {
    const rows = await q(`SELECT conversion_id, person_id, touchpoint_count, distinct_channels, path, channels,
        first_touch_time, seconds_to_convert FROM journeys ORDER BY conversion_id`);
    expect(rows).toEqual([
      // F: display at exactly conversion - 30 d is in; referral 1 ms earlier is out.
      {
        conversion_id: 'f-conv',
        person_id: 'pF',
        touchpoint_count: 2,
        distinct_channels: 2,
        path: 'display > affiliate',
        channels: ['display', 'affiliate'],
        first_touch_time: '2024-04-15T12:00:00.000Z',
        seconds_to_convert: 30 * DAY,
      },
      // 05-01 10:00 -> 05-05 12:10 = 4 d 2 h 10 min
      {
        conversion_id: 'o1',
        person_id: 'pA',
        touchpoint_count: 3,
        distinct_channels: 3,
        path: 'email > paid_search > direct',
        channels: ['email', 'paid_search', 'direct'],
        first_touch_time: '2024-05-01T10:00:00.000Z',
        seconds_to_convert: 4 * DAY + 7800,
      },
      {
        conversion_id: 'o2',
        person_id: 'pD',
        touchpoint_count: 1,
        distinct_channels: 1,
        path: 'paid_social',
        channels: ['paid_social'],
        first_touch_time: '2024-05-10T08:00:00.000Z',
        seconds_to_convert: 1200,
      },
      {
        conversion_id: 'o3',
        person_id: 'pE',
        touchpoint_count: 2,
        distinct_channels: 1,
        path: 'direct > direct',
        channels: ['direct', 'direct'],
        first_touch_time: '2024-05-12T10:00:00.000Z',
        seconds_to_convert: 1860,
      },
      {
        conversion_id: 'o4',
        person_id: 'pH',
        touchpoint_count: 0,
        distinct_channels: 0,
        path: null,
        channels: null,
        first_touch_time: null,
        seconds_to_convert: null,
      },
      {
        conversion_id: 'o5',
        person_id: 'pS',
        touchpoint_count: 1,
        distinct_channels: 1,
        path: 'store',
        channels: ['store'],
        first_touch_time: '2024-05-07T14:00:00.000Z',
        seconds_to_convert: 0,
      },
      {
        conversion_id: 'o6',
        person_id: 'pK',
        touchpoint_count: 1,
        distinct_channels: 1,
        path: 'store',
        channels: ['store'],
        first_touch_time: '2024-05-08T16:00:00.000Z',
        seconds_to_convert: 0,
      },
    ]);
  });
  it('unconverted journeys: touches after the last conversion, or all when none', async () => {
    expect(await q(`SELECT person_id, touchpoint_count, path FROM unconverted_journeys ORDER BY person_id`)).toEqual([
      { person_id: 'pD', touchpoint_count: 1, path: 'email' },
      { person_id: 'pG', touchpoint_count: 2, path: 'chat > store' },
    ]);
  });
});

describe('channel_paths', () => {
  it('has one row per distinct path with conversions, value and nulls', async () => {
    const rows = await q(`SELECT * FROM channel_paths ORDER BY path`);
    expect(rows).toEqual([
      { path: 'chat > store', total_conversions: 0, total_conversion_value: 0, total_null: 1 },
      { path: 'direct > direct', total_conversions: 1, total_conversion_value: 20, total_null: 0 },
      { path: 'display > affiliate', total_conversions: 1, total_conversion_value: 0, total_null: 0 },
      { path: 'email', total_conversions: 0, total_conversion_value: 0, total_null: 1 },
      { path: 'email > paid_search > direct', total_conversions: 1, total_conversion_value: 100, total_null: 0 },
      { path: 'paid_social', total_conversions: 1, total_conversion_value: 50, total_null: 0 },
      { path: 'store', total_conversions: 2, total_conversion_value: 210, total_null: 0 },
    ]);
  });
});

describe('attribution', () => {
  // o1 ages: email 353400 s, paid_search 184200 s, direct 600 s; F: display 30 d, affiliate 1 d.
  const o1 = [w(353_400), w(184_200), w(600)];
  const o1Sum = o1[0]! + o1[1]! + o1[2]!;
  const fSum = w(30 * DAY) + w(DAY);
  const expected: Record<string, Record<string, [number, number]>> = {
    //                 channel: [conversions, revenue]
    first_touch: {
      email: [1, 100],
      paid_search: [0, 0],
      direct: [1, 20],
      paid_social: [1, 50],
      display: [1, 0],
      affiliate: [0, 0],
      store: [2, 210],
    },
    last_touch: {
      email: [0, 0],
      paid_search: [0, 0],
      direct: [2, 120],
      paid_social: [1, 50],
      display: [0, 0],
      affiliate: [1, 0],
      store: [2, 210],
    },
    last_non_direct: {
      email: [0, 0],
      paid_search: [1, 100],
      direct: [1, 20],
      paid_social: [1, 50],
      display: [0, 0],
      affiliate: [1, 0],
      store: [2, 210],
    },
    linear: {
      email: [1 / 3, 100 / 3],
      paid_search: [1 / 3, 100 / 3],
      direct: [1 / 3 + 1, 100 / 3 + 20],
      paid_social: [1, 50],
      display: [0.5, 0],
      affiliate: [0.5, 0],
      store: [2, 210],
    },
    time_decay: {
      email: [o1[0]! / o1Sum, (100 * o1[0]!) / o1Sum],
      paid_search: [o1[1]! / o1Sum, (100 * o1[1]!) / o1Sum],
      direct: [o1[2]! / o1Sum + 1, (100 * o1[2]!) / o1Sum + 20],
      paid_social: [1, 50],
      display: [w(30 * DAY) / fSum, 0],
      affiliate: [w(DAY) / fSum, 0],
      store: [2, 210],
    },
    position_based: {
      email: [0.4, 40],
      paid_search: [0.2, 20],
      direct: [1.4, 60],
      paid_social: [1, 50],
      display: [0.5, 0],
      affiliate: [0.5, 0],
      store: [2, 210],
    },
  };

  it('attribution_summary matches the hand-computed credits of every model', async () => {
    const rows = await q(`SELECT * FROM attribution_summary ORDER BY channel`);
    expect(rows.map((r) => r.channel)).toEqual(['affiliate', 'direct', 'display', 'email', 'paid_search', 'paid_social', 'store']);
    for (const model of ATTRIBUTION_MODELS) {
      for (const r of rows) {
        const [conv, rev] = expected[model]![r.channel as string]!;
        expect(close(r[`${model}_conversions`] as number, conv), `${model} ${r.channel} conversions`).toBe(true);
        expect(close(r[`${model}_revenue`] as number, rev), `${model} ${r.channel} revenue`).toBe(true);
      }
    }
  });

  it('credits add up per model to the 6 conversions with touches and their revenue 380', async () => {
    const rows = await q(
      `SELECT model, sum(credit) AS c, sum(revenue_credit) AS r, count(DISTINCT conversion_id) AS n FROM attribution GROUP BY model ORDER BY model`,
    );
    expect(rows).toHaveLength(6);
    for (const r of rows) {
      expect(r.n).toBe(6);
      expect(close(r.c as number, 6)).toBe(true);
      expect(close(r.r as number, 380)).toBe(true);
    }
  });

  it('position based on a 3-touch journey is 0.4 / 0.2 / 0.4', async () => {
    const rows = await q(
      `SELECT channel, credit FROM attribution WHERE model = 'position_based' AND conversion_id = 'o1' ORDER BY touch_index`,
    );
    expect(rows).toEqual([
      { channel: 'email', credit: 0.4 },
      { channel: 'paid_search', credit: 0.2 },
      { channel: 'direct', credit: 0.4 },
    ]);
  });
});

describe('channel_handoffs', () => {
  it('counts hand-offs within the 24 h task window, with exact medians, friction and its baseline', async () => {
    const rows = await q(`SELECT * FROM channel_handoffs ORDER BY from_channel, to_channel`);
    const h = (
      from: string,
      to: string,
      handoffs: number,
      persons: number,
      median: number,
      conv: number,
      baseline: [number, number | null],
    ) => ({
      from_channel: from,
      to_channel: to,
      handoffs,
      persons,
      median_seconds_between: median,
      converted_after: conv,
      ended_without_conversion: handoffs - conv,
      friction_rate: (handoffs - conv) / handoffs,
      is_escalation: false,
      baseline_tasks: baseline[0],
      baseline_abandonment_rate: baseline[1],
    });
    // Gone with the 24 h window: web -> paid_search (A, 1 d 22 h 50 min), paid_search -> direct (A, 2 d 3 h),
    // web -> email (D, 10 d), display -> affiliate (F, 29 d), web -> store (G, 1 d 4.5 h).
    // Outcome: a conversion in [hand-off, task end + 24 h].
    const expected = [
      h('affiliate', 'web', 1, 1, DAY, 1, [0, null]), // exactly 24 h apart: the window is inclusive; the web event is F's conversion
      h('chat', 'web', 1, 1, 1799.999, 0, [0, null]), // G never converts
      h('direct', 'web', 2, 2, 330, 2, [0, null]), // pA 600 s, pE 60 s: median 330; both web events are orders
      h('email', 'web', 1, 1, 300, 0, [1, 1]), // A's task ends 05-01 10:10, o1 is 4 days later; D's lone email task is the baseline, abandoned
      h('paid_social', 'web', 1, 1, 1200, 1, [0, null]),
      h('referral', 'display', 1, 1, 0.001, 0, [0, null]), // F converts 30 days later: a different task now
    ];
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => {
      const e = expected[i]!;
      expect({ ...r, median_seconds_between: undefined }).toEqual({ ...e, median_seconds_between: undefined });
      expect(close(r.median_seconds_between as number, e.median_seconds_between), `${e.from_channel}->${e.to_channel}`).toBe(true);
    });
  });
  it('task_journeys: tasks split at gaps over 24 h, outcomes and same-channel baselines', async () => {
    const rows = await q(`SELECT task_id, first_channel, distinct_channels, path, handoffs, converted, baseline_abandonment_rate
      FROM task_journeys ORDER BY task_id`);
    // store-only tasks: G (abandoned), K and S (their purchase) -> baseline 1/3; email-only: D's 05-20 email, abandoned;
    // paid_search-only: A's 05-03 click (o1 is more than 24 h later), abandoned; web-only: H, converted.
    const t = (
      task_id: string,
      first: string,
      distinct: number,
      path: string,
      handoffs: number,
      converted: boolean,
      baseline: number | null,
    ) => ({
      task_id,
      first_channel: first,
      distinct_channels: distinct,
      path,
      handoffs,
      converted,
      baseline_abandonment_rate: baseline,
    });
    expect(rows).toEqual([
      t('pA#1', 'email', 2, 'email > web', 1, false, 1),
      t('pA#2', 'paid_search', 1, 'paid_search', 0, false, 1),
      t('pA#3', 'direct', 2, 'direct > web', 1, true, null),
      t('pD#1', 'paid_social', 2, 'paid_social > web', 1, true, null),
      t('pD#2', 'email', 1, 'email', 0, false, 1),
      t('pE#1', 'direct', 2, 'direct > web', 1, true, null),
      t('pF#1', 'referral', 2, 'referral > display', 1, false, null),
      t('pF#2', 'affiliate', 2, 'affiliate > web', 1, true, null),
      t('pG#1', 'chat', 2, 'chat > web', 1, false, null),
      t('pG#2', 'store', 1, 'store', 0, false, 1 / 3),
      t('pH#1', 'web', 1, 'web', 0, true, 0),
      t('pK#1', 'store', 1, 'store', 0, true, 1 / 3),
      t('pS#1', 'store', 1, 'store', 0, true, 1 / 3),
    ]);
  });
  it('person_friction: per-person friction beside the same-channel baseline', async () => {
    const rows = await q(`SELECT person_id, tasks, handoffs, handoffs_without_conversion, friction_rate, cross_channel_abandonment_rate,
      baseline_abandonment_rate FROM person_friction WHERE person_id IN ('pA', 'pH') ORDER BY person_id`);
    expect(rows).toEqual([
      // A: email > web (abandoned), paid_search (abandoned, same-channel), direct > web (converted)
      {
        person_id: 'pA',
        tasks: 3,
        handoffs: 2,
        handoffs_without_conversion: 1,
        friction_rate: 0.5,
        cross_channel_abandonment_rate: 0.5,
        baseline_abandonment_rate: 1,
      },
      {
        person_id: 'pH',
        tasks: 1,
        handoffs: 0,
        handoffs_without_conversion: 0,
        friction_rate: null,
        cross_channel_abandonment_rate: null,
        baseline_abandonment_rate: 0,
      },
    ]);
  });
});

describe('path_flows', () => {
  it('gives the edges of every journey step, ending in (conversion) or (null)', async () => {
    const rows = await q(`SELECT step, source, target, count FROM path_flows ORDER BY step, source, target`);
    expect(rows).toEqual([
      { step: 1, source: 'chat', target: 'store', count: 1 },
      { step: 1, source: 'direct', target: 'direct', count: 1 },
      { step: 1, source: 'display', target: 'affiliate', count: 1 },
      { step: 1, source: 'email', target: '(null)', count: 1 },
      { step: 1, source: 'email', target: 'paid_search', count: 1 },
      { step: 1, source: 'paid_social', target: '(conversion)', count: 1 },
      { step: 1, source: 'store', target: '(conversion)', count: 2 },
      { step: 2, source: 'affiliate', target: '(conversion)', count: 1 },
      { step: 2, source: 'direct', target: '(conversion)', count: 1 },
      { step: 2, source: 'paid_search', target: 'direct', count: 1 },
      { step: 2, source: 'store', target: '(null)', count: 1 },
      { step: 3, source: 'direct', target: '(conversion)', count: 1 },
    ]);
  });
});

describe('funnel builder (DuckDB rendering executed)', () => {
  const page = { event: 'Home', eventType: 'page' as const };
  it('strict order with a 1 hour window', async () => {
    // Home viewers: A D E F G H (6). Order within 1 h after a Home page: A (12:00->12:10), D, E, H.
    const rows = await q(buildFunnelSql('duckdb', { steps: [page, 'Order Completed'], windowSeconds: 3600 }));
    expect(rows).toEqual([
      { step: 1, step_name: 'Home', persons: 6, rate_from_first: 1, rate_from_previous: null },
      { step: 2, step_name: 'Order Completed', persons: 4, rate_from_first: 4 / 6, rate_from_previous: 4 / 6 },
    ]);
  });
  it('a one-day window is inclusive: F (affiliate 05-14 12:00, order 05-15 12:00) now counts', async () => {
    const rows = await q<{ persons: number }>(buildFunnelSql('duckdb', { steps: [page, 'Order Completed'], windowSeconds: DAY }));
    expect(rows.map((r) => r.persons)).toEqual([6, 5]);
  });
  it('strict order refuses steps done backwards; any order accepts them', async () => {
    const steps = ['Order Completed', page];
    const strict = await q<{ persons: number }>(buildFunnelSql('duckdb', { steps, windowSeconds: 3600, order: 'strict' }));
    const any = await q<{ persons: number }>(buildFunnelSql('duckdb', { steps, windowSeconds: 3600, order: 'any' }));
    // 7 persons ordered (A D E F H S K); nobody viewed Home after ordering within 1 h; A D E H did both within 1 h.
    expect(strict.map((r) => r.persons)).toEqual([7, 0]);
    expect(any.map((r) => r.persons)).toEqual([7, 4]);
  });
  it('time bounds restrict the events considered', async () => {
    const rows = await q<{ persons: number }>(
      buildFunnelSql('duckdb', { steps: [page, 'Order Completed'], windowSeconds: 3600, from: '2024-05-06', to: '2024-05-13' }),
    );
    // Inside [05-06, 05-13): Home by D (05-10), E (05-12), H (05-06); all three order within the hour.
    expect(rows.map((r) => r.persons)).toEqual([3, 3]);
  });
});

describe('retention builder (DuckDB rendering executed)', () => {
  it('weekly cohorts by first activity, returns by calendar week', async () => {
    const rows = await q(buildRetentionSql('duckdb', { period: 'week', periods: 8 }));
    expect(rows).toEqual([
      { cohort: '2024-04-15', period_number: 0, cohort_size: 1, persons: 1, retention_rate: 1 },
      { cohort: '2024-04-15', period_number: 4, cohort_size: 1, persons: 1, retention_rate: 1 },
      { cohort: '2024-04-29', period_number: 0, cohort_size: 2, persons: 2, retention_rate: 1 },
      { cohort: '2024-05-06', period_number: 0, cohort_size: 5, persons: 5, retention_rate: 1 },
      { cohort: '2024-05-06', period_number: 2, cohort_size: 5, persons: 1, retention_rate: 0.2 },
    ]);
  });
  it('periods caps the horizon', async () => {
    const rows = await q<{ period_number: number }>(buildRetentionSql('duckdb', { period: 'week', periods: 1 }));
    expect(Math.max(...rows.map((r) => r.period_number))).toBe(0);
  });
});

describe('documented columns', () => {
  it('every view returns exactly its documented columns, in order', async () => {
    for (const v of engine.views) {
      const { columns } = await engine.query(`SELECT * FROM ${v.name} LIMIT 0`);
      const { viewByName } = await import('../../sql/registry.js');
      expect(columns, v.name).toEqual(viewByName(v.name).columns.map((c) => c.name));
    }
  });
  // One test per view: each example plans the whole view stack below it, which takes a while on a busy machine.
  it.each(VIEW_NAMES)('the documented example query of %s runs', async (name) => {
    await expect(engine.query(viewByName(name).example)).resolves.toBeDefined();
  });
});
