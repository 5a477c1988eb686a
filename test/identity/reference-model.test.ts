/**
 * The reference model on its own, against hand-written expected persons: the property tests compare
 * the DynamoDB store with it, so it must be right independently.
 */
import { describe, expect, it } from 'vitest';
import { canonicalPartition, ReferenceIdentityModel } from '../../domain/identity/reference-model.js';
import { isShared, nodeIdOf, validateRules } from '../../domain/identity/rules.js';
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
