/**
 * The collector on loopback: a node:http server that turns each request into the API Gateway HTTP API
 * (payload 2.0) event the Lambda receives, calls the SAME handler, and writes its result back. So real
 * SDKs and curl exercise exactly the deployed code path, minus API Gateway itself.
 *
 * Prints nothing (the CLI owns the terminal). Run standalone:
 *   npx tsx local/collector-server.ts [--port 8787] [--data .threadline]
 * starts kinesalite + the server and prints the URL and a development write key.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { CollectorDeps } from '../lambdas/index.js';
import { type ApiGatewayV2Handler, createHandler } from '../lambdas/index.js';
import { DEFAULT_DATA_DIR } from './paths.js';

/** API Gateway's own payload limit: larger bodies never reach the Lambda. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export type CollectorServerOptions = {
  /** 0 or omitted: a free port. */
  port?: number;
  host?: string;
  /**
   * close() lets requests in flight finish for up to this long, then cuts what is left (default
   * 5000 ms). A cut request may or may not have reached Kinesis; the client retries and the
   * processor drops the duplicate by messageId.
   */
  shutdownTimeoutMs?: number;
} & ({ deps: CollectorDeps; handler?: never } | { handler: ApiGatewayV2Handler; deps?: never });

export interface CollectorServer {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /**
   * Graceful shutdown: stop accepting connections, close idle keep-alive sockets, let requests in
   * flight finish (each answered with `connection: close`), and after `shutdownTimeoutMs` close the
   * rest. Resolves when every connection is gone.
   */
  close(): Promise<void>;
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

const TEXT_TYPES = /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded)|[^;]*\+json)/i;

/** Node request + body -> the payload-2.0 event API Gateway would send. */
export function toApiGatewayEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k === 'cookie') continue;
    headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  // API Gateway passes text bodies as text and anything else (gzip, binary types) base64-encoded.
  const contentType = headers['content-type'] ?? '';
  const textual = body.length === 0 || (!headers['content-encoding'] && TEXT_TYPES.test(contentType) && isUtf8(body));
  const now = new Date();
  const method = (req.method ?? 'GET').toUpperCase();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: !textual,
  };
  if (req.headers.cookie) event.cookies = req.headers.cookie.split(/;\s*/);
  if (body.length > 0) event.body = textual ? body.toString('utf8') : body.toString('base64');
  return event;
}

function isUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        req.resume(); // drain without keeping it
        resolve('too_large');
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!done) reject(err);
    });
  });
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number | boolean>,
  body: string,
  closing = false,
): void {
  if (res.headersSent) return;
  const out = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
  // While shutting down, tell the client this connection ends with the response (Node then closes
  // the socket after it), instead of leaving it in keep-alive for a request we would not serve.
  if (closing) out.connection = 'close';
  res.writeHead(status, out);
  res.end(body);
}

