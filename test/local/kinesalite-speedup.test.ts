/**
 * The kinesalite helpers replaced by speedUpKinesalite (memoised MD5 hash keys and parsed sequence
 * numbers, a BigInt build of sequence numbers) must answer exactly as kinesalite's own do; and the
 * stand-in keeps working end to end with them (PutRecords lands on the right shard, in order).
 */
import { createRequire } from 'node:module';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastSequence, type LocalKinesis, speedUpKinesalite, startLocalKinesis } from '../../local/kinesis.js';

type Parts = Record<string, unknown>;
interface DbModule {
  create: (o: unknown) => never;
  partitionKeyToHashKey: (k: string) => { toFixed(): string };
  parseSequence: (s: string) => Parts;
  stringifySequence: (p: Parts) => string;
}

const require = createRequire(import.meta.url);
/** A fresh, unpatched copy of kinesalite's db module (its helpers are pure functions of their own). */
function pristine(): DbModule {
  const id = require.resolve('kinesalite/db');
  const cached = require.cache[id];
  delete require.cache[id];
  try {
    return { ...(require('kinesalite/db') as DbModule) };
  } finally {
    if (cached) require.cache[id] = cached;
  }
}

const original = pristine();
const fast = { ...original };
speedUpKinesalite(fast);

const parts = fc.record(
  {
    shardCreateTime: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    shardIx: fc.integer({ min: 0, max: 2_147_483_647 }),
    seqIx: fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String)),
    seqTime: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    byte1: fc.constantFrom('00', '01', 'ff'),
    version: fc.constantFrom(undefined, 2),
  },
  { requiredKeys: ['shardCreateTime'] },
);

describe('speedUpKinesalite', () => {
  it('builds the same sequence numbers as kinesalite', () => {
    fc.assert(
      fc.property(parts, (p) => {
        expect(fast.stringifySequence({ ...p })).toBe(original.stringifySequence({ ...p }));
      }),
      { numRuns: 3_000 },
    );
    // What fastSequence declines goes to the original (version 1 / 0 formats, negative shard index).
    expect(fastSequence({ shardCreateTime: 1e12, shardIx: 1, version: 1 })).toBeUndefined();
    expect(fast.stringifySequence({ shardCreateTime: 1e12, shardIx: -1 })).toBe(
      original.stringifySequence({ shardCreateTime: 1e12, shardIx: -1 }),
    );
  });

  it('parses sequence numbers and hashes partition keys as kinesalite does, and callers cannot alter the memo', () => {
    fc.assert(
      fc.property(parts, fc.string({ minLength: 1, maxLength: 40 }), (p, key) => {
        const seq = original.stringifySequence(p);
        const first = fast.parseSequence(seq);
        expect(first).toEqual(original.parseSequence(seq));
        first.shardCreateTime = -1;
        expect(fast.parseSequence(seq)).toEqual(original.parseSequence(seq));
        expect(fast.partitionKeyToHashKey(key).toFixed()).toBe(original.partitionKeyToHashKey(key).toFixed());
      }),
      { numRuns: 1_000 },
    );
    expect(() => fast.parseSequence('not a number')).toThrow();
  });
});

describe('the stand-in with the helpers replaced', () => {
  let kinesis: LocalKinesis;
  beforeAll(async () => {
    kinesis = await startLocalKinesis();
  });
  afterAll(async () => kinesis.close());

  it('routes records by the MD5 of the partition key and keeps their order per shard', async () => {
    await kinesis.ensureStream('speedup', 4);
    const keys = Array.from({ length: 60 }, (_, i) => `person-${i % 7}`);
    const out = await kinesis.client.send(
      new PutRecordsCommand({ StreamName: 'speedup', Records: keys.map((k, i) => ({ PartitionKey: k, Data: Buffer.from(String(i)) })) }),
    );
    expect(out.FailedRecordCount).toBe(0);
    const shards = (await kinesis.client.send(new ListShardsCommand({ StreamName: 'speedup' }))).Shards!;
    for (const [i, k] of keys.entries()) {
      const hash = BigInt(original.partitionKeyToHashKey(k).toFixed());
      const shard = shards.find((s) => BigInt(s.HashKeyRange!.StartingHashKey!) <= hash && hash <= BigInt(s.HashKeyRange!.EndingHashKey!));
      expect(out.Records![i]!.ShardId).toBe(shard!.ShardId);
    }
    for (const shard of shards) {
      const it0 = await kinesis.client.send(
        new GetShardIteratorCommand({ StreamName: 'speedup', ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const page = await kinesis.client.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator! }));
      const got = (page.Records ?? []).map((r) => Number(Buffer.from(r.Data!).toString()));
      const expected = out.Records!.flatMap((r, i) => (r.ShardId === shard.ShardId ? [i] : []));
      expect(got).toEqual(expected);
      const seqs = (page.Records ?? []).map((r) => BigInt(r.SequenceNumber!));
      expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
  });
});
