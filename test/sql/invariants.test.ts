/**
 * Invariants over generated data (fast-check), on one DuckDB engine over an empty lake whose base tables
 * are filled by INSERT for speed:
 *  - dedup (both dedupScopes): one row per message_id ('global') or per (event_date, message_id)
 *    ('event_date'), the pick does not depend on arrival order, and deduplicating the deduplicated rows
 *    changes nothing (idempotent);
 *  - sessions of one person never overlap, and the inactivity rule holds at every boundary;
 *  - every model's credits add up to 1 per conversion, so to the conversions and revenue it splits;
 *    last non-direct never credits direct when the journey has another channel.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import { EVENTS_COLUMNS, type EventRecord, toLakeTimestamp } from '../../schemas/lake.js';
import { ATTRIBUTION_MODELS } from '../../sql/views/attribution.js';
import { eventRecord } from './fixtures.js';

let dir: string;
let engine: DuckDbEngine;
const COLS = [...EVENTS_COLUMNS.map((c) => c.name), 'event_date'];

function sqlValue(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

async function loadInto(target: DuckDbEngine, rows: EventRecord[]): Promise<void> {
  await target.query('DELETE FROM events');
  if (rows.length === 0) return;
  const values = rows.map((r) => `(${COLS.map((c) => sqlValue((r as Record<string, unknown>)[c])).join(', ')})`);
  await target.query(`INSERT INTO events (${COLS.join(', ')}) VALUES ${values.join(',\n')}`);
}

const load = (rows: EventRecord[]) => loadInto(engine, rows);

const BASE = Date.parse('2024-03-01T00:00:00.000Z');
const at = (minutes: number, ms = 0) => toLakeTimestamp(BASE + minutes * 60_000 + ms);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-inv-'));
  engine = await createDuckDbEngine({ lakeDir: dir });
});
afterAll(async () => {
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

describe.each(['global', 'event_date'] as const)('dedup (dedupScope %s)', (scope) => {
  // Copies of a message may carry event times on either side of midnight UTC (a client retry of a
  // sentAt-timestamped event): 'global' keeps one of them, 'event_date' one per day.
  const copy = fc.record({
    id: fc.constantFrom('m0', 'm1', 'm2', 'm3'),
    nextDay: fc.boolean(),
    receivedMinute: fc.integer({ min: 0, max: 3 }),
    path: fc.constantFrom('/a', '/b', null),
    channel: fc.constantFrom('web', 'email', null),
  });
  const keyOf = (id: string, date: string) => (scope === 'global' ? id : `${id}|${date}`);
  let scoped: DuckDbEngine;
  let scopedDir: string;
  beforeAll(async () => {
    if (scope === 'global') {
      scoped = engine;
      return;
    }
    scopedDir = await mkdtemp(path.join(tmpdir(), 'tl-inv-scope-'));
    scoped = await createDuckDbEngine({ lakeDir: scopedDir, config: { dedupScope: scope } });
  });
  afterAll(async () => {
    if (scoped === engine) return;
    await scoped?.close();
    await rm(scopedDir, { recursive: true, force: true });
  });
  it(`one row per ${scope === 'global' ? 'message_id' : '(event_date, message_id)'}, independent of arrival order, idempotent`, async () => {
    const load = async (rows: EventRecord[]) => loadInto(scoped, rows);
    await fc.assert(
      fc.asyncProperty(fc.array(copy, { minLength: 1, maxLength: 12 }), async (copies) => {
        const rows = copies.map((c) =>
          // 23:59:30 on 02-29 or 00:00:30 on 03-01
          eventRecord({
            id: c.id,
            person: 'p',
            time: c.nextDay ? at(0, 30_000) : at(-1, 30_000),
            receivedAt: at(c.receivedMinute),
            pagePath: c.path,
            channel: c.channel,
          }),
        );
        const read = async () => (await scoped.query(`SELECT * FROM events_deduped ORDER BY message_id, event_date`)).rows;
        await load(rows);
        const first = await read();
        const keys = first.map((r) => keyOf(String(r.message_id), String(r.event_date)));
        expect(keys).toEqual([...new Set(rows.map((r) => keyOf(r.message_id!, r.event_date)))].sort());
        await load([...rows].reverse());
        expect(await read()).toEqual(first);
        await scoped.query(`CREATE OR REPLACE TEMP TABLE dedup_once AS SELECT * FROM events_deduped`);
        await scoped.query(`DELETE FROM events`);
        await scoped.query(`INSERT INTO events SELECT * FROM dedup_once`);
        expect(await read()).toEqual(first);
        // the kept copy has the earliest received_at among the copies it stands for
        for (const r of first) {
          const group = copies.filter((c, i) => keyOf(c.id, rows[i]!.event_date) === keyOf(String(r.message_id), String(r.event_date)));
          const earliest = Math.min(...group.map((c) => c.receivedMinute));
          expect(r.received_at).toBe(new Date(Date.parse(`${at(earliest).replace(' ', 'T')}Z`)).toISOString());
        }
      }),
      { numRuns: 15 },
    );
  });
});

describe('sessions', () => {
  // Gaps chosen around the 30-minute boundary on purpose.
  const gap = fc.constantFrom(0, 1, 29, 30, 31, 90, 60 * 24);
  const person = fc.array(fc.record({ gap, ms: fc.constantFrom(0, 999, -1) }), { minLength: 1, maxLength: 8 });
  it('never overlap, and every boundary is a gap of >= 30 minutes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(person, { minLength: 1, maxLength: 3 }), async (people) => {
        const rows: EventRecord[] = [];
        people.forEach((steps, p) => {
          let minute = 0;
          steps.forEach((s, i) => {
            minute += s.gap;
            rows.push(eventRecord({ id: `p${p}-${i}`, person: `p${p}`, time: at(minute, Math.max(0, s.ms)) }));
          });
        });
        await load(rows);
        const { rows: sess } = await engine.query<{ person_id: string; session_start: string; session_end: string; event_count: number }>(
          `SELECT person_id, session_start, session_end, event_count FROM sessions ORDER BY person_id, session_number`,
        );
        expect(sess.reduce((n, s) => n + s.event_count, 0)).toBe(rows.length);
        for (let i = 1; i < sess.length; i++) {
          const a = sess[i - 1]!;
          const b = sess[i]!;
          if (a.person_id !== b.person_id) continue;
          expect(Date.parse(b.session_start) - Date.parse(a.session_end)).toBeGreaterThanOrEqual(30 * 60_000);
        }
        const { rows: inner } = await engine.query<{ n: number }>(
          `SELECT count(*) AS n FROM events_sessionized WHERE NOT is_session_start AND seconds_since_previous >= 1800`,
        );
        expect(inner[0]!.n).toBe(0);
      }),
      { numRuns: 15 },
    );
  });
});

describe('attribution credits', () => {
  const touch = fc.record({
    channel: fc.constantFrom('email', 'direct', 'paid_search', 'store'),
    minute: fc.integer({ min: 0, max: 60 * 24 * 40 }),
  });
  const personArb = fc.record({
    touches: fc.array(touch, { maxLength: 6 }),
    orders: fc.array(
      fc.record({ minute: fc.integer({ min: 0, max: 60 * 24 * 40 }), revenue: fc.option(fc.integer({ min: 1, max: 500 }), { nil: null }) }),
      { maxLength: 3 },
    ),
  });
  it('add up to 1 per conversion and to the totals per model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(personArb, { minLength: 1, maxLength: 4 }), async (people) => {
        const rows: EventRecord[] = [];
        people.forEach((p, i) => {
          p.touches.forEach((tch, j) =>
            rows.push(eventRecord({ id: `t${i}-${j}`, person: `p${i}`, time: at(tch.minute), channel: tch.channel })),
          );
          p.orders.forEach((o, j) =>
            rows.push(
              eventRecord({
                id: `o${i}-${j}`,
                person: `p${i}`,
                time: at(o.minute, 1),
                type: 'track',
                name: 'Order Completed',
                orderId: `order-${i}-${j}`,
                revenue: o.revenue,
              }),
            ),
          );
        });
        await load(rows);
        const { rows: totals } = await engine.query<{ n: number; revenue: number }>(
          `SELECT count(*) AS n, coalesce(sum(revenue), 0) AS revenue FROM journeys WHERE touchpoint_count > 0`,
        );
        const { rows: perConversion } = await engine.query<{ model: string; conversion_id: string; c: number }>(
          `SELECT model, conversion_id, sum(credit) AS c FROM attribution GROUP BY model, conversion_id`,
        );
        for (const r of perConversion) expect(Math.abs(r.c - 1)).toBeLessThan(1e-9);
        const { rows: summary } = await engine.query<Record<string, number>>(
          `SELECT ${ATTRIBUTION_MODELS.map(
            (m) => `coalesce(sum(${m}_conversions), 0) AS ${m}_c, ` + `coalesce(sum(${m}_revenue), 0) AS ${m}_r`,
          ).join(', ')} FROM attribution_summary`,
        );
        for (const m of ATTRIBUTION_MODELS) {
          expect(Math.abs(summary[0]![`${m}_c`]! - totals[0]!.n)).toBeLessThan(1e-9);
          expect(Math.abs(summary[0]![`${m}_r`]! - totals[0]!.revenue)).toBeLessThan(1e-6);
        }
        const { rows: lnd } = await engine.query<{ bad: number }>(`
          SELECT count(*) AS bad FROM attribution a
          WHERE a.model = 'last_non_direct' AND a.credit = 1 AND a.channel = 'direct'
            AND EXISTS (SELECT 1 FROM journey_touchpoints j WHERE j.conversion_id = a.conversion_id AND j.channel <> 'direct')`);
        expect(lnd[0]!.bad).toBe(0);
        // channel_paths accounts for every journey with touches and every unconverted journey
        const { rows: cp } = await engine.query<{ conv: number; nul: number }>(
          `SELECT coalesce(sum(total_conversions), 0) AS conv, coalesce(sum(total_null), 0) AS nul FROM channel_paths`,
        );
        const { rows: un } = await engine.query<{ n: number }>(`SELECT count(*) AS n FROM unconverted_journeys`);
        expect(cp[0]).toEqual({ conv: totals[0]!.n, nul: un[0]!.n });
      }),
      { numRuns: 15 },
    );
  });
});

describe('session and touchpoint options', () => {
  it('split on channel / campaign change, and event grain', async () => {
    const rows = [
      eventRecord({ id: 'e1', person: 'q', time: at(0), channel: 'email', campaign: 'c1' }),
      eventRecord({ id: 'e2', person: 'q', time: at(1), channel: 'email', campaign: 'c1' }),
      eventRecord({ id: 'e3', person: 'q', time: at(2), channel: 'email', campaign: 'c2' }),
      eventRecord({ id: 'e4', person: 'q', time: at(3), channel: 'web' }),
      eventRecord({ id: 'e5', person: 'q', time: at(4), channel: 'web' }),
    ];
    await load(rows);
    const sessionsOf = async (e: DuckDbEngine) =>
      (await e.query<{ n: number }>(`SELECT event_count AS n FROM sessions ORDER BY session_number`)).rows.map((r) => r.n);
    const touchesOf = async (e: DuckDbEngine) =>
      (await e.query<{ id: string }>(`SELECT touchpoint_id AS id FROM touchpoints ORDER BY touch_time`)).rows.map((r) => r.id);
    // defaults: one session; touches collapse per (channel, campaign) run: e1 and e3
    expect(await sessionsOf(engine)).toEqual([5]);
    expect(await touchesOf(engine)).toEqual(['e1', 'e3']);
    // The base table lives in this engine's memory: build the variants over the same rows.
    for (const [cfg, sessionsExpected, touchesExpected] of [
      [{ splitSessionsOnChannelChange: true }, [3, 2], ['e1', 'e3']],
      [{ splitSessionsOnCampaignChange: true }, [2, 3], ['e1', 'e3']],
      [
        { splitSessionsOnChannelChange: true, splitSessionsOnCampaignChange: true, touchpointGrain: 'event' as const },
        [2, 1, 2],
        ['e1', 'e2', 'e3'],
      ],
    ] as const) {
      const other = await createDuckDbEngine({ lakeDir: dir, config: cfg });
      try {
        const values = rows.map((r) => `(${COLS.map((c) => sqlValue((r as Record<string, unknown>)[c])).join(', ')})`);
        await other.query(`INSERT INTO events (${COLS.join(', ')}) VALUES ${values.join(',\n')}`);
        expect(await sessionsOf(other), JSON.stringify(cfg)).toEqual(sessionsExpected);
        expect(await touchesOf(other), JSON.stringify(cfg)).toEqual(touchesExpected);
      } finally {
        await other.close();
      }
    }
  });

  it('mid-session direct is no touch; journeys reset after a conversion only when configured', async () => {
    const day = (d: number, m = 0) => at(d * 24 * 60 + m);
    const rows = [
      eventRecord({ id: 'r1', person: 'r', time: day(0), channel: 'email' }),
      eventRecord({ id: 'r2', person: 'r', time: day(0, 1), channel: 'direct' }), // internal navigation
      eventRecord({ id: 'r3', person: 'r', time: day(1), type: 'track', name: 'Order Completed', orderId: 'r-o1', revenue: 10 }),
      eventRecord({ id: 'r4', person: 'r', time: day(2), channel: 'direct' }), // starts a session: a touch
      eventRecord({ id: 'r5', person: 'r', time: day(3), type: 'track', name: 'Order Completed', orderId: 'r-o2', revenue: 20 }),
    ];
    const values = rows.map((r) => `(${COLS.map((c) => sqlValue((r as Record<string, unknown>)[c])).join(', ')})`);
    const paths = async (e: DuckDbEngine) => {
      await e.query(`DELETE FROM events`);
      await e.query(`INSERT INTO events (${COLS.join(', ')}) VALUES ${values.join(',\n')}`);
      return (await e.query<{ conversion_id: string; path: string }>(`SELECT conversion_id, path FROM journeys ORDER BY conversion_id`))
        .rows;
    };
    expect(await paths(engine)).toEqual([
      { conversion_id: 'r-o1', path: 'email' },
      { conversion_id: 'r-o2', path: 'email > direct' },
    ]);
    const reset = await createDuckDbEngine({ lakeDir: dir, config: { resetJourneyAfterConversion: true } });
    try {
      expect(await paths(reset)).toEqual([
        { conversion_id: 'r-o1', path: 'email' },
        { conversion_id: 'r-o2', path: 'direct' },
      ]);
    } finally {
      await reset.close();
    }
  });
});
