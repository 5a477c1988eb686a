/**
 * Test harness: kinesalite in-process + file key store + the real collector (same handler as Lambda)
 * on a loopback HTTP server. One kinesalite per test file; each harness gets its own stream.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { CollectorConfigInput } from '../../lambdas/collector/config.js';
import { createHandler } from '../../lambdas/collector/handler.js';
import { createKinesisWriter } from '../../lambdas/collector/kinesis-writer.js';
import { createFileKeyStore } from '../../lambdas/collector/sources/file-store.js';
import type { SourceConfig } from '../../lambdas/collector/sources/types.js';
import type { RetryOptions } from '../../lambdas/shared/retry.js';
import { type CollectorServerOptions, startCollectorServer } from '../../local/collector-server.js';
import { type LocalKinesis, startLocalKinesis } from '../../local/kinesis.js';
import type { StreamEnvelope } from '../../schemas/envelope.js';

export interface HarnessOptions {
  config?: CollectorConfigInput;
  source?: { name: string; defaultChannel?: SourceConfig['defaultChannel']; allowedOrigins?: string[] };
  /** A client of its own (e.g. with a fault-injecting middleware); default: the kinesalite client. */
  client?: (kinesis: LocalKinesis) => KinesisClient;
  retry?: RetryOptions;
  shards?: number;
  now?: () => number;
  log?: import('../../lambdas/shared/logger.js').AppLogger;
  /** Options of the loopback server itself (readiness, connection caps, timeouts). */
  server?: Pick<CollectorServerOptions, 'readiness' | 'maxConnections' | 'headersTimeoutMs' | 'requestTimeoutMs'>;
}

export interface Harness {
  url: string;
  writeKey: string;
  source: SourceConfig;
  stream: string;
  /** Raw API Gateway events the handler received (for "every field survived" checks). */
  seen: APIGatewayProxyEventV2[];
  post(path: string, body: unknown, opts?: PostOptions): Promise<{ status: number; headers: Headers; json: any }>;
  envelopes(): Promise<StreamEnvelope[]>;
  records(): ReturnType<LocalKinesis['readAll']>;
  close(): Promise<void>;
}

export interface PostOptions {
  key?: string | null;
  gzip?: boolean;
  headers?: Record<string, string>;
  method?: string;
  /** Send as-is (Buffer or string) instead of JSON-encoding. */
  raw?: boolean;
}

export async function startKinesis(): Promise<LocalKinesis> {
  return startLocalKinesis();
}

export async function startHarness(kinesis: LocalKinesis, opts: HarnessOptions = {}): Promise<Harness> {
  const stream = `events-${randomUUID().slice(0, 8)}`;
  await kinesis.ensureStream(stream, opts.shards ?? 2);
  const dir = await mkdtemp(join(tmpdir(), 'tl-keys-'));
  const keyStore = createFileKeyStore(join(dir, 'sources.json'));
  const { writeKey, source } = await keyStore.add(opts.source ?? { name: 'Web Shop', defaultChannel: 'web' });
  const client = opts.client ? opts.client(kinesis) : kinesis.client;
  const sink = createKinesisWriter({
    client,
    streamName: stream,
    retry: { baseDelayMs: 1, maxDelayMs: 10, timeBudgetMs: 3_000, ...opts.retry },
  });
  const real = createHandler({
    keyStore,
    sink,
    config: opts.config,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const seen: APIGatewayProxyEventV2[] = [];
  const server = await startCollectorServer({
    ...opts.server,
    handler: async (ev) => {
      seen.push(ev);
      return real(ev);
    },
  });

  async function post(path: string, body: unknown, o: PostOptions = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
    const key = o.key === undefined ? writeKey : o.key;
    if (key !== null) headers.authorization = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    let payload: Buffer | string | undefined = body === undefined ? undefined : o.raw ? (body as Buffer | string) : JSON.stringify(body);
    if (o.gzip && payload !== undefined) {
      payload = gzipSync(payload);
      headers['content-encoding'] = 'gzip';
    }
    const res = await fetch(`${server.url}${path}`, { method: o.method ?? 'POST', headers, body: payload });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, json: json as any };
  }

  return {
    url: server.url,
    writeKey,
    source,
    stream,
    seen,
    post,
    records: () => kinesis.readAll(stream),
    async envelopes() {
      const recs = await kinesis.readAll(stream);
      return recs.map((r) => JSON.parse(Buffer.from(r.data).toString('utf8')) as StreamEnvelope);
    },
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Decoded JSON body of a recorded API Gateway event. */
export function bodyOf(ev: APIGatewayProxyEventV2): any {
  const buf = ev.isBase64Encoded ? Buffer.from(ev.body ?? '', 'base64') : Buffer.from(ev.body ?? '', 'utf8');
  const plain = buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf;
  return JSON.parse(plain.toString('utf8'));
}
