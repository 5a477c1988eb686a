/**
 * Identity stitching on DynamoDB without transactions: a lock-free union-find. This module is the
 * store's public face; the pieces live beside it:
 *   item.ts        item codec (DynamoDB item <-> cached node)
 *   batch-get.ts   BatchGetItem in chunks, with UnprocessedKeys retries
 *   graph.ts       the cached node graph and its reads
 *   leases.ts      leases on roots (conditional writes)
 *   node-writes.ts user-set ADDs and the conditional create of a new, already linked node
 *   union.ts       the merge of two persons
 *   resolve.ts     applying one event
 *
 * - Each identifier is a node (domain identity rules); a person is a root. Linking two persons sets the LOSER's
 *   `m` (mergedInto) to the winner (the smaller id) with ConditionExpression attribute_not_exists(m):
 *   a node is merged at most once, pointers always go to smaller ids (no cycles), and two processors
 *   racing to merge the same root cannot both win. The loser of a lost race re-reads and retries.
 * - Guard rails are decided on facts that are safe to read stale:
 *   * a "p0" (user) root stays a root except through alias, so "both roots are users" is a stable
 *     refusal; a non-user root that is still a root (the CAS proves it) holds no user id, so merging
 *     it anywhere can never put two user ids into one person;
 *   * a node's user set only grows (ADD on a string set), and the decision whether it is shared uses
 *     the set returned by this event's own ADD (ReturnValues ALL_NEW) or a consistent read.
 * - Cache (LRU, kept across invocations): `m` pointers are immutable once set and user sets only
 *   grow, so cached values are never wrong, only possibly incomplete. Incomplete means "a root that
 *   may since have been merged": fine for stamping an event (identity_changes re-stitch it) and
 *   checked by the CAS and by consistent reads before any merge.
 * - Replays: a node merged by the same messageId re-emits its change record (deterministic
 *   change_id), so a change whose Firehose delivery failed is delivered when Kinesis retries.
 * - Server-side alias (previousId without an anonymousId on the call): the type of previousId is
 *   decided under the leases from what the graph has seen of each reading (domain resolveAlias);
 *   when it has seen neither, both are linked, so events arriving later with either join.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type EventIdentity, type IdentityRules, isShared, type NodeRef, nodeIdOf, validateRules } from '../../../domain/index.js';
import type { Identifier } from '../../../schemas/index.js';
import { NodeGraph } from './graph.js';
import { type ResolveInput, type ResolveResult, Resolver } from './resolve.js';
import { emptyStats, type StoreStats } from './stats.js';

export { changeIdOf } from './change-record.js';
export { LOCK_LEASE_MS } from './leases.js';
export type { ResolveInput, ResolveResult } from './resolve.js';
export type { StoreStats } from './stats.js';
export type { NodeRef };

export class IdentityStore {
  readonly stats: StoreStats = emptyStats();
  private readonly graph: NodeGraph;
  private readonly resolver: Resolver;

  /** `leaseClock` (ms) times lease expiry: it must be the time of each lease write, not of the batch. */
  constructor(
    client: DynamoDBClient,
    /** The DynamoDB table the store reads and writes. */
    readonly table: string,
    private readonly rules: IdentityRules,
    cacheSize = 50_000,
    leaseClock: () => number = Date.now,
  ) {
    validateRules(rules);
    this.graph = new NodeGraph(client, table, this.stats, cacheSize);
    this.resolver = new Resolver(this.graph, rules, leaseClock);
  }

  /** Forget everything cached (tests; a cold Lambda). */
  clearCache(): void {
    this.graph.clear();
  }

  /** Load nodes not in the cache with BatchGetItem (100 keys a call), then the nodes they point to. */
  async prefetch(nodes: Iterable<string>): Promise<void> {
    await this.graph.prefetch(nodes);
  }

  /** Current root, read consistently along the path (tests, evaluation). */
  async personOf(id: Identifier): Promise<string> {
    return this.graph.findConsistent(nodeIdOf(id, this.rules));
  }

  /** Person, shared flag and number of user ids seen, read consistently (tests, evaluation, support). */
  async inspect(id: Identifier): Promise<{ personId: string; shared: boolean; usersSeen: number }> {
    const e = await this.graph.read(nodeIdOf(id, this.rules), true);
    return { personId: await this.personOf(id), shared: isShared(id.type, e.users, this.rules), usersSeen: e.users.size };
  }

  /** Nodes an event touches, for batch prefetching. */
  nodesOf(ev: EventIdentity): string[] {
    return this.resolver.nodesOf(ev).map((n) => n.node);
  }

  /** Apply one event: record user co-occurrence, link what the rules allow, stamp the person (see resolve.ts). */
  async resolve(input: ResolveInput): Promise<ResolveResult> {
    return this.resolver.resolve(input);
  }
}
