/**
 * The pure part of the AWS refresh of the journey models: the state kept between runs, how the start
 * date W combines its reasons, and the statement sequence for a W (per model in refresh order: one
 * DELETE of the partitions >= W, then INSERTs of at most MAX_PARTITIONS_PER_INSERT days each).
 *
 * The sequence is a function of (models, W, full, chunks) only, so a run that died part-way can be
 * resumed at a model boundary by the next run that plans the same thing. Resuming never starts inside
 * a model: an INSERT that Athena committed just as it was being stopped would otherwise be repeated
 * without its DELETE, duplicating rows; redoing the model's DELETE first makes any repeat harmless.
 */
import { addDays, icebergDeleteFromSql, icebergInsertSql, type RenderedModel } from '../../sql/index.js';

/**
 * Athena writes at most 100 partitions per INSERT INTO (HIVE_TOO_MANY_OPEN_PARTITIONS); the AWS
 * documentation states it for CTAS and INSERT INTO, and it holds for Iceberg tables too.
 */
export const MAX_PARTITIONS_PER_INSERT = 100;

/** A refresh that started and has not finished (the next run resumes or redoes it). */
export interface PendingRefresh {
  readonly fingerprint: string;
  readonly from: string | null;
  readonly full: boolean;
  readonly chunks: number;
  /** Models (in refresh order) completely rewritten so far. */
  readonly modelsDone: number;
  /** The identity watermark the run started with (what the rewritten models are stamped with). */
  readonly watermark: string | null;
}

/** What the SSM parameter holds between runs ('{}' before the first refresh). */
export interface RefreshState {
  readonly version: 1;
  /** modelsFingerprint('athena', cfg) of the models last built completely. */
  readonly fingerprint?: string;
  /** max(changed_at) of identity_changes, as 'YYYY-MM-DD HH:MM:SS[.fff]', that the models are stamped with. */
  readonly watermark?: string | null;
  readonly pending?: PendingRefresh;
  /** UTC date of the last daily VACUUM of the models. */
  readonly vacuumedOn?: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isPartitionDate(s: unknown): s is string {
  return typeof s === 'string' && DATE.test(s) && addDays(s, 0) === s;
}

/** A watermark read back from Athena or from the state, checked before it goes into SQL. */
export function checkWatermark(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  if (!TIMESTAMP.test(s)) throw new RangeError(`identity watermark must be 'YYYY-MM-DD HH:MM:SS[.fff]', got ${JSON.stringify(s)}`);
  return s;
}

/** Parse the stored state; anything unreadable counts as no state (a full rebuild, which is always safe). */
export function parseState(text: string | undefined): RefreshState {
  if (!text) return { version: 1 };
  try {
    const s = JSON.parse(text) as Partial<RefreshState>;
    if (s.version !== 1) return { version: 1 };
    const p = s.pending;
    const pendingOk =
      p !== undefined &&
      typeof p.fingerprint === 'string' &&
      (p.from === null || isPartitionDate(p.from)) &&
      typeof p.full === 'boolean' &&
      Number.isInteger(p.chunks) &&
      Number.isInteger(p.modelsDone);
    return {
      version: 1,
      fingerprint: typeof s.fingerprint === 'string' ? s.fingerprint : undefined,
      watermark: checkWatermark(s.watermark ?? null),
      pending: pendingOk ? { ...p, watermark: checkWatermark(p.watermark ?? null) } : undefined,
      vacuumedOn: isPartitionDate(s.vacuumedOn) ? s.vacuumedOn : undefined,
    };
  } catch {
    return { version: 1 };
  }
}

/** The seen-changes relation for movedPersonsStartSql: the changes the models were stamped with. */
export function seenChangesRelation(watermark: string | null): string {
  return watermark === null
    ? '(SELECT * FROM identity_changes WHERE false)'
    : `(SELECT * FROM identity_changes WHERE changed_at <= TIMESTAMP '${checkWatermark(watermark)}')`;
}

/** Days from a to b (b >= a gives >= 0). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/**
 * How many INSERT chunks cover the partitions from `from` to `maxDate` (the latest raw event date, at
 * planning time): 0 when there is no event from `from` on.
 */
export function chunkCount(from: string, maxDate: string | undefined, perInsert = MAX_PARTITIONS_PER_INSERT): number {
  if (maxDate === undefined || maxDate < from) return 0;
  return Math.floor(daysBetween(from, maxDate) / perInsert) + 1;
}

/**
 * The [lo, hi) ranges of the chunks: a fixed grid from `from`, the last one open-ended so that rows
 * dated after maxDate that arrive while the refresh runs are not cut off (the grid's last cell held at
 * most `perInsert` days at planning time).
 */
export function chunkRanges(from: string, chunks: number, perInsert = MAX_PARTITIONS_PER_INSERT): { lo: string; hi?: string }[] {
  return Array.from({ length: chunks }, (_, i) => {
    const lo = addDays(from, i * perInsert);
    return i === chunks - 1 ? { lo } : { lo, hi: addDays(from, (i + 1) * perInsert) };
  });
}

export interface RefreshStatement {
  readonly model: string;
  readonly kind: 'delete' | 'insert';
  /** Partition range of an INSERT ([lo, hi), hi absent = open). */
  readonly lo?: string;
  readonly hi?: string;
  readonly sql: string;
}

/** The statements of one model: DELETE (all of it when full), then the chunked INSERTs. */
export function modelStatements(model: RenderedModel, from: string | null, full: boolean, chunks: number): RefreshStatement[] {
  const out: RefreshStatement[] = [
    { model: model.name, kind: 'delete', sql: icebergDeleteFromSql(model.name, full || from === null ? undefined : from) },
  ];
  if (from === null || chunks === 0) return out;
  const select = model.select(from);
  for (const { lo, hi } of chunkRanges(from, chunks)) {
    out.push({ model: model.name, kind: 'insert', lo, hi, sql: icebergInsertSql(model, select, lo, hi) });
  }
  return out;
}

export interface StartReasons {
  from: string | undefined;
  readonly reasons: string[];
}

/** Accumulates the earliest start date and why (the first reason that set each lower value). */
export function startAccumulator(): StartReasons & { earlier(date: string | undefined, why: string): void } {
  const acc = {
    from: undefined as string | undefined,
    reasons: [] as string[],
    earlier(date: string | undefined, why: string) {
      if (date === undefined) return;
      if (!isPartitionDate(date)) throw new RangeError(`${why}: not a partition date: ${JSON.stringify(date)}`);
      if (acc.from === undefined || date < acc.from) {
        acc.from = date;
        acc.reasons.push(`${why} (${date})`);
      }
    },
  };
  return acc;
}

/** The UTC date of an instant, YYYY-MM-DD. */
export function utcDate(t: Date): string {
  return t.toISOString().slice(0, 10);
}
