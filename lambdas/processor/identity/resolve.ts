/**
 * Applying one event to the graph: record user co-occurrence, link what the rules allow, stamp the person.
 *
 * Writing events run under short leases on the ROOTS of their nodes (conditional writes, taken in
 * id order, all released on contention, no transactions). Every guard-rail decision reads several
 * items (the user sets of the event's identifiers, the roots being linked); without a lease two
 * concurrent events can each see half of the other's effect and end in a state no serial order
 * produces (for example a device linked by one event while another made it shared). Every write to
 * a component happens under its root's lease, so holding the roots freezes everything this event
 * reads: the outcome is that of some serial order.
 *
 * An alias whose previousId has no type (server-side, no anonymousId) is decided from the graph
 * (domain resolveAlias): both readings' roots are leased like any root, nothing is written to a
 * reading before the decision, and the decision is made on what the leases froze. It is made again
 * on every attempt and on every delivery, so a replay decides on the graph the first delivery left.
 */
import { randomUUID } from 'node:crypto';
import {
  aliasOverride,
  type EventIdentity,
  type IdentityRules,
  isShared,
  isUserNode,
  linkableNodes,
  mayLink,
  type NodeRef,
  nodeIdOf,
  nodeSeen,
  nodesOf,
  resolveAlias,
  stampNode,
  undecidedReadings,
  userNodesOf,
} from '../../../domain/index.js';
import type { Identifier, IdentityChangeRecord } from '../../../schemas/index.js';
import { backoffDelay, sleep } from '../../shared/retry.js';
import { changeRecord } from './change-record.js';
import type { NodeGraph } from './graph.js';
import type { MergeMeta } from './item.js';
import { acquireLease, type LeaseOutcome, type LeaseUsers, releaseLease } from './leases.js';
import { addUsers, createLinked } from './node-writes.js';
import { type UnionLease, union } from './union.js';

export interface ResolveInput extends EventIdentity {
  messageId: string;
  /** identify | alias | event */
  reason: 'identify' | 'alias' | 'event';
  eventTimeMs: number;
  nowMs: number;
}

export interface ResolveResult {
  personId: string | null;
  changes: IdentityChangeRecord[];
}

const MAX_LEASE_ATTEMPTS = 200;

/** Random wait after losing a lease race, growing with the attempt. */
const contentionBackoffMs = (attempt: number) => backoffDelay(Math.min(attempt, 6), 5, 200);

/** What every step of one event works on. */
interface EventScope {
  /** The event; its alias decided once `undecided` is empty. */
  input: ResolveInput;
  /** Nodes of the event as decided (an undecided previousId's readings are not among them). */
  nodes: NodeRef[];
  userNodes: string[];
  /** Readings of an untyped previousId still to be decided under leases: leased, never written before that. */
  undecided: NodeRef[];
  /** Change records to emit, by change_id. */
  changes: Map<string, IdentityChangeRecord>;
}

/** The scope of an event; an untyped previousId stays undecided. `all`: nodesOf(input), when known. */
function scopeOf(
  input: ResolveInput,
  rules: IdentityRules,
  changes: Map<string, IdentityChangeRecord>,
  all: NodeRef[] = nodesOf(input, rules),
): EventScope {
  const undecided = undecidedReadings(input, rules);
  const nodes = undecided.length === 0 ? all : all.filter((n) => !undecided.some((r) => r.node === n.node));
  return { input, nodes, userNodes: userNodesOf(input, nodes, rules), undecided, changes };
}

/** One attempt's choice of what to lease and what to create. */
interface AttemptPlan {
  /** Roots to lease, in id order. */
  leased: string[];
  /** A new non-user node to create already linked instead of leasing it. */
  fresh: string | undefined;
}

/** The leases an attempt holds and the nodes whose user set it has already written. */
interface HeldLeases extends UnionLease {
  outcome: LeaseOutcome;
  held: string[];
  added: Set<string>;
}

function keep(ev: EventScope, change: IdentityChangeRecord | undefined): void {
  if (change) ev.changes.set(change.change_id as string, change);
}

function mergeMeta(ev: EventScope, identifierType: string): MergeMeta {
  return {
    messageId: ev.input.messageId,
    reason: ev.input.reason,
    identifierType,
    changedAt: ev.input.nowMs,
    eventTime: ev.input.eventTimeMs,
  };
}

