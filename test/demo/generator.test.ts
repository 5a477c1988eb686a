import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conversionProbability,
  type GeneratedEvent,
  generateDataset,
  SOURCE_NAMES,
  TOUCH_CHANNELS,
  TRUE_CHANNEL_LIFT,
  trueShapleyCredit,
} from '../../demo/generator/index.js';
import { eventSchema } from '../../schemas/event.js';

const opts = { customers: 120, seed: 7, start: '2026-11-01T00:00:00Z', days: 21, now: '2026-11-29T00:00:00Z' };
const ds = generateDataset(opts);
const all: GeneratedEvent[] = SOURCE_NAMES.flatMap((s) => ds.sources[s]);

describe('generator determinism', () => {
  it('same seed and options give identical output', () => {
    expect(JSON.stringify(generateDataset(opts))).toBe(JSON.stringify(ds));
  });
  it('another seed gives other data', () => {
    const other = generateDataset({ ...opts, seed: 8 });
    expect(JSON.stringify(other.sources.web.slice(0, 5))).not.toBe(JSON.stringify(ds.sources.web.slice(0, 5)));
  });
  it('scales with the number of customers', () => {
    const big = generateDataset({ ...opts, customers: 480 });
    expect(Object.keys(big.truth.persons)).toHaveLength(480);
    expect(big.truth.stats.events).toBeGreaterThan(ds.truth.stats.events * 2.5);
  });
});

describe('truth consistency', () => {
  it('counts add up', () => {
    expect(all).toHaveLength(ds.truth.stats.events);
    const ids = new Set(all.map((e) => e.messageId));
    expect(ids.size).toBe(ds.truth.stats.uniqueEvents);
    expect(ds.truth.stats.events - ds.truth.stats.uniqueEvents).toBe(ds.truth.stats.duplicates);
    for (const s of SOURCE_NAMES) expect(ds.sources[s].length).toBe(ds.truth.stats.bySource[s]);
  });

  it('every duplicate is the same message sent exactly twice', () => {
    const seen = new Map<string, string[]>();
    for (const e of all) seen.set(e.messageId, [...(seen.get(e.messageId) ?? []), JSON.stringify(e)]);
    for (const id of ds.truth.duplicateIds) {
      const copies = seen.get(id)!;
      expect(copies).toHaveLength(2);
      expect(copies[0]).toBe(copies[1]);
    }
    expect([...seen.values()].filter((c) => c.length > 1)).toHaveLength(ds.truth.duplicateIds.length);
  });

  it('every event has a true person, and every identifier it carries is owned by that person', () => {
    for (const e of all) {
      const person = ds.truth.eventPerson[e.messageId];
      expect(person, e.messageId).toBeDefined();
      const ctx = (e.context ?? {}) as { identifiers?: Record<string, string>; device?: { id?: string } };
      const ids: [string, unknown][] = [
        ['anonymous_id', e.anonymousId],
        ['user_id', e.userId],
        ['device_id', ctx.identifiers?.deviceId],
        ['email', ctx.identifiers?.email],
        ['phone', ctx.identifiers?.phone],
        ['loyalty_id', ctx.identifiers?.loyaltyId],
      ];
      for (const [type, value] of ids) {
        if (typeof value !== 'string') continue;
        expect(ds.truth.identifierOwners[`${type}:${value}`], `${type}:${value}`).toContain(person);
      }
    }
  });

  it('only shared devices have more than one owner, and user ids belong to one person', () => {
    const multi = Object.entries(ds.truth.identifierOwners).filter(([, o]) => o.length > 1);
    for (const [key, owners] of multi) {
      expect(key.startsWith('device_id:TABLET-') || key.startsWith('anonymous_id:'), key).toBe(true);
      expect(owners).toHaveLength(2);
    }
    expect(multi.filter(([k]) => k.startsWith('device_id:')).length).toBe(ds.truth.stats.sharedDevices);
  });

  it('valid events pass the contract and invalid ones do not', () => {
    const invalid = new Set(ds.truth.invalidIds);
    for (const e of all) expect(eventSchema.safeParse(e).success, e.messageId).toBe(!invalid.has(e.messageId));
  });

  it('timestamps stay inside the simulated period', () => {
    const lo = Date.parse(ds.truth.start);
    const hi = Date.parse(ds.truth.end);
    for (const e of all) {
      if (ds.truth.invalidIds.includes(e.messageId)) continue;
      const t = Date.parse(e.timestamp);
      expect(t).toBeGreaterThanOrEqual(lo);
      expect(t).toBeLessThan(hi);
    }
  });

  it('orders in the events are exactly the converted cycles, with their revenue', () => {
    const orders = new Map<string, number>();
    for (const e of all) {
      if (e.event !== 'Order Completed' || ds.truth.invalidIds.includes(e.messageId)) continue;
      const p = e.properties as { order_id: string; revenue: number; currency: string };
      expect(p.currency).toBe('GBP');
      orders.set(p.order_id, p.revenue);
    }
    const converted = ds.truth.cycles.filter((c) => c.converted);
    const invalidOrders = all.filter(
      (e) => ds.truth.invalidIds.includes(e.messageId) && (e.properties as { order_id?: string } | undefined)?.order_id,
    ).length;
    expect(orders.size + invalidOrders).toBeGreaterThanOrEqual(converted.length);
    for (const c of converted) if (orders.has(c.orderId!)) expect(orders.get(c.orderId!)).toBe(c.revenue);
    expect(converted.length).toBe(ds.truth.stats.conversions);
  });

  it('late events arrive after events that happened later than them', () => {
    expect(ds.truth.lateIds.length).toBeGreaterThan(0);
    const pos = new Map(ds.sources.app.map((e, i) => [e.messageId, i]));
    let outOfOrder = 0;
    for (const id of ds.truth.lateIds) {
      const i = pos.get(id)!;
      const t = Date.parse(ds.sources.app[i]!.timestamp);
      if (ds.sources.app.slice(0, i).some((e) => Date.parse(e.timestamp) > t)) outOfOrder++;
    }
    expect(outOfOrder).toBeGreaterThan(0);
  });

  it('late events carry a sentAt hours after their timestamp; the others within seconds', () => {
    const late = new Set(ds.truth.lateIds);
    for (const e of all) {
      if (ds.truth.invalidIds.includes(e.messageId)) continue;
      const lag = Date.parse(e.sentAt as string) - Date.parse(e.timestamp);
      if (late.has(e.messageId)) expect(lag).toBeGreaterThanOrEqual(3_600_000);
      else expect(lag).toBeLessThan(3_600_000);
    }
  });

  it('true incremental conversions are the Shapley split of every cycle', () => {
    const total = Object.values(ds.truth.trueIncrementalConversions).reduce((s, v) => s + v, 0);
    const expected = ds.truth.cycles.reduce((s, c) => s + c.probability, 0);
    expect(total).toBeCloseTo(expected, 1);
    expect(ds.truth.trueIncrementalConversions.direct).toBe(0);
  });
});

