/**
 * Differential test: the views against an independent, plain TypeScript implementation of the same
 * definitions (sessions, touchpoints, conversions, journeys, non-converting journeys, six rule-based
 * models, channel_paths) on random multi-person histories spread over two months, so lookback windows,
 * session boundaries, duplicate orders and mid-session direct events all occur.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import { DEFAULT_MARKETING_CHANNELS } from '../../schemas/channels.js';
import { EVENTS_COLUMNS, type EventRecord, toLakeTimestamp } from '../../schemas/lake.js';
import { ATTRIBUTION_MODELS, type AttributionModel } from '../../sql/views/attribution.js';
import { eventRecord } from './fixtures.js';

const MIN = 60_000;
const DAY = 1_440 * MIN;
const BASE = Date.parse('2024-01-01T00:00:00.000Z');
const COLS = [...EVENTS_COLUMNS.map((c) => c.name), 'event_date'];

interface Ev {
  id: string;
  person: string;
  t: number;
  channel: string;
  order?: { id: string; revenue: number | null };
}

// ---------------------------------------------------------------- reference implementation
function reference(events: Ev[]) {
  const marketing = new Set<string>(DEFAULT_MARKETING_CHANNELS);
  const byPerson = new Map<string, Ev[]>();
  for (const e of events) byPerson.set(e.person, [...(byPerson.get(e.person) ?? []), e]);
  const cmp = (a: { t: number; id: string }, b: { t: number; id: string }) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const touches = new Map<string, { id: string; t: number; channel: string }[]>();
  const convCandidates: { key: string; id: string; person: string; t: number; revenue: number }[] = [];
  for (const [person, evs] of byPerson) {
    evs.sort(cmp);
    const list: { id: string; t: number; channel: string }[] = [];
    let session = 0;
    let prevT: number | undefined;
    let prevTouchSession = -1;
    let prevTouchChannel: string | undefined;
    for (const e of evs) {
      const start = prevT === undefined || e.t - prevT >= 30 * MIN;
      if (start) session++;
      prevT = e.t;
      if (marketing.has(e.channel) && (start || e.channel !== 'direct')) {
        const continues = prevTouchSession === session && prevTouchChannel === e.channel;
        if (!continues) list.push({ id: e.id, t: e.t, channel: e.channel });
        prevTouchSession = session;
        prevTouchChannel = e.channel;
      }
      if (e.order) convCandidates.push({ key: e.order.id, id: e.id, person, t: e.t, revenue: e.order.revenue ?? 0 });
    }
    touches.set(person, list);
  }
  const conversions = new Map<string, (typeof convCandidates)[number]>();
  for (const c of [...convCandidates].sort(cmp)) if (!conversions.has(c.key)) conversions.set(c.key, c);

  const credit = Object.fromEntries(ATTRIBUTION_MODELS.map((m) => [m, new Map<string, [number, number]>()])) as Record<
    AttributionModel,
    Map<string, [number, number]>
  >;
  const add = (m: AttributionModel, ch: string, c: number, revenue: number) => {
    const cur = credit[m].get(ch) ?? [0, 0];
    credit[m].set(ch, [cur[0] + c, cur[1] + c * revenue]);
  };
  const paths = new Map<string, { conv: number; value: number; nul: number }>();
  const bump = (p: string, conv: number, value: number, nul: number) => {
    const cur = paths.get(p) ?? { conv: 0, value: 0, nul: 0 };
    paths.set(p, { conv: cur.conv + conv, value: cur.value + value, nul: cur.nul + nul });
  };
  for (const c of conversions.values()) {
    const j = (touches.get(c.person) ?? []).filter((x) => x.t <= c.t && x.t >= c.t - 30 * DAY).sort(cmp);
    const n = j.length;
    if (n === 0) continue;
    bump(j.map((x) => x.channel).join(' > '), 1, c.revenue, 0);
    const w = j.map((x) => 2 ** (-(c.t - x.t) / (7 * DAY)));
    const wSum = w.reduce((a, b) => a + b, 0);
    let lnd = -1;
    j.forEach((x, i) => {
      if (x.channel !== 'direct') lnd = i;
    });
    if (lnd < 0) lnd = n - 1;
    j.forEach((x, i) => {
      add('first_touch', x.channel, i === 0 ? 1 : 0, c.revenue);
      add('last_touch', x.channel, i === n - 1 ? 1 : 0, c.revenue);
      add('last_non_direct', x.channel, i === lnd ? 1 : 0, c.revenue);
      add('linear', x.channel, 1 / n, c.revenue);
      add('time_decay', x.channel, w[i]! / wSum, c.revenue);
      add('position_based', x.channel, n === 1 ? 1 : n === 2 ? 0.5 : i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2), c.revenue);
    });
  }
  for (const [person, list] of touches) {
    const convTimes = [...conversions.values()].filter((c) => c.person === person).map((c) => c.t);
    const last = convTimes.length ? Math.max(...convTimes) : -Infinity;
    const open = list.filter((x) => x.t > last);
    if (open.length === 0) continue;
    const end = Math.max(...open.map((x) => x.t));
    bump(
      open
        .filter((x) => x.t >= end - 30 * DAY)
        .sort(cmp)
        .map((x) => x.channel)
        .join(' > '),
      0,
      0,
      1,
    );
  }
  return { credit, paths };
}

// ---------------------------------------------------------------- engine side
let dir: string;
let engine: DuckDbEngine;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-ref-'));
  engine = await createDuckDbEngine({ lakeDir: dir });
});
afterAll(async () => {
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

function sqlValue(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

async function load(events: Ev[]) {
  const rows: EventRecord[] = events.map((e) =>
    eventRecord({
      id: e.id,
      person: e.person,
      time: toLakeTimestamp(e.t),
      channel: e.channel,
      ...(e.order ? { type: 'track' as const, name: 'Order Completed', orderId: e.order.id, revenue: e.order.revenue } : {}),
    }),
  );
  await engine.query('DELETE FROM events');
  if (rows.length) {
    await engine.query(
      `INSERT INTO events (${COLS.join(', ')}) VALUES ${rows
        .map((r) => `(${COLS.map((c) => sqlValue((r as Record<string, unknown>)[c])).join(', ')})`)
        .join(',\n')}`,
    );
  }
}

const evArb = fc.record({
  // clustered offsets: same-session runs (minutes) and long gaps (days), so every rule is exercised
  gapMinutes: fc.oneof(fc.constantFrom(0, 1, 5, 29, 30, 31), fc.integer({ min: 60, max: 20 * 1_440 })),
  channel: fc.constantFrom('email', 'direct', 'paid_search', 'web', 'store', 'chat'),
  order: fc.option(
    fc.record({
      id: fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5', 'o6'),
      revenue: fc.option(fc.integer({ min: 1, max: 300 }), { nil: null }),
    }),
    { freq: 4, nil: undefined },
  ),
});
const historyArb = fc.array(fc.array(evArb, { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 5 });

describe('views vs reference implementation', () => {
  it('attribution_summary and channel_paths agree on random histories', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, async (people) => {
        const events: Ev[] = [];
        people.forEach((evs, p) => {
          let t = BASE + p * 7 * MIN;
          evs.forEach((e, i) => {
            t += e.gapMinutes * MIN;
            events.push({
              id: `e${String(p).padStart(2, '0')}-${String(i).padStart(3, '0')}`,
              person: `p${p}`,
              t,
              channel: e.channel,
              ...(e.order ? { order: e.order } : {}),
            });
          });
        });
        await load(events);
        const ref = reference(events);

        const { rows: cp } = await engine.query<{
          path: string;
          total_conversions: number;
          total_conversion_value: number;
          total_null: number;
        }>('SELECT * FROM channel_paths ORDER BY path');
        const want = [...ref.paths.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
        expect(cp.map((r) => [r.path, r.total_conversions, r.total_null])).toEqual(want.map(([p, v]) => [p, v.conv, v.nul]));
        cp.forEach((r, i) => expect(Math.abs(r.total_conversion_value - want[i]![1].value)).toBeLessThan(1e-9));

        const { rows: summary } = await engine.query<Record<string, number | string>>('SELECT * FROM attribution_summary');
        for (const m of ATTRIBUTION_MODELS) {
          const channels = new Set([...ref.credit[m].keys(), ...summary.map((r) => r.channel as string)]);
          for (const ch of channels) {
            const r = summary.find((x) => x.channel === ch);
            const [c, v] = ref.credit[m].get(ch) ?? [0, 0];
            expect(Math.abs(((r?.[`${m}_conversions`] as number) ?? 0) - c), `${m} ${ch}`).toBeLessThan(1e-9);
            expect(Math.abs(((r?.[`${m}_revenue`] as number) ?? 0) - v), `${m} ${ch} revenue`).toBeLessThan(1e-6);
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});
