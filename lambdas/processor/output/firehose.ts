/**
 * Delivery of lake records to Firehose with PutRecordBatch: one JSON line per record, chunks of at
 * most 500 records and 4 MiB, and only the failed records of a call are sent again (retry loop from
 * lambdas/shared/retry.ts). Each record remembers which Kinesis record produced it, so an undeliverable
 * record fails exactly that batch item.
 */
import { type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { chunkByCountAndBytes } from '../../shared/batching.js';
import { type ItemOutcome, type RetryOptions, retryPartialBatch } from '../../shared/retry.js';

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
 * Join consecutive rows of the same delivery stream into records of at most `maxBytes` (newline-
 * delimited JSON; the delivery streams split them back with RecordDeAggregation, the local lake
 * writer reads every line). A packed record carries the LOWEST origin of its rows: if it cannot be
 * delivered, the batch is retried from there, which re-sends every row in it. 0 disables packing.
 */
export function pack(records: OutRecord[], maxBytes = DEFAULT_PACK_BYTES): OutRecord[] {
  if (maxBytes <= 0) return records;
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

export interface DeliveryResult {
  delivered: number;
  failed: Array<{ record: OutRecord; code: string }>;
  putCalls: number;
}

export async function deliver(client: FirehoseClient, records: OutRecord[], retry: RetryOptions = {}): Promise<DeliveryResult> {
  const result: DeliveryResult = { delivered: 0, failed: [], putCalls: 0 };
  const tooBig = records.filter((r) => r.data.length > MAX_RECORD_BYTES);
  for (const r of tooBig) result.failed.push({ record: r, code: 'RecordTooLarge' });
  const byStream = new Map<string, OutRecord[]>();
  for (const r of records) {
    if (r.data.length > MAX_RECORD_BYTES) continue;
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
          const res = await client.send(
            new PutRecordBatchCommand({ DeliveryStreamName: stream, Records: batch.map((r) => ({ Data: r.data })) }),
          );
          const responses = res.RequestResponses ?? [];
          return responses.map((rr) => (rr.ErrorCode ? { ok: false, code: rr.ErrorCode } : { ok: true }));
        },
        retry,
      );
      result.delivered += outcome.delivered;
      result.failed.push(...outcome.failed.map((f) => ({ record: f.item, code: f.code })));
    }
  }
  return result;
}
