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
 * - Group commit: at most `maxInFlight` PutRecords calls are in flight per writer; the chunks of
 *   requests that arrive meanwhile wait and go out together in the next call (within the API's limits),
 *   each request still getting its own per-record outcomes. A lone request is sent at once (no timer,
 *   no added latency), so a Lambda instance (one request at a time) behaves as before; a long-lived
 *   server under concurrent load (the local collector) makes one call per burst instead of one per
 *   request. A request's records stay contiguous and in order inside the merged call.
 */
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { chunkByCountAndBytes } from '../shared/batching.js';
import { type ItemOutcome, isRetryableError, type RetryOptions, retryPartialBatch } from '../shared/retry.js';
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
  /**
   * PutRecords calls in flight at once; chunks arriving while that many are out are merged into the
   * next call. Default 1. Infinity: every chunk is its own call, never merged.
   */
  maxInFlight?: number;
}

/** A record's size as PutRecords counts it: data plus partition key. */
const recordBytes = (r: StreamRecord) => r.data.byteLength + Buffer.byteLength(r.partitionKey, 'utf8');

/** PutRecords-sized chunks; a record's size is its data plus its partition key, as the API counts it. */
export function chunkRecords(
  records: readonly StreamRecord[],
  maxRecords = PUT_RECORDS_MAX_RECORDS,
  maxBytes = PUT_RECORDS_MAX_BYTES,
): StreamRecord[][] {
  return chunkByCountAndBytes(records, { maxCount: maxRecords, maxBytes }, recordBytes);
}

type Send = (batch: StreamRecord[]) => Promise<ItemOutcome[]>;

interface Waiting {
  records: StreamRecord[];
  bytes: number;
  resolve: (outcomes: ItemOutcome[]) => void;
  reject: (err: unknown) => void;
}

/**
 * `send` with group commit: at most `maxInFlight` calls at once; batches queued meanwhile are merged
 * (first come first served, whole batches only, within the PutRecords limits) and their outcomes split
 * back. A merged call that fails as a whole for a reason a retry would not cure (one request's bad
 * record, say) is replayed batch by batch, so that one request's fault never becomes its neighbours'.
 */
export function groupCommit(send: Send, maxInFlight = 1, maxRecords = PUT_RECORDS_MAX_RECORDS, maxBytes = PUT_RECORDS_MAX_BYTES): Send {
  const queue: Waiting[] = [];
  let inFlight = 0;

  function takeGroup(): Waiting[] {
    const group = [queue.shift()!];
    let records = group[0]!.records.length;
    let bytes = group[0]!.bytes;
    while (queue.length > 0) {
      const next = queue[0]!;
      if (records + next.records.length > maxRecords || bytes + next.bytes > maxBytes) break;
      records += next.records.length;
      bytes += next.bytes;
      group.push(queue.shift()!);
    }
    return group;
  }

  async function settle(group: Waiting[]): Promise<void> {
    if (group.length === 1) {
      const only = group[0]!;
      await send(only.records).then(only.resolve, only.reject);
      return;
    }
    let outcomes: ItemOutcome[];
    try {
      outcomes = await send(group.flatMap((w) => w.records));
    } catch (err) {
      if (isRetryableError(err)) {
        for (const w of group) w.reject(err);
        return;
      }
      for (const w of group) await send(w.records).then(w.resolve, w.reject);
      return;
    }
    const total = group.reduce((n, w) => n + w.records.length, 0);
    let at = 0;
    for (const w of group) {
      // A response that does not line up with the merged request tells no caller what was written:
      // each one gets a mismatched answer and retries its own records.
      w.resolve(outcomes.length === total ? outcomes.slice(at, at + w.records.length) : []);
      at += w.records.length;
    }
  }

  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const group = takeGroup();
      inFlight++;
      void settle(group).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return (records) =>
    new Promise<ItemOutcome[]>((resolve, reject) => {
      queue.push({ records, bytes: records.reduce((n, r) => n + recordBytes(r), 0), resolve, reject });
      pump();
    });
}

export function createKinesisWriter(opts: KinesisWriterOptions): EnvelopeSink {
  if (!opts.streamName && !opts.streamArn) throw new Error('Kinesis writer needs streamName or streamArn');
  const target = opts.streamArn ? { StreamARN: opts.streamArn } : { StreamName: opts.streamName };

  async function putRecords(batch: StreamRecord[]): Promise<ItemOutcome[]> {
    const out = await opts.client.send(
      new PutRecordsCommand({ ...target, Records: batch.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })) }),
    );
    const results = out.Records ?? [];
    return results.map((r) => (r.ErrorCode ? { ok: false, code: r.ErrorCode } : { ok: true }));
  }
  const maxInFlight = opts.maxInFlight ?? 1;
  const sendOnce = Number.isFinite(maxInFlight) ? groupCommit(putRecords, Math.max(1, maxInFlight)) : putRecords;

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