export class Resolver {
  /**
   * nodesOf by identifier list, for events without alias: the processor asks for an event's nodes
   * to prefetch the batch and again to resolve it, and each node id is a SHA-256. Keyed by the
   * list object, weakly (it lives as long as the batch holds the event); a hit is used only if the
   * list still holds the same types and values (string comparisons, far cheaper than the hashes),
   * so a caller that edits its list in place gets fresh nodes.
   */
  private readonly nodesMemo = new WeakMap<readonly Identifier[], { keys: string[]; nodes: NodeRef[] }>();

  /** `leaseClock` gives the time leases are written and checked with (ms). */
  constructor(
    private readonly graph: NodeGraph,
    private readonly rules: IdentityRules,
    private readonly leaseClock: () => number,
  ) {}

  /** nodesOf(ev), remembered for events without alias (see nodesMemo). */
  nodesOf(ev: EventIdentity): NodeRef[] {
    if (ev.alias) return nodesOf(ev, this.rules);
    const hit = this.nodesMemo.get(ev.identifiers);
    if (hit && hit.keys.length === ev.identifiers.length && ev.identifiers.every((id, i) => hit.keys[i] === `${id.type}#${id.value}`)) {
      return hit.nodes;
    }
    const nodes = nodesOf(ev, this.rules);
    this.nodesMemo.set(ev.identifiers, { keys: ev.identifiers.map((id) => `${id.type}#${id.value}`), nodes });
    return nodes;
  }

  async resolve(input: ResolveInput): Promise<ResolveResult> {
    const all = this.nodesOf(input);
    if (all.length === 0) return { personId: null, changes: [] };
    await this.graph.prefetch(all.map((n) => n.node));
    const changes = new Map<string, IdentityChangeRecord>();
    const pending = scopeOf(input, this.rules, changes, all);
    if (await this.anyNeedsWrite(pending)) {
      this.graph.stats.writingEvents++;
      const done = await this.writeUnderLeases(pending);
      return this.stamp(done.ev, done.linked, all);
    }
    // Nothing to write under any decision: every decision stamps the same person (see anyNeedsWrite).
    const ev = this.decide(pending);
    return this.stamp(ev, linkableNodes(ev.nodes, this.graph.usersOf, this.rules), all);
  }

  /** The scope with its untyped previousId decided on what is cached now (fresh under leases). */
  private decide(ev: EventScope): EventScope {
    if (ev.undecided.length === 0) return ev;
    const seen = (node: string) => {
      const e = this.graph.peek(node);
      return nodeSeen(e?.m !== undefined, e?.users);
    };
    const decided = resolveAlias(ev.input, seen, this.rules);
    return scopeOf({ ...ev.input, ...decided }, this.rules, ev.changes);
  }

  /**
   * needsWrite for every way an undecided previousId may be decided: the cache may be stale about
   * what the graph has seen, so "no" is final only when no decision would write. Then every
   * reading is already in the alias user's person (the user reading through the override, the
   * anonymous one or else kept out by a guard rail that stays true) and all stamp that person.
   */
  private async anyNeedsWrite(ev: EventScope): Promise<boolean> {
    if (ev.undecided.length === 0) return this.needsWrite(ev);
    for (const seenOnly of [undefined, 'anonymous_id', 'user_id'] as const) {
      const seen = (node: string) => seenOnly === undefined || ev.undecided.some((r) => r.node === node && r.id.type === seenOnly);
      const decided = scopeOf({ ...ev.input, ...resolveAlias(ev.input, seen, this.rules) }, this.rules, ev.changes);
      if (await this.needsWrite(decided)) return true;
    }
    return false;
  }

  /**
   * Does this event change anything? Decided on the cache, which can only under-report (pointers
   * are immutable, user sets grow), so "no" is final: the same roots are the same person forever,
   * a user already in a set stays there, and two user-anchored roots stay apart. Most events of a
   * known person end here with no write and usually no read.
   */
  private async needsWrite({ input, nodes, userNodes }: EventScope): Promise<boolean> {
    for (const n of nodes) {
      if (n.id.type === 'user_id' || userNodes.length === 0) continue;
      const e = await this.graph.entry(n.node);
      if (!isShared(n.id.type, e.users, this.rules) && userNodes.some((u) => !e.users.has(u))) return true;
    }
    if (input.alias) {
      const ra = await this.graph.find(nodeIdOf(input.alias.previous, this.rules));
      const rb = await this.graph.find(nodeIdOf(input.alias.user, this.rules));
      if (ra !== rb && mayLink(ra, rb, aliasOverride(input))) return true;
    }
    const linkable = linkableNodes(nodes, this.graph.usersOf, this.rules);
    const roots = new Set<string>();
    for (const n of linkable) roots.add(await this.graph.find(n.node));
    const nonUserRoots = [...roots].filter((r) => !isUserNode(r));
    return roots.size > 1 && nonUserRoots.length > 0;
  }

