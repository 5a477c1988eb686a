/**
 * A Segment-compatible HTTP client for bulk sending: events go to POST {url}/v1/import in batches that
 * respect the collector's limits (count and bytes), authenticated with HTTP Basic `KEY:` as the Segment
 * SDKs do. Retries with exponential backoff and full jitter on 429, 5xx and network errors, honouring
 * Retry-After; a 413 splits the batch in two. A duplicate after a retry is fine (messageIds are kept, and
 * the lake dedups by messageId); a loss is not, so a batch is only given up after maxRetries.
 */
import { backoffDelay, chunkByCountAndBytes, sleep as realSleep } from '../../lambdas/index.js';

export interface SendOptions {
  /** Collector base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  writeKey: string;
  /** Events per request (Segment allows up to 2,500; default 500). */
  batchSize?: number;
  /** Request body budget in bytes (the collector refuses > 500 KB; default 450 KB). */
  maxBatchBytes?: number;
  /** Requests in flight at once (default 2). */
  concurrency?: number;
  /** Retries per request after the first attempt (default 8). */
  maxRetries?: number;
  /** Backoff base and cap in ms (default 200 and 20,000). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Called after every settled request with the number of events it settled. */
  onProgress?: (settled: number) => void;
  /** Injected for tests. */
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * Path of the batch endpoint. Default /v1/import: this client bulk-loads RECORDED events (generated
   * history, NDJSON exports), whose timestamps are authoritative; on /v1/batch a client library's
   * timestamp would be corrected with sentAt as a device clock. `threadline send` chooses explicitly.
   */
  path?: string;
}

export interface RejectedEvent {
  messageId?: string;
  reason: string;
  detail?: string;
}

export interface SendResult {
  sent: number;
  accepted: number;
  rejected: RejectedEvent[];
  /** Events in requests that still failed after every retry (or got a non-retryable request error). */
  failed: number;
  requests: number;
  retries: number;
  /** Request-level errors by status/reason, for the summary. */
  errors: Record<string, number>;
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Exponential backoff with full jitter; never shorter than Retry-After when the server sent one. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number, retryAfterMs?: number): number {
  const jittered = backoffDelay(attempt, baseMs, capMs, random);
  return retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : jittered;
}

/** Splits events into batches under both the count and the byte budget (JSON of the batch body). */
export function planBatches<T>(events: readonly T[], batchSize: number, maxBytes: number): T[][] {
  // 64 bytes for the body around the events: {"batch":[],"sentAt":"..."}; each event adds its JSON and a comma.
  return chunkByCountAndBytes(events, { maxCount: batchSize, maxBytes, baseBytes: 64 }, (e) => Buffer.byteLength(JSON.stringify(e)) + 1);
}

interface BatchResponseBody {
  rejected?: Array<{ index?: number; messageId?: string; reason?: string; detail?: string }>;
  error?: { reason?: string; message?: string };
}

export async function sendEvents(events: readonly Record<string, unknown>[], options: SendOptions): Promise<SendResult> {
  const {
    url,
    writeKey,
    batchSize = 500,
    maxBatchBytes = 450 * 1024,
    concurrency = 2,
    maxRetries = 8,
    backoffBaseMs = 200,
    backoffCapMs = 20_000,
    onProgress,
    fetchImpl = fetch,
    sleep = realSleep,
    random = Math.random,
    path = '/v1/import',
  } = options;
  const endpoint = new URL(path, url.endsWith('/') ? url : `${url}/`).toString();
  const result: SendResult = { sent: events.length, accepted: 0, rejected: [], failed: 0, requests: 0, retries: 0, errors: {} };
  const queue = planBatches(events, Math.max(1, Math.min(2500, batchSize)), maxBatchBytes);
  const countError = (k: string) => (result.errors[k] = (result.errors[k] ?? 0) + 1);

  async function sendOne(batch: readonly Record<string, unknown>[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let body: BatchResponseBody | undefined;
      let retryAfter: number | undefined;
      try {
        result.requests++;
        const res = await fetchImpl(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
          body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
        });
        status = res.status;
        retryAfter = parseRetryAfter(res.headers.get('retry-after'));
        const text = await res.text();
        try {
          body = text ? (JSON.parse(text) as BatchResponseBody) : undefined;
        } catch {
          body = undefined;
        }
      } catch (err) {
        countError(`network:${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name}`);
        status = 0;
      }
      if (status >= 200 && status < 300) {
        const rejected = (body?.rejected ?? []).map((r) => ({
          messageId: r.messageId ?? (typeof r.index === 'number' ? (batch[r.index]?.messageId as string | undefined) : undefined),
          reason: r.reason ?? 'unknown',
          detail: r.detail,
        }));
        result.rejected.push(...rejected);
        result.accepted += batch.length - rejected.length;
        onProgress?.(batch.length);
        return;
      }
      if (status === 413 && batch.length > 1) {
        // too big for the collector after all: halve it
        const mid = Math.ceil(batch.length / 2);
        await sendOne(batch.slice(0, mid));
        await sendOne(batch.slice(mid));
        return;
      }
      if (status !== 0) countError(`${status}${body?.error?.reason ? ` ${body.error.reason}` : ''}`);
      const retryable = status === 0 || RETRYABLE.has(status);
      if (!retryable || attempt >= maxRetries) {
        if (retryable) result.failed += batch.length;
        else {
          // the whole request was refused (401, 400...): every event in it is rejected with that reason
          for (const e of batch)
            result.rejected.push({ messageId: e.messageId as string | undefined, reason: body?.error?.reason ?? `http_${status}` });
        }
        onProgress?.(batch.length);
        return;
      }
      result.retries++;
      await sleep(backoffMs(attempt, backoffBaseMs, backoffCapMs, random, retryAfter));
    }
  }

  let next = 0;
  const workers = Array.from({ length: Math.max(1, concurrency) }, async () => {
    while (next < queue.length) {
      const batch = queue[next++]!;
      await sendOne(batch);
    }
  });
  await Promise.all(workers);
  return result;
}

/** Parses NDJSON text; blank lines are skipped, a bad line is reported with its line number. */
export function parseNdjson(text: string): { events: Record<string, unknown>[]; errors: { line: number; message: string }[] } {
  const events: Record<string, unknown>[] = [];
  const errors: { line: number; message: string }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) events.push(v as Record<string, unknown>);
      else errors.push({ line: i + 1, message: 'not a JSON object' });
    } catch (err) {
      errors.push({ line: i + 1, message: (err as Error).message });
    }
  });
  return { events, errors };
}
