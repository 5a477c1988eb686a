/**
 * dynalite answered in-process: an SDK request handler that hands each signed request to dynalite's
 * own request listener on in-memory request/response objects, so no socket, HTTP parser or event-loop
 * round trip sits between the processor and its store. What is left is what any DynamoDB client pays
 * (serialising, SigV4 signing, parsing the answer) plus dynalite's own work (validation, LevelDB in
 * memory). The requests are counted by operation here, independently of the store's own counters.
 *
 * The hardened loopback front of local/dynamodb.ts is not used: it guards a port against hostile
 * clients, and here there is neither a port nor a hostile client.
 */
import { EventEmitter } from 'node:events';
import type { RequestListener, Server } from 'node:http';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { identityTableDefinition } from '../lambdas/index.js';

type DynaliteFactory = (opts: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

type HandleArgs = Parameters<NodeHttpHandler['handle']>;
type HandleResult = Awaited<ReturnType<NodeHttpHandler['handle']>>;

/** Calls dynalite's request listener directly (extends NodeHttpHandler only to fit the client factories' type). */
class InProcessHandler extends NodeHttpHandler {
  /** Requests by operation (BatchGetItem, UpdateItem, ...). */
  readonly requests = new Map<string, number>();
  /**
   * Wall time inside dynalite (request handed over -> answer complete). The processor waits for each
   * call before doing anything else, so this is the stand-in's own time, not the processor's.
   */
  standInMs = 0;

  constructor(private readonly listener: RequestListener) {
    super();
  }

  override handle(request: HandleArgs[0]): Promise<HandleResult> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
    const op = (headers['x-amz-target'] ?? '').split('.')[1] ?? '?';
    this.requests.set(op, (this.requests.get(op) ?? 0) + 1);
    const raw: unknown = request.body;
    // A view on the same bytes: Buffer.from(raw) would call the SDK body's valueOf(), which turns it into a string.
    const body =
      raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) : Buffer.from(typeof raw === 'string' ? raw : '');
    const start = performance.now();
    return new Promise((resolve, reject) => {
      const req = Object.assign(new EventEmitter(), { method: request.method, url: request.path, headers });
      const resHeaders: Record<string, string> = {};
      const res = {
        statusCode: 200,
        contentType: undefined as string | undefined,
        setHeader: (k: string, v: unknown) => {
          resHeaders[k.toLowerCase()] = String(v);
        },
        end: (data?: string) => {
          this.standInMs += performance.now() - start;
          resolve({ response: { statusCode: res.statusCode, headers: resHeaders, body: Readable.from([Buffer.from(data ?? '')]) } });
        },
      };
      try {
        this.listener(req as never, res as never);
        req.emit('data', body);
        req.emit('end');
      } catch (err) {
        reject(err);
      }
    });
  }
}

export interface InProcessDynalite {
  client: DynamoDBClient;
  requests: ReadonlyMap<string, number>;
  /** Milliseconds spent inside dynalite since the table was created. */
  standInMs(): number;
  ensureTable(name: string): Promise<void>;
  close(): Promise<void>;
}

/** A fresh in-memory dynalite and a real DynamoDBClient bound to it without a socket. */
export function startInProcessDynalite(): InProcessDynalite {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const handler = new InProcessHandler(server.listeners('request')[0] as RequestListener);
  const client = new DynamoDBClient({
    endpoint: 'http://dynalite.in-process',
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: handler,
  });
  return {
    client,
    requests: handler.requests,
    standInMs: () => handler.standInMs,
    ensureTable: async (name) => {
      await client.send(new CreateTableCommand(identityTableDefinition(name)));
      await waitUntilTableExists({ client, minDelay: 0.025, maxDelay: 0.025, maxWaitTime: 10 }, { TableName: name });
      handler.requests.clear();
      handler.standInMs = 0;
    },
    // The server never listened: closing it closes dynalite's store.
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
