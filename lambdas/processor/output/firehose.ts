/**
 * Delivery of lake records to Firehose with PutRecordBatch: one JSON line per record, chunks of at
 * most 500 records and 4 MiB, and only the failed records of a call are sent again (retry loop from
 * lambdas/shared/retry.ts). Each record remembers which Kinesis record produced it, so an undeliverable
 * record fails exactly that batch item.
 */
import { PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import { retryPartialBatch, type ItemOutcome, type RetryOptions } from '../../shared/retry.js';

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

/** Split into PutRecordBatch-sized chunks (count and bytes). */
export function chunk(records: OutRecord[]): OutRecord[][] {
  const out: OutRecord[][] = [];
  let cur: OutRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    if (cur.length > 0 && (cur.length >= MAX_RECORDS_PER_CALL || bytes + r.data.length > MAX_BYTES_PER_CALL)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += r.data.length;
  }
  if (cur.length > 0) out.push(cur);
  return out;
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
          const res = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: stream, Records: batch.map((r) => ({ Data: r.data })) }));
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
