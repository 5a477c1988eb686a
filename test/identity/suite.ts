/**
 * The identity-store suite, run against every DynamoDB backend (dynalite, Amazon DynamoDB Local):
 * hand-written scenarios with expected persons, and property-based concurrency/replay checks
 * against the sequential reference model.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalPartition, ReferenceIdentityModel } from '../../domain/identity/reference-model.js';
import { previousReadings } from '../../domain/identity/rules.js';
import { DEFAULT_IDENTITY_RULES } from '../../lambdas/processor/config.js';
import { IdentityStore, type ResolveInput } from '../../lambdas/processor/identity/store.js';
import type { LocalDynamo } from '../../local/dynamodb.js';
import type { Identifier, IdentifierType } from '../../schemas/identifiers.js';

const rules = DEFAULT_IDENTITY_RULES;
const id = (type: IdentifierType, value: string): Identifier => ({ type, value });
const U = (v: string) => id('user_id', v);
const A = (v: string) => id('anonymous_id', v);
const D = (v: string) => id('device_id', v);
const E = (v: string) => id('email_hash', v);
const P = (v: string) => id('phone_hash', v);
const L = (v: string) => id('loyalty_id', v);

let tableCounter = 0;
let msg = 0;
function ev(identifiers: Identifier[], extra: Partial<ResolveInput> = {}): ResolveInput {
  msg++;
  return {
    identifiers,
    messageId: `m${msg}`,
    reason: 'event',
    eventTimeMs: 1_772_000_000_000 + msg,
    nowMs: 1_772_000_000_000 + msg,
    ...extra,
  };
}
const alias = (prev: Identifier, user: Identifier) => ev([user], { alias: { previous: prev, user }, reason: 'alias' });
/** A server-side alias: previousId without a type (no anonymousId on the call). */
const serverAlias = (prev: string, user: Identifier) =>
  ev([user], { alias: { previous: U(prev), user, previousType: 'unknown' }, reason: 'alias' });

async function partitionOf(store: IdentityStore, ids: Identifier[]): Promise<string[][]> {
  const persons = new Map<string, string>();
  for (const i of ids) persons.set(`${i.type}#${i.value}`, await store.personOf(i));
  return canonicalPartition(ids, (i) => persons.get(`${i.type}#${i.value}`)!);
}
const keys = (...ids: Identifier[]) => ids.map((i) => `${i.type}#${i.value}`).sort();

