/**
 * The sentAt clock-skew rule, worked by hand. A device whose clock is off by D writes both its event
 * time and its send time D off; receivedAt - (sentAt - original) cancels D and keeps the time between
 * the event and the send. Client libraries (analytics.js, mobile SDKs) send the device clock in
 * `timestamp`, which validation turns into originalTimestamp first; /v1/import trusts timestamps.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stampEvent } from '../../lambdas/collector/envelope.js';
import { deriveEventTime, validateEvent, withDeviceClockAsOriginal } from '../../schemas/validate.js';

const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
// True times: the event happened at 10:00:00, was sent at 10:00:05 and received at 10:00:05.200.
const EVENT = Date.parse('2026-11-20T10:00:00.000Z');
const SENT = EVENT + 5_000;
const RECEIVED = SENT + 200;
const browser = { library: { name: 'analytics.js', version: 'next-1.84.3' } };

function eventTime(raw: Record<string, unknown>, opts: { trustTimestamps?: boolean } = {}): string {
  const r = validateEvent({ type: 'page', anonymousId: 'a-1', ...raw }, { now: RECEIVED, ...opts });
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return iso(r.eventTimeMs);
}

describe('clock skew', () => {
  it('originalTimestamp + sentAt: receivedAt - (sentAt - originalTimestamp)', () => {
    const ev = { originalTimestamp: iso(EVENT + 2 * H), sentAt: iso(SENT + 2 * H) };
    // 10:00:05.200 - 5 s = 10:00:00.200
    expect(iso(deriveEventTime(ev, RECEIVED))).toBe('2026-11-20T10:00:00.200Z');
  });

  it('analytics.js: `timestamp` is the device clock and is corrected with sentAt (clock 2 h fast)', () => {
    expect(eventTime({ timestamp: iso(EVENT + 2 * H), sentAt: iso(SENT + 2 * H), context: browser })).toBe('2026-11-20T10:00:00.200Z');
  });

  it('a server library keeps its explicit timestamp (imports of history, server clocks)', () => {
    const ctx = { library: { name: '@segment/analytics-node' } };
    expect(eventTime({ timestamp: '2026-11-01T00:00:00.000Z', sentAt: iso(SENT), context: ctx })).toBe('2026-11-01T00:00:00.000Z');
  });

  it('/v1/import trusts even a client library timestamp (recorded history)', () => {
    const ts = '2026-11-19T08:00:00.000Z';
    expect(eventTime({ timestamp: ts, sentAt: '2026-11-19T10:00:00.000Z', context: browser }, { trustTimestamps: true })).toBe(ts);
    // the same event live is read as a device clock and corrected: 10:00:05.200 - 2 h
    expect(eventTime({ timestamp: ts, sentAt: '2026-11-19T10:00:00.000Z', context: browser })).toBe('2026-11-20T08:00:05.200Z');
  });

  it('a client that sends originalTimestamp too has set timestamp on purpose: it stands', () => {
    const ev = { timestamp: iso(EVENT + H), originalTimestamp: iso(EVENT - 60_000), sentAt: iso(SENT), context: browser };
    expect(withDeviceClockAsOriginal(ev)).toBe(ev);
    expect(eventTime(ev)).toBe(iso(EVENT + H));
  });

  it('a browser 48 h fast is accepted at the corrected time, not refused as future', () => {
    expect(eventTime({ timestamp: iso(EVENT + 48 * H), sentAt: iso(SENT + 48 * H), context: browser })).toBe('2026-11-20T10:00:00.200Z');
  });

  it('the stamped event keeps the device time in originalTimestamp and the corrected one in timestamp', () => {
    const skew = -3 * H;
    const raw = {
      type: 'track',
      event: 'X',
      anonymousId: 'a-1',
      messageId: 'm-1',
      timestamp: iso(EVENT + skew),
      sentAt: iso(SENT + skew),
      context: browser,
    };
    const r = validateEvent(raw, { now: RECEIVED });
    if (!r.ok) throw new Error(r.detail);
    const env = stampEvent(r.event, {
      receivedAt: iso(RECEIVED),
      eventTimeMs: r.eventTimeMs,
      source: { id: 's', name: 'web' },
      newId: () => 'x',
    });
    expect(env.event.originalTimestamp).toBe(iso(EVENT + skew));
    expect(env.event.timestamp).toBe('2026-11-20T10:00:00.200Z');
  });

  it('property: for a client library, any device skew cancels out', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -30 * 24 * H, max: 30 * 24 * H }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        (skew, delay, latency) => {
          const sent = EVENT + delay;
          const ev = withDeviceClockAsOriginal({ timestamp: iso(EVENT + skew), sentAt: iso(sent + skew), context: browser });
          expect(deriveEventTime(ev, sent + latency)).toBe(EVENT + latency);
        },
      ),
    );
  });
});
