/**
 * One retry layer for Firehose: lambdas/processor/output/firehose.ts over a real @aws-sdk/client-firehose
 * client (createFirehoseClient) against the local Firehose endpoint, counting the HTTP requests the
 * endpoint actually received. Faults are the endpoint's injected ones (real error shapes: a JSON
 * `__type` with a 4xx/5xx status, or per-record ErrorCodes inside a 200).
 */

import type { FirehoseClient } from '@aws-sdk/client-firehose';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliver, type OutRecord, pack } from '../../lambdas/processor/output/firehose.js';
import { createFirehoseClient } from '../../lambdas/shared/clients/firehose.js';
import { DEFAULT_MAX_ATTEMPTS, isRetryableCode, isRetryableError } from '../../lambdas/shared/retry.js';
import { type LocalFirehose, startLocalFirehose } from '../../local/firehose-server.js';
import { MemorySink } from './helpers.js';

let fh: LocalFirehose;
let sink: MemorySink;
let client: FirehoseClient;
const fast = { baseDelayMs: 0, maxDelayMs: 0 };

beforeAll(async () => {
  sink = new MemorySink();
  fh = await startLocalFirehose({ sink, streams: ['a', 'b'] });
  client = createFirehoseClient({ endpoint: fh.endpoint }, {});
});
afterAll(async () => {
  client.destroy();
  await fh.close();
});
beforeEach(() => {
  fh.inject.reset();
  sink.lines.clear();
});

const one = (stream = 'a', text = 'row'): OutRecord[] => [{ stream, data: Buffer.from(`${text}\n`), origin: 0 }];

/** HTTP requests the endpoint receives while `fn` runs. */
async function httpCalls<T>(fn: () => Promise<T>): Promise<{ calls: number; value: T }> {
  const before = fh.stats.calls;
  const value = await fn();
  return { calls: fh.stats.calls - before, value };
}

describe('one record under persistent failure costs exactly the attempt budget in HTTP calls', () => {
  it('the documented budget is 6 attempts', () => expect(DEFAULT_MAX_ATTEMPTS).toBe(6));

  it.each([
    ['whole-call throttling (400 ThrottlingException)', () => fh.inject.failNextCalls(1_000, { status: 400, code: 'ThrottlingException' })],
    ['whole-call 503 ServiceUnavailableException', () => fh.inject.failNextCalls(1_000)],
    ['whole-call 500 InternalFailure', () => fh.inject.failNextCalls(1_000, { status: 500, code: 'InternalFailure' })],
    ['per-record ServiceUnavailableException in a 200', () => fh.inject.failNextRecords(1_000)],
  ])('%s: 6 HTTP calls, 6 sends, reported as a service failure', async (_name, inject) => {
    inject();
    const { calls, value } = await httpCalls(() => deliver(client, one(), fast));
    expect(calls).toBe(DEFAULT_MAX_ATTEMPTS);
    expect(value.putCalls).toBe(DEFAULT_MAX_ATTEMPTS);
    expect(value.httpCalls).toBe(DEFAULT_MAX_ATTEMPTS);
    expect(value.delivered).toBe(0);
    expect(value.failed).toHaveLength(1);
    expect(value.failed[0]).toMatchObject({ cause: 'service' });
    expect(sink.lines.get('a')).toBeUndefined();
  });

  it('a smaller budget is honoured exactly too (maxAttempts 3 -> 3 HTTP calls)', async () => {
    fh.inject.failNextCalls(1_000, { status: 400, code: 'ThrottlingException' });
    const { calls, value } = await httpCalls(() => deliver(client, one(), { ...fast, maxAttempts: 3 }));
    expect(calls).toBe(3);
    expect(value.httpCalls).toBe(3);
  });

  it('property: k whole-call failures then success cost min(k + 1, 6) calls; delivered iff k < 6', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 9 }), fc.boolean(), async (k, perRecord) => {
        fh.inject.reset();
        if (perRecord) fh.inject.failNextRecords(k);
        else fh.inject.failNextCalls(k, { status: 400, code: 'ThrottlingException' });
        const { calls, value } = await httpCalls(() => deliver(client, one('b', `k${k}`), fast));
        const expected = Math.min(k + 1, DEFAULT_MAX_ATTEMPTS);
        return calls === expected && value.httpCalls === expected && value.delivered === (k < DEFAULT_MAX_ATTEMPTS ? 1 : 0);
      }),
      { numRuns: 25 },
    );
  });
});

describe('what is not retried', () => {
  it('a call-level refusal (unknown delivery stream) is one HTTP call and a service failure, not a record failure', async () => {
    const { calls, value } = await httpCalls(() => deliver(client, one('no-such-stream'), fast));
    expect(calls).toBe(1);
    expect(value.failed).toEqual([expect.objectContaining({ code: 'ResourceNotFoundException', cause: 'service' })]);
  });

  it('a record over the size limit is never sent and is the one record failure', async () => {
    const big: OutRecord = { stream: 'a', data: Buffer.alloc(1000 * 1024 + 1, 0x61), origin: 3 };
    const { calls, value } = await httpCalls(() => deliver(client, [big, ...one()], fast));
    expect(calls).toBe(1);
    expect(value.delivered).toBe(1);
    expect(value.failed).toEqual([{ record: big, code: 'RecordTooLarge', cause: 'record' }]);
  });

  it('packing never builds a record over the Firehose limit, whatever the pack size', () => {
    const rows: OutRecord[] = Array.from({ length: 3 }, (_, i) => ({ stream: 'a', data: Buffer.alloc(600 * 1024, 0x61), origin: i }));
    const packed = pack(rows, 10 * 1024 * 1024);
    expect(packed).toHaveLength(3);
    for (const r of packed) expect(r.data.length).toBeLessThanOrEqual(1000 * 1024);
  });
});

describe('counting is honest even with a client that retries on its own', () => {
  it("the endpoint's own client (SDK default: 3 attempts) shows 18 HTTP calls behind 6 sends", async () => {
    fh.inject.failNextCalls(1_000);
    const { calls, value } = await httpCalls(() => deliver(fh.client, one(), fast));
    expect(value.putCalls).toBe(6);
    expect(value.httpCalls).toBe(calls);
    expect(calls).toBe(18);
  });
});

describe('classification uses the SDK predicates', () => {
  it('per-record codes: throttling and service failures are transient, anything else is not', () => {
    for (const code of [
      'ServiceUnavailableException',
      'InternalFailure',
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
    ]) {
      expect({ code, retryable: isRetryableCode(code) }).toEqual({ code, retryable: true });
    }
    for (const code of ['InvalidArgumentException', 'AccessDeniedException', 'ResourceNotFoundException']) {
      expect({ code, retryable: isRetryableCode(code) }).toEqual({ code, retryable: false });
    }
  });

  it('whole-call errors: 429, 5xx, timeouts and network errors are retried; 4xx refusals are not', () => {
    expect(isRetryableError({ name: 'Whatever', $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isRetryableError({ name: 'Whatever', $metadata: { httpStatusCode: 502 } })).toBe(true);
    expect(isRetryableError({ name: 'TimeoutError', message: '' })).toBe(true);
    expect(isRetryableError(Object.assign(new Error('getaddrinfo'), { code: 'EAI_AGAIN' }))).toBe(true);
    expect(isRetryableError({ name: 'KMSThrottlingException', $metadata: { httpStatusCode: 400 } })).toBe(true);
    expect(isRetryableError({ name: 'InvalidArgumentException', $metadata: { httpStatusCode: 400 } })).toBe(false);
    expect(isRetryableError({ name: 'AbortError', message: 'aborted' })).toBe(false);
  });
});
