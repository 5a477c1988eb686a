/**
 * The reference model on its own, against hand-written expected persons: the property tests compare
 * the DynamoDB store with it, so it must be right independently.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalPartition, ReferenceIdentityModel } from '../../domain/identity/reference-model.js';
import { type EventIdentity, isShared, nodeIdOf, resolveAlias, validateRules } from '../../domain/identity/rules.js';
import { DEFAULT_IDENTITY_RULES, type IdentityRules } from '../../lambdas/processor/config.js';
import type { Identifier, IdentifierType } from '../../schemas/identifiers.js';

const id = (type: IdentifierType, value: string): Identifier => ({ type, value });
const U = (v: string) => id('user_id', v);
const A = (v: string) => id('anonymous_id', v);
const D = (v: string) => id('device_id', v);
const E = (v: string) => id('email_hash', v);
const keys = (...ids: Identifier[]) => ids.map((i) => `${i.type}#${i.value}`).sort();
const part = (m: ReferenceIdentityModel, ids: Identifier[]) => canonicalPartition(ids, (i) => m.personOf(i));
const sorted = (groups: string[][]) => [...groups].sort((a, b) => (a[0]! < b[0]! ? -1 : 1));

describe('identity rules', () => {
  it('node ids carry the type rank, so the user id is always the smallest', () => {
    expect(nodeIdOf(U('x'), DEFAULT_IDENTITY_RULES)).toMatch(/^p0_[0-9a-f]{24}$/);
    expect(nodeIdOf(A('x'), DEFAULT_IDENTITY_RULES)).toMatch(/^p5_/);
    expect(nodeIdOf(A('x'), DEFAULT_IDENTITY_RULES)).not.toBe(nodeIdOf(D('x'), DEFAULT_IDENTITY_RULES));
  });
  it('shared = more users than allowed; user ids are never shared', () => {
    expect(isShared('device_id', new Set(['a']), DEFAULT_IDENTITY_RULES)).toBe(false);
    expect(isShared('device_id', new Set(['a', 'b']), DEFAULT_IDENTITY_RULES)).toBe(true);
    expect(isShared('device_id', new Set(['a', 'b']), { ...DEFAULT_IDENTITY_RULES, maxUsers: { device_id: 2 } })).toBe(false);
    expect(isShared('user_id', new Set(['a', 'b', 'c']), DEFAULT_IDENTITY_RULES)).toBe(false);
  });
  it('user_id must come first in the priority', () => {
    expect(() => validateRules({ ...DEFAULT_IDENTITY_RULES, priority: ['crm_id', 'user_id'] } as IdentityRules)).toThrow();
  });
});

describe('reference model', () => {
  it('omnichannel customer is one person', () => {
    const m = new ReferenceIdentityModel(DEFAULT_IDENTITY_RULES);
    const [w, a, d, e, u] = [A('web'), A('app'), D('phone'), E('mail'), U('cust')];
    m.process({ identifiers: [w] });
    m.process({ identifiers: [a, d] });
    m.process({ identifiers: [u, a, d, e] });
    m.process({ identifiers: [w, e] });
    expect(part(m, [w, a, d, e, u])).toEqual([keys(w, a, d, e, u)]);
  });
  it('family tablet: two persons, tablet stays with the first user and stops linking', () => {
    const m = new ReferenceIdentityModel(DEFAULT_IDENTITY_RULES);
    const [t, mom, dad, x] = [D('tablet'), U('mom'), U('dad'), E('dad-mail')];
    m.process({ identifiers: [mom, t] });
    m.process({ identifiers: [dad, t] });
    m.process({ identifiers: [t, x] });
    expect(part(m, [t, mom, dad, x])).toEqual(sorted([keys(mom, t), keys(dad), keys(x)]));
  });
  it('weak-only events do not merge unless configured', () => {
    const strict = new ReferenceIdentityModel(DEFAULT_IDENTITY_RULES);
    strict.process({ identifiers: [A('a'), D('d')] });
    expect(strict.personOf(A('a'))).not.toBe(strict.personOf(D('d')));
    const loose = new ReferenceIdentityModel({ ...DEFAULT_IDENTITY_RULES, mergeWeakOnly: true });
    loose.process({ identifiers: [A('a'), D('d')] });
    expect(loose.personOf(A('a'))).toBe(loose.personOf(D('d')));
  });
  it('alias between user ids overrides exclusivity; an anonymous previousId does not', () => {
    const m = new ReferenceIdentityModel(DEFAULT_IDENTITY_RULES);
    m.process({ identifiers: [], alias: { previous: U('A'), user: U('B') } });
    m.process({ identifiers: [], alias: { previous: U('B'), user: U('C') } });
    expect(part(m, [U('A'), U('B'), U('C')])).toEqual([keys(U('A'), U('B'), U('C'))]);
    const n = new ReferenceIdentityModel(DEFAULT_IDENTITY_RULES);
    n.process({ identifiers: [U('X'), A('shared')] });
    n.process({ identifiers: [U('Y')], alias: { previous: A('shared'), user: U('Y') } });
    expect(n.personOf(U('X'))).not.toBe(n.personOf(U('Y')));
  });
});

/** A server-side alias: previousId with no type. */
const serverAlias = (previous: string, user: string): EventIdentity => ({
  identifiers: [U(user)],
  alias: { previous: U(previous), user: U(user), previousType: 'unknown' },
});