export async function startCollectorServer(opts: CollectorServerOptions): Promise<CollectorServer> {
  const handler = opts.handler ?? createHandler(opts.deps!);
  let closing = false;
  const server = createServer((req, res) => {
    // A request that ends during shutdown may leave its socket idle (a response sent before `closing`
    // was set keeps the connection alive): close idle sockets then, so close() need not wait for
    // the keep-alive timeout.
    res.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    void (async () => {
      try {
        const body = await readBody(req, API_GATEWAY_MAX_BODY_BYTES);
        if (body === 'too_large') {
          send(
            res,
            413,
            { 'content-type': 'application/json', connection: 'close' },
            JSON.stringify({ message: 'Request Entity Too Large' }),
          );
          return;
        }
        const result = await handler(toApiGatewayEvent(req, body));
        const out = result.body ?? '';
        send(
          res,
          result.statusCode ?? 200,
          result.headers ?? {},
          result.isBase64Encoded ? Buffer.from(out, 'base64').toString('latin1') : out,
          closing,
        );
      } catch {
        // The handler never throws by design; this is the adapter's own last resort (API Gateway answers 500 too).
        send(res, 500, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Internal Server Error' }), closing);
      }
    })();
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        // In-flight requests that outlive the grace period are cut (bounded shutdown).
        const force = setTimeout(() => server.closeAllConnections(), shutdownTimeoutMs);
        force.unref();
        // Stops listening (new connections are refused); the callback runs once every connection has
        // ended. Sockets with a request in flight stay open until it is answered.
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        // Node 19+ does this inside close() too; explicit so the intent does not depend on the version.
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Standalone: `npx tsx local/collector-server.ts` (the LOCAL & DEMO engineer wires `npm start` to the
// full pipeline; this entry brings up just kinesalite + the collector).

/** The development write key registered by the standalone entry and the local pipeline. Local only. */
export const DEV_WRITE_KEY = 'tl_dev_local_write_key';
export const DEV_STREAM_NAME = 'threadline-events';

export interface StandaloneCollectorOptions {
  /** Folder for kinesalite's LevelDB and sources.json. Default .threadline */
  dataDir?: string;
  /** Keep the stream in memory instead of dataDir/kinesis. */
  memory?: boolean;
  port?: number;
  host?: string;
  streamName?: string;
  shards?: number;
}

export interface StandaloneCollector extends CollectorServer {
  kinesis: import('./kinesis.js').LocalKinesis;
  streamName: string;
  /** The development write key (registered in dataDir/sources.json, hashed). */
  writeKey: string;
}

/** kinesalite + file key store with the development key + the collector on loopback. */
export async function startStandaloneCollector(opts: StandaloneCollectorOptions = {}): Promise<StandaloneCollector> {
  const { join } = await import('node:path');
  const { mkdir } = await import('node:fs/promises');
  const { startLocalKinesis } = await import('./kinesis.js');
  const { createFileKeyStore, createKinesisWriter } = await import('../lambdas/index.js');
  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  const streamName = opts.streamName ?? DEV_STREAM_NAME;
  await mkdir(dataDir, { recursive: true });
  const kinesis = await startLocalKinesis(opts.memory ? {} : { path: join(dataDir, 'kinesis') });
  try {
    await kinesis.ensureStream(streamName, opts.shards ?? 1);
    const keyStore = createFileKeyStore(join(dataDir, 'sources.json'));
    await keyStore.ensureKey(DEV_WRITE_KEY, { name: 'dev', defaultChannel: 'web' });
    const server = await startCollectorServer({
      port: opts.port ?? 0,
      host: opts.host ?? '127.0.0.1',
      deps: { keyStore, sink: createKinesisWriter({ client: kinesis.client, streamName }) },
    });
    return {
      ...server,
      kinesis,
      streamName,
      writeKey: DEV_WRITE_KEY,
      async close() {
        await server.close();
        await kinesis.close();
      },
    };
  } catch (err) {
    await kinesis.close();
    throw err;
  }
}

async function main(argv: string[]): Promise<void> {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string', default: DEFAULT_DATA_DIR },
      memory: { type: 'boolean', default: false },
    },
  });
  const c = await startStandaloneCollector({
    port: Number(values.port),
    host: values.host!,
    dataDir: values.data!,
    memory: values.memory!,
  });
  process.stdout.write(
    [
      `Threadline collector listening on ${c.url}`,
      `  Kinesis (kinesalite): ${c.kinesis.endpoint}  stream: ${c.streamName}`,
      `  development write key: ${c.writeKey}`,
      `  try: curl -u ${c.writeKey}: -H 'content-type: application/json' \\`,
      `         -d '{"userId":"u-1","event":"Signed Up"}' ${c.url}/v1/track`,
      '',
    ].join('\n'),
  );
  const stop = async () => {
    await c.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

const invokedAs = process.argv[1] ?? '';
if (invokedAs && import.meta.url === pathToFileURL(invokedAs).href) {
  // The pinned AWS SDK runs on Node 20; its notice that later releases need Node 22 is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`collector failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
