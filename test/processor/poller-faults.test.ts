/**
 * The local Kinesis event source under storage and service faults, on kinesalite: a checkpoint file
 * that cannot be written, a destination that pushes back, an on-failure destination that cannot take
 * records, GetRecords throttled. In every case the shard loop lives on, stalls without advancing its
 * checkpoint past unprocessed records, says so in health() and in drain(), and recovers by itself.
 */

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { describe, expect, it } from 'vitest';
import { createKinesisPoller, DrainTimeoutError, type FailureInfo } from '../../local/kinesis-poller.js';
import { decodeRecords, until, useLocalKinesis } from './kinesis-fixture.js';

const fixture = useLocalKinesis('faults');
const { stream, put } = fixture;
const decode = decodeRecords;

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
const SHARD = 'shardId-000000000000';

describe('shard loops survive faults', () => {
  it('a checkpoint file that cannot be written (its folder replaced by a file) stalls the shard, drain() says so, and it recovers without reprocessing', async () => {
    const name = await stream();
    const seqs = await put(name, ['a', 'b', 'c']);
    const dir = mkdtempSync(join(tmpdir(), 'poller-faults-'));
    // The checkpoint's folder is a file: every write of it fails with ENOTDIR, as on a broken volume.
    writeFileSync(join(dir, 'state'), 'not a folder');
    const checkpointFile = join(dir, 'state', 'checkpoints.json');
    const seen: string[] = [];
    const logs: string[] = [];
    const poller = createKinesisPoller({
      client: fixture.kinesis().client,
      streamName: name,
      batchSize: 2,
      pollIntervalMs: 5,
      retryDelayMs: 1,
      maxStallDelayMs: 20,
      checkpointFile,
      log: (l) => logs.push(l),
      handler: async (e) => void seen.push(...decode(e)),
    });
    await poller.start();
    try {
      await until(() => logs.some((l) => l.includes('EEXIST')), 'the stall to be reported');
      // A stuck shard is not drained, and the error names it and where it would resume.
      const err = await poller.drain(50).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DrainTimeoutError);
      expect(String((err as Error).message)).toMatch(new RegExp(`${SHARD} stalled.*EEXIST.*resumes from the start of the shard`));
      const [h] = poller.health();
      expect(h).toMatchObject({ shardId: SHARD, state: 'stalled', checkpoint: seqs[1], lastError: { code: 'EEXIST' } });
      expect(h!.persistedCheckpoint).toBeUndefined();
      expect(h!.failedAttempts).toBeGreaterThan(0);
      // Nothing read past the batch whose checkpoint is not written.
      expect(seen).toEqual(['a', 'b']);

      rmSync(join(dir, 'state'));
      await poller.drain(20_000);
      expect(seen).toEqual(['a', 'b', 'c']);
      expect(JSON.parse(readFileSync(checkpointFile, 'utf8'))).toEqual({ [SHARD]: seqs[2] });
      expect(poller.health()[0]).toMatchObject({ state: 'idle', failedAttempts: 0, persistedCheckpoint: seqs[2] });
      // One line when it stalled, one when it resumed: not one per attempt.
      expect(logs).toHaveLength(2);
      expect(logs[1]).toMatch(new RegExp(`shard ${SHARD} resumed after \\d+ failed attempts`));
      expect(readdirSync(join(dir, 'state'))).toEqual(['checkpoints.json']); // no temporary file left
    } finally {
      await poller.stop();
    }
  });

  it('a checkpoint whose commit (rename) fails leaves no temporary file behind, and is written once it can be', async () => {
    const name = await stream();
    const seqs = await put(name, ['a']);
    const dir = mkdtempSync(join(tmpdir(), 'poller-faults-'));
    const checkpointFile = join(dir, 'checkpoints.json');
    const logs: string[] = [];
    const poller = createKinesisPoller({
      client: fixture.kinesis().client,
      streamName: name,
      pollIntervalMs: 5,
      retryDelayMs: 1,
      maxStallDelayMs: 20,
      checkpointFile,
      log: (l) => logs.push(l),
      handler: async () => {},
    });
    // Once running, a folder is where the checkpoint file belongs: the temporary file is written, its
    // rename fails (EISDIR).
    mkdirSync(checkpointFile);
    writeFileSync(join(checkpointFile, 'keep'), '');
    await poller.start();
    try {
      await until(() => (poller.health()[0]?.failedAttempts ?? 0) >= 3, 'several failed checkpoint writes');
      expect(poller.health()[0]).toMatchObject({ state: 'stalled', lastError: { code: 'EISDIR' } });
      expect(readdirSync(dir)).toEqual(['checkpoints.json']);
      rmSync(checkpointFile, { recursive: true });
      await poller.drain(20_000);
      expect(JSON.parse(readFileSync(checkpointFile, 'utf8'))).toEqual({ [SHARD]: seqs[0] });
      expect(readdirSync(dir)).toEqual(['checkpoints.json']);
    } finally {
      await poller.stop();
    }
  });

  it('a back-pressure error retries the batch from its checkpoint until it goes through: no bisect, no retry limit, no on-failure', async () => {
    const name = await stream();
    await put(name, ['a', 'b', 'c', 'd']);
    let refusals = 12;
    const attempts: string[][] = [];
    const failures: FailureInfo[] = [];
    const delivered: string[] = [];
    const poller = createKinesisPoller({
      client: fixture.kinesis().client,
      streamName: name,
      batchSize: 4,
      pollIntervalMs: 5,
      retryDelayMs: 1,
      maxStallDelayMs: 5,
      maximumRetryAttempts: 2,
      bisectBatchOnFunctionError: true,
      isBackpressure: (e) => (e as { code?: string }).code === 'ENOSPC',
      onFailure: (f) => void failures.push(f),
      log: () => {},
      handler: async (e) => {
        attempts.push(decode(e));
        if (refusals-- > 0) throw enospc();
        delivered.push(...decode(e));
      },
    });
    await poller.start();
    try {
      await poller.drain(20_000);
      expect(failures).toEqual([]);
      expect(delivered).toEqual(['a', 'b', 'c', 'd']);
      expect(attempts).toHaveLength(13);
      expect(attempts.every((a) => a.join() === 'a,b,c,d')).toBe(true);
      expect(poller.stats.bisections).toBe(0);
    } finally {
      await poller.stop();
    }
  });

  it('transient batch item failures (itemFailuresAreTransient): the done prefix is checkpointed, the rest waits without limit, nothing is dead-lettered', async () => {
    const name = await stream();
    const seqs = await put(name, ['a', 'b', 'c']);
    let unavailable = 15; // more failed invocations than maximumRetryAttempts allows
    const failures: FailureInfo[] = [];
    const delivered: string[] = [];
    const logs: string[] = [];
    let checkpointWhileStalled: string | undefined;
    const poller = createKinesisPoller({
      client: fixture.kinesis().client,
      streamName: name,
      batchSize: 3,
      pollIntervalMs: 5,
      retryDelayMs: 1,
      maxStallDelayMs: 5,
      maximumRetryAttempts: 3,
      itemFailuresAreTransient: true,
      onFailure: (f) => void failures.push(f),
      log: (l) => logs.push(l),
      handler: async (e) => {
        const data = decode(e);
        // 'a' always completes; from 'b' on, the downstream is unavailable for a while.
        const from = data.indexOf('b');
        if (from >= 0 && unavailable-- > 0) {
          delivered.push(...data.slice(0, from));
          if (unavailable === 5) checkpointWhileStalled = poller.checkpoints()[SHARD];
          return { batchItemFailures: e.Records.slice(from).map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
        }
        delivered.push(...data);
      },
    });
    await poller.start();
    try {
      await poller.drain(20_000);
      expect(failures).toEqual([]);
      expect(delivered).toEqual(['a', 'b', 'c']);
      expect(checkpointWhileStalled).toBe(seqs[0]);
      expect(poller.checkpoints()).toEqual({ [SHARD]: seqs[2] });
      expect(logs[0]).toMatch(/stalled: BatchItemFailures: the handler could not complete 2 records from sequence/);
    } finally {
      await poller.stop();
    }
  });

  it('an on-failure destination that cannot take records does not end the shard: the poison record is routed once it can', async () => {
    const name = await stream();
    await put(name, ['POISON', 'ok']);
    let destinationDown = 3;
    const routed: string[] = [];
    const delivered: string[] = [];
    const poller = createKinesisPoller({
      client: fixture.kinesis().client,
      streamName: name,
      batchSize: 1,
      pollIntervalMs: 5,
      retryDelayMs: 1,
      maxStallDelayMs: 5,
      maximumRetryAttempts: 0,
      log: () => {},
      onFailure: (f) => {
        if (destinationDown-- > 0) throw enospc();
        routed.push(...f.records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()));
      },
      handler: async (e) => {
        const data = decode(e);
        if (data.includes('POISON')) throw new Error('poison');
        delivered.push(...data);
      },
    });
    await poller.start();
    try {
      await poller.drain(20_000);
      expect(routed).toEqual(['POISON']);
      expect(delivered).toEqual(['ok']);
    } finally {
      await poller.stop();
    }
  });

  it('GetRecords throttled (ProvisionedThroughputExceededException) stalls the shard, which then reads on', async () => {
    const name = await stream();
    await put(name, ['a', 'b']);
    // A client of its own whose GetRecords fails with the service's error shape for a while.
    const client = new KinesisClient({
      endpoint: fixture.kinesis().endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler(),
    });
    let throttled = 5;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetRecordsCommand' && throttled-- > 0) {
          throw new ProvisionedThroughputExceededException({
            message: 'Rate exceeded for shard shardId-000000000000 in stream under account 000000000000.',
            $metadata: { httpStatusCode: 400 },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttleGetRecords' },
    );
    const seen: string[] = [];
    const logs: string[] = [];
    const poller = createKinesisPoller({
      client,
      streamName: name,
      pollIntervalMs: 5,
      retryDelayMs: 1,
      maxStallDelayMs: 5,
      log: (l) => logs.push(l),
      handler: async (e) => void seen.push(...decode(e)),
    });
    await poller.start();
    try {
      await poller.drain(20_000);
      expect(seen).toEqual(['a', 'b']);
      expect(logs[0]).toMatch(/stalled: ProvisionedThroughputExceededException: Rate exceeded/);
      expect(logs).toHaveLength(2);
    } finally {
      await poller.stop();
      client.destroy();
    }
  });
});