  /** Plan, lease, apply; start over whenever the view the plan was made on proves stale. Returns the decided event and the nodes linked. */
  private async writeUnderLeases(ev: EventScope): Promise<{ ev: EventScope; linked: NodeRef[] }> {
    const owner = `${ev.input.messageId}:${randomUUID()}`;
    for (let attempt = 0; ; attempt++) {
      if (attempt >= MAX_LEASE_ATTEMPTS) throw new Error(`identity leases not acquired after ${MAX_LEASE_ATTEMPTS} attempts`);
      const plan = await this.planAttempt(ev);
      const leases = await this.acquireLeases(ev, plan, owner);
      if (leases.outcome !== 'ok') {
        for (const r of leases.held) await releaseLease(this.graph, r, owner);
        // 'merged': our view of the roots was stale and is now corrected; retry at once.
        if (leases.outcome === 'busy') await sleep(contentionBackoffMs(attempt));
        continue;
      }
      const done = await this.applyUnderLeases(ev, plan, leases);
      if (done) return done;
    }
  }

  private async planAttempt(ev: EventScope): Promise<AttemptPlan> {
    const rootOf = new Map<string, string>();
    for (const n of [...ev.nodes, ...ev.undecided]) rootOf.set(n.node, await this.graph.find(n.node));
    const roots = new Set(rootOf.values());
    const fresh = this.freshNode(ev, roots);
    if (fresh !== undefined) roots.delete(fresh);
    // A user-anchored root holding none of this event's non-user identifiers needs no lease
    // outside alias: nothing of it is read (being a user root is stable) and, as a winner, it is
    // not written. The common "new identifier joins a known user" event then costs one write.
    for (const r of [...roots]) {
      const readsInside = ev.nodes.some((n) => n.id.type !== 'user_id' && rootOf.get(n.node) === r);
      if (isUserNode(r) && !ev.input.alias && !readsInside) roots.delete(r);
    }
    return { leased: [...roots].sort(), fresh };
  }

  /**
   * A new non-user identifier in an event with a user id is always a loser linked to (or, when
   * shared, kept apart from) the user's leased root: one conditional create instead of lease +
   * merge. At most ONE per attempt: a second create failing after the first succeeded would leave
   * half an event applied.
   */
  private freshNode(ev: EventScope, roots: ReadonlySet<string>): string | undefined {
    if (ev.userNodes.length === 0) return undefined;
    const candidates = ev.nodes.filter((n) => {
      const e = this.graph.peek(n.node);
      return n.id.type !== 'user_id' && e && !e.exists && !e.m && roots.has(n.node);
    });
    return candidates
      .map((n) => n.node)
      .sort()
      .at(-1);
  }

  /** Lease the planned roots in id order, stopping at the first that is busy or no longer a root. */
  private async acquireLeases(ev: EventScope, plan: AttemptPlan, owner: string): Promise<HeldLeases> {
    const leases: HeldLeases = { outcome: 'ok', held: [], added: new Set(), owner, released: new Set() };
    for (const [i, r] of plan.leased.entries()) {
      // Only the LAST lease may carry the ADD, and only when no conditional create follows: once it
      // succeeds every lease is held and nothing can make the attempt give up, so the ADD is never
      // left behind by an abandoned attempt (where it could make a node look shared to two
      // concurrent events).
      const piggyback = i === plan.leased.length - 1 && plan.fresh === undefined ? this.usersToAdd(ev, r) : undefined;
      leases.outcome = await acquireLease(this.graph, r, owner, this.leaseClock(), piggyback);
      if (leases.outcome !== 'ok') break;
      leases.held.push(r);
      if (piggyback) leases.added.add(r);
    }
    return leases;
  }

  /** The event's user ids, when `root` is one of its non-user identifiers and not shared. */
  private usersToAdd(ev: EventScope, root: string): LeaseUsers | undefined {
    const own = ev.nodes.find((n) => n.node === root);
    if (!own || own.id.type === 'user_id' || ev.userNodes.length === 0) return undefined;
    return isShared(own.id.type, this.graph.peek(root)?.users, this.rules) ? undefined : { users: ev.userNodes, type: own.id.type };
  }

