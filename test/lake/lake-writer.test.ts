/**
 * The local Firehose-to-Parquet writer: layout, exact column types, buffering by size and by age,
 * never overwriting, failed records routed like Firehose's error output, flush on close; and the
 * DuckDB engine picking up files that appear after it started.
 */
import * as fsp from 'node:fs/promises';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLakeWriter, ResourceNotFoundException, toRow } from '../../local/lake-writer.js';
import { createDuckDbEngine } from '../../query/duckdb.js';
import { duckdbColumns, EVENTS_COLUMNS } from '../../schemas/lake.js';
import { eventRecord, identityChange, STREAMS } from '../sql/fixtures.js';

let root: string;
let inst: DuckDBInstance;
let conn: DuckDBConnection;
const line = (o: unknown) => Buffer.from(`${JSON.stringify(o)}\n`);

async function q(sql: string) {
  const r = await conn.runAndReadAll(sql);
  return r.getRowObjectsJS();
}
async function parquetFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
  } catch {
    return [];
  }
}
async function fresh(): Promise<string> {
  return mkdtemp(path.join(root, 'lake-'));
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tl-lake-'));
  inst = await DuckDBInstance.create(':memory:');
  conn = await inst.connect();
});
afterAll(async () => {
  conn?.closeSync();
  inst?.closeSync();
  await rm(root, { recursive: true, force: true });
});

describe('layout and types', () => {
  it('writes <table>/event_date=YYYY-MM-DD/part-<stamp>-<uuid>.parquet with the lake columns and types, zstd', async () => {
    const dir = await fresh();
    const writer = createLakeWriter({ rootDir: dir, streamToTable: STREAMS, now: () => new Date('2024-05-02T03:04:05.678Z') });
    await writer.write('threadline-events', [
      line(
        eventRecord({
          id: 'a',
          person: 'p',
          time: '2024-05-01 23:59:59.999',
          revenue: 12.5,
          type: 'track',
          name: 'Order Completed',
          orderId: 'o',
        }),
      ),
      line(eventRecord({ id: 'b', person: 'p', time: '2024-05-02 00:00:00.000' })),
    ]);
    await writer.write('threadline-identity-changes', [line(identityChange('x', 'y', '2024-05-02 10:00:00.001'))]);
    await writer.close();
    const files = await parquetFiles(dir);
    expect(files).toHaveLength(3);
    const re = /^(events|identity_changes)\/event_date=(\d{4}-\d{2}-\d{2})\/part-20240502T030405678-[0-9a-f-]{36}\.parquet$/;
    expect(files.map((f) => f.replace(re, '$1 $2'))).toEqual(['events 2024-05-01', 'events 2024-05-02', 'identity_changes 2024-05-02']);

    const eventsFile = path.join(dir, files[0]!);
    // Parquet schema: lake column order and names; timestamps as INT64 TIMESTAMP_MILLIS (Athena reads
    // them as timestamp(3)); no event_date column inside the file (it is the folder).
    const PARQUET: Record<string, string> = {
      string: 'BYTE_ARRAY UTF8',
      int: 'INT32 INT_32',
      bigint: 'INT64 INT_64',
      double: 'DOUBLE null',
      boolean: 'BOOLEAN null',
      timestamp: 'INT64 TIMESTAMP_MILLIS',
    };
    const schema = await q(`SELECT name, type, converted_type FROM parquet_schema('${eventsFile}') WHERE name <> 'duckdb_schema'`);
    expect(schema.map((r) => `${r.name} ${r.type} ${r.converted_type}`)).toEqual(EVENTS_COLUMNS.map((c) => `${c.name} ${PARQUET[c.type]}`));
    const described = await q(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${eventsFile}', hive_partitioning = false))`,
    );
    expect(described.map((r) => [r.column_name, r.column_type])).toEqual(
      duckdbColumns('events').map((c) => [c.name, c.type.replace('TIMESTAMP_MS', 'TIMESTAMP')]),
    );
    const [row] = await q(
      `SELECT message_id, CAST(event_time AS VARCHAR) AS t, revenue, schema_version, identifiers_stripped FROM read_parquet('${eventsFile}')`,
    );
    expect(row).toEqual({ message_id: 'a', t: '2024-05-01 23:59:59.999', revenue: 12.5, schema_version: 1, identifiers_stripped: false });
    const codecs = await q(`SELECT DISTINCT compression FROM parquet_metadata('${eventsFile}')`);
    expect(codecs.map((r) => r.compression)).toEqual(['ZSTD']);
    const idFile = path.join(dir, files[2]!);
    const idCols = await q(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${idFile}', hive_partitioning = false))`,
    );
    expect(idCols.map((r) => [r.column_name, r.column_type])).toEqual(
      duckdbColumns('identity_changes').map((c) => [c.name, c.type.replace('TIMESTAMP_MS', 'TIMESTAMP')]),
    );
  });

  it('snappy when asked; ISO and epoch-ms timestamps normalised to ms', async () => {
    const dir = await fresh();
    const writer = createLakeWriter({ rootDir: dir, streamToTable: STREAMS, compression: 'snappy' });
    const rec = {
      ...eventRecord({ id: 'iso', person: 'p', time: '2024-05-01 10:00:00.000' }),
      event_time: '2024-05-01T10:00:00.1234Z',
      received_at: Date.parse('2024-05-01T10:00:01.500Z'),
    };
    await writer.write('threadline-events', [line(rec)]);
    await writer.close();
    const [file] = await parquetFiles(dir);
    const p = path.join(dir, file!);
    expect((await q(`SELECT DISTINCT compression FROM parquet_metadata('${p}')`)).map((r) => r.compression)).toEqual(['SNAPPY']);
    expect(await q(`SELECT CAST(event_time AS VARCHAR) AS t, CAST(received_at AS VARCHAR) AS r FROM read_parquet('${p}')`)).toEqual([
      { t: '2024-05-01 10:00:00.123', r: '2024-05-01 10:00:01.5' },
    ]);
  });
});

