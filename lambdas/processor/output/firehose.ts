/**
 * Delivery of lake records to Firehose with PutRecordBatch: one JSON line per record, chunks of at
 * most 500 records and 4 MiB, and only the failed records of a call are sent again (retry loop from
 * lambdas/shared/retry.ts, the one retry layer: the client makes one HTTP attempt per send). Each
 * record remembers which Kinesis record produced it, so an undeliverable record fails exactly that
 * batch item, and each failure says whether the record or the service is to blame.
 */
import { type FirehoseClient, PutRecordBatchCommand, type PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import { chunkByCountAndBytes } from '../../shared/batching.js';
import { type ItemOutcome, isRetryableCode, type RetryOptions, retryPartialBatch } from '../../shared/retry.js';

/** Firehose PutRecordBatch limits: records per call, bytes per call, bytes per record. */
export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 4 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1000 * 1024;

export interface OutRecord {
  stream: string;
  data: Buffer;
  /** Index of the Kinesis record in the batch that produced it. */
  origin: number;
}

export function toJsonLine(record: object): Buffer {
  return Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
}

/** Firehose bills every record as at least 5 KB: packing smaller rows up to this size saves most of that. */
export const DEFAULT_PACK_BYTES = 5 * 1024;

/**
 * Join consecutive rows of the same delivery stream into records of at most `packBytes` (newline-
 * delimited JSON; the delivery streams split them back with RecordDeAggregation, the local lake
 * writer reads every line). A packed record carries the LOWEST origin of its rows: if it cannot be
 * delivered, the batch is retried from there, which re-sends every row in it. 0 disables packing.
 */
export function pack(records: OutRecord[], packBytes = DEFAULT_PACK_BYTES): OutRecord[] {
  if (packBytes <= 0) return records;
  // Packing must never build a record Firehose refuses: only a single row can exceed the limit.
  const maxBytes = Math.min(packBytes, MAX_RECORD_BYTES);
  const out: OutRecord[] = [];
  const open = new Map<string, { parts: Buffer[]; bytes: number; origin: number; index: number }>();
  for (const r of records) {
    const cur = open.get(r.stream);
    if (cur && cur.bytes + r.data.length <= maxBytes) {
      cur.parts.push(r.data);
      cur.bytes += r.data.length;
      cur.origin = Math.min(cur.origin, r.origin);
      continue;
    }
    const next = { parts: [r.data], bytes: r.data.length, origin: r.origin, index: out.length };
    out.push(r); // placeholder, replaced below
    open.set(r.stream, next);
    if (cur) out[cur.index] = { stream: r.stream, data: Buffer.concat(cur.parts), origin: cur.origin };
  }
  for (const [stream, cur] of open) out[cur.index] = { stream, data: Buffer.concat(cur.parts), origin: cur.origin };
  return out;
}

/** Split into PutRecordBatch-sized chunks (count and bytes). */
export function chunk(records: OutRecord[]): OutRecord[][] {
  return chunkByCountAndBytes(records, { maxCount: MAX_RECORDS_PER_CALL, maxBytes: MAX_BYTES_PER_CALL }, (r) => r.data.length);
}

/**
 * Why a record was not delivered:
 *   - 'record': Firehose can never take this record (over the per-record size limit); sending it
 *     again cannot help, so the caller turns it into a failed_events row;
 *   - 'service': the service did not take it (throttling, 5xx, network, or a call-level refusal such
 *     as a missing stream or permission): nothing is wrong with the record, so the caller must fail
 *     its batch item and let the event source retry it later. Firehose checks nothing else about a
 *     record's content at put time, so everything but size is 'service'.
 */
export type FailureCause = 'record' | 'service';

export interface DeliveryResult {
  delivered: number;
  failed: Array<{ record: OutRecord; code: string; cause: FailureCause }>;
  /** PutRecordBatch sends by the retry loop. */
  putCalls: number;
  /** HTTP requests those sends made, from the SDK's own count ($metadata.attempts). */
  httpCalls: number;
}

export interface DeliverOptions extends RetryOptions {
  /** Per-record size limit (default Firehose's 1,000 KiB; tests lower it to reach the 'record' path). */
  maxRecordBytes?: number;
}

/** HTTP attempts the SDK made for one send (1 when it does not say: one request left the process). */
function attemptsOf(x: unknown): number {
  const n = (x as { $metadata?: { attempts?: number } } | null)?.$metadata?.attempts;
  return typeof n === 'number' && n > 0 ? n : 1;
}

export async function deliver(client: FirehoseClient, records: OutRecord[], opts: DeliverOptions = {}): Promise<DeliveryResult> {
  const { maxRecordBytes = MAX_RECORD_BYTES, ...retry } = opts;
  const result: DeliveryResult = { delivered: 0, failed: [], putCalls: 0, httpCalls: 0 };
  const byStream = new Map<string, OutRecord[]>();
  for (const r of records) {
    if (r.data.length > maxRecordBytes) {
      result.failed.push({ record: r, code: 'RecordTooLarge', cause: 'record' });
      continue;
    }
    const list = byStream.get(r.stream) ?? [];
    list.push(r);
    byStream.set(r.stream, list);
  }
  for (const [stream, list] of byStream) {
    for (const part of chunk(list)) {
      const outcome = await retryPartialBatch(
        part,
        async (batch): Promise<ItemOutcome[]> => {
          result.putCalls++;
          let res: PutRecordBatchCommandOutput;
          try {
            res = await client.send(
              new PutRecordBatchCommand({ DeliveryStreamName: stream, Records: batch.map((r) => ({ Data: r.data })) }),
            );
          } catch (err) {
            result.httpCalls += attemptsOf(err);
            throw err;
          }
          result.httpCalls += attemptsOf(res);
          const responses = res.RequestResponses ?? [];
          return responses.map((rr) =>
            rr.ErrorCode ? { ok: false, code: rr.ErrorCode, retryable: isRetryableCode(rr.ErrorCode) } : { ok: true },
          );
        },
        retry,
      );
      result.delivered += outcome.delivered;
      result.failed.push(...outcome.failed.map((f) => ({ record: f.item, code: f.code, cause: 'service' as const })));
    }
  }
  return result;
}
