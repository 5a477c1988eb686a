/**
 * The journey models are refreshed incrementally (only the partitions that changed, and what depends on
 * them). Two kinds of check:
 *  - hand-computed scenarios: a late event, a duplicate arriving a day later, an identity merge a week
 *    later, and a re-run of the same window;
 *  - a property: for random histories landed in random batches (late events, duplicates, order
 *    retries, merges), the incrementally refreshed models equal a full rebuild of the same lake, after
 *    every batch.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import { MODEL_NAMES } from '../../sql/models/registry.js';
import { type EventInput, eventRecord, identityChange, writeLake } from './fixtures.js';

const dirs: string[] = [];
async function freshLake(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tl-incremental-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const ev = (e: EventInput) => eventRecord(e);

async function rows(engine: DuckDbEngine, sql: string) {
  return (await engine.query(sql)).rows;
}

describe('incremental refresh, hand-computed', () => {
  it('a late event joins two sessions into one and renumbers the later ones', async () => {
    const dir = await freshLake();
    await writeLake(dir, {
      events: [
        ev({ id: 'a', person: 'p1', time: '2024-05-01 10:00:00.000' }),
        ev({ id: 'b', person: 'p1', time: '2024-05-01 10:50:00.000' }),
        ev({ id: 'c', person: 'p1', time: '2024-05-03 09:00:00.000' }),
      ],
    });
    const engine = await createDuckDbEngine({ lakeDir: dir, modelRefresh: 'manual' });
    try {
      expect((await engine.refreshModels()).status).toBe('refreshed');
      expect(await rows(engine, 'SELECT session_id, event_count FROM sessions ORDER BY session_id')).toEqual([
        { session_id: 'p1#1', event_count: 1 },
        { session_id: 'p1#2', event_count: 1 },
        { session_id: 'p1#3', event_count: 1 },
      ]);
      // 10:25 arrives late: gaps of 25 minutes, so 10:00-10:50 is one session, and 05-03 becomes #2.
      await writeLake(dir, {
        events: [ev({ id: 'late', person: 'p1', time: '2024-05-01 10:25:00.000', receivedAt: '2024-05-04 08:00:00.000' })],
      });
      const report = await engine.refreshModels();
      expect(report.status).toBe('refreshed');
      expect(report.from).toBe('2024-05-01');
      expect(await rows(engine, 'SELECT session_id, event_count, session_date FROM sessions ORDER BY session_id')).toEqual([
        { session_id: 'p1#1', event_count: 3, session_date: '2024-05-01' },
        { session_id: 'p1#2', event_count: 1, session_date: '2024-05-03' },
      ]);
      expect((await engine.refreshModels()).status).toBe('up-to-date');
    } finally {
      await engine.close();
    }
  });

  it('a late event on a later day rebuilds from that day only', async () => {
    const dir = await freshLake();
    await writeLake(dir, {
      events: [
        ev({ id: 'a', person: 'p1', time: '2024-05-01 10:00:00.000' }),
        ev({ id: 'b', person: 'p1', time: '2024-05-05 10:00:00.000' }),
      ],
    });
    const engine = await createDuckDbEngine({ lakeDir: dir, modelRefresh: 'manual' });
    try {
      await engine.refreshModels();
      await writeLake(dir, { events: [ev({ id: 'c', person: 'p1', time: '2024-05-04 12:00:00.000' })] });
      const report = await engine.refreshModels();
      expect(report.from).toBe('2024-05-04');
      // Partitions 05-04 and 05-05 were rewritten; 05-01 was left as it was.
      expect(report.partitions.model_sessions).toBe(2);
      expect(await rows(engine, 'SELECT session_id, session_date FROM sessions ORDER BY session_id')).toEqual([
        { session_id: 'p1#1', session_date: '2024-05-01' },
        { session_id: 'p1#2', session_date: '2024-05-04' },
        { session_id: 'p1#3', session_date: '2024-05-05' },
      ]);
    } finally {
      await engine.close();
    }
  });

  it('a duplicate arriving a day later, on the next day, is dropped; so is an order reported again', async () => {
    const dir = await freshLake();
    await writeLake(dir, {
      events: [
        ev({ id: 'x', person: 'p1', time: '2024-05-01 23:59:59.500', receivedAt: '2024-05-01 23:59:59.600', pagePath: '/first' }),
        ev({
          id: 'o-1',
          person: 'p1',
          time: '2024-05-01 12:00:00.000',
          type: 'track',
          name: 'Order Completed',
          orderId: 'o1',
          revenue: 10,
        }),
      ],
    });
    const engine = await createDuckDbEngine({ lakeDir: dir, modelRefresh: 'manual' });
    try {
      await engine.refreshModels();
      await writeLake(dir, {
        events: [
          ev({ id: 'x', person: 'p1', time: '2024-05-02 00:00:01.500', receivedAt: '2024-05-02 00:00:01.600', pagePath: '/retry' }),
          ev({
            id: 'o-1-again',
            person: 'p1',
            time: '2024-05-02 09:00:00.000',
            type: 'track',
            name: 'Order Completed',
            orderId: 'o1',
            revenue: 10,
          }),
        ],
      });
      // The new copy is on 05-02, but x at 23:59:59 is a session still in progress at midnight: from 05-01.
      const report = await engine.refreshModels();
      expect(report.from).toBe('2024-05-01');
      expect(report.reasons).toEqual(['new event files (2024-05-02)', 'session in progress (2024-05-01)']);
      expect(await rows(engine, "SELECT message_id, page_path, event_date FROM events_deduped WHERE message_id = 'x'")).toEqual([
        { message_id: 'x', page_path: '/first', event_date: '2024-05-01' },
      ]);
      expect(await rows(engine, 'SELECT conversion_id, message_id FROM conversions')).toEqual([{ conversion_id: 'o1', message_id: 'o-1' }]);
    } finally {
      await engine.close();
    }
  });

  it('an identity merge a week later restamps the earlier events: sessions, touches and journeys follow', async () => {
    const dir = await freshLake();
    await writeLake(dir, {
      events: [
        ev({ id: 'e1', person: 'anon-2', time: '2024-05-01 10:00:00.000', channel: 'paid_search', campaign: 'spring' }),
        ev({ id: 'e2', person: 'anon-2', time: '2024-05-02 10:00:00.000', channel: 'email' }),
        ev({ id: 'e3', person: 'user-2', time: '2024-05-08 10:00:00.000', channel: 'web' }),
        ev({
          id: 'e4',
          person: 'user-2',
          time: '2024-05-08 10:05:00.000',
          type: 'track',
          name: 'Order Completed',
          orderId: 'o9',
          revenue: 50,
        }),
      ],
    });
    const engine = await createDuckDbEngine({ lakeDir: dir, modelRefresh: 'manual' });
    try {
      await engine.refreshModels();
      expect(await rows(engine, 'SELECT count(*) AS n FROM journey_touchpoints')).toEqual([{ n: 0 }]);
      await writeLake(dir, { identityChanges: [identityChange('anon-2', 'user-2', '2024-05-09 08:00:00.000')] });
      const report = await engine.refreshModels();
      expect(report.from).toBe('2024-05-01');
      expect(report.reasons.join(' ')).toMatch(/identity merges/);
      expect(await rows(engine, 'SELECT session_id, person_id, session_date FROM sessions ORDER BY session_number')).toEqual([
        { session_id: 'user-2#1', person_id: 'user-2', session_date: '2024-05-01' },
        { session_id: 'user-2#2', person_id: 'user-2', session_date: '2024-05-02' },
        { session_id: 'user-2#3', person_id: 'user-2', session_date: '2024-05-08' },
      ]);
      expect(await rows(engine, "SELECT count(*) AS n FROM touchpoints WHERE person_id = 'anon-2'")).toEqual([{ n: 0 }]);
      expect(await rows(engine, 'SELECT conversion_id, channel FROM journey_touchpoints ORDER BY touch_index')).toEqual([
        { conversion_id: 'o9', channel: 'paid_search' },
        { conversion_id: 'o9', channel: 'email' },
      ]);
    } finally {
      await engine.close();
    }
  });

  it('re-running the same window gives the same rows (idempotent)', async () => {
    const dir = await freshLake();
    await writeLake(dir, {
      events: [
        ev({ id: 'a', person: 'p1', time: '2024-05-01 10:00:00.000', channel: 'email' }),
        ev({ id: 'b', person: 'p1', time: '2024-05-02 10:00:00.000', type: 'track', name: 'Order Completed', orderId: 'o1', revenue: 5 }),
      ],
    });
    const engine = await createDuckDbEngine({ lakeDir: dir, modelRefresh: 'manual' });
    try {
      await engine.refreshModels();
      const before = await snapshot(engine);
      const again = await engine.refreshModels({ from: '2024-05-01' });
      expect(again.status).toBe('refreshed');
      expect(await snapshot(engine)).toEqual(before);
    } finally {
      await engine.close();
    }
  });
});

async function snapshot(engine: DuckDbEngine): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const m of MODEL_NAMES) out[m] = await rows(engine, `SELECT * FROM ${m} ORDER BY ALL`);
  return out;
}

// ------------------------------------------------------------------ property: incremental == full rebuild

const PERSONS = ['p1', 'p2', 'p3'];
const CHANNELS = ['paid_search', 'email', 'web', 'direct', 'store', 'chat', null];

const genEvent = fc.record({
  day: fc.integer({ min: 1, max: 9 }),
  minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
  person: fc.integer({ min: 0, max: PERSONS.length - 1 }),
  channel: fc.integer({ min: 0, max: CHANNELS.length - 1 }),
  order: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  campaign: fc.boolean(),
});

/** A batch: new events, copies of earlier ones (a replay or a retry seconds later) and merges. */
const genBatch = fc.record({
  events: fc.array(genEvent, { minLength: 1, maxLength: 8 }),
  duplicates: fc.array(fc.record({ of: fc.nat(), shiftSeconds: fc.constantFrom(0, 2, 90) }), { maxLength: 2 }),
  merge: fc.option(fc.record({ from: fc.nat(), to: fc.nat() }), { nil: null }),
});