describe('buffering', () => {
  it('flushes when the size hint is reached, not before', async () => {
    const dir = await fresh();
    const one = line(eventRecord({ id: 'x', person: 'p', time: '2024-05-01 10:00:00.000' }));
    const writer = createLakeWriter({ rootDir: dir, streamToTable: STREAMS, maxBytes: one.length * 3, maxAgeMs: 3_600_000 });
    await writer.write('threadline-events', [one, one]);
    expect(await parquetFiles(dir)).toHaveLength(0);
    await writer.write('threadline-events', [one]);
    expect(await parquetFiles(dir)).toHaveLength(1);
    await writer.close();
    expect(await parquetFiles(dir)).toHaveLength(1);
  });

  it('flushes when the oldest buffered record reaches the age hint', async () => {
    const dir = await fresh();
    const writer = createLakeWriter({ rootDir: dir, streamToTable: STREAMS, maxAgeMs: 30 });
    await writer.write('threadline-events', [line(eventRecord({ id: 'x', person: 'p', time: '2024-05-01 10:00:00.000' }))]);
    await vi.waitFor(async () => expect(await parquetFiles(dir)).toHaveLength(1), { timeout: 120_000, interval: 20 });
    await writer.close();
  });

  it('never overwrites: every flush is a new file, even for the same partition and instant', async () => {
    const dir = await fresh();
    const writer = createLakeWriter({ rootDir: dir, streamToTable: STREAMS, now: () => new Date('2024-05-01T00:00:00.000Z') });
    for (let i = 0; i < 3; i++) {
      await writer.write('threadline-events', [line(eventRecord({ id: `m${i}`, person: 'p', time: '2024-05-01 10:00:00.000' }))]);
      await writer.flush();
    }
    await writer.close();
    const files = await parquetFiles(dir);
    expect(files).toHaveLength(3);
    expect(new Set(files).size).toBe(3);
    expect(await q(`SELECT count(*)::INT AS n FROM read_parquet('${dir}/events/**/*.parquet')`)).toEqual([{ n: 3 }]);
  });

  it('flushes everything on close and then refuses writes', async () => {
    const dir = await fresh();
    const writer = createLakeWriter({ rootDir: dir, streamToTable: STREAMS });
    await writer.write('threadline-events', [line(eventRecord({ id: 'x', person: 'p', time: '2024-05-01 10:00:00.000' }))]);
    await writer.write('threadline-identity-changes', [line(identityChange('a', 'b', '2024-05-01 10:00:00.000'))]);
    expect(await parquetFiles(dir)).toHaveLength(0);
    await writer.close();
    expect(await parquetFiles(dir)).toHaveLength(2);
    await expect(writer.write('threadline-events', [])).rejects.toThrow(/closed/);
  });

  it('rejects an unknown delivery stream like Firehose does', async () => {
    const writer = createLakeWriter({ rootDir: await fresh(), streamToTable: STREAMS });
    await expect(writer.write('nope', [Buffer.from('{}')])).rejects.toBeInstanceOf(ResourceNotFoundException);
    await writer.close();
  });
});

