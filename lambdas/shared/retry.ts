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
 * It is the ONLY retry layer: the clients these writes go through are built with maxAttempts 1, so
 * `maxAttempts` here is the whole budget of HTTP calls for an item (whole-call errors classified with
 * the SDK's predicates, per-record errors by code). Stacking the SDK's retries inside this loop would
 * multiply the calls (3 x 6 = 18 for one record) while the counters showed 6.
 *
 * Backoff is "full jitter" (delay = random(0, min(cap, base * 2^n))): many Lambda instances throttled
 * by the same shard must not retry in lockstep.
 */

import { setTimeout as wait } from 'node:timers/promises';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';

/** The error shape the SDK's predicates take. */
type SdkError = Parameters<typeof isThrottlingError>[0];

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

/**
 * The attempt budget of one item: 6 HTTP calls at most. With the default backoff the waits add up to
 * at most 50 + 100 + 200 + 400 + 800 = 1,550 ms, well inside the time budget, so the budget is only
 * cut short by calls that are themselves slow.
 */
export const DEFAULT_MAX_ATTEMPTS = 6;
const DEFAULTS = { maxAttempts: DEFAULT_MAX_ATTEMPTS, baseDelayMs: 50, maxDelayMs: 2_000, timeBudgetMs: 8_000 };

/** Full-jitter exponential backoff delay before retry number `retry` (0-based). */
export function backoffDelay(retry: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/**
 * Per-record error codes inside a 200 response (PutRecords, PutRecordBatch) carry no HTTP status, so
 * the SDK's status-based predicates cannot see them: these are the codes both services document for
 * "the service failed this record, send it again". Throttling codes are recognised by the SDK's own
 * list (isThrottlingError).
 */
const RETRYABLE_RECORD_CODES = new Set([
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailableException',
  'KMSThrottlingException',
]);

/** Is a per-record error code (no HTTP status) a transient failure of the service? */
export function isRetryableCode(code: string): boolean {
  return RETRYABLE_RECORD_CODES.has(code) || isThrottlingError({ name: code, message: code } as SdkError);
}

/**
 * Is an error thrown by an AWS SDK call worth retrying? Classified by the SDK's own predicates
 * (throttling, transient: timeouts and network errors, 5xx), so that our loop (the only retry layer:
 * clients are built with maxAttempts 1) retries exactly what the SDK's standard strategy would.
 */
export function isRetryableError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as SdkError;
  if (isThrottlingError(e) || isTransientError(e) || isServerError(e)) return true;
  // Codes the SDK's list misses (KMSThrottlingException is a 400) and errors built from a per-record
  // code (no status) are judged like a record with that code.
  return typeof e.name === 'string' && isRetryableCode(e.name);
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
