/**
 * Hardening for the in-process AWS stand-ins (kinesalite, dynalite): whatever arrives on their port,
 * the process that hosts them lives on.
 *
 * Both libraries throw from inside their own callbacks: on a request stream error (a client that hangs
 * up mid-upload: 'aborted') and on any storage error without an HTTP status (LevelDB WriteError when the
 * disk is full). Thrown there, nothing can catch it and the whole pipeline exits. So:
 *   - guardRequests() puts a front in place of the library's request listener: it reads the body itself
 *     (bounded, request errors swallowed: the client is gone and gets no answer), then replays it to the
 *     library on a plain emitter, inside try/catch, and answers the service's own server-fault shape for
 *     anything thrown synchronously;
 *   - tagStorageErrors() gives every error coming out of the store an HTTP status and the service's
 *     fault body, so the library answers it to THAT request (5xx) instead of throwing it;
 *   - connections are capped and slow senders are cut (headers and request timeouts).
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { ThrottleFront } from './throttle-faults.js';

/** The service's answer to a request it failed on (e.g. Kinesis InternalFailure, DynamoDB InternalServerError). */
export interface ServerFault {
  status: number;
  contentType: string;
  body: { __type: string; message: string };
}

export interface GuardOptions {
  /** Larger bodies are answered 413 without being buffered (the library's own limit). */
  maxBodyBytes: number;
  fault: ServerFault;
  /** Open connections at most; further ones are closed on accept. Default 512. */
  maxConnections?: number;
  /** A request's headers must arrive within this (default 10 s). */
  headersTimeoutMs?: number;
  /** A whole request must arrive within this (default 60 s). */
  requestTimeoutMs?: number;
  /** Injected throttling (tests, the fault bench): may answer a request itself or rewrite its body. */
  throttle?: ThrottleFront;
}

export const STANDIN_DEFAULTS = { maxConnections: 512, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000 };

/** How often Node checks the two timeouts (its default, 30 s, would let a slow sender stay 3x too long). */
const TIMEOUT_CHECK_MS = 1_000;

function sendFault(res: ServerResponse, fault: ServerFault): void {
  if (res.headersSent || res.writableEnded) return;
  const body = JSON.stringify(fault.body);
  res.writeHead(fault.status, { 'content-type': fault.contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Caps and timeouts on an http.Server that is not listening yet. */
export function capConnections(
  server: Server,
  opts: Pick<GuardOptions, 'maxConnections' | 'headersTimeoutMs' | 'requestTimeoutMs'> = {},
): void {
  server.maxConnections = opts.maxConnections ?? STANDIN_DEFAULTS.maxConnections;
  server.headersTimeout = opts.headersTimeoutMs ?? STANDIN_DEFAULTS.headersTimeoutMs;
  server.requestTimeout = opts.requestTimeoutMs ?? STANDIN_DEFAULTS.requestTimeoutMs;
  // Read by Node when the server starts listening (it is a constructor option otherwise).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    TIMEOUT_CHECK_MS,
    server.headersTimeout,
  );
}

/** Replaces the server's request listeners by a guarded front (see the module comment). */
export function guardRequests(server: Server, opts: GuardOptions): void {
  const inner = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  capConnections(server, opts);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // A reset or aborted upload: nobody is left to answer, and the socket is already being torn down.
    req.on('error', () => {});
    res.on('error', () => {});
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > opts.maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        res.writeHead(413, { connection: 'close', 'content-length': 0 });
        res.end();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const received = Buffer.concat(chunks);
      const body = opts.throttle ? opts.throttle.intercept(headerValue(req.headers['x-amz-target']), received, res) : received;
      if (body === null) return;
      // The library only reads these fields of the request and listens for data/end on it.
      const replay = Object.assign(new EventEmitter(), {
        method: req.method,
        url: req.url,
        headers: req.headers,
        httpVersion: req.httpVersion,
        socket: req.socket,
        connection: req.socket,
      }) as unknown as IncomingMessage;
      try {
        for (const listener of inner) listener.call(server, replay, res);
        if (body.length > 0) replay.emit('data', body);
        replay.emit('end');
      } catch {
        sendFault(res, opts.fault);
      }
    });
  });
}

const headerValue = (h: string | string[] | undefined): string | undefined => (Array.isArray(h) ? h[0] : h);

