/**
 * The local stand-in for Firehose's S3 delivery with Parquet record-format conversion: buffers each
 * delivery stream's records by size and age (Firehose buffering hints), and on flush writes one new
 * Parquet file per (table, event_date) under
 *   <rootDir>/<table>/event_date=YYYY-MM-DD/part-<yyyyMMddHHmmssSSS>-<uuid>.parquet
 * with the columns and types of schemas/lake.ts. Files are written under a temporary name and renamed,
 * so a reader never sees half a file, and a name is never reused (nothing is overwritten).
 *
 * Records that Firehose's format conversion would reject (not JSON, not an object, a value that does not
 * fit its column type) are not dropped: like Firehose's error output (the processing-failed prefix), they
 * go to the failed_events table with stage 'firehose', a typed reason (bad_json | schema_violation), a
 * detail carrying a Firehose-style error code, and the raw record.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { FailureReason } from '../schemas/index.js';
import {
  LAKE_SCHEMA_VERSION,
  LAKE_TABLES,
  duckdbColumns,
  eventDateOf,
  toLakeTimestamp,
  type LakeColumnType,
  type LakeTableName,
} from '../schemas/index.js';
import { partFileName, partitionPrefix } from '../sql/index.js';
import type { FirehoseSink } from './firehose-sink.js';

export interface LakeWriterOptions {
  readonly rootDir: string;
  /** Firehose delivery stream name -> lake table it delivers to. */
  readonly streamToTable: Readonly<Record<string, LakeTableName>>;
  /** Flush a stream once its buffer holds this many bytes (Firehose SizeInMBs). Default 5 MiB. */
  readonly maxBytes?: number;
  /** Flush a stream this long after its first buffered record (Firehose IntervalInSeconds). Default 60 s. */
  readonly maxAgeMs?: number;
  /** Parquet compression. Default zstd. */
  readonly compression?: 'zstd' | 'snappy';
  /** Clock, for tests. */
  readonly now?: () => Date;
}

export interface LakeWriter extends FirehoseSink {
  /** Parquet files written so far (absolute paths), in write order. */
  readonly filesWritten: readonly string[];
  /** Records routed to failed_events by the writer itself. */
  readonly failedRecords: number;
}

/** Thrown for an unknown delivery stream; the name mirrors the Firehose API error. */
export class ResourceNotFoundException extends Error {
  override readonly name = 'ResourceNotFoundException';
}

const RAW_LIMIT = 256 * 1024;
/** Column each table derives event_date from when a record carries none. */
const DATE_SOURCE: Record<LakeTableName, string> = {
  events: 'event_time',
  identity_changes: 'changed_at',
  failed_events: 'failed_at',
};

interface Buffered {
  records: Buffer[];
  bytes: number;
  timer?: NodeJS.Timeout;
}

type Row = Record<string, string | number | boolean | null>;

