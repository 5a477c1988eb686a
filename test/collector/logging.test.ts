/**
 * Logs never carry personal data or secrets: a real Powertools Logger (the one the Lambda uses) is
 * attached to the collector, its output captured at the stream level, and requests full of e-mails,
 * IPs and write keys (accepted, rejected, refused, failed) must leave none of them in the logs.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../lambdas/shared/logger.js';
import type { LocalKinesis } from '../../local/kinesis.js';
import { faultyClient, throttled } from './faults.js';
import { startHarness, startKinesis } from './harness.js';

let kinesis: LocalKinesis;
beforeAll(async () => {
  kinesis = await startKinesis();
});
afterAll(async () => kinesis.close());

describe('logging', () => {
  it('logs reasons and counts, never keys, bodies, e-mails or IPs', async () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    const out: string[] = [];
    const capture = (chunk: unknown) => {
      out.push(String(chunk));
      return true;
    };
    const so = vi.spyOn(process.stdout, 'write').mockImplementation(capture as typeof process.stdout.write);
    const se = vi.spyOn(process.stderr, 'write').mockImplementation(capture as typeof process.stderr.write);
    let failing = false;
    try {
      const log = createLogger('threadline-collector-test');
      const h = await startHarness(kinesis, {
        log,
        client: (k) => faultyClient(k, () => (failing ? { kind: 'throw', error: throttled() } : { kind: 'none' })).client,
        retry: { maxAttempts: 2 },
      });
      const EMAIL = 'ada.lovelace@example.com';
      const IP = '203.0.113.77';
      const event = { type: 'identify', userId: 'u-1', traits: { email: EMAIL }, context: { ip: IP, identifiers: { email: EMAIL } } };
      expect((await h.post('/v1/batch', { batch: [event, { ...event, timestamp: EMAIL }] })).status).toBe(200);
      expect((await h.post('/v1/track', { ...event, writeKey: 'tl_wrong_key_in_body' }, { key: null })).status).toBe(401);
      expect((await h.post('/v1/track', event, { key: 'tl_wrong_key_in_header' })).status).toBe(401);
      failing = true;
      expect((await h.post('/v1/identify', event)).status).toBe(503);
      await h.close();
      const logs = out.join('');
      expect(logs).toContain('request stored');
      expect(logs).toContain('stream write failed');
      expect(logs).toContain('unauthorized');
      for (const secret of [EMAIL, IP, '127.0.0.1', h.writeKey, 'tl_wrong_key_in_body', 'tl_wrong_key_in_header']) {
        expect(logs, secret).not.toContain(secret);
      }
    } finally {
      so.mockRestore();
      se.mockRestore();
      vi.unstubAllEnvs();
    }
  });
});
