import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { FirehoseSink } from '../../local/firehose-sink.js';
import type { CollectedEnvelope, RejectedEnvelope, SourceRef } from '../../schemas/envelope.js';

export const STREAMS = { events: 'tl-events', identity: 'tl-identity', failed: 'tl-failed' };
export const ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/test';

let seq = 1000;
export function nextSeq(): string {
  seq++;
  return `4959${String(seq).padStart(52, '0')}`;
}

export const WEB: SourceRef = { id: 'src_web', name: 'web' };

export function envelope(
  event: Record<string, unknown>,
  source: SourceRef = WEB,
  receivedAt = '2026-03-01T10:00:00.000Z',
): CollectedEnvelope {
  return {
    v: 1,
    kind: 'event',
    source,
    receivedAt,
    clientIp: '203.0.113.77',
    event: { timestamp: receivedAt, receivedAt, ...event } as CollectedEnvelope['event'],
  };
}

export function rejected(raw: string, reason: RejectedEnvelope['reason'] = 'schema_violation'): RejectedEnvelope {
  return {
    v: 1,
    kind: 'rejected',
    source: WEB,
    receivedAt: '2026-03-01T10:00:00.000Z',
    reason,
    detail: 'type: expected one of track|identify',
    raw,
    rawTruncated: false,
  };
}

export function kRecord(data: string | object, partitionKey = 'pk'): KinesisStreamRecord {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  const sequenceNumber = nextSeq();
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(text, 'utf8').toString('base64'),
      approximateArrivalTimestamp: 1772359200,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
    awsRegion: 'us-east-1',
    eventSourceARN: ARN,
  };
}

export function kEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: records };
}

/** FirehoseSink that keeps every line in memory, per delivery stream. */
export class MemorySink implements FirehoseSink {
  readonly lines = new Map<string, string[]>();
  async write(stream: string, records: Buffer[]): Promise<void> {
    const list = this.lines.get(stream) ?? [];
    for (const r of records) list.push(r.toString('utf8'));
    this.lines.set(stream, list);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  /** Every JSON row, a Firehose record holding one or several newline-delimited rows. */
  rows<T = Record<string, unknown>>(stream: string): T[] {
    return (this.lines.get(stream) ?? []).flatMap((l) =>
      l
        .split('\n')
        .filter((x) => x.trim().length > 0)
        .map((x) => JSON.parse(x) as T),
    );
  }
}