export function createLakeWriter(opts: LakeWriterOptions): LakeWriter {
  const maxBytes = opts.maxBytes ?? 5 * 1024 * 1024;
  const maxAgeMs = opts.maxAgeMs ?? 60_000;
  const compression = opts.compression ?? 'zstd';
  const now = opts.now ?? (() => new Date());
  const rootDir = path.resolve(opts.rootDir);
  const buffers = new Map<string, Buffered>();
  const files: string[] = [];
  let failedRecords = 0;
  let closed = false;
  let db: Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> | undefined;
  // One flush at a time: DuckDB work and file naming stay simple and ordered.
  let chain: Promise<unknown> = Promise.resolve();
  let timerError: unknown;

  const connect = () => {
    db ??= (async () => {
      const instance = await DuckDBInstance.create(':memory:');
      return { instance, conn: await instance.connect() };
    })();
    return db;
  };

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  function tableOf(stream: string): LakeTableName {
    const t = opts.streamToTable[stream];
    if (!t || !(t in LAKE_TABLES)) {
      throw new ResourceNotFoundException(`Delivery stream ${stream} not found`);
    }
    return t;
  }

  async function write(stream: string, records: Buffer[]): Promise<void> {
    if (closed) throw new Error('lake writer is closed');
    tableOf(stream);
    let buf = buffers.get(stream);
    if (!buf) {
      buf = { records: [], bytes: 0 };
      buffers.set(stream, buf);
    }
    for (const r of records) {
      buf.records.push(Buffer.from(r));
      buf.bytes += r.length;
    }
    if (buf.bytes >= maxBytes) {
      await flushStream(stream);
    } else if (!buf.timer && buf.records.length > 0) {
      buf.timer = setTimeout(() => {
        flushStream(stream).catch((err) => {
          timerError = err;
        });
      }, maxAgeMs);
      buf.timer.unref?.();
    }
  }

  function take(stream: string): Buffer[] {
    const buf = buffers.get(stream);
    if (!buf || buf.records.length === 0) return [];
    if (buf.timer) clearTimeout(buf.timer);
    buffers.delete(stream);
    return buf.records;
  }

  function flushStream(stream: string): Promise<void> {
    const records = take(stream);
    if (records.length === 0) return Promise.resolve();
    return serial(() => writeRecords(tableOf(stream), stream, records));
  }

  async function writeRecords(table: LakeTableName, stream: string, records: Buffer[]): Promise<void> {
    const good: Row[] = [];
    const failed: Row[] = [];
    const at = now();
    for (const record of records) {
      for (const line of splitLines(record)) {
        const result = toRow(table, line);
        if (result.ok) good.push(result.row);
        else failed.push(failureRow(stream, line, result, at));
      }
    }
    failedRecords += failed.length;
    await writeRows(table, good, at);
    await writeRows('failed_events', failed, at);
  }

  async function writeRows(table: LakeTableName, rows: Row[], at: Date): Promise<void> {
    if (rows.length === 0) return;
    const { conn } = await connect();
    const byDate = new Map<string, Row[]>();
    for (const row of rows) {
      const date = (row.event_date as string | null) ?? eventDateOf(at);
      const list = byDate.get(date) ?? [];
      list.push(row);
      byDate.set(date, list);
    }
    const cols = duckdbColumns(table);
    const types = LAKE_TABLES[table].map((c) => c.type as LakeColumnType);
    for (const [date, list] of [...byDate.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      // Stage: timestamps as VARCHAR (the wire form), cast to TIMESTAMP_MS when copying out.
      const stage = `stage_${table}`;
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE ${stage} (${cols
          .map((c, i) => `${c.name} ${types[i] === 'timestamp' ? 'VARCHAR' : c.type}`)
          .join(', ')})`,
      );
      const appender = await conn.createAppender(stage);
      for (const row of list) {
        cols.forEach((c, i) => append(appender, types[i]!, row[c.name] ?? null));
        appender.endRow();
      }
      appender.closeSync();
      const dir = path.join(rootDir, partitionPrefix(table, date));
      await mkdir(dir, { recursive: true });
      const name = partFileName(at, randomUUID());
      const tmp = path.join(dir, `.${name}.tmp`);
      const select = cols.map((c, i) => (types[i] === 'timestamp' ? `CAST(${c.name} AS TIMESTAMP_MS) AS ${c.name}` : c.name));
      await conn.run(
        `COPY (SELECT ${select.join(', ')} FROM ${stage}) TO '${tmp.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION ${compression})`,
      );
      const final = path.join(dir, name);
      await rename(tmp, final);
      files.push(final);
      await conn.run(`DROP TABLE ${stage}`);
    }
  }

  async function flush(): Promise<void> {
    if (timerError) {
      const err = timerError;
      timerError = undefined;
      throw err;
    }
    await Promise.all([...buffers.keys()].map((s) => flushStream(s)));
    await chain;
  }

  async function close(): Promise<void> {
    if (closed) return;
    await flush();
    closed = true;
    if (db) {
      const { instance, conn } = await db;
      conn.closeSync();
      instance.closeSync();
    }
  }

  return {
    write,
    flush,
    close,
    get filesWritten() {
      return files;
    },
    get failedRecords() {
      return failedRecords;
    },
  };
}

// ------------------------------------------------------------------ record conversion (pure)

function splitLines(record: Buffer): string[] {
  // A Firehose record is opaque bytes; producers here send one JSON object per record, usually
  // newline-terminated. Several newline-separated objects in one record are each a row, as with the
  // OpenX deserializer reading newline-delimited JSON.
  const text = record.toString('utf8');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.length > 0 ? lines : [text];
}

type Conversion =
  | { ok: true; row: Row }
  | { ok: false; reason: FailureReason; detail: string; messageId?: string; sourceId?: string };