  /**
   * Everything the event writes, with its roots leased; the leases no merge released are released
   * at the end. Returns the decided event and the nodes linked, or undefined when the attempt must
   * start over.
   */
  private async applyUnderLeases(
    pending: EventScope,
    plan: AttemptPlan,
    leases: HeldLeases,
  ): Promise<{ ev: EventScope; linked: NodeRef[] } | undefined> {
    try {
      await this.graph.readFresh(
        [...pending.nodes, ...pending.undecided]
          .map((n) => n.node)
          .filter((n) => !plan.leased.includes(n) && !pending.userNodes.includes(n)),
      );
      const ev = this.decide(pending);
      if (plan.fresh !== undefined) {
        if (this.graph.peek(plan.fresh)?.exists) return undefined; // it exists after all: lease it like any root
        if (!(await this.createFresh(ev, plan.fresh, leases.added))) return undefined;
      }
      await this.recordUsers(ev, leases.added);
      await this.linkAlias(ev, leases);
      return { ev, linked: await this.linkAllowed(ev, leases) };
    } finally {
      for (const r of leases.held) if (!leases.released.has(r)) await releaseLease(this.graph, r, leases.owner);
    }
  }

  /** Create the fresh node with this event's user set, linked to the anchor's root when the rules allow. False: it exists. */
  private async createFresh(ev: EventScope, fresh: string, added: Set<string>): Promise<boolean> {
    const ref = ev.nodes.find((n) => n.node === fresh)!;
    const usersAfter = (node: string) => (node === fresh ? new Set(ev.userNodes) : this.graph.usersOf(node));
    const planned = linkableNodes(ev.nodes, usersAfter, this.rules);
    const anchorRoot = planned.length > 0 ? await this.graph.find(planned[0]!.node) : undefined;
    const link =
      anchorRoot !== undefined && planned.some((p) => p.node === fresh) ? { w: anchorRoot, meta: mergeMeta(ev, ref.id.type) } : undefined;
    if (!(await createLinked(this.graph, fresh, ref.id.type, ev.userNodes, link))) return false;
    if (link) keep(ev, changeRecord(fresh, link.w, link.meta));
    added.add(fresh);
    return true;
  }

  /** Guard-rail facts: which user ids each non-user identifier has been seen with. */
  private async recordUsers(ev: EventScope, added: ReadonlySet<string>): Promise<void> {
    if (ev.userNodes.length === 0) return;
    for (const n of ev.nodes) {
      if (n.id.type === 'user_id' || added.has(n.node)) continue;
      const e = await this.graph.entry(n.node);
      if (isShared(n.id.type, e.users, this.rules)) continue; // shared is forever
      const unseen = ev.userNodes.filter((u) => !e.users.has(u));
      if (unseen.length > 0) await addUsers(this.graph, n.node, unseen, n.id.type);
    }
  }

  /** Alias: the declared pair first (user-user override only when previousId is a user id). */
  private async linkAlias(ev: EventScope, lease: UnionLease): Promise<void> {
    const { alias } = ev.input;
    if (!alias) return;
    const previous = nodeIdOf(alias.previous, this.rules);
    keep(
      ev,
      await union(
        this.graph,
        previous,
        nodeIdOf(alias.user, this.rules),
        aliasOverride(ev.input),
        mergeMeta(ev, alias.previous.type),
        lease,
      ),
    );
  }

  /** Links allowed by the guard rails, towards the event's highest-priority node. Returns the nodes linked. */
  private async linkAllowed(ev: EventScope, lease: UnionLease): Promise<NodeRef[]> {
    const linkable = linkableNodes(ev.nodes, this.graph.usersOf, this.rules);
    for (let i = 1; i < linkable.length; i++) {
      keep(ev, await union(this.graph, linkable[0]!.node, linkable[i]!.node, false, mergeMeta(ev, linkable[i]!.id.type), lease));
    }
    return linkable;
  }

  /**
   * Stamp, and re-emit changes this very message caused before (a replay after a lost delivery),
   * looking at every node it may have touched (`all`: a replay may decide a previousId otherwise).
   */
  private async stamp(ev: EventScope, linkable: NodeRef[], all: NodeRef[]): Promise<ResolveResult> {
    const stamp = stampNode(ev.nodes, linkable, this.graph.usersOf, this.rules);
    const personId = stamp === undefined ? null : await this.graph.find(stamp);
    for (const n of all) {
      await this.graph.find(n.node, (node, e) => {
        if (e.m && e.meta?.messageId === ev.input.messageId) keep(ev, changeRecord(node, e.m, e.meta));
      });
    }
    return { personId, changes: [...ev.changes.values()] };
  }
}
