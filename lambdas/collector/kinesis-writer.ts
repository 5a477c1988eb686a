/**
 * EnvelopeSink on Kinesis PutRecords.
 *
 * - Chunks of <= 500 records and <= 5 MB (data + partition keys), the API's limits; chunks go out one
 *   after the other so that one person's events keep their order on the happy path.
 * - Only the records a call reports as failed (ErrorCode ProvisionedThroughputExceededException,
 *   InternalFailure, KMS...) are sent again, with full-jitter backoff, bounded by attempts and a time
 *   budget shared by all chunks (the caller must still answer before API Gateway's 30 s).
 * - A retry may reorder a person's events (the failed record lands after the later ones that
 *   succeeded): the processor orders by event time; messageId dedup removes duplicates.
 * - If a chunk cannot be written, the rest is not attempted: the client will get 503 and resend the
 *   whole request, and every record written now would be a duplicate then.
 */
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { chunkByCountAndBytes } from '../shared/batching.js';
import { type ItemOutcome, type RetryOptions, retryPartialBatch } from '../shared/retry.js';
import type { EnvelopeSink, SinkResult, StreamRecord } from './sink.js';

export const PUT_RECORDS_MAX_RECORDS = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

export interface KinesisWriterOptions {
  client: KinesisClient;
  streamName?: string;
  streamArn?: string;
  retry?: RetryOptions;
  /** Called on each retry round (metrics). */
  onRetry?: (pending: number, code: string) => void;
}

/** PutRecords-sized chunks; a record's size is its data plus its partition key, as the API counts it. */
export function chunkRecords(
  records: readonly StreamRecord[],
  maxRecords = PUT_RECORDS_MAX_RECORDS,
  maxBytes = PUT_RECORDS_MAX_BYTES,
): StreamRecord[][] {
  return chunkByCountAndBytes(
    records,
    { maxCount: maxRecords, maxBytes },
    (r) => r.data.byteLength + Buffer.byteLength(r.partitionKey, 'utf8'),
  );
}

export function createKinesisWriter(opts: KinesisWriterOptions): EnvelopeSink {
  if (!opts.streamName && !opts.streamArn) throw new Error('Kinesis writer needs streamName or streamArn');
  const target = opts.streamArn ? { StreamARN: opts.streamArn } : { StreamName: opts.streamName };

  async function sendOnce(batch: StreamRecord[]): Promise<ItemOutcome[]> {
    const out = await opts.client.send(
      new PutRecordsCommand({ ...target, Records: batch.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })) }),
    );
    const results = out.Records ?? [];
    return results.map((r) => (r.ErrorCode ? { ok: false, code: r.ErrorCode } : { ok: true }));
  }

  return {
    async put(records: StreamRecord[]): Promise<SinkResult> {
      const budget = opts.retry?.timeBudgetMs ?? 8_000;
      const now = opts.retry?.now ?? Date.now;
      const started = now();
      let written = 0;
      let attempts = 0;
      let lastError: string | undefined;
      const chunks = chunkRecords(records);
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i]!;
        const remaining = Math.max(0, budget - (now() - started));
        const outcome = await retryPartialBatch(chunk, sendOnce, {
          ...opts.retry,
          timeBudgetMs: remaining,
          onRetry: (info) => {
            opts.onRetry?.(info.pending, info.lastCode);
            opts.retry?.onRetry?.(info);
          },
        });
        written += outcome.delivered;
        attempts += outcome.attempts;
        if (outcome.failed.length > 0) {
          lastError = outcome.failed[0]?.code;
          const notAttempted = chunks.slice(i + 1).reduce((n, c) => n + c.length, 0);
          return { ok: false, written, failed: outcome.failed.length + notAttempted, attempts, lastError };
        }
      }
      return { ok: true, written, failed: 0, attempts };
    },
  };
}
