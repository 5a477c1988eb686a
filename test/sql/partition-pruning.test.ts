/**
 * A query over a date range reads only that range's partitions. On DuckDB, checked with EXPLAIN
 * ANALYZE (the Parquet scans report how many files they read); for the Athena rendering, by the shape
 * of the SQL Trino receives: the views over the models are projections (no window, no aggregate, no
 * join that could stop a predicate) with the date column mapped straight to the partition column, so
 * Trino pushes `WHERE <date column> >= ...` into the partition filter; and every refresh statement reads
 * raw tables and models only with partition predicates (test/sql/render.test.ts checks they parse).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import { renderModels } from '../../sql/models/registry.js';
import { renderViews } from '../../sql/render.js';
import { eventRecord, writeLake } from './fixtures.js';

/** Each view that reads one model, the column a date range filters on, and the model. */
const PRUNED: readonly (readonly [view: string, dateColumn: string, model: string])[] = [
  ['events_deduped', 'event_date', 'model_events'],
  ['events_resolved', 'event_date', 'model_events'],
  ['events_sessionized', 'event_date', 'model_events_sessionized'],
  ['sessions', 'session_date', 'model_sessions'],
  ['touchpoints', 'event_date', 'model_touchpoints'],
  ['conversions', 'event_date', 'model_conversions'],
];

const DAYS = 10;
let dir: string;
let engine: DuckDbEngine;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-pruning-'));
  const events = [];
  for (let day = 1; day <= DAYS; day++) {
    const date = `2024-05-${String(day).padStart(2, '0')}`;
    for (const person of ['p1', 'p2']) {
      events.push(eventRecord({ id: `${person}-${day}-a`, person, time: `${date} 10:00:00.000`, channel: 'email' }));
      events.push(
        eventRecord({
          id: `${person}-${day}-b`,
          person,
          time: `${date} 10:05:00.000`,
          type: 'track',
          name: 'Order Completed',
          orderId: `${person}-${day}`,
          revenue: 1,
          channel: 'email',
        }),
      );
    }
  }
  await writeLake(dir, { events });
  engine = await createDuckDbEngine({ lakeDir: dir });
  await engine.refreshModels();
});
afterAll(async () => {
  await engine?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Files read by the plan's Parquet scans of model tables (EXPLAIN (ANALYZE, FORMAT json)). */
function modelFilesRead(planJson: string): number {
  let total = 0;
  const walk = (node: { extra_info?: Record<string, unknown>; children?: unknown[] }) => {
    const info = node.extra_info ?? {};
    const files = info['Filename(s)'];
    if (info['Total Files Read'] !== undefined && String(files ?? '').includes('/models/')) total += Number(info['Total Files Read']);
    for (const child of node.children ?? []) walk(child as typeof node);
  };
  const parsed: unknown = JSON.parse(planJson);
  for (const root of Array.isArray(parsed) ? parsed : [parsed]) walk(root as Parameters<typeof walk>[0]);
  return total;
}

async function plan(sql: string): Promise<string> {
  return String(Object.values((await engine.query(`EXPLAIN (ANALYZE, FORMAT json) ${sql}`)).rows[0]!)[1]);
}

async function modelFiles(model: string, fromDate: string): Promise<number> {
  const root = path.join(dir, 'models');
  const [fingerprint] = await readdir(root);
  const entries = await readdir(path.join(root, fingerprint!, model), { recursive: true });
  return entries.filter((e) => e.endsWith('.parquet') && e.slice('event_date='.length, 'event_date='.length + 10) >= fromDate).length;
}

describe('DuckDB: a date range reads only its partitions (EXPLAIN ANALYZE)', () => {
  it.each(PRUNED)('%s WHERE %s >= day 8 reads the files of days 8-10 only', async (view, column, model) => {
    const from = '2024-05-08';
    const all = await modelFiles(model, '0000-00-00');
    const inRange = await modelFiles(model, from);
    expect(all).toBeGreaterThanOrEqual(DAYS);
    expect(inRange).toBe(3);
    expect(modelFilesRead(await plan(`SELECT count(*) FROM ${view} WHERE ${column} >= '${from}'`))).toBe(inRange);
    // and the answer is the range's rows
    const { rows } = await engine.query(`SELECT count(DISTINCT ${column}) AS days FROM ${view} WHERE ${column} >= '${from}'`);
    expect(rows).toEqual([{ days: 3 }]);
  });

  it('without a date filter the same views read every partition (the check can fail)', async () => {
    expect(modelFilesRead(await plan('SELECT count(*) FROM sessions'))).toBe(await modelFiles('model_sessions', '0000-00-00'));
  });
});

describe('Athena: the date predicate reaches the partition column', () => {
  const trino = new TrinoSQL();
  const views = new Map(renderViews('athena').map((v) => [v.name, v]));
  it.each(PRUNED)('%s is a projection of %s with the date column on the partition', (view, column, model) => {
    const v = views.get(view)!;
    // No window, aggregate or subquery between the filter and the partitioned table.
    expect(v.select).not.toMatch(/\bOVER\s*\(|\bGROUP BY\b|\(\s*SELECT\b/i);
    if (view === 'events_resolved') {
      // events_deduped (a projection of model_events) is the preserved side of a LEFT JOIN: a filter on
      // its columns is pushed below the join.
      expect(v.select).toMatch(/FROM events_deduped e\s+LEFT JOIN identity_map m/);
      expect(views.get('events_deduped')!.select).toMatch(new RegExp(`FROM ${model}\\b`));
      return;
    }
    expect(v.select).toMatch(new RegExp(`FROM ${model}\\b`));
    if (column === 'event_date') expect(v.select).toMatch(/\bevent_date\b/);
    else expect(v.select).toMatch(new RegExp(`\\bevent_date AS ${column}\\b`));
    const query = `SELECT count(*) FROM ${view} WHERE ${column} BETWEEN '2024-05-01' AND '2024-07-29'`;
    expect(trino.validate(query).map((e) => e.message)).toEqual([]);
  });
  it('every refresh statement bounds its reads of raw tables and models by partition predicates', () => {
    const partitioned = /^(events|model_[a-z_]+)\b\s*(\w+)?/;
    for (const m of renderModels('athena')) {
      const sql = m.select('2024-05-01');
      const reads = sql.split(/\bFROM\s+/).slice(1);
      let checked = 0;
      for (const chunk of reads) {
        const table = partitioned.exec(chunk);
        if (!table) continue;
        // the WHERE of this read (up to the next FROM) carries a partition predicate on event_date
        expect(chunk, `${m.name} reads ${table[1]}`).toMatch(/event_date (>=|<) '\d{4}-\d{2}-\d{2}'/);
        checked++;
      }
      expect(checked, m.name).toBeGreaterThan(0);
    }
  });
});
