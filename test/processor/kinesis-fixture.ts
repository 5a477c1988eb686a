/**
 * What the poller tests share: a kinesalite started once per file, fresh single-shard streams, one
 * PutRecords call per put (kinesalite stamps its records with one ApproximateArrivalTimestamp), record
 * decoding and a polling wait that is a liveness guard only.
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect } from 'vitest';
import { type LocalKinesis, startLocalKinesis } from '../../local/kinesis.js';

export interface KinesisFixture {
  readonly kinesis: () => LocalKinesis;
  /** A new stream with one shard (or `shards`). */
  stream(shards?: number): Promise<string>;
  /** One PutRecords call with partition key 'k'; returns the sequence numbers. */
  put(name: string, data: string[]): Promise<string[]>;
}

export function useLocalKinesis(prefix: string): KinesisFixture {
  let kinesis: LocalKinesis | undefined;
  let n = 0;
  beforeAll(async () => {
    kinesis = await startLocalKinesis();
  });
  afterAll(async () => kinesis?.close());
  const k = () => {
    if (!kinesis) throw new Error('kinesalite is not started yet (use the fixture inside a test)');
    return kinesis;
  };
  return {
    kinesis: k,
    async stream(shards = 1) {
      const name = `${prefix}-${++n}`;
      await k().ensureStream(name, shards);
      return name;
    },
    async put(name, data) {
      const out = await k().client.send(
        new PutRecordsCommand({ StreamName: name, Records: data.map((d) => ({ Data: Buffer.from(d), PartitionKey: 'k' })) }),
      );
      expect(out.FailedRecordCount ?? 0).toBe(0);
      return out.Records!.map((r) => r.SequenceNumber!);
    },
  };
}

export const decodeRecords = (e: KinesisStreamEvent) => e.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());

/** Polls `cond` every 5 ms; the deadline only turns a hang into a named failure on a loaded machine. */
export async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
