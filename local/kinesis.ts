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
const kinesaliteDb = require('kinesalite/db') as { create: (opts: unknown) => KinesaliteStore };

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
  faults: { storage: StorageFaults };
  close(): Promise<void>;
}

export async function startLocalKinesis(opts: LocalKinesisOptions = {}): Promise<LocalKinesis> {
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
  guardRequests(server, { maxBodyBytes: KINESALITE_MAX_REQUEST_BYTES, fault: KINESIS_SERVER_FAULT });
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
    faults: { storage },
    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
      (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve, reject) => server.close((err?: Error) => (err ? reject(err) : resolve())));
    },
  };
}