export function identityStoreSuite(backend: string, start: () => Promise<LocalDynamo>, opts: { propertyRuns: number }) {
  describe(`identity store on ${backend}`, () => {
    let dynamo: LocalDynamo;
    beforeAll(async () => {
      dynamo = await start();
    });
    afterAll(async () => dynamo?.close());

    async function freshStore(cache = 10_000, client?: DynamoDBClient): Promise<IdentityStore> {
      const table = `identity_${backend.replace(/\W/g, '')}_${++tableCounter}`;
      await dynamo.ensureTable(table);
      return new IdentityStore(client ?? dynamo.client, table, rules, cache);
    }
    async function sameTable(store: IdentityStore): Promise<IdentityStore> {
      return new IdentityStore(dynamo.client, (store as unknown as { table: string }).table, rules, 10_000);
    }

    it('omnichannel customer: web + app anonymous, email identify in app, loyalty card in store, call from known phone = one person', async () => {
      const s = await freshStore();
      const [web, app, dev, mail, phone, user, card] = [
        A('web-1'),
        A('app-1'),
        D('iphone-1'),
        E('h-ann'),
        P('h-0711'),
        U('cust-42'),
        L('LOY-9'),
      ];
      await s.resolve(ev([web])); // web page views, anonymous
      await s.resolve(ev([web]));
      await s.resolve(ev([app, dev])); // app screens, anonymous
      const identify = await s.resolve(ev([user, app, dev, mail, phone], { reason: 'identify' })); // identify in app (traits email + phone)
      await s.resolve(ev([user, app, card])); // loyalty card shown in the app
      await s.resolve(ev([web, mail])); // guest checkout form on web with the same e-mail
      const store = await s.resolve(ev([card])); // POS purchase with the loyalty card
      const call = await s.resolve(ev([phone])); // call centre, caller id
      const all = [web, app, dev, mail, phone, user, card];
      expect(await partitionOf(s, all)).toEqual([keys(...all)]);
      const person = await s.personOf(user);
      expect(identify.personId).toBe(person);
      expect(store.personId).toBe(person);
      expect(call.personId).toBe(person);
      // user ids have the highest priority: the person id IS the user's node.
      expect(person.startsWith('p0_')).toBe(true);
    });

    it('two family members on one tablet: two persons, the device and app install marked shared', async () => {
      const s = await freshStore();
      const [tablet, install, mom, dad, dadMail] = [D('tablet-1'), A('install-1'), U('mom'), U('dad'), E('h-dad')];
      await s.resolve(ev([install, tablet]));
      await s.resolve(ev([mom, install, tablet], { reason: 'identify' }));
      const dadLogin = await s.resolve(ev([dad, install, tablet], { reason: 'identify' }));
      // Dad types his e-mail in a form while logged out: the shared device must not glue it to mom.
      await s.resolve(ev([install, tablet, dadMail]));
      await s.resolve(ev([dad, dadMail]));
      expect(await partitionOf(s, [tablet, install, mom, dad, dadMail])).toEqual(
        [keys(dad, dadMail), keys(install, mom, tablet)].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
      );
      expect(dadLogin.personId).toBe(await s.personOf(dad));
      expect(await s.inspect(tablet)).toMatchObject({ shared: true, usersSeen: 2 });
      expect(await s.inspect(install)).toMatchObject({ shared: true });
    });

    it('logout/reset: the new anonymous id on the same device is not merged into the previous user', async () => {
      const s = await freshStore();
      const [dev, before, after, user, other] = [D('phone-7'), A('anon-before'), A('anon-after'), U('u-1'), U('u-2')];
      await s.resolve(ev([before, dev]));
      await s.resolve(ev([user, before, dev], { reason: 'identify' }));
      const afterReset = await s.resolve(ev([after, dev])); // analytics.reset() then browsing
      expect(afterReset.personId).toBe(await s.personOf(after));
      expect(await partitionOf(s, [dev, before, after, user])).toEqual([keys(after), keys(before, dev, user)]);
      // Someone else logs in on the same device: the new anonymous id joins them, the device is shared.
      await s.resolve(ev([other, after, dev], { reason: 'identify' }));
      expect(await partitionOf(s, [dev, before, after, user, other])).toEqual([keys(after, other), keys(before, dev, user)]);
      expect((await s.inspect(dev)).shared).toBe(true);
    });

    it('alias chain A -> B -> C: one person, with everything seen with any of them', async () => {
      const s = await freshStore();
      const [a, b, c, anon, z] = [U('A'), U('B'), U('C'), A('anon-a'), A('anon-z')];
      await s.resolve(ev([a, anon], { reason: 'identify' }));
      const r1 = await s.resolve(alias(a, b));
      const r2 = await s.resolve(alias(b, c));
      await s.resolve(ev([c, z], { reason: 'identify' }));
      expect(await partitionOf(s, [a, b, c, anon, z])).toEqual([keys(a, b, c, anon, z)]);
      expect(r1.changes).toHaveLength(1);
      expect(r1.changes[0]!.reason).toBe('alias');
      expect(r2.changes).toHaveLength(1);
      // Without alias, two user ids never merge.
      const t = await freshStore();
      await t.resolve(ev([a, anon]));
      await t.resolve(ev([b, anon]));
      expect(await t.personOf(a)).not.toBe(await t.personOf(b));
    });

    it('server-side alias: earlier anonymous events, later ones and what they carry all join the new user', async () => {
      const s = await freshStore();
      const [visitor, mail, user] = [A('visitor'), E('h-visitor'), U('signed-up')];
      const before = await s.resolve(ev([visitor])); // page views before sign-up: nothing written
      const aliased = await s.resolve(serverAlias('visitor', user));
      expect(aliased.changes.map((c) => c.from_person_id)).toContain(before.personId);
      // Arriving after the alias: the anonymous id is not "shared" by the alias (the inferred user
      // reading is not a user it was seen with), so it still links what it carries.
      const late = await s.resolve(ev([visitor, mail]));
      const person = await s.personOf(user);
      expect(late.personId).toBe(person);
      expect(await partitionOf(s, [visitor, mail, user])).toEqual([keys(visitor, mail, user)]);
      expect(await s.inspect(visitor)).toMatchObject({ shared: false, usersSeen: 1 });
      // The same value as an earlier user id also joins: the alias held both readings open.
      await s.resolve(ev([U('visitor'), D('old-phone')]));
      expect(await s.personOf(D('old-phone'))).toBe(await s.personOf(user));
    });

    it('server-side alias naming an anonymous id of another user: no merge, and no phantom user link', async () => {
      const s = await freshStore();
      const [pc, first, second] = [A('family-pc'), U('first'), U('second')];
      await s.resolve(ev([first, pc], { reason: 'identify' }));
      await s.resolve(serverAlias('family-pc', second));
      expect(await s.personOf(second)).not.toBe(await s.personOf(first));
      expect(await s.personOf(pc)).toBe(await s.personOf(first));
      // Seen as an anonymous id, so the value is not also taken as a user id of `second`.
      expect(await s.personOf(U('family-pc'))).not.toBe(await s.personOf(second));
    });

    it('replaying events changes nothing and re-emits the same identity changes', async () => {
      const s = await freshStore();
      const events = [ev([A('x')]), ev([U('u'), A('x'), E('e')], { reason: 'identify' }), ev([E('e'), A('y')]), ev([U('v'), A('y')])];
      const first = [];
      for (const e of events) first.push(await s.resolve(e));
      const ids = [A('x'), U('u'), E('e'), A('y'), U('v')];
      const before = await partitionOf(s, ids);
      const writes = s.stats.updateCalls;
      // A cold processor (empty cache) replays the same records, as Kinesis would after a failure.
      const cold = await sameTable(s);
      for (const [i, e] of events.entries()) {
        const again = await cold.resolve(e);
        expect(again.personId).toBe(first[i]!.personId === null ? null : await s.personOf(e.identifiers[0]!));
        expect(again.changes.map((c) => c.change_id).sort()).toEqual(first[i]!.changes.map((c) => c.change_id).sort());
      }
      expect(cold.stats.merges).toBe(0);
      expect(await partitionOf(s, ids)).toEqual(before);
      // Warm replay costs no writes at all.
      for (const e of events) await s.resolve(e);
      expect(s.stats.updateCalls).toBe(writes);
    });

    it('property: two concurrent processors end with a partition the sequential reference model produces for some interleaving; ' +
      'replay is a no-op', async () => {
      const userV = ['u0', 'u1', 'u2'];
      const anonV = ['a0', 'a1', 'a2', 'a3'];
      const identifierArb = fc.oneof(
        fc.constantFrom(...userV).map(U),
        fc.constantFrom(...anonV).map(A),
        fc.constantFrom('d0', 'd1').map(D),
        fc.constantFrom('e0', 'e1').map(E),
      );
      const eventArb = fc.oneof(
        {
          weight: 9,
          arbitrary: fc
            .uniqueArray(identifierArb, { minLength: 1, maxLength: 4, selector: (i) => `${i.type}#${i.value}` })
            .map((ids) => ({ ids })),
        },
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.constantFrom(...userV), fc.constantFrom(...userV, ...anonV))
            .map(([u, p]) => ({ ids: [] as Identifier[], alias: [p, u] as const })),
        },
        {
          // Server-side alias: the value may name a user id, an anonymous id, both or neither.
          weight: 1,
          arbitrary: fc
            .tuple(fc.constantFrom(...userV), fc.constantFrom(...userV, ...anonV, 'a-new'))
            .map(([u, p]) => ({ ids: [] as Identifier[], alias: [p, u] as const, untyped: true })),
        },
      );
      const streamArb = fc.tuple(
        fc.array(eventArb, { minLength: 1, maxLength: 5 }),
        fc.array(eventArb, { minLength: 1, maxLength: 5 }),
        fc.scheduler(),
      );

      await fc.assert(
        fc.asyncProperty(streamArb, async ([spec1, spec2, scheduler]) => {
          const toInput = (e: { ids: Identifier[]; alias?: readonly [string, string]; untyped?: boolean }): ResolveInput => {
            if (!e.alias) return ev(e.ids);
            if (e.untyped) return serverAlias(e.alias[0], U(e.alias[1]));
            const prev = e.alias[0].startsWith('u') ? U(e.alias[0]) : A(e.alias[0]);
            return alias(prev, U(e.alias[1]));
          };
          const seq1 = spec1.map(toInput);
          const seq2 = spec2.map(toInput);
          // fast-check's scheduler decides, per generated case, in which order the two processors'
          // DynamoDB calls are issued and their answers seen: the interleavings are explored
          // systematically and shrunk to a minimal one on failure.
          const scheduled = {
            send: async (cmd: unknown) => {
              await scheduler.schedule(Promise.resolve('request'));
              const out = await (dynamo.client.send as (c: unknown) => Promise<unknown>)(cmd);
              await scheduler.schedule(Promise.resolve('response'));
              return out;
            },
          } as unknown as DynamoDBClient;
          const p1 = await freshStore(10_000, scheduled);
          const p2 = new IdentityStore(scheduled, (p1 as unknown as { table: string }).table, rules, 10_000);
          await scheduler.waitFor(
            Promise.all([
              (async () => {
                for (const e of seq1) await p1.resolve(e);
              })(),
              (async () => {
                for (const e of seq2) await p2.resolve(e);
              })(),
            ]),
          );
          const ids = new Map<string, Identifier>();
          for (const e of [...seq1, ...seq2])
            for (const i of [...e.identifiers, ...(e.alias ? [...previousReadings(e.alias), e.alias.user] : [])])
              ids.set(`${i.type}#${i.value}`, i);
          const all = [...ids.values()];
          // Read back through an unscheduled client (the scheduler stops releasing calls after waitFor).
          const reader = await sameTable(p1);
          const actual = JSON.stringify(await partitionOf(reader, all));

          // Every serial order that keeps each processor's own order.
          const outcomes = new Set<string>();
          const walk = (i: number, j: number, order: ResolveInput[]) => {
            if (i === seq1.length && j === seq2.length) {
              const ref = new ReferenceIdentityModel(rules);
              for (const e of order) ref.process(e);
              outcomes.add(JSON.stringify(canonicalPartition(all, (k) => ref.personOf(k))));
              return;
            }
            if (i < seq1.length) walk(i + 1, j, [...order, seq1[i]!]);
            if (j < seq2.length) walk(i, j + 1, [...order, seq2[j]!]);
          };
          walk(0, 0, []);
          expect(
            outcomes.has(actual),
            `concurrent result ${actual} not among ${outcomes.size} serial outcomes ${[...outcomes].join(' | ')}`,
          ).toBe(true);

          // Invariant regardless of order: never two user ids in one person without an alias.
          if (![...seq1, ...seq2].some((e) => e.alias)) {
            for (const group of JSON.parse(actual) as string[][])
              expect(group.filter((k) => k.startsWith('user_id#')).length).toBeLessThanOrEqual(1);
          }

          // Replay of processor 1's batch by a cold processor: no merge, same partition.
          const replayer = await sameTable(p1);
          for (const e of seq1) await replayer.resolve(e);
          expect(replayer.stats.merges).toBe(0);
          expect(JSON.stringify(await partitionOf(reader, all))).toBe(actual);
        }),
        { numRuns: opts.propertyRuns, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) },
      );
    }, 300_000);
  });
}