describe('true conversion model', () => {
  const channelSet = fc.uniqueArray(fc.constantFrom(...TOUCH_CHANNELS), { maxLength: TOUCH_CHANNELS.length });
  it('Shapley credits add up to P(all) - base and are non-negative', () => {
    fc.assert(
      fc.property(channelSet, fc.double({ min: 0, max: 0.9, noNaN: true }), (chs, base) => {
        const credit = trueShapleyCredit(base, chs);
        const sum = [...credit.values()].reduce((s, v) => s + v, 0);
        expect(sum).toBeCloseTo(conversionProbability(base, chs) - base, 9);
        for (const v of credit.values()) expect(v).toBeGreaterThanOrEqual(-1e-12);
      }),
    );
  });
  it('a lone channel gets exactly its lift times (1 - base)', () => {
    // hand-computed: base 0.1, paid_search lift 0.14 -> 1 - 0.9 * 0.86 - 0.1 = 0.126
    expect(trueShapleyCredit(0.1, ['paid_search']).get('paid_search')).toBeCloseTo(0.126, 12);
    expect(TRUE_CHANNEL_LIFT.paid_search).toBe(0.14);
  });
  it('two channels split the interaction equally', () => {
    // base 0: v(A)=0.14, v(B)=0.1, v(AB)=1-0.86*0.9=0.226; phi(A)=(0.14+0.126)/2=0.133, phi(B)=0.093
    const c = trueShapleyCredit(0, ['paid_search', 'email']);
    expect(c.get('paid_search')).toBeCloseTo(0.133, 12);
    expect(c.get('email')).toBeCloseTo(0.093, 12);
  });
});
