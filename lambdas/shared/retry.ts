/**
 * Retry of partially failed batch writes (Kinesis PutRecords, Firehose PutRecordBatch) with jittered
 * exponential backoff.
 *
 * Why our own loop rather than the SDK's: the SDK retries a call that failed as a whole, but a
 * PutRecords/PutRecordBatch call that "succeeds" with FailedRecordCount > 0 is a 200 to the SDK. Only
 * the failed records must be sent again (re-sending the whole batch would duplicate the rest), and
 * the whole thing must stay inside a time budget so that the caller can still answer (503 +
 * Retry-After) before its own deadline (API Gateway cuts at 30 s).
 *
 * Backoff is "full jitter" (delay = random(0, min(cap, base * 2^n))): many Lambda instances throttled
 * by the same shard must not retry in lockstep.
 */

import { setTimeout as wait } from 'node:timers/promises';
export interface RetryOptions {
  /** Total attempts including the first one. Default 6. */
  maxAttempts?: number;
  /** Base delay of the exponential backoff. Default 50 ms. */
  baseDelayMs?: number;
  /** Cap of a single delay. Default 2,000 ms. */
  maxDelayMs?: number;
  /** No new attempt starts if waiting for it would end past this budget (from the first attempt). Default 8,000 ms. */
  timeBudgetMs?: number;
  /** Injected for tests. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Observability hook (metrics, logs). */
  onRetry?: (info: { attempt: number; pending: number; delayMs: number; lastCode: string }) => void;
}

/** Per-item outcome of one attempt, in the same order as the items sent. */
export type ItemOutcome = { ok: true } | { ok: false; code: string; retryable?: boolean };

export interface PartialBatchOutcome<T> {
  /** Items that made it, over all attempts. */
  delivered: number;
  /** Items that did not make it, with the last error code seen for each. */
  failed: Array<{ item: T; code: string }>;
  attempts: number;
}

const DEFAULTS = { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 2_000, timeBudgetMs: 8_000 };

/** Full-jitter exponential backoff delay before retry number `retry` (0-based). */
export function backoffDelay(retry: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'InternalServerErrorException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'KMSThrottlingException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);
const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** Is an error thrown by an AWS SDK call worth retrying (throttling, 5xx, network)? */
export function isRetryableError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e.$retryable) return true;
  if (e.name && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.code && RETRYABLE_NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  return false;
}

export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: string; code?: string };
    return e.name && e.name !== 'Error' ? e.name : (e.code ?? 'Error');
  }
  return 'Error';
}

/** Wait `ms` milliseconds (retry backoff). */
export const sleep = (ms: number): Promise<void> => wait(ms);
const realSleep = sleep;

/**
 * Send `items` with `sendOnce`, then re-send only the failed ones until all are delivered, attempts
 * run out, or the time budget would be exceeded. `sendOnce` returns one outcome per item sent (in
 * order); if it throws, every item of that attempt failed with the error's code, retried only when
 * `isRetryableError` says so. Per-item failures are retried unless marked `retryable: false`.
 */
export async function retryPartialBatch<T>(
  items: readonly T[],
  sendOnce: (batch: T[]) => Promise<ItemOutcome[]>,
  opts: RetryOptions = {},
): Promise<PartialBatchOutcome<T>> {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? DEFAULTS.maxAttempts);
  const baseDelayMs = opts.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const maxDelayMs = opts.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const timeBudgetMs = opts.timeBudgetMs ?? DEFAULTS.timeBudgetMs;
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const started = now();

  let pending: Array<{ item: T; code: string }> = items.map((item) => ({ item, code: '' }));
  const permanent: Array<{ item: T; code: string }> = [];
  let delivered = 0;
  let attempts = 0;

  while (pending.length > 0 && attempts < maxAttempts) {
    if (attempts > 0) {
      const delayMs = backoffDelay(attempts - 1, baseDelayMs, maxDelayMs, random);
      if (now() - started + delayMs > timeBudgetMs) break;
      opts.onRetry?.({ attempt: attempts + 1, pending: pending.length, delayMs, lastCode: pending[0]?.code ?? '' });
      if (delayMs > 0) await sleep(delayMs);
    }
    attempts++;
    const batch = pending.map((p) => p.item);
    let outcomes: ItemOutcome[];
    try {
      outcomes = await sendOnce(batch);
    } catch (err) {
      const code = errorCode(err);
      if (!isRetryableError(err)) {
        permanent.push(...pending.map((p) => ({ item: p.item, code })));
        pending = [];
        break;
      }
      pending = pending.map((p) => ({ item: p.item, code }));
      continue;
    }
    if (outcomes.length !== batch.length) {
      // A response that does not line up with the request cannot tell us what was written: treat
      // the whole attempt as failed (at-least-once: a duplicate beats a loss).
      pending = pending.map((p) => ({ item: p.item, code: 'MismatchedResponse' }));
      continue;
    }
    const next: Array<{ item: T; code: string }> = [];
    outcomes.forEach((o, i) => {
      const item = batch[i] as T;
      if (o.ok) delivered++;
      else if (o.retryable === false) permanent.push({ item, code: o.code });
      else next.push({ item, code: o.code });
    });
    pending = next;
  }
  return { delivered, failed: [...permanent, ...pending.map((p) => ({ item: p.item, code: p.code || 'NotAttempted' }))], attempts };
}
