/**
 * The collector on loopback: a node:http server that turns each request into the API Gateway HTTP API
 * (payload 2.0) event the Lambda receives, calls the SAME handler, and writes its result back. So real
 * SDKs and curl exercise exactly the deployed code path, minus API Gateway itself.
 *
 * Prints nothing (the CLI owns the terminal). Run standalone:
 *   npx tsx local/collector-server.ts [--port 8787] [--data .threadline]
 * starts kinesalite + the server and prints the URL and a development write key.
 */

import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse, validateHeaderValue } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { CollectorDeps } from '../lambdas/index.js';
import { type ApiGatewayV2Handler, createHandler, DEFAULT_COLLECTOR_CONFIG, resolveRoute, responseCorsHeaders } from '../lambdas/index.js';
import { DEFAULT_DATA_DIR } from './paths.js';
import { capConnections } from './standin-guard.js';

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
  /**
   * Whether what stands behind the collector can take events now (the local pipeline's health). When
   * not, every route that would write answers 503 + Retry-After and GET /health answers 503, both with
   * the reasons; the rest (preflight, 404s, the SDK metrics route) answers as usual. Default: always ok.
   */
  readiness?: () => Readiness;
  /** Open connections at most; more are closed on accept (memory stays bounded). Default 1024. */
  maxConnections?: number;
  /** A request's headers must arrive within this, or the connection is closed with 408. Default 10 s. */
  headersTimeoutMs?: number;
  /** A whole request (headers and body) must arrive within this. Default 30 s, API Gateway's own timeout. */
  requestTimeoutMs?: number;
} & ({ deps: CollectorDeps; handler?: never } | { handler: ApiGatewayV2Handler; deps?: never });

export interface Readiness {
  ok: boolean;
  /** Why not (shown to the client and on /health); empty when ok. */
  reasons: string[];
  /** Retry-After on the 503s; default the collector's (2 s). */
  retryAfterSeconds?: number;
}

export const COLLECTOR_SERVER_DEFAULTS = { maxConnections: 1024, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

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
  const url = splitTarget(req.url ?? '/');
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
    rawPath: url.path,
    rawQueryString: url.query,
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: url.path,
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

/**
 * The request target as API Gateway passes it on: the raw path (never normalised or decoded: routing
 * decides what a path means) and the query string. Total: any string the HTTP parser let through maps
 * to something, so that an odd target (`//[`, `//x:99999/v1/batch`, `*`) is the router's 404, never an
 * exception. The absolute form a proxy sends (`http://host/v1/batch`) is reduced to its path.
 */
export function splitTarget(target: string): { path: string; query: string } {
  let rest = target;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
  if (absolute) rest = rest.slice(absolute[0].length) || '/';
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  return q >= 0 ? { path: rest.slice(0, q), query: rest.slice(q + 1) } : { path: rest, query: '' };
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
  body: string | Buffer,
  closing = false,
): void {
  if (res.headersSent) return;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    // Some values echo the request (the CORS origin): one Node may not write is dropped, not thrown.
    try {
      validateHeaderValue(k, String(v));
      out[k] = String(v);
    } catch {}
  }
  // While shutting down, tell the client this connection ends with the response (Node then closes
  // the socket after it), instead of leaving it in keep-alive for a request we would not serve.
  if (closing) out.connection = 'close';
  out['content-length'] = String(bytes.length);
  res.writeHead(status, out);
  res.end(bytes);
}

/**
 * What Node's HTTP parser refused (broken framing, a target or header it cannot parse, headers too
 * large, a sender too slow) answered like every other refusal: a status and a JSON reason. Node's own
 * default answers with a bare status line.
 */
function onClientError(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  // A reset connection, or one whose response is already under way: nothing sensible can be written.
  const started = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (err.code === 'ECONNRESET' || !socket.writable || started) {
    socket.destroy();
    return;
  }
  const [status, text, reason] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'headers_too_large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request_timeout']
        : [400, 'Bad Request', 'malformed_request'];
  const body = JSON.stringify({
    success: false,
    error: { reason, message: `request refused by the HTTP parser (${err.code ?? 'error'})` },
  });
  // Closed for good once written: a half-close alone would leave a sender that keeps writing connected.
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/** The 503 for a request the pipeline cannot take now, or undefined when it goes to the handler. */
function notReady(
  readiness: () => Readiness,
  event: APIGatewayProxyEventV2,
): { status: number; headers: Record<string, string>; body: string } | undefined {
  const method = event.requestContext.http.method;
  const route = resolveRoute(method, event.rawPath);
  if (route.kind !== 'event' && route.kind !== 'batch' && route.kind !== 'health') return undefined;
  let state: Readiness;
  try {
    state = readiness();
  } catch (err) {
    state = { ok: false, reasons: [`readiness check failed: ${err instanceof Error ? err.message : String(err)}`] };
  }
  if (state.ok) return undefined;
  const retryAfter = state.retryAfterSeconds ?? DEFAULT_COLLECTOR_CONFIG.retryAfterSeconds;
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'retry-after': String(retryAfter),
    ...responseCorsHeaders(event.headers.origin),
  };
  if (route.kind === 'health') {
    const body = method.toUpperCase() === 'HEAD' ? '' : JSON.stringify({ ok: false, code: 'pipeline_unavailable', reasons: state.reasons });
    return { status: 503, headers, body };
  }
  return {
    status: 503,
    headers,
    body: JSON.stringify({
      success: false,
      code: 'pipeline_unavailable',
      reasons: state.reasons,
      error: { reason: 'pipeline_unavailable', message: 'the pipeline cannot take events now; retry later' },
    }),
  };
}

export async function startCollectorServer(opts: CollectorServerOptions): Promise<CollectorServer> {
  const handler = opts.handler ?? createHandler(opts.deps!);
  const readiness = opts.readiness;
  let closing = false;
  const server = createServer((req, res) => {
    // A reset or aborted upload: the client is gone, the body read below just never completes.
    req.on('error', () => {});
    res.on('error', () => {});
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
        const event = toApiGatewayEvent(req, body);
        const unavailable = readiness ? notReady(readiness, event) : undefined;
        if (unavailable) {
          send(res, unavailable.status, unavailable.headers, unavailable.body, closing);
          return;
        }
        const result = await handler(event);
        const out = result.body ?? '';
        send(res, result.statusCode ?? 200, result.headers ?? {}, result.isBase64Encoded ? Buffer.from(out, 'base64') : out, closing);
      } catch {
        // The handler never throws by design; this is the adapter's own last resort (API Gateway answers 500 too).
        send(res, 500, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Internal Server Error' }), closing);
      }
    })();
  });
  server.keepAliveTimeout = 5_000;
  server.on('clientError', onClientError);
  // Slow senders (headers or body trickled byte by byte) are cut by the timeouts; they cost a socket
  // each meanwhile, never the event loop, so normal clients are still served.
  capConnections(server, {
    maxConnections: opts.maxConnections ?? COLLECTOR_SERVER_DEFAULTS.maxConnections,
    headersTimeoutMs: opts.headersTimeoutMs ?? COLLECTOR_SERVER_DEFAULTS.headersTimeoutMs,
    requestTimeoutMs: opts.requestTimeoutMs ?? COLLECTOR_SERVER_DEFAULTS.requestTimeoutMs,
  });
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
