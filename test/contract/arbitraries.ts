/** fast-check generators of valid events (as they arrive over the wire: JSON round-tripped). */
import fc from 'fast-check';
import { EVENT_TYPES, TOUCHPOINT_CHANNELS } from '../../schemas/index.js';
import { FORBIDDEN_KEYS } from '../../schemas/validate.js';

export const NOW = Date.parse('2026-06-15T12:00:00.000Z');

const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !FORBIDDEN_KEYS.has(k));
const id = fc.string({ minLength: 1, maxLength: 40 });
const leaf = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const bag = fc.dictionary(key, fc.oneof(leaf, fc.array(leaf, { maxLength: 4 }), fc.dictionary(key, leaf, { maxKeys: 4 })), { maxKeys: 6 });
const iso = fc.integer({ min: NOW - 365 * 86_400_000, max: NOW + 3_600_000 }).map((ms) => new Date(ms).toISOString());

const context = fc.record(
  {
    touchpoint: fc.record(
      { channel: fc.constantFrom(...TOUCHPOINT_CHANNELS), location: fc.string({ maxLength: 20 }) },
      { requiredKeys: ['channel'] },
    ),
    identifiers: fc.record({ deviceId: id, loyaltyId: id, crmId: id, email: fc.emailAddress() }, { requiredKeys: [] }),
    campaign: fc.record(
      { name: fc.string({ maxLength: 20 }), source: fc.string({ maxLength: 20 }), medium: fc.string({ maxLength: 20 }) },
      { requiredKeys: [] },
    ),
    library: fc.record({ name: fc.string({ maxLength: 20 }), version: fc.string({ maxLength: 10 }) }),
    custom: bag,
  },
  { requiredKeys: [] },
);

/** A valid event of any type with NOW as the collector clock. */
export const validEvent = fc
  .record({
    type: fc.constantFrom(...EVENT_TYPES),
    ids: fc.oneof(fc.record({ userId: id }), fc.record({ anonymousId: id }), fc.record({ userId: id, anonymousId: id })),
    messageId: fc.option(fc.string({ minLength: 1, maxLength: 100 }), { nil: undefined }),
    timestamp: fc.option(iso, { nil: undefined }),
    context: fc.option(context, { nil: undefined }),
    properties: bag,
    traits: bag,
    event: fc.string({ minLength: 1, maxLength: 60 }),
    name: fc.string({ maxLength: 60 }),
    groupId: id,
    previousId: id,
    extra: bag,
  })
  .map((r) => {
    const e: Record<string, unknown> = { ...r.extra, type: r.type, ...r.ids };
    for (const k of [
      'type',
      'userId',
      'anonymousId',
      'messageId',
      'timestamp',
      'originalTimestamp',
      'sentAt',
      'receivedAt',
      'context',
      'integrations',
      'channel',
      'properties',
      'traits',
      'event',
      'name',
      'category',
      'groupId',
      'previousId',
    ]) {
      if (k !== 'type' && k !== 'userId' && k !== 'anonymousId') delete e[k];
    }
    if (r.messageId !== undefined) e.messageId = r.messageId;
    if (r.timestamp !== undefined) e.timestamp = r.timestamp;
    if (r.context !== undefined) e.context = r.context;
    switch (r.type) {
      case 'track':
        Object.assign(e, { event: r.event, properties: r.properties });
        break;
      case 'identify':
        e.traits = r.traits;
        break;
      case 'page':
      case 'screen':
        Object.assign(e, { name: r.name, properties: r.properties });
        break;
      case 'group':
        Object.assign(e, { groupId: r.groupId, traits: r.traits });
        break;
      case 'alias':
        Object.assign(e, { previousId: r.previousId, userId: (r.ids as { userId?: string }).userId ?? 'u-alias' });
        break;
    }
    return JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
  });

export type Mutation = {
  name: string;
  /** The reason it must get (alias requires userId in the contract itself, so losing it is a schema violation). */
  reason: string;
  reasonFor?: (e: Record<string, unknown>) => string;
  apply: (e: Record<string, unknown>) => Record<string, unknown>;
};

const nest = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** Ways to break a valid event, each with the reason it must get. */
export const MUTATIONS: Mutation[] = [
  {
    name: 'no identity',
    reason: 'missing_identity',
    reasonFor: (e) => (e.type === 'alias' ? 'schema_violation' : 'missing_identity'),
    apply: (e) => {
      const { userId: _u, anonymousId: _a, context: _c, ...rest } = e;
      return rest;
    },
  },
  { name: 'type is a number', reason: 'schema_violation', apply: (e) => ({ ...e, type: 7 }) },
  { name: 'userId is an object', reason: 'schema_violation', apply: (e) => ({ ...e, userId: { id: 1 } }) },
  { name: 'messageId too long', reason: 'schema_violation', apply: (e) => ({ ...e, messageId: 'm'.repeat(101) }) },
  {
    name: 'context.touchpoint.channel unknown',
    reason: 'schema_violation',
    apply: (e) => ({ ...e, context: { touchpoint: { channel: 'telegraph' } } }),
  },
  {
    name: 'timestamp 2 days ahead',
    reason: 'timestamp_out_of_range',
    apply: (e) => ({ ...e, timestamp: new Date(NOW + 2 * 86_400_000).toISOString() }),
  },
  {
    name: 'timestamp 3 years back',
    reason: 'timestamp_out_of_range',
    apply: (e) => ({ ...e, timestamp: new Date(NOW - 3 * 365 * 86_400_000).toISOString() }),
  },
  { name: 'not a date', reason: 'schema_violation', apply: (e) => ({ ...e, timestamp: '2026-13-45T99:99:99Z' }) },
  {
    name: '__proto__ in a bag',
    reason: 'forbidden_key',
    apply: (e) => JSON.parse(JSON.stringify(e).replace(/^\{/, '{"integrations":{"x":{"__proto__":{"a":1}}},')),
  },
  { name: 'constructor at top', reason: 'forbidden_key', apply: (e) => ({ ...e, constructor: { prototype: 1 } }) },
  { name: '40 levels deep', reason: 'too_deep', apply: (e) => ({ ...e, integrations: { deep: nest(40) } }) },
  { name: 'over 32 KB', reason: 'event_too_large', apply: (e) => ({ ...e, integrations: { pad: 'x'.repeat(33 * 1024) } }) },
];
