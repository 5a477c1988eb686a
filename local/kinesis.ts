/**
 * Kinesis, offline: kinesalite in-process on loopback, and a real @aws-sdk/client-kinesis client for
 * it (HTTP/1.1 handler: the client's default HTTP/2 fails against kinesalite).
 *
 * `path` keeps the streams in a LevelDB folder across restarts; without it everything is in memory.
 *
 * The port is hardened (standin-guard.ts): an aborted upload, a malformed or slow request, or a storage
 * error (disk full) fails that one request (a 5xx in the real service's InternalFailure shape, which the
 * SDK treats as retryable) and never the process. Connections are capped.
 */

import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { captureStore, guardRequests, type ServerFault, type StorageFaults, storageFaults, tagStorageErrors } from './standin-guard.js';
import { type ThrottleFaults, throttleFront } from './throttle-faults.js';

type KinesaliteFactory = (opts: {
  path?: string;
  createStreamMs?: number;
  deleteStreamMs?: number;
  updateStreamMs?: number;
  shardLimit?: number;
}) => Server;
const require = createRequire(import.meta.url);
const kinesalite = require('kinesalite') as KinesaliteFactory;

/** The parts of kinesalite's private store that reach LevelDB (every action goes through them). */
interface KinesaliteStore {
  db: { db: { _db?: object } };
  metaDb: object;
  getStreamDb(name: string): object;
}
type SequenceParts = Record<string, unknown>;
/** kinesalite's db module: its store factory and the pure helpers every action calls through it. */
interface KinesaliteDbModule {
  create: (opts: unknown) => KinesaliteStore;
  partitionKeyToHashKey: (partitionKey: string) => unknown;
  parseSequence: (seq: string) => SequenceParts;
  stringifySequence: (parts: SequenceParts) => string;
}
const kinesaliteDb = require('kinesalite/db') as KinesaliteDbModule;

/** Entries each memo keeps before starting afresh (memory stays bounded whatever the key space). */
const MEMO_LIMIT = 4_096;

function memo<A, R>(fn: (a: A) => R, copy: (r: R) => R = (r) => r): (a: A) => R {
  const seen = new Map<A, R>();
  return (a) => {
    let r = seen.get(a);
    if (r === undefined) {
      r = fn(a);
      if (seen.size >= MEMO_LIMIT) seen.clear();
      seen.set(a, r);
    }
    return copy(r);
  };
}

const SPED_UP = Symbol('threadline.kinesaliteSpedUp');

/**
 * kinesalite spends most of a PutRecords call in bignumber.js, per record: the MD5 of the partition key
 * turned into a BigNumber, the shard's starting sequence number parsed (the same few strings every
 * time), and the new sequence number built through a BigNumber. Its actions call these helpers
 * through the module object, so they are replaced there, once per process, by the same functions
 * memoised (the first two; the hash key is an immutable BigNumber, a parsed sequence is copied for
 * each caller) and by a native-BigInt build of the current (version 2) sequence format that gives the
 * same digits (anything else goes to the original). Results are identical, which the tests check
 * against the originals.
 */
export function speedUpKinesalite(mod: KinesaliteDbModule = kinesaliteDb): void {
  const target = mod as KinesaliteDbModule & { [SPED_UP]?: true };
  if (target[SPED_UP]) return;
  target[SPED_UP] = true;
  target.partitionKeyToHashKey = memo(mod.partitionKeyToHashKey);
  target.parseSequence = memo(mod.parseSequence, (r) => ({ ...r }));
  const stringify = mod.stringifySequence;
  target.stringifySequence = (parts) => fastSequence(parts) ?? stringify(parts);
}

const hexPad = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width);

/** kinesalite's version-2 sequence number with BigInt; undefined for anything it would not build the same way. */
export function fastSequence(o: SequenceParts): string | undefined {
  if (o.version != null && o.version !== 2) return undefined;
  const shardCreateTime = o.shardCreateTime;
  const shardIx = o.shardIx ?? 0;
  const seqIx = o.seqIx || 0;
  const seqTime = o.seqTime || shardCreateTime;
  const byte1 = o.byte1 || '00';
  if (typeof shardCreateTime !== 'number' || typeof seqTime !== 'number' || typeof byte1 !== 'string') return undefined;
  if (!Number.isSafeInteger(shardIx) || (shardIx as number) < 0 || !Number.isFinite(shardCreateTime) || !Number.isFinite(seqTime)) {
    return undefined;
  }
  if (shardCreateTime < 0 || seqTime < 0) return undefined;
  if (!(typeof seqIx === 'number' && Number.isSafeInteger(seqIx) && seqIx >= 0) && !(typeof seqIx === 'string' && /^\d+$/.test(seqIx))) {
    return undefined;
  }
  const ix = shardIx as number;
  const hex = [
    '2',
    hexPad(Math.floor(shardCreateTime / 1000), 9),
    ix.toString(16).slice(-1),
    BigInt(seqIx).toString(16).padStart(16, '0').slice(-16),
    byte1,
    hexPad(Math.floor(seqTime / 1000), 9),
    ix.toString(16).padStart(8, '0').slice(-8),
    '2',
  ].join('');
  if (!/^[0-9a-f]+$/.test(hex)) return undefined;
  return BigInt(`0x${hex}`).toString();
}

