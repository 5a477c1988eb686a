/**
 * The local stand-in for Firehose's S3 delivery with Parquet record-format conversion. It puts together
 *   - stream-buffers.ts: buffering per delivery stream by size and age (Firehose buffering hints);
 *   - lake-records.ts: record-format conversion (JSON records -> rows of the stream's lake table, and
 *     records the conversion would reject -> failed_events rows, like Firehose's error output);
 *   - parquet-writer.ts: one new Parquet file per (table, event_date) in the S3 layout.
 * A write that fails (disk full, lake folder unwritable) keeps the records buffered and fails flush()
 * for every caller whose records were held; past a backlog bound, write() refuses new records, which
 * the Firehose stand-in answers as ServiceUnavailableException, so the producer backs off.
 */
import path from 'node:path';
import { LAKE_TABLES, type LakeTableName } from '../schemas/index.js';
import type { FirehoseSink } from './firehose-sink.js';
import { convertRecords } from './lake-records.js';
import { createParquetWriter, type ParquetFs } from './parquet-writer.js';
import { type BufferStatus, createStreamBuffers } from './stream-buffers.js';

export { toRow } from './lake-records.js';
export type { ParquetFs } from './parquet-writer.js';
export { BufferBacklogFullError } from './stream-buffers.js';

/** Default bound on undelivered bytes held per delivery stream before write() refuses more. */
export const DEFAULT_MAX_BACKLOG_BYTES = 64 * 1024 * 1024;

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
  /** Refuse writes to a stream holding this many undelivered bytes. Default DEFAULT_MAX_BACKLOG_BYTES. */
  readonly maxBacklogBytes?: number;
  /** Clock, for tests. */
  readonly now?: () => Date;
  /** File operations of the Parquet writer (fault injection in tests). */
  readonly fs?: ParquetFs;
}

/** What the writer holds and whether it can write: buffered = accepted and not yet in a Parquet file. */
export type LakeWriterStatus = BufferStatus;

export interface LakeWriter extends FirehoseSink {
  /** Parquet files written so far (absolute paths), in write order. */
  readonly filesWritten: readonly string[];
  /** Records routed to failed_events by the writer itself. */
  readonly failedRecords: number;
  status(): LakeWriterStatus;
}

/** Thrown for an unknown delivery stream; the name mirrors the Firehose API error. */
export class ResourceNotFoundException extends Error {
  override readonly name = 'ResourceNotFoundException';
}

export function createLakeWriter(opts: LakeWriterOptions): LakeWriter {
  const now = opts.now ?? (() => new Date());
  const parquet = createParquetWriter({
    rootDir: path.resolve(opts.rootDir),
    compression: opts.compression ?? 'zstd',
    ...(opts.fs ? { fs: opts.fs } : {}),
  });
  const buffers = createStreamBuffers(
    {
      maxBytes: opts.maxBytes ?? 5 * 1024 * 1024,
      maxAgeMs: opts.maxAgeMs ?? 60_000,
      maxBacklogBytes: opts.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES,
    },
    (stream, records) => writeRecords(tableOf(stream), stream, records),
  );
  let failedRecords = 0;
  let closed = false;

  function tableOf(stream: string): LakeTableName {
    const t = opts.streamToTable[stream];
    if (!t || !(t in LAKE_TABLES)) {
      throw new ResourceNotFoundException(`Delivery stream ${stream} not found`);
    }
    return t;
  }

  async function writeRecords(table: LakeTableName, stream: string, records: Buffer[]): Promise<void> {
    const at = now();
    const { good, failed } = convertRecords(table, stream, records, at);
    await parquet.writeRows(table, good, at);
    await parquet.writeRows('failed_events', failed, at);
    // Counted once written: a failed write is retried with the same records.
    failedRecords += failed.length;
  }

  async function write(stream: string, records: Buffer[]): Promise<void> {
    if (closed) throw new Error('lake writer is closed');
    tableOf(stream);
    await buffers.add(stream, records);
  }

  async function flush(): Promise<void> {
    await buffers.flushAll();
  }

  async function close(): Promise<void> {
    if (closed) return;
    try {
      await flush();
    } finally {
      // Closed even when the last flush failed: what it held is reported by that rejection.
      closed = true;
      buffers.stopTimers();
      await parquet.close();
    }
  }

  return {
    write,
    flush,
    close,
    get filesWritten() {
      return parquet.filesWritten;
    },
    get failedRecords() {
      return failedRecords;
    },
    status: () => buffers.status(),
  };
}
