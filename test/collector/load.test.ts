/**
 * A few-second version of `npm run bench:load` (the figures come from the bench, not from here):
 * concurrent keep-alive clients posting valid batches all get 200 and every event is in the stream,
 * and a normal client keeps getting answers while 100 connections trickle their headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad, runSlowClients } from '../../bench/load-client.js';
import type { LocalKinesis } from '../../local/kinesis.js';
import { startHarness, startKinesis } from './harness.js';

let kinesis: LocalKinesis;
beforeAll(async () => {
  kinesis = await startKinesis();
});
afterAll(async () => kinesis.close());

describe('bounded load on the loopback collector', () => {
  it('8 keep-alive connections x 2 s of valid batches: no errors, and 200 means stored', async () => {
    const h = await startHarness(kinesis);
    const r = await runLoad({ url: h.url, writeKey: h.writeKey }, { connections: 8, durationMs: 2_000, batchSize: 5 });
    expect(r.errors).toEqual({});
    expect(r.ok).toBeGreaterThan(0);
    expect(r.ok).toBe(r.requests);
    expect(await h.records()).toHaveLength(r.events);
    await h.close();
  });

  it('100 connections trickling headers: the normal client is answered throughout, without errors', async () => {
    const h = await startHarness(kinesis, { server: { headersTimeoutMs: 1_000 } });
    const r = await runSlowClients(
      { url: h.url, writeKey: h.writeKey },
      { slowConnections: 100, durationMs: 2_000, batchSize: 5, trickleEveryMs: 100 },
    );
    expect(r.normal.errors).toEqual({});
    expect(r.normal.ok).toBeGreaterThan(0);
    await h.close();
  });
});