/** One JSON line -> a lake row of `table`, or why Firehose's format conversion would refuse it. */
export function toRow(table: LakeTableName, line: string): Conversion {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'bad_json', detail: 'DataFormatConversion.MalformedData: record is not valid JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, reason: 'schema_violation', detail: 'DataFormatConversion.MalformedData: record is not a JSON object' };
  }
  const obj = parsed as Record<string, unknown>;
  const row: Row = {};
  for (const col of LAKE_TABLES[table]) {
    const v = coerce(col.type, obj[col.name]);
    if (v === INVALID) {
      return {
        ok: false,
        reason: 'schema_violation',
        detail: `DataFormatConversion.InvalidSchema: column ${col.name} does not accept the value given (expected ${col.type})`,
        ...(typeof obj.message_id === 'string' ? { messageId: obj.message_id } : {}),
        ...(typeof obj.source_id === 'string' ? { sourceId: obj.source_id } : {}),
      };
    }
    row[col.name] = v;
  }
  const given = obj.event_date;
  if (typeof given === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(given)) {
    row.event_date = given;
  } else {
    const src = row[DATE_SOURCE[table]];
    row.event_date = typeof src === 'string' ? eventDateOf(src) : null;
  }
  return { ok: true, row };
}

const INVALID = Symbol('invalid');

function coerce(type: LakeColumnType, v: unknown): string | number | boolean | null | typeof INVALID {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'string':
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      return JSON.stringify(v);
    case 'int':
    case 'bigint': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) return INVALID;
      if (type === 'int' && (n > 2_147_483_647 || n < -2_147_483_648)) return INVALID;
      return n;
    }
    case 'double': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      return typeof n === 'number' && Number.isFinite(n) ? n : INVALID;
    }
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      return INVALID;
    case 'timestamp':
      return lakeTimestamp(v);
  }
}

const TS_RE = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]00:?00)?$/;

/** The lake wire form ("YYYY-MM-DD HH:mm:ss.SSS" UTC), ISO-8601 UTC, or epoch milliseconds. */
function lakeTimestamp(v: unknown): string | typeof INVALID {
  if (typeof v === 'number') return Number.isFinite(v) ? toLakeTimestamp(v) : INVALID;
  if (typeof v !== 'string') return INVALID;
  const m = TS_RE.exec(v);
  if (!m) return INVALID;
  const ms = (m[3] ?? '.000').slice(1).padEnd(3, '0').slice(0, 3);
  const s = `${m[1]} ${m[2]}.${ms}`;
  // Reject impossible dates (2024-02-30) rather than let the cast fail the whole file.
  const d = new Date(`${m[1]}T${m[2]}.${ms}Z`);
  return Number.isNaN(d.getTime()) || toLakeTimestamp(d) !== s ? INVALID : s;
}

function failureRow(
  stream: string,
  line: string,
  { reason, detail, messageId, sourceId }: { reason: FailureReason; detail: string; messageId?: string; sourceId?: string },
  at: Date,
): Row {
  const rawBytes = Buffer.from(line, 'utf8');
  const truncated = rawBytes.length > RAW_LIMIT;
  const failedAt = toLakeTimestamp(at);
  return {
    failure_id: createHash('sha256').update(stream).update('\0').update(line).digest('hex').slice(0, 32),
    stage: 'firehose',
    reason,
    detail: `${detail} (delivery stream ${stream})`,
    source_id: sourceId ?? null,
    message_id: messageId ?? null,
    raw: truncated ? rawBytes.subarray(0, RAW_LIMIT).toString('utf8') : line,
    raw_truncated: truncated,
    failed_at: failedAt,
    schema_version: LAKE_SCHEMA_VERSION,
    event_date: eventDateOf(failedAt),
  };
}

function append(a: DuckDBAppender, type: LakeColumnType, v: string | number | boolean | null): void {
  if (v === null) return a.appendNull();
  switch (type) {
    case 'string':
    case 'timestamp':
      return a.appendVarchar(String(v));
    case 'int':
      return a.appendInteger(Number(v));
    case 'bigint':
      return a.appendBigInt(BigInt(v as number));
    case 'double':
      return a.appendDouble(Number(v));
    case 'boolean':
      return a.appendBoolean(Boolean(v));
  }
}