describe('records Firehose would refuse', () => {
  it('go to failed_events with a typed reason, a Firehose-style error code and the raw record', async () => {
    const dir = await fresh();
    const writer = createLakeWriter({ rootDir: dir, streamToTable: STREAMS, now: () => new Date('2024-05-03T08:00:00.000Z') });
    const good = eventRecord({ id: 'ok', person: 'p', time: '2024-05-01 10:00:00.000' });
    await writer.write('threadline-events', [
      Buffer.from('{"message_id": "broken'),
      line([1, 2]),
      line({ ...good, message_id: 'badrev', revenue: 'lots' }),
      line({ ...good, message_id: 'badts', event_time: '01/05/2024' }),
      line(good),
    ]);
    await writer.close();
    expect(writer.failedRecords).toBe(4);
    const files = await parquetFiles(dir);
    expect(files.map((f) => f.split('/').slice(0, 2).join('/'))).toEqual([
      'events/event_date=2024-05-01',
      'failed_events/event_date=2024-05-03',
    ]);
    const rows = await q(`SELECT reason, stage, message_id, detail, raw, raw_truncated, CAST(failed_at AS VARCHAR) AS failed_at
      FROM read_parquet('${dir}/failed_events/**/*.parquet') ORDER BY raw`);
    expect(rows.map((r) => [r.reason, r.stage, r.message_id, r.raw_truncated, r.failed_at])).toEqual([
      ['schema_violation', 'firehose', null, false, '2024-05-03 08:00:00'], // [1,2]: not an object
      ['bad_json', 'firehose', null, false, '2024-05-03 08:00:00'],
      ['schema_violation', 'firehose', 'badrev', false, '2024-05-03 08:00:00'],
      ['schema_violation', 'firehose', 'badts', false, '2024-05-03 08:00:00'],
    ]);
    expect(rows[1]!.raw).toBe('{"message_id": "broken');
    expect(String(rows[1]!.detail)).toMatch(/^DataFormatConversion\.MalformedData: .*threadline-events/);
    expect(String(rows[2]!.detail)).toMatch(/^DataFormatConversion\.InvalidSchema: column revenue /);
    expect(String(rows[3]!.detail)).toMatch(/column event_time/);
  });

  it('toRow: coercions OpenX would accept, refusals it would make', () => {
    const base = eventRecord({ id: 'x', person: 'p', time: '2024-02-29 10:00:00.000' });
    expect(toRow('events', JSON.stringify({ ...base, revenue: '12.50', schema_version: '1' }))).toMatchObject({
      ok: true,
      row: { revenue: 12.5, schema_version: 1 },
    });
    expect(toRow('events', JSON.stringify({ ...base, properties: { a: { b: 1 } } }))).toMatchObject({
      ok: true,
      row: { properties: '{"a":{"b":1}}' },
    });
    expect(toRow('events', JSON.stringify({ ...base, event_time: '2024-02-30 10:00:00.000' }))).toMatchObject({
      ok: false,
      reason: 'schema_violation',
    });
    expect(toRow('events', JSON.stringify({ ...base, schema_version: 1.5 }))).toMatchObject({ ok: false });
    expect(toRow('events', JSON.stringify({ ...base, identifiers_stripped: 'yes' }))).toMatchObject({ ok: false });
    // no event_date in the record: derived from event_time
    const { event_date: _drop, ...noDate } = base;
    expect(toRow('events', JSON.stringify(noDate))).toMatchObject({ ok: true, row: { event_date: '2024-02-29' } });
  });
});

describe('DuckDB engine over a live lake', () => {
  it('answers on an empty lake, then sees files written after it started', async () => {
    const dir = await fresh();
    const engine = await createDuckDbEngine({ lakeDir: dir });
    try {
      expect((await engine.query('SELECT count(*) AS n FROM journeys')).rows).toEqual([{ n: 0 }]);
      const writer = createLakeWriter({ rootDir: dir, streamToTable: STREAMS });
      await writer.write('threadline-events', [
        line(eventRecord({ id: 'a', person: 'p', time: '2024-05-01 10:00:00.000', channel: 'email' })),
        line(
          eventRecord({
            id: 'b',
            person: 'p',
            time: '2024-05-01 10:05:00.000',
            type: 'track',
            name: 'Order Completed',
            orderId: 'o',
            revenue: 5,
          }),
        ),
      ]);
      await writer.close();
      expect((await engine.query('SELECT path, total_conversions FROM channel_paths')).rows).toEqual([
        { path: 'email', total_conversions: 1 },
      ]);
      // a later file (new partition) is read without any refresh: the base view globs on every query
      const writer2 = createLakeWriter({ rootDir: dir, streamToTable: STREAMS });
      await writer2.write('threadline-events', [
        line(eventRecord({ id: 'c', person: 'p', time: '2024-05-09 10:00:00.000', channel: 'chat' })),
      ]);
      await writer2.close();
      expect((await engine.query('SELECT count(*) AS n FROM events_deduped')).rows).toEqual([{ n: 3 }]);
      expect((await engine.query('SELECT event_date FROM events ORDER BY event_date')).rows.map((r) => r.event_date)).toEqual([
        '2024-05-01',
        '2024-05-01',
        '2024-05-09',
      ]);
    } finally {
      await engine.close();
    }
  });

  it('ignores half-written temp files', async () => {
    const dir = await fresh();
    await mkdir(path.join(dir, 'events', 'event_date=2024-05-01'), { recursive: true });
    await writeFile(path.join(dir, 'events', 'event_date=2024-05-01', '.part-x.parquet.tmp'), 'garbage');
    const engine = await createDuckDbEngine({ lakeDir: dir });
    try {
      expect((await engine.query('SELECT count(*) AS n FROM events')).rows).toEqual([{ n: 0 }]);
    } finally {
      await engine.close();
    }
  });
});