/** Kinesis's answer to a request it failed on: HTTP 500, retryable for the SDK and our writer. */
export const KINESIS_SERVER_FAULT: ServerFault = {
  status: 500,
  contentType: 'application/x-amz-json-1.1',
  body: { __type: 'InternalFailure', message: 'Internal service failure.' },
};

/** kinesalite's own body limit, kept by the guarded front. */
const KINESALITE_MAX_REQUEST_BYTES = 7 * 1024 * 1024;

export interface LocalKinesisOptions {
  /** LevelDB folder for persistence; omitted = in memory. */
  path?: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
}

export interface StoredRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  approximateArrivalTimestamp?: Date;
}

export interface LocalKinesis {
  /** http://127.0.0.1:PORT: set AWS_ENDPOINT_URL_KINESIS to it for code that builds its own client. */
  endpoint: string;
  /** A client bound to it (HTTP/1.1, dummy credentials). */
  client: KinesisClient;
  /** Create the stream if missing and wait until it is ACTIVE. */
  ensureStream(name: string, shards?: number): Promise<void>;
  /** Every record currently in the stream, all shards, from TRIM_HORIZON (tests, inspection). */
  readAll(name: string): Promise<StoredRecord[]>;
  /** Fault injection at the storage boundary (tests): writes fail as LevelDB fails on a full disk. */
  faults: { storage: StorageFaults; throttle: ThrottleFaults };
  close(): Promise<void>;
}

export async function startLocalKinesis(opts: LocalKinesisOptions = {}): Promise<LocalKinesis> {
  speedUpKinesalite();
  const { result: server, store } = captureStore(kinesaliteDb, () =>
    kinesalite({
      createStreamMs: 0,
      deleteStreamMs: 0,
      updateStreamMs: 0,
      shardLimit: 100,
      ...(opts.path ? { path: opts.path } : {}),
    }),
  );
  tagStorageErrors(store.metaDb, KINESIS_SERVER_FAULT);
  const getStreamDb = store.getStreamDb;
  store.getStreamDb = (name) => tagStorageErrors(getStreamDb(name), KINESIS_SERVER_FAULT);
  const storage = storageFaults(store.db.db._db ?? store.db.db, opts.path ?? 'memory');
  const throttle = throttleFront('kinesis');
  guardRequests(server, { maxBodyBytes: KINESALITE_MAX_REQUEST_BYTES, throttle, fault: KINESIS_SERVER_FAULT });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });

  async function ensureStream(name: string, shards = 1): Promise<void> {
    try {
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    } catch (err) {
      if ((err as Error).name !== 'ResourceInUseException') throw err;
    }
    // DescribeStream every 25 ms for up to 5 s (the waiter's delays are in seconds).
    try {
      await waitUntilStreamExists({ client, minDelay: 0.025, maxDelay: 0.025, maxWaitTime: 5 }, { StreamName: name });
    } catch (err) {
      throw new Error(`stream ${name} did not become ACTIVE`, { cause: err });
    }
  }

  async function readAll(name: string): Promise<StoredRecord[]> {
    const shards = (await client.send(new ListShardsCommand({ StreamName: name }))).Shards ?? [];
    const out: StoredRecord[] = [];
    for (const shard of shards) {
      let iterator = (
        await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))
      ).ShardIterator;
      while (iterator) {
        const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        for (const r of page.Records ?? []) {
          const rec: StoredRecord = {
            shardId: shard.ShardId!,
            sequenceNumber: r.SequenceNumber!,
            partitionKey: r.PartitionKey!,
            data: r.Data!,
          };
          if (r.ApproximateArrivalTimestamp) rec.approximateArrivalTimestamp = r.ApproximateArrivalTimestamp;
          out.push(rec);
        }
        // An open shard always returns a next iterator: stop when caught up.
        if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return out;
  }

  let closed = false;
  return {
    endpoint,
    client,
    ensureStream,
    readAll,
    faults: { storage, throttle: throttle.faults },
    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
      (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve, reject) => server.close((err?: Error) => (err ? reject(err) : resolve())));
    },
  };
}