describe('server-side alias (untyped previousId)', () => {
  const rules = DEFAULT_IDENTITY_RULES;
  const decide = (seen: string[]) => resolveAlias(serverAlias('v', 'n'), (node) => seen.includes(node), rules);
  const anonV = nodeIdOf(A('v'), rules);
  const userV = nodeIdOf(U('v'), rules);

  it('is decided by what the graph has seen: one reading, the other, or both when neither or both', () => {
    expect(decide([anonV])).toEqual({ identifiers: [U('n'), A('v')], alias: { previous: A('v'), user: U('n'), previousType: 'resolved' } });
    expect(decide([userV])).toEqual({ identifiers: [U('n')], alias: { previous: U('v'), user: U('n'), previousType: 'resolved' } });
    const both = { identifiers: [U('n'), A('v')], alias: { previous: U('v'), user: U('n'), previousType: 'resolved' } };
    expect(decide([])).toEqual(both);
    expect(decide([anonV, userV])).toEqual(both);
    // Typed aliases are left as they are.
    const typed: EventIdentity = { identifiers: [U('n'), A('v')], alias: { previous: A('v'), user: U('n') } };
    expect(resolveAlias(typed, () => true, rules)).toBe(typed);
  });

  it('anonymous page events before the alias join the new user', () => {
    const m = new ReferenceIdentityModel(rules);
    m.process({ identifiers: [A('v')] });
    m.process(serverAlias('v', 'n'));
    expect(m.personOf(A('v'))).toBe(m.personOf(U('n')));
  });

  it('anonymous events after the alias join, and the anonymous id is not made shared by it', () => {
    const m = new ReferenceIdentityModel(rules);
    m.process(serverAlias('v', 'n'));
    const person = m.process({ identifiers: [A('v'), E('mail')] });
    expect(person).toBe(m.personOf(U('n')));
    expect(part(m, [A('v'), E('mail'), U('n')])).toEqual([keys(A('v'), E('mail'), U('n'))]);
  });

  it('a previous user id joins with what it was seen with', () => {
    const m = new ReferenceIdentityModel(rules);
    m.process({ identifiers: [U('old'), A('x')] });
    m.process(serverAlias('old', 'n'));
    expect(part(m, [U('old'), A('x'), U('n')])).toEqual([keys(U('old'), A('x'), U('n'))]);
  });

  it('an anonymous id of another user merges nothing and is not taken for a user id', () => {
    const m = new ReferenceIdentityModel(rules);
    m.process({ identifiers: [U('first'), A('pc')] });
    m.process(serverAlias('pc', 'second'));
    expect(m.personOf(U('second'))).not.toBe(m.personOf(U('first')));
    expect(m.personOf(U('pc'))).not.toBe(m.personOf(U('second')));
  });

  it('property: in any order, the anonymous events of a visitor seen with no other user end in the person of the user it was aliased to', () => {
    const other = fc.oneof(
      fc.constantFrom('w0', 'w1').map((v) => ({ identifiers: [A(v)] })),
      fc.constantFrom('x0', 'x1').map((u) => ({ identifiers: [U(u), A('w0')] })),
      fc.constantFrom('e0', 'e1').map((e) => ({ identifiers: [E(e), A('w1')] })),
    );
    const visitor = fc.constantFrom<EventIdentity>(
      { identifiers: [A('v')] },
      { identifiers: [A('v'), D('dev')] },
      { identifiers: [A('v'), E('e0')] },
    );
    const arb = fc
      .tuple(
        fc.array(visitor, { minLength: 1, maxLength: 4 }),
        fc.array(other, { maxLength: 6 }),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 10 }),
      )
      .map(([mine, others, at, order]) => {
        // The visitor's events and unrelated traffic shuffled, the alias dropped in anywhere.
        const all: EventIdentity[] = [...mine, ...others];
        for (const [i, k] of order.entries()) {
          const a = i % all.length;
          const b = k % all.length;
          [all[a], all[b]] = [all[b]!, all[a]!];
        }
        all.splice(at % (all.length + 1), 0, serverAlias('v', 'n'));
        return all;
      });
    fc.assert(
      fc.property(arb, (events) => {
        const m = new ReferenceIdentityModel(rules);
        for (const e of events) m.process(e);
        expect(m.personOf(A('v'))).toBe(m.personOf(U('n')));
        // No false merge: the unrelated users stay apart from n.
        for (const x of ['x0', 'x1']) expect(m.personOf(U(x))).not.toBe(m.personOf(U('n')));
      }),
      { numRuns: 300 },
    );
  });

  it('property: user ids share a person only when a chain of aliases joins them (untyped previousIds included)', () => {
    const users = ['u0', 'u1', 'u2', 'u3'];
    const values = [...users, 'a0', 'a1', 'a2'];
    const event = fc.oneof(
      fc
        .uniqueArray(fc.oneof(fc.constantFrom(...users).map(U), fc.constantFrom('a0', 'a1', 'a2').map(A), fc.constantFrom('d0').map(D)), {
          minLength: 1,
          maxLength: 3,
          selector: (i) => `${i.type}#${i.value}`,
        })
        .map((identifiers): EventIdentity => ({ identifiers })),
      fc.tuple(fc.constantFrom(...values), fc.constantFrom(...users)).map(([p, u]) => serverAlias(p, u)),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), (events) => {
        const m = new ReferenceIdentityModel(rules);
        // Alias edges between user ids, an untyped previousId read as a user id.
        const parent = new Map<string, string>();
        const find = (x: string): string => (parent.has(x) ? find(parent.get(x)!) : x);
        for (const e of events) {
          m.process(e);
          if (!e.alias) continue;
          const [ra, rb] = [find(e.alias.previous.value), find(e.alias.user.value)];
          if (ra !== rb) parent.set(ra, rb);
        }
        for (const a of users)
          for (const b of users)
            if (a < b && m.personOf(U(a)) === m.personOf(U(b)))
              expect(find(a), `${a} and ${b} merged without an alias chain`).toBe(find(b));
      }),
      { numRuns: 500 },
    );
  });
});