describe('storage faults', () => {
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  /** node:fs/promises with the commit step (rename) failing while `full` is set, as a full volume would. */
  function fullDisk() {
    const state = { full: true };
    const fs = {
      mkdir: fsp.mkdir,
      rm: fsp.rm,
      rename: (async (from, to) => {
        if (state.full) throw enospc();
        return fsp.rename(from, to);
      }) as typeof fsp.rename,
    };
    return { state, fs };
  }
  const allFiles = async (dir: string) => (await readdir(dir, { recursive: true })).map(String);
  const ids = async (dir: string) =>
    (await q(`SELECT message_id FROM read_parquet('${dir}/events/**/*.parquet') ORDER BY message_id`)).map((r) => r.message_id);

  it('disk full: flush rejects with the ENOSPC error, leaves no temporary file, keeps the rows, and writes them once space returns', async () => {
    const dir = await fresh();
    const { state, fs } = fullDisk();
    const writer = createLakeWriter({ rootDir: dir, streamToTable: STREAMS, maxAgeMs: 3_600_000, fs });
    await writer.write('threadline-events', [line(eventRecord({ id: 'a', person: 'p', time: '2024-05-01 10:00:00.000' }))]);
    await writer.write('threadline-events', [line(eventRecord({ id: 'b', person: 'p', time: '2024-05-02 10:00:00.000' }))]);
    await expect(writer.flush()).rejects.toMatchObject({ code: 'ENOSPC', errno: -28, syscall: 'write' });
    expect((await allFiles(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(writer.status()).toMatchObject({ records: 2, failing: true, lastError: { code: 'ENOSPC' } });
    await expect(writer.flush()).rejects.toMatchObject({ code: 'ENOSPC' }); // still full: still refused, still kept
    state.full = false;
    await writer.flush();
    expect(writer.status()).toMatchObject({ records: 0, failing: false });
    expect(await ids(dir)).toEqual(['a', 'b']);
    expect((await allFiles(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await writer.close();
  });

  it('both shards flushing rows held in one failed buffer are told it failed', async () => {
    const dir = await fresh();
    const { state, fs } = fullDisk();
    const writer = createLakeWriter({ rootDir: dir, streamToTable: STREAMS, maxAgeMs: 3_600_000, fs });
    await writer.write('threadline-events', [line(eventRecord({ id: 's0', person: 'p', time: '2024-05-01 10:00:00.000' }))]);
    await writer.write('threadline-events', [line(eventRecord({ id: 's1', person: 'q', time: '2024-05-01 10:00:00.000' }))]);
    const outcomes = await Promise.allSettled([writer.flush(), writer.flush()]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    state.full = false;
    await writer.close();
    expect(await ids(dir)).toEqual(['s0', 's1']);
  });

  it('a lake folder replaced by a file (ENOTDIR) fails the flush; the rows land once the folder is back', async () => {
    const dir = await fresh();
    await writeFile(path.join(dir, 'events'), 'not a folder');
    const writer = createLakeWriter({ rootDir: dir, streamToTable: STREAMS, maxAgeMs: 3_600_000 });
    await writer.write('threadline-events', [line(eventRecord({ id: 'x', person: 'p', time: '2024-05-01 10:00:00.000' }))]);
    await expect(writer.flush()).rejects.toMatchObject({ code: 'ENOTDIR' });
    await rm(path.join(dir, 'events'));
    await writer.close();
    expect(await ids(dir)).toEqual(['x']);
  });

  it('refuses writes past the backlog bound while it cannot write, with a code the Firehose stand-in reports', async () => {
    const dir = await fresh();
    const { state, fs } = fullDisk();
    const one = line(eventRecord({ id: 'x', person: 'p', time: '2024-05-01 10:00:00.000' }));
    const writer = createLakeWriter({ rootDir: dir, streamToTable: STREAMS, maxAgeMs: 3_600_000, maxBacklogBytes: one.length * 2, fs });
    await writer.write('threadline-events', [one, one]);
    await expect(writer.flush()).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(writer.write('threadline-events', [one])).rejects.toMatchObject({ code: 'BufferBacklogFull' });
    state.full = false;
    await writer.flush();
    await writer.write('threadline-events', [one]);
    await writer.close();
    expect(await ids(dir)).toEqual(['x', 'x', 'x']);
  });
});
