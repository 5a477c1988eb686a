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

/**
 * An alias call: `previous` (what the user was known by) and `user` are declared to be one person.
 *
 * previousId carries no type. When the call itself says what it is (analytics.js sends the current
 * anonymousId, or the current userId once logged in) `previous` is typed and `previousType` is
 * absent. A server-side alias sent without an anonymousId says nothing: `previousType` is then
 * 'unknown', `previous` holds the user_id reading of the value, and `resolveAlias` decides, under
 * the same view of the graph the event's other decisions use, which readings to link ('resolved').
 */
export interface AliasIdentity {
  previous: Identifier;
  user: Identifier;
  previousType?: 'unknown' | 'resolved';
}

export interface EventIdentity {
  identifiers: Identifier[];
  alias?: AliasIdentity;
}

export interface NodeRef {
  id: Identifier;
  node: string;
}

/** Every node an event may touch: its identifiers and the alias pair (both readings of an untyped previousId). */
export function nodesOf(ev: EventIdentity, rules: IdentityRules): NodeRef[] {
  const seen = new Set<string>();
  const out: NodeRef[] = [];
  const all = ev.alias ? [...ev.identifiers, ...previousReadings(ev.alias), ev.alias.user] : ev.identifiers;
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

/**
 * The user nodes whose co-occurrence an event records on its other identifiers. An inferred
 * previousId is not a user the event was seen with: counting it would make the anonymous reading
 * of the same value look shared by two users (the value and the new user) and stop it linking.
 */
export function userNodesOf(ev: EventIdentity, nodes: readonly NodeRef[], rules: IdentityRules): string[] {
  const inferred = ev.alias?.previousType !== undefined ? nodeIdOf(ev.alias.previous, rules) : undefined;
  return nodes.filter((n) => n.id.type === 'user_id' && n.node !== inferred).map((n) => n.node);
}

/** The identifiers an alias's previousId may stand for: one when typed, anonymous_id and user_id when not. */
export function previousReadings(alias: AliasIdentity): Identifier[] {
  if (alias.previousType !== 'unknown') return [alias.previous];
  return [
    { type: 'anonymous_id', value: alias.previous.value },
    { type: 'user_id', value: alias.previous.value },
  ];
}

/**
 * The nodes an untyped previousId could be (none when the alias is typed), minus any the event
 * already names itself: those are decided like every identifier of the event.
 */
export function undecidedReadings(ev: EventIdentity, rules: IdentityRules): NodeRef[] {
  if (ev.alias?.previousType !== 'unknown') return [];
  const own = new Set([...ev.identifiers, ev.alias.user].map((i) => nodeIdOf(i, rules)));
  return previousReadings(ev.alias)
    .map((id) => ({ id, node: nodeIdOf(id, rules) }))
    .filter((r) => !own.has(r.node));
}

/**
 * Has the graph seen this node as part of a person: merged into another node, or seen with a user
 * id. Both facts are stable (a pointer is set once, a user set only grows) and the store reads
 * them under the lease of the node's root, so the decision is that of a serial order. A node seen
 * only on anonymous events is NOT seen in this sense: such events write nothing.
 */
export function nodeSeen(merged: boolean, users: ReadonlySet<string> | undefined): boolean {
  return merged || (users !== undefined && users.size > 0);
}

/**
 * Decide an untyped previousId against the graph; typed aliases are returned as they are.
 *   - only the anonymous reading seen: it is an anonymous id (the visitor who just signed up);
 *   - only the user reading seen: it is a previous user id;
 *   - both seen: both, each with its own rule below;
 *   - neither seen: both. This is the common server-side case (a visitor's page events write
 *     nothing, so their anonymous id has no trace yet) and the case of a stream that delivers the
 *     alias before the events it names: a later event carrying either reading joins the person.
 *     The reading that turns out unused is a node no event names: it joins nothing else.
 * The user reading is linked through the alias override (previousId is a user id); the anonymous
 * reading is added to the event's identifiers, so it links only if the guard rails allow (not
 * shared, not holding another user id) and records the new user on it like any identifier.
 */
export function resolveAlias(ev: EventIdentity, seen: (node: string) => boolean, rules: IdentityRules): EventIdentity {
  if (ev.alias?.previousType !== 'unknown') return ev;
  const readings = undecidedReadings(ev, rules);
  const anon = readings.find((r) => r.id.type === 'anonymous_id');
  const user = readings.find((r) => r.id.type === 'user_id');
  const anonSeen = anon !== undefined && seen(anon.node);
  const userSeen = user !== undefined && seen(user.node);
  const linkAnon = anon !== undefined && (anonSeen || !userSeen);
  const linkUser = user !== undefined && (userSeen || !anonSeen);
  const identifiers = linkAnon ? [...ev.identifiers, anon.id] : ev.identifiers;
  // Without a user reading (previousId equals the new userId) the alias links the user to itself.
  const previous = linkUser ? user.id : linkAnon ? anon.id : ev.alias.user;
  return { identifiers, alias: { previous, user: ev.alias.user, previousType: 'resolved' } };
}
