/**
 * The scale benchmark's lake generator writes the lake layout and the columns of the contract, so every
 * view runs over it: a change of schemas/ or sql/ that the generator does not follow fails here, not in
 * a 100 M-event benchmark run.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, EVENTS_PER_PAIR, type GeneratedLake, generateLake } from '../../bench/scale/generate-lake.js';
import { parseOptions, parseSize } from '../../bench/scale/index.js';
import { floorQuerySql, floorSpecFromScans, parquetScanColumns, VIEW_DATE_COLUMNS, viewQuerySql } from '../../bench/scale/queries.js';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/index.js';
import { duckdbColumns, EVENTS_COLUMNS, type LakeTableName } from '../../schemas/index.js';
import { orderedViews, PARTITION_KEY } from '../../sql/index.js';

const EVENTS = 2_004;
const DAYS = 30;
let dir: string;
let lake: GeneratedLake;
let engine: DuckDbEngine;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'threadline-scale-lake-'));
  lake = await generateLake({ lakeDir: path.join(dir, 'lake'), events: EVENTS, seed: 3, startDate: '2026-01-01', days: DAYS });
  engine = await createDuckDbEngine({ lakeDir: lake.lakeDir });
}, 120_000);

afterAll(async () => {
  await engine?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function parquetSchema(file: string): Promise<{ name: string; type: string }[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}', hive_partitioning = false)`);
    return (r.getRowObjectsJS() as { column_name: string; column_type: string }[]).map((c) => ({
      name: c.column_name,
      type: c.column_type,
    }));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('bench/scale generate-lake', () => {
  it('writes <table>/event_date=YYYY-MM-DD/part-<stamp>-<uuid>.parquet with exactly the contract columns, zstd', async () => {
    for (const table of ['events', 'identity_changes'] as LakeTableName[]) {
      const parts = readdirSync(path.join(lake.lakeDir, table));
      expect(parts.length).toBeGreaterThan(0);
      for (const p of parts) expect(p).toMatch(/^event_date=\d{4}-\d{2}-\d{2}$/);
      const files = parts.flatMap((p) => readdirSync(path.join(lake.lakeDir, table, p)).map((f) => path.join(lake.lakeDir, table, p, f)));
      for (const f of files) expect(path.basename(f)).toMatch(/^part-\d{8}T\d{9}-[0-9a-f-]{36}\.parquet$/);
      // the partition column lives in the folder name only (Hive convention), never inside the file
      // (DuckDB reads a millisecond Parquet timestamp back as TIMESTAMP; the unit is checked below)
      const want = duckdbColumns(table).map((c) => ({ name: c.name, type: c.type === 'TIMESTAMP_MS' ? 'TIMESTAMP' : c.type }));
      expect(await parquetSchema(files[0]!)).toEqual(want);
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      const codecs = await conn.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${files[0]}')`);
      const units = await conn.runAndReadAll(
        `SELECT name, logical_type FROM parquet_schema('${files[0]}') WHERE logical_type LIKE 'TimestampType%'`,
      );
      conn.closeSync();
      db.closeSync();
      expect(codecs.getRowsJS().flat()).toEqual(['ZSTD']);
      const timestamps = duckdbColumns(table).filter((c) => c.type === 'TIMESTAMP_MS');
      expect(units.getRowsJS().length).toBe(timestamps.length);
      for (const [, logical] of units.getRowsJS()) expect(String(logical)).toMatch(/MILLIS/);
    }
    expect(lake.files.every((f) => f.startsWith(lake.lakeDir))).toBe(true);
  });

  it('holds the requested events over the requested days, plus retries, replays and late arrivals', async () => {
    const [s] = (
      await engine.query<Record<string, number | string>>(`SELECT count(DISTINCT message_id) AS ids, count(*) AS rows,
        min(${PARTITION_KEY}) AS first_day, count(DISTINCT ${PARTITION_KEY}) AS days,
        count_if(epoch_ms(received_at) - epoch_ms(event_time) > 3600000) AS late,
        count(DISTINCT person_id) AS persons, count_if(event_name = 'Order Completed') AS orders FROM events`)
    ).rows;
    expect(s!.ids).toBe(EVENTS);
    expect(s!.rows).toBe(lake.eventRows);
    expect(Number(s!.rows)).toBeGreaterThan(EVENTS); // copies by message_id
    expect(s!.first_day).toBe('2026-01-01');
    // a follow-up session may spill one day past the spread
    expect(Number(s!.days)).toBeGreaterThanOrEqual(DAYS - 1);
    expect(Number(s!.days)).toBeLessThanOrEqual(DAYS + 1);
    expect(Number(s!.late)).toBeGreaterThan(0);
    expect(Number(s!.orders)).toBeGreaterThan(0);
    const dedup = await engine.query<{ n: number }>(`SELECT count(*) AS n FROM events_deduped`);
    expect(dedup.rows[0]!.n).toBe(EVENTS);
    expect(lake.nextEvent % EVENTS_PER_PAIR).toBe(0);
    expect(lake.nextEvent).toBeGreaterThanOrEqual(EVENTS);
  });

  it('every registry view runs over it through the DuckDB engine; the main ones have rows', async () => {
    // one statement for all views: DuckDB shares the common sub-plans, which keeps this test quick
    const views = orderedViews().map((v) => v.name);
    const r = await engine.query<Record<string, number>>(`SELECT ${views.map((v) => `(SELECT count(*) FROM ${v}) AS ${v}`).join(', ')}`);
    const counts = r.rows[0]!;
    expect(Object.keys(counts)).toEqual(views);
    for (const v of [
      'identity_map',
      'sessions',
      'touchpoints',
      'conversions',
      'journeys',
      'attribution',
      'channel_handoffs',
      'task_journeys',
    ]) {
      expect(counts[v], v).toBeGreaterThan(0);
    }
    const hops = await engine.query<{ h: number }>(`SELECT max(hops) AS h FROM identity_map`);
    expect(hops.rows[0]!.h).toBeGreaterThan(1); // chains, not only direct merges
  }, 120_000);

  it('is deterministic for a seed', async () => {
    const again = await generateLake({ lakeDir: path.join(dir, 'again'), events: EVENTS, seed: 3, startDate: '2026-01-01', days: DAYS });
    const other = await createDuckDbEngine({ lakeDir: again.lakeDir, createViews: false });
    try {
      const digest = async (e: DuckDbEngine, t: string) =>
        (await e.query<{ d: string }>(`SELECT CAST(bit_xor(hash(COLUMNS(*))) AS VARCHAR) AS d FROM (SELECT * FROM ${t})`)).rows[0];
      expect(await digest(other, 'events')).toEqual(await digest(engine, 'events'));
      expect(await digest(other, 'identity_changes')).toEqual(await digest(engine, 'identity_changes'));
    } finally {
      await other.close();
    }
  }, 120_000);

  it('an appended day continues the message ids and can put late events into older partitions', async () => {
    const day = addDays(lake.endDate, 1);
    const before = (await engine.query<{ n: number }>(`SELECT count(DISTINCT message_id) AS n FROM events`)).rows[0]!.n;
    const added = await generateLake({
      lakeDir: lake.lakeDir,
      events: 240,
      seed: 3,
      startDate: day,
      days: 1,
      persons: lake.persons,
      firstEvent: lake.nextEvent,
      identityChanges: false,
      lateIntoPastDays: true,
    });
    try {
      const r = (
        await engine.query<Record<string, number>>(
          `SELECT count(DISTINCT message_id) AS n, count_if(${PARTITION_KEY} < '${day}' AND received_at >= TIMESTAMP '${day} 00:00:00') AS late_into_past FROM events`,
        )
      ).rows[0]!;
      expect(r.n).toBe(before + 240);
      expect(r.late_into_past).toBeGreaterThan(0);
    } finally {
      for (const f of added.files) rmSync(f, { force: true });
    }
  }, 60_000);
});

describe('bench/scale queries', () => {
  it('names a date column (or none) for every registry view, and the column exists in the view', () => {
    for (const v of orderedViews()) {
      expect(Object.hasOwn(VIEW_DATE_COLUMNS, v.name), `${v.name} missing from VIEW_DATE_COLUMNS`).toBe(true);
      const col = VIEW_DATE_COLUMNS[v.name];
      if (col) {
        const def = v.columns.find((c) => c.name === col.column);
        expect(def, `${v.name}.${col.column}`).toBeDefined();
        expect(def!.type).toBe(col.kind === 'date' ? 'VARCHAR' : 'TIMESTAMP');
      }
    }
  });

  it('30-day view and floor queries run; the floor reads the columns EXPLAIN finds for the view', async () => {
    const range = { from: addDays(lake.endDate, -29), to: lake.endDate };
    const explain = await engine.query<{ explain_value: string }>(`EXPLAIN (FORMAT json) ${viewQuerySql('sessions')}`);
    const spec = floorSpecFromScans(
      parquetScanColumns(explain.rows[0]!.explain_value),
      EVENTS_COLUMNS.map((c) => c.name),
    );
    expect(spec.table).toBe('events');
    expect(spec.columns).toContain('person_id');
    const floor = await engine.query<{ row_count: number }>(floorQuerySql(lake.lakeDir, spec, range));
    const persons = await engine.query<{ n: number }>(
      `SELECT count(DISTINCT person_id) AS n FROM events WHERE ${PARTITION_KEY} BETWEEN '${range.from}' AND '${range.to}'`,
    );
    expect(floor.rows[0]!.row_count).toBe(persons.rows[0]!.n);
    const last30 = await engine.query<{ row_count: number }>(viewQuerySql('sessions', range));
    const all = await engine.query<{ row_count: number }>(viewQuerySql('sessions'));
    expect(last30.rows[0]!.row_count).toBeGreaterThan(0);
    expect(last30.rows[0]!.row_count).toBeLessThanOrEqual(all.rows[0]!.row_count);
    expect(() => viewQuerySql('identity_map', range)).toThrow(/no date column/);
  }, 60_000);

  it('parses sizes and flags', () => {
    expect([parseSize('1m'), parseSize('100M'), parseSize('500k'), parseSize('2000')]).toEqual([1e6, 1e8, 5e5, 2000]);
    expect(() => parseSize('lots')).toThrow(/size/);
    const o = parseOptions(['scale', '--scale-sizes=10m,1m', '--scale-timeout=60', '--scale-no-refresh'], {});
    expect(o.sizes).toEqual([1e6, 1e7]);
    expect(o.timeoutS).toBe(60);
    expect(o.refresh).toBe(false);
    expect(o.cli).toBe(true);
    expect(parseOptions([], {}).sizes).toEqual([250_000, 1_000_000]);
    expect(parseOptions([], { BENCH_SCALE_SIZES: '3m' }).sizes).toEqual([3e6]);
  });
});