/** Storage errors that are answers, not faults: leave them to the library. */
function isExpected(err: { name?: string; code?: string; statusCode?: number }): boolean {
  return err.statusCode !== undefined || err.name === 'NotFoundError' || err.code === 'LEVEL_NOT_FOUND';
}

function tag(err: unknown, fault: ServerFault): void {
  if (!err || typeof err !== 'object') return;
  const e = err as { name?: string; code?: string; statusCode?: number; body?: unknown };
  if (isExpected(e)) return;
  e.statusCode = fault.status;
  e.body = fault.body;
}

type Callback = (err?: unknown, ...rest: unknown[]) => void;
type StreamLike = { on(event: 'error', fn: (err: unknown) => void): unknown };

const TAGGED = Symbol('threadline.storageErrorsTagged');

/**
 * Wraps the callback methods (put/get/del/batch) and stream factories of a level-style db object in
 * place, so that their errors carry the fault's status and body when the library sees them. Idempotent.
 */
export function tagStorageErrors<T extends object>(db: T, fault: ServerFault): T {
  const target = db as unknown as Record<string | symbol, unknown>;
  if (target[TAGGED]) return db;
  target[TAGGED] = true;
  for (const name of ['put', 'get', 'del', 'batch']) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = function (this: unknown, ...args: unknown[]) {
      const last = args.length - 1;
      const cb = args[last];
      if (typeof cb === 'function') {
        args[last] = (err?: unknown, ...rest: unknown[]) => {
          if (err) tag(err, fault);
          return (cb as Callback)(err, ...rest);
        };
        return original.apply(this, args);
      }
      const out = original.apply(this, args);
      // Promise form: tag on the way through, the caller still sees the rejection.
      if (out && typeof (out as Promise<unknown>).catch === 'function') {
        return (out as Promise<unknown>).catch((err: unknown) => {
          tag(err, fault);
          throw err;
        });
      }
      return out;
    };
  }
  for (const name of ['createReadStream', 'createKeyStream', 'createValueStream']) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = function (this: unknown, ...args: unknown[]) {
      const stream = original.apply(this, args) as StreamLike;
      // Attached before the library's own listener, so the error is tagged when that one runs.
      stream.on('error', (err) => tag(err, fault));
      return stream;
    };
  }
  return db;
}

/**
 * Runs `start` (which constructs the library's server) while `module.create` is observed, and returns
 * the store the library built for it: the libraries keep their store private, and the store is where
 * storage errors come from. `create` is restored before this returns.
 */
export function captureStore<S, R>(module: { create: (opts: unknown) => S }, start: () => R): { result: R; store: S } {
  const original = module.create;
  let store: S | undefined;
  module.create = (o: unknown) => {
    store = original(o);
    return store;
  };
  try {
    const result = start();
    if (store === undefined) throw new Error('stand-in did not create its store');
    return { result, store };
  } finally {
    module.create = original;
  }
}

/** The error a LevelDB binding reports when the disk is full (injected by tests at the storage boundary). */
export function diskFullError(dir: string, code?: string): Error {
  const err = new Error(`IO error: ${dir}/000011.ldb: No space left on device`);
  if (code) (err as Error & { code: string }).code = code;
  return err;
}

/** Test hook at a stand-in's storage boundary (the LevelDB binding or its in-memory twin). */
export interface StorageFaults {
  /** Every write (put, del, batch) fails with `err` until clear(); default: the disk-full error. */
  failWrites(err?: Error): void;
  clear(): void;
}

/**
 * Fault injection into a level "down" object (abstract-leveldown callback style or abstract-level
 * promise style): the same error the binding would report, at the same place, so everything above it
 * (levelup's WriteError wrapping, the library's handling) runs as it would on a full disk.
 */
export function storageFaults(down: object, location: string, code?: string): StorageFaults {
  const target = down as Record<string, unknown>;
  let failing: Error | undefined;
  for (const name of ['_put', '_del', '_batch']) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = function (this: unknown, ...args: unknown[]) {
      if (!failing) return original.apply(this, args);
      const cb = args[args.length - 1];
      if (typeof cb === 'function') {
        process.nextTick(cb as Callback, failing);
        return undefined;
      }
      return Promise.reject(failing);
    };
  }
  return {
    failWrites(err) {
      failing = err ?? diskFullError(location, code);
    },
    clear() {
      failing = undefined;
    },
  };
}