function timeOf(day: number, minute: number, extraSeconds = 0): string {
  const ms = Date.UTC(2024, 4, day, 0, minute, extraSeconds);
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

describe('incremental refresh equals a full rebuild', () => {
  it('after every batch of a random history', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(genBatch, { minLength: 2, maxLength: 4 }), async (batches) => {
        const dir = await freshLake();
        const engine = await createDuckDbEngine({ lakeDir: dir, modelRefresh: 'manual' });
        const landed: EventInput[] = [];
        const mergedInto = new Map<string, string>();
        const root = (p: string): string => {
          let r = p;
          while (mergedInto.has(r)) r = mergedInto.get(r)!;
          return r;
        };
        try {
          let clock = 0;
          for (const [b, batch] of batches.entries()) {
            const received = timeOf(10 + b, 0);
            const inputs: EventInput[] = batch.events.map((g, i) => ({
              id: `r${run}-b${b}-e${i}`,
              person: PERSONS[g.person]!,
              time: timeOf(g.day, g.minute),
              receivedAt: received,
              channel: CHANNELS[g.channel]!,
              campaign: g.campaign ? 'spring' : null,
              ...(g.order !== null ? { type: 'track' as const, name: 'Order Completed', orderId: `o${g.order}`, revenue: g.order } : {}),
            }));
            for (const d of batch.duplicates) {
              const src = landed[d.of % Math.max(1, landed.length)];
              if (src) inputs.push({ ...src, time: shift(src.time, d.shiftSeconds), receivedAt: received });
            }
            // As the processor does: a merge moves one current root into another, so no cycle is ever written.
            const from = batch.merge ? root(PERSONS[batch.merge.from % PERSONS.length]!) : undefined;
            const to = batch.merge ? root(PERSONS[batch.merge.to % PERSONS.length]!) : undefined;
            const merges =
              from !== undefined && to !== undefined && from !== to
                ? [identityChange(from, to, timeOf(10 + b, ++clock), `run${run}-m${b}`)]
                : [];
            if (merges.length > 0) mergedInto.set(from!, to!);
            landed.push(...inputs);
            await writeLake(dir, { events: inputs.map(ev), identityChanges: merges });
            await engine.refreshModels();
            expect(await snapshot(engine)).toEqual(await fullRebuild(dir));
          }
        } finally {
          await engine.close();
          run++;
        }
      }),
      // endOnFailure: a counterexample is reported as found (shrinking one can outlast the test timeout).
      { numRuns: 12, endOnFailure: true },
    );
  });
});

function shift(time: string, seconds: number): string {
  const ms = Date.parse(`${time.replace(' ', 'T')}Z`) + seconds * 1000;
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** The same raw files in a new lake, models built from scratch. */
async function fullRebuild(dir: string): Promise<Record<string, unknown[]>> {
  const copy = await freshLake();
  for (const t of ['events', 'identity_changes'])
    await cp(path.join(dir, t), path.join(copy, t), { recursive: true }).catch(() => undefined);
  const engine = await createDuckDbEngine({ lakeDir: copy, modelRefresh: 'manual' });
  try {
    await engine.refreshModels({ full: true });
    return await snapshot(engine);
  } finally {
    await engine.close();
    await rm(copy, { recursive: true, force: true });
  }
}
