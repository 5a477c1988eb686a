/**
 * Attribution over the real lake: events landed as Parquet by the lake writer, read through the DuckDB
 * engine's channel_paths view, results written back as Parquet and read again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModels } from '../../domain/attribution/models.js';
import { loadPathsFromEngine, localResultsQuery, saveResultsLocal } from '../../query/attribution-io.js';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import { ATTRIBUTION_RESULTS_COLUMNS, resultRows } from '../../sql/attribution-results-table.js';
import { eventRecord, writeLake } from '../sql/fixtures.js';

const t = (day: number, hour = 10) => `2024-06-${String(day).padStart(2, '0')} ${String(hour).padStart(2, '0')}:00:00.000`;
const order = (p: string, day: number, id: string, revenue: number) =>
  eventRecord({ id, person: p, time: t(day, 15), type: 'track', name: 'Order Completed', orderId: id, revenue, channel: 'web' });

let dir: string;
let worked: DuckDbEngine;
let single: DuckDbEngine;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-attr-'));
  // the worked example of attribution.md as events: C1 > C2 > C3 converts (42), C1 and C2 > C3 do not
  await writeLake(path.join(dir, 'worked'), {
    events: [
      eventRecord({ id: '1a', person: 'p1', time: t(1), channel: 'C1' }),
      eventRecord({ id: '1b', person: 'p1', time: t(2), channel: 'C2' }),
      eventRecord({ id: '1c', person: 'p1', time: t(3), channel: 'C3' }),
      order('p1', 3, 'o1', 42),
      eventRecord({ id: '2a', person: 'p2', time: t(1), channel: 'C1' }),
      eventRecord({ id: '3a', person: 'p3', time: t(2), channel: 'C2' }),
      eventRecord({ id: '3b', person: 'p3', time: t(4), channel: 'C3' }),
    ],
  });
  // single-channel journeys: each person is touched by one channel (sometimes twice) and may convert
  await writeLake(path.join(dir, 'single'), {
    events: [
      eventRecord({ id: 'a1', person: 'a', time: t(1), channel: 'email' }),
      eventRecord({ id: 'a2', person: 'a', time: t(2), channel: 'email' }),
      order('a', 2, 'oa', 30),
      eventRecord({ id: 'b1', person: 'b', time: t(1), channel: 'paid_search' }),
      order('b', 1, 'ob', 50),
      eventRecord({ id: 'c1', person: 'c', time: t(3), channel: 'paid_search' }),
      order('c', 3, 'oc', 10),
      eventRecord({ id: 'd1', person: 'd', time: t(2), channel: 'display' }),
      eventRecord({ id: 'e1', person: 'e', time: t(2), channel: 'email' }),
    ],
  });
  worked = await createDuckDbEngine({ lakeDir: path.join(dir, 'worked'), config: { marketingChannels: ['C1', 'C2', 'C3'] } });
  single = await createDuckDbEngine({ lakeDir: path.join(dir, 'single') });
});

afterAll(async () => {
  await worked?.close();
  await single?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('attribution from the channel_paths view', () => {
  it('reproduces the worked example from landed events', async () => {
    const loaded = await loadPathsFromEngine(worked, 'test');
    const out = runModels(loaded.table, 'markov');
    expect(out.markov!.conversionProbability).toBeCloseTo(1 / 3, 12);
    const c = Object.fromEntries(out.results[0]!.channels.map((x) => [x.channel, x]));
    expect(c.C1!.conversions).toBeCloseTo(0.2, 12);
    expect(c.C2!.conversions).toBeCloseTo(0.4, 12);
    expect(c.C3!.conversions).toBeCloseTo(0.4, 12);
    expect(c.C1!.value).toBeCloseTo(0.2 * 42, 10);
    expect(c.C1!.removal_effect).toBeCloseTo(0.5, 12);
  });

  it('on single-channel journeys every model agrees with the rule-based attribution_summary view', async () => {
    const { rows } = await single.query<{
      channel: string;
      last_touch_conversions: number;
      last_touch_revenue: number;
      time_decay_conversions: number;
    }>('SELECT channel, last_touch_conversions, last_touch_revenue, time_decay_conversions FROM attribution_summary');
    const view = new Map(rows.map((r) => [r.channel, r]));
    // hand check of the view itself: email 1 (30), paid_search 2 (60), display not converting
    expect(view.get('email')?.last_touch_conversions).toBeCloseTo(1, 12);
    expect(view.get('paid_search')?.last_touch_revenue).toBeCloseTo(60, 12);
    const loaded = await loadPathsFromEngine(single, 'test');
    const all = [
      ...runModels(loaded.table, 'all').results,
      ...[2, 3].map((order) => runModels(loaded.table, 'markov', { order }).results[0]!),
      runModels(loaded.table, 'markov', { convertingOnly: true }).results[0]!,
    ];
    for (const r of all) {
      for (const c of r.channels) {
        const v = view.get(c.channel);
        expect(c.conversions, `${r.model} ${c.channel}`).toBeCloseTo(v?.last_touch_conversions ?? 0, 10);
        expect(c.value, `${r.model} ${c.channel} value`).toBeCloseTo(v?.last_touch_revenue ?? 0, 10);
        // time decay (only computable in SQL, with timestamps) agrees too on one-channel journeys
        expect(c.conversions).toBeCloseTo(v?.time_decay_conversions ?? 0, 10);
      }
    }
  });

  it('saves results as Parquet under attribution_results/run_date=... with the declared columns', async () => {
    const loaded = await loadPathsFromEngine(worked, 'channel_paths (test)');
    const out = runModels(loaded.table, 'all');
    const rows = resultRows(out.results, {
      runId: 'run-1',
      computedAt: new Date('2026-11-29T06:00:00.000Z'),
      order: 1,
      convertingOnly: false,
      source: loaded.source,
    });
    const lake = path.join(dir, 'out');
    const file = await saveResultsLocal(lake, rows, 'run-1');
    expect(file).toBe(path.join(lake, 'attribution_results', 'run_date=2026-11-29', 'run-1.parquet'));
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const described = await conn.runAndReadAll(`DESCRIBE ${localResultsQuery(lake)}`);
      expect(described.getRowObjectsJS().map((r) => r.column_name)).toEqual([
        ...ATTRIBUTION_RESULTS_COLUMNS.map((c) => c.name),
        'run_date',
      ]);
      const back = await conn.runAndReadAll(
        `SELECT model, markov_order, channel, conversions, removal_effect, CAST(run_date AS VARCHAR) AS run_date
         FROM (${localResultsQuery(lake)}) WHERE model IN ('markov', 'linear') ORDER BY model, channel`,
      );
      const got = back.getRowObjectsJS();
      expect(got).toHaveLength(6);
      expect(got[0]).toMatchObject({ model: 'linear', markov_order: null, channel: 'C1', removal_effect: null, run_date: '2026-11-29' });
      expect(got[3]).toMatchObject({ model: 'markov', markov_order: 1, channel: 'C1', run_date: '2026-11-29' });
      expect(got[3]!.conversions as number).toBeCloseTo(0.2, 12);
      expect(got[3]!.removal_effect as number).toBeCloseTo(0.5, 12);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
