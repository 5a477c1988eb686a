/**
 * The sequential reference model of identity stitching: plain maps, one event at a time, no
 * concurrency, no cache. Property tests check that the DynamoDB store, run by concurrent
 * processors, ends with a partition this model produces for some serial order of the same events.
 */
import type { Identifier } from '../../schemas/index.js';
import {
  aliasOverride,
  type EventIdentity,
  type IdentityRules,
  linkableNodes,
  mayLink,
  nodeIdOf,
  nodeSeen,
  nodesOf,
  resolveAlias,
  stampNode,
  userNodesOf,
} from './rules.js';

export class ReferenceIdentityModel {
  private parent = new Map<string, string>();
  private users = new Map<string, Set<string>>();
  readonly merges: Array<{ from: string; to: string }> = [];

  constructor(private readonly rules: IdentityRules) {}

  find(node: string): string {
    let n = node;
    for (let p = this.parent.get(n); p !== undefined; p = this.parent.get(n)) n = p;
    return n;
  }

  personOf(id: Identifier): string {
    return this.find(nodeIdOf(id, this.rules));
  }

  private union(a: string, b: string, allowUserUser: boolean): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb || !mayLink(ra, rb, allowUserUser)) return;
    const [w, l] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent.set(l, w);
    this.merges.push({ from: l, to: w });
  }

  /** Process one event; returns the person id it is stamped with (undefined without identifiers). */
  process(input: EventIdentity): string | undefined {
    // Decided before this event records anything: its own writes must not make a reading "seen".
    const ev = resolveAlias(input, (node) => nodeSeen(this.parent.has(node), this.users.get(node)), this.rules);
    const nodes = nodesOf(ev, this.rules);
    const userNodes = userNodesOf(ev, nodes, this.rules);
    if (userNodes.length > 0) {
      for (const n of nodes) {
        if (n.id.type === 'user_id') continue;
        const set = this.users.get(n.node) ?? new Set<string>();
        for (const u of userNodes) set.add(u);
        this.users.set(n.node, set);
      }
    }
    const usersOf = (node: string) => this.users.get(node);
    if (ev.alias) {
      this.union(nodeIdOf(ev.alias.previous, this.rules), nodeIdOf(ev.alias.user, this.rules), aliasOverride(ev));
    }
    const linkable = linkableNodes(nodes, usersOf, this.rules);
    for (let i = 1; i < linkable.length; i++) this.union(linkable[0]!.node, linkable[i]!.node, false);
    const stamp = stampNode(nodes, linkable, usersOf, this.rules);
    return stamp === undefined ? undefined : this.find(stamp);
  }
}

/** Canonical form of a partition of identifiers: sorted groups of sorted "type#value" keys. */
export function canonicalPartition(ids: Identifier[], personOf: (id: Identifier) => string): string[][] {
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const p = personOf(id);
    const key = `${id.type}#${id.value}`;
    const g = groups.get(p) ?? [];
    if (!g.includes(key)) g.push(key);
    groups.set(p, g);
  }
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}
