/**
 * Pure identity rules shared by the DynamoDB store and the reference model: node ids, ranks, and
 * what an event is allowed to link.
 *
 * Every identifier IS a union-find node whose id is derived from it (so no lookup table is needed
 * and concurrent processors agree on ids without coordination):
 *     node id = "p" + rank(type) + "_" + sha256(type#value)[0..24]
 * A person is the root of a node's tree; the person id is the root's node id. Roots are linked
 * towards the SMALLER id, so the rank prefix makes the highest-priority identifier the root, and
 * user_id (rank 0) persons are never merged into anything but another user through alias.
 * Consequence used by the guard rails: a component that contains a user id has a "p0" root.
 */
import { createHash } from 'node:crypto';
import type { Identifier, IdentifierType } from '../../schemas/index.js';

export interface IdentityRules {
  /**
   * Priority of identifier types, highest first. user_id MUST be first: it is the exclusive anchor
   * (a person holds one user id, and two user-anchored persons never merge except through alias).
   * The rank is baked into person ids (p<rank>_...), so it is fixed for the life of a table.
   */
  priority: IdentifierType[];
  /**
   * Per non-user identifier type: how many distinct user ids it may be seen with before it is
   * "shared" and stops linking (a family tablet, a household phone, a shop's POS device).
   */
  maxUsers: Partial<Record<IdentifierType, number>>;
  /**
   * Whether an event that carries only weak identifiers (anonymous_id, device_id) may merge persons.
   * Default false: after a logout/reset, {new anonymousId, same deviceId} must not glue the new
   * anonymous id to the previous user through the device.
   */
  mergeWeakOnly: boolean;
  /** Identifier types that count as weak (see mergeWeakOnly). */
  weakTypes: IdentifierType[];
}

export const DEFAULT_IDENTITY_RULES: IdentityRules = {
  priority: ['user_id', 'crm_id', 'loyalty_id', 'email_hash', 'phone_hash', 'anonymous_id', 'device_id'],
  maxUsers: { anonymous_id: 1, device_id: 1, email_hash: 1, phone_hash: 1, loyalty_id: 1, crm_id: 1 },
  mergeWeakOnly: false,
  weakTypes: ['anonymous_id', 'device_id'],
};

export function rankOf(type: IdentifierType, rules: IdentityRules): number {
  const r = rules.priority.indexOf(type);
  if (r < 0) throw new Error(`identifier type ${type} has no priority`);
  return r;
}

export function validateRules(rules: IdentityRules): void {
  if (rules.priority[0] !== 'user_id') throw new Error('identity priority must start with user_id (the exclusive anchor)');
  if (rules.priority.length > 10) throw new Error('at most 10 identifier types (single-digit rank)');
}

export function nodeIdOf(id: Identifier, rules: IdentityRules): string {
  const h = createHash('sha256').update(`${id.type}#${id.value}`, 'utf8').digest('hex').slice(0, 24);
  return `p${rankOf(id.type, rules)}_${h}`;
}

/** Does this node (or root) anchor a user id? */
export function isUserNode(nodeId: string): boolean {
  return nodeId.startsWith('p0_');
}

export function isShared(type: IdentifierType, users: ReadonlySet<string> | undefined, rules: IdentityRules): boolean {
  if (type === 'user_id') return false;
  const max = rules.maxUsers[type];
  return max !== undefined && users !== undefined && users.size > max;
}

export interface EventIdentity {
  identifiers: Identifier[];
  alias?: { previous: Identifier; user: Identifier };
}

export interface NodeRef {
  id: Identifier;
  node: string;
}

export function nodesOf(ev: EventIdentity, rules: IdentityRules): NodeRef[] {
  const seen = new Set<string>();
  const out: NodeRef[] = [];
  const all = ev.alias ? [...ev.identifiers, ev.alias.previous, ev.alias.user] : ev.identifiers;
  for (const id of all) {
    const node = nodeIdOf(id, rules);
    if (!seen.has(node)) {
      seen.add(node);
      out.push({ id, node });
    }
  }
  return out;
}

/**
 * Which nodes of an event may be linked, given each non-user node's user set AFTER this event's
 * user ids were added to it. Returns them sorted by node id (first = anchor), or an empty list when
 * the event may not merge (weak-only events unless mergeWeakOnly).
 */
export function linkableNodes(
  nodes: NodeRef[],
  usersOf: (node: string) => ReadonlySet<string> | undefined,
  rules: IdentityRules,
): NodeRef[] {
  const linkable = nodes.filter((n) => !isShared(n.id.type, usersOf(n.node), rules));
  const strong = linkable.some((n) => !rules.weakTypes.includes(n.id.type));
  if (!strong && !rules.mergeWeakOnly) return [];
  return [...linkable].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

/** The node whose person an event is stamped with: highest priority linkable node, else any. */
export function stampNode(
  nodes: NodeRef[],
  linkable: NodeRef[],
  usersOf: (node: string) => ReadonlySet<string> | undefined,
  rules: IdentityRules,
): string | undefined {
  if (linkable.length > 0) return linkable[0]!.node;
  const unshared = nodes.filter((n) => !isShared(n.id.type, usersOf(n.node), rules));
  const pool = unshared.length > 0 ? unshared : nodes;
  return pool.map((n) => n.node).sort()[0];
}

/** May two roots be linked? Two user-anchored persons only through an alias between user ids. */
export function mayLink(rootA: string, rootB: string, allowUserUser: boolean): boolean {
  return allowUserUser || !(isUserNode(rootA) && isUserNode(rootB));
}

/** The alias pair, when it carries the user-user override (previousId is a user id). */
export function aliasOverride(ev: EventIdentity): boolean {
  return ev.alias?.previous.type === 'user_id';
}
