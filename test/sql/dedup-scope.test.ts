/**
 * dedupScope on a hand-built lake (landed as Parquet through the lake writer), the same files read by two
 * engines: one with the default 'global' scope, one with 'event_date'.
 *
 *  - x-midnight: a client retry of a sentAt-timestamped event 2 s after it was first sent, just before
 *    midnight UTC: the copies carry event_time 05-01 23:59:59.500 and 05-02 00:00:01.500, so they sit
 *    in two partitions.
 *  - y-replay: a Kinesis replay of one envelope: same event_time, later received_at (processor re-run).
 *  - z-single: no duplicate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import { eventRecord, writeLake } from './fixtures.js';

const EVENTS = [
  eventRecord({
    id: 'x-midnight',
    person: 'p1',
    time: '2024-05-01 23:59:59.500',
    receivedAt: '2024-05-01 23:59:59.600',
    pagePath: '/first-try',
  }),
  eventRecord({
    id: 'x-midnight',
    person: 'p1',
    time: '2024-05-02 00:00:01.500',
    receivedAt: '2024-05-02 00:00:01.600',
    pagePath: '/retry',
  }),
  eventRecord({
    id: 'y-replay',
    person: 'p2',
    time: '2024-05-01 10:00:00.000',
    receivedAt: '2024-05-01 10:00:05.000',
    pagePath: '/replayed',
  }),
  eventRecord({
    id: 'y-replay',
    person: 'p2',
    time: '2024-05-01 10:00:00.000',
    receivedAt: '2024-05-01 10:00:00.100',
    pagePath: '/original',
  }),
  eventRecord({ id: 'z-single', person: 'p3', time: '2024-05-02 09:00:00.000', pagePath: '/only' }),
];

let dir: string;
let global: DuckDbEngine;
let perDay: DuckDbEngine;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-dedup-scope-'));
  await writeLake(dir, { events: EVENTS });
  global = await createDuckDbEngine({ lakeDir: dir });
  perDay = await createDuckDbEngine({ lakeDir: dir, config: { dedupScope: 'event_date' } });
});
afterAll(async () => {
  await global?.close();
  await perDay?.close();
  await rm(dir, { recursive: true, force: true });
});

const rowsOf = async (engine: DuckDbEngine, view: string, where = 'TRUE') =>
  (await engine.query(`SELECT message_id, event_date, page_path, received_at FROM ${view} WHERE ${where} ORDER BY message_id, event_date`))
    .rows;

describe("dedupScope 'global' (default)", () => {
  it('keeps one row per message_id even when the copies sit on two event_dates (the earliest received)', async () => {
    expect((await global.query(`SELECT count(*) AS n FROM events`)).rows).toEqual([{ n: 5 }]);
    for (const view of ['events_deduped', 'events_resolved']) {
      expect(await rowsOf(global, view)).toEqual([
        { message_id: 'x-midnight', event_date: '2024-05-01', page_path: '/first-try', received_at: '2024-05-01T23:59:59.600Z' },
        { message_id: 'y-replay', event_date: '2024-05-01', page_path: '/original', received_at: '2024-05-01T10:00:00.100Z' },
        { message_id: 'z-single', event_date: '2024-05-02', page_path: '/only', received_at: '2024-05-02T09:00:00.000Z' },
      ]);
    }
  });
  it('a date filter sees the kept copy only on its own day', async () => {
    expect(await rowsOf(global, 'events_deduped', `event_date = '2024-05-02'`)).toEqual([
      { message_id: 'z-single', event_date: '2024-05-02', page_path: '/only', received_at: '2024-05-02T09:00:00.000Z' },
    ]);
  });
});

describe("dedupScope 'event_date'", () => {
  it('keeps one row per (event_date, message_id): the midnight retry survives twice, the same-day replay once', async () => {
    for (const view of ['events_deduped', 'events_resolved']) {
      expect(await rowsOf(perDay, view)).toEqual([
        { message_id: 'x-midnight', event_date: '2024-05-01', page_path: '/first-try', received_at: '2024-05-01T23:59:59.600Z' },
        { message_id: 'x-midnight', event_date: '2024-05-02', page_path: '/retry', received_at: '2024-05-02T00:00:01.600Z' },
        { message_id: 'y-replay', event_date: '2024-05-01', page_path: '/original', received_at: '2024-05-01T10:00:00.100Z' },
        { message_id: 'z-single', event_date: '2024-05-02', page_path: '/only', received_at: '2024-05-02T09:00:00.000Z' },
      ]);
    }
  });
  it("a date filter returns that day's messages, each once, the retry's copy included", async () => {
    const day = await rowsOf(perDay, 'events_deduped', `event_date = '2024-05-02'`);
    expect(day).toEqual([
      { message_id: 'x-midnight', event_date: '2024-05-02', page_path: '/retry', received_at: '2024-05-02T00:00:01.600Z' },
      { message_id: 'z-single', event_date: '2024-05-02', page_path: '/only', received_at: '2024-05-02T09:00:00.000Z' },
    ]);
  });
});
