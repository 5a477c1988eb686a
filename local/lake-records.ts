/**
 * Firehose's record-format conversion, as the lake writer applies it: one delivered record (bytes) ->
 * rows of a lake table with the column types of schemas/lake.ts, or, for what the conversion would
 * reject (not JSON, not an object, a value that does not fit its column type), a failed_events row with
 * stage 'firehose', a typed reason (bad_json | schema_violation), a detail carrying a Firehose-style
 * error code, and the raw record. Pure.
 */
import { createHash } from 'node:crypto';
import { failedEventRecord } from '../lambdas/index.js';
import type { FailureReason } from '../schemas/index.js';
import { eventDateOf, LAKE_TABLES, type LakeColumnType, type LakeTableName, toLakeTimestamp } from '../schemas/index.js';

/** One lake row: column name -> value in its wire form (timestamps as lake timestamp strings). */
export type LakeRow = Record<string, string | number | boolean | null>;

/** Why a line could not become a row, with the ids it carried when they could be read. */
export interface ConversionFailure {
  reason: FailureReason;
  detail: string;
  messageId?: string;
  sourceId?: string;
}

export type Conversion = { ok: true; row: LakeRow } | ({ ok: false } & ConversionFailure);

/** Column each table derives event_date from when a record carries none. */
const DATE_SOURCE: Record<LakeTableName, string> = {
  events: 'event_time',
  identity_changes: 'changed_at',
  failed_events: 'failed_at',
};

/** The rows a batch of delivered records becomes: those of the target table and those for failed_events. */
export function convertRecords(
  table: LakeTableName,
  stream: string,
  records: readonly Buffer[],
  at: Date,
): { good: LakeRow[]; failed: LakeRow[] } {
  const good: LakeRow[] = [];
  const failed: LakeRow[] = [];
  for (const record of records) {
    for (const line of splitLines(record)) {
      const result = toRow(table, line);
      if (result.ok) good.push(result.row);
      else failed.push(failureRow(stream, line, result, at));
    }
  }
  return { good, failed };
}

function splitLines(record: Buffer): string[] {
  // A Firehose record is opaque bytes; producers here send one JSON object per record, usually
  // newline-terminated. Several newline-separated objects in one record are each a row, as with the
  // OpenX deserializer reading newline-delimited JSON.
  const text = record.toString('utf8');
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.length > 0 ? lines : [text];
}

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
  const row: LakeRow = {};
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

/** A refused line as failed_events holds it: failure_id from the stream and the line, the raw line kept. */
function failureRow(stream: string, line: string, { reason, detail, messageId, sourceId }: ConversionFailure, at: Date): LakeRow {
  return failedEventRecord({
    failureId: createHash('sha256').update(stream).update('\0').update(line).digest('hex').slice(0, 32),
    stage: 'firehose',
    reason,
    detail: `${detail} (delivery stream ${stream})`,
    sourceId,
    messageId,
    raw: line,
    failedAt: at,
  });
}
