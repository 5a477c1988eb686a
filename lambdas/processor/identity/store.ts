/**
 * Identity stitching on DynamoDB without transactions: a lock-free union-find.
 *
 * - Each identifier is a node (rules.ts); a person is a root. Linking two persons sets the LOSER's
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
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createHash, randomUUID } from 'node:crypto';
import type { Identifier, IdentifierType } from '../../../schemas/index.js';
import { LAKE_SCHEMA_VERSION, eventDateOf, toLakeTimestamp, type IdentityChangeRecord } from '../../../schemas/index.js';
import type { IdentityRules } from '../config.js';
import { Lru } from './lru.js';
import { aliasOverride, isShared, isUserNode, linkableNodes, mayLink, nodeIdOf, nodesOf, stampNode, validateRules, type EventIdentity, type NodeRef } from '../../../domain/index.js';

/** Lease on a root while an event decides and writes (a crashed holder blocks others this long). */
export const LOCK_LEASE_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface MergeMeta {
  messageId: string;
  reason: string;
  identifierType: string;
  changedAt: number;
  eventTime: number;
}

interface Entry {
  /** mergedInto (immutable once set). */
  m?: string;
  meta?: MergeMeta;
  /** User node ids seen with this node (grows only). */
  users: Set<string>;
  /** The item is known to exist (false may be stale: it may have been created since). */
  exists?: boolean;
}

export interface StoreStats {
  /** DynamoDB requests by kind, and items read/written. */
  batchGetCalls: number;
  getCalls: number;
  itemsRead: number;
  updateCalls: number;
  conditionalFailures: number;
  merges: number;
  refusedMerges: number;
  cacheHits: number;
  cacheMisses: number;
  /** Read request units billed on demand (0.5 per eventually consistent item, 1 per consistent). */
  readUnits: number;
  /** Events that needed the locked (writing) path. */
  writingEvents: number;
  /** Lease acquire/release writes (included in updateCalls). */
  lockWrites: number;
  lockContention: number;
  /** New identifiers linked with one conditional create instead of lease + merge. */
  directCreates: number;
}

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

export function changeIdOf(from: string, to: string): string {
  return createHash('sha256').update(`${from}>${to}`).digest('hex').slice(0, 32);
}

export class IdentityStore {
  readonly stats: StoreStats = {
    batchGetCalls: 0,
    getCalls: 0,
    itemsRead: 0,
    updateCalls: 0,
    conditionalFailures: 0,
    merges: 0,
    refusedMerges: 0,
    cacheHits: 0,
    cacheMisses: 0,
    readUnits: 0,
    writingEvents: 0,
    lockWrites: 0,
    lockContention: 0,
    directCreates: 0,
  };
  private cache: Lru<string, Entry>;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly rules: IdentityRules,
    cacheSize = 50_000,
  ) {
    validateRules(rules);
    this.cache = new Lru(cacheSize);
  }

  /** Forget everything cached (tests; a cold Lambda). */
  clearCache(): void {
    this.cache.clear();
  }

  private remember(node: string, item: Record<string, AttributeValue> | undefined): Entry {
    const prev = this.cache.peek(node);
    const entry: Entry = prev ?? { users: new Set() };
    if (item) {
      entry.exists = true;
      if (item.m?.S && !entry.m) {
        entry.m = item.m.S;
        entry.meta = {
          messageId: item.mb?.S ?? '',
          reason: item.mr?.S ?? 'event',
          identifierType: item.mt?.S ?? '',
          changedAt: Number(item.ma?.N ?? 0),
          eventTime: Number(item.me?.N ?? 0),
        };
      }
      for (const u of item.u?.SS ?? []) entry.users.add(u);
    }
    this.cache.set(node, entry);
    return entry;
  }

  /** Load nodes not in the cache with BatchGetItem (100 keys a call), then the nodes they point to. */
  async prefetch(nodes: Iterable<string>): Promise<void> {
    let missing = [...new Set(nodes)].filter((n) => {
      const hit = this.cache.peek(n) !== undefined;
      if (hit) this.stats.cacheHits++;
      else this.stats.cacheMisses++;
      return !hit;
    });
    while (missing.length > 0) {
      const found = new Map<string, Record<string, AttributeValue>>();
      for (let i = 0; i < missing.length; i += 100) {
        let keys: Record<string, AttributeValue>[] = missing.slice(i, i + 100).map((pk) => ({ pk: { S: pk } }));
        for (let attempt = 0; keys.length > 0; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
          if (attempt > 8) throw new Error('BatchGetItem kept returning UnprocessedKeys');
          this.stats.batchGetCalls++;
          this.stats.readUnits += keys.length * 0.5; // eventually consistent, items under 4 KB (a missing item is billed too)
          const res = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys } } }));
          for (const item of res.Responses?.[this.table] ?? []) {
            this.stats.itemsRead++;
            found.set(item.pk!.S!, item);
          }
          keys = (res.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, AttributeValue>[];
        }
      }
      const next: string[] = [];
      for (const n of missing) {
        const e = this.remember(n, found.get(n));
        if (e.m && this.cache.peek(e.m) === undefined) next.push(e.m);
      }
      missing = [...new Set(next)];
    }
  }

  private async getNode(node: string, consistent: boolean): Promise<Entry> {
    this.stats.getCalls++;
    this.stats.readUnits += consistent ? 1 : 0.5;
    const res = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: { S: node } }, ConsistentRead: consistent }));
    if (res.Item) this.stats.itemsRead++;
    return this.remember(node, res.Item);
  }

  private async entry(node: string): Promise<Entry> {
    return this.cache.get(node) ?? (await this.getNode(node, false));
  }

  /** Root as far as known (cache, loading unknown nodes); `visit` sees every node on the path. */
  private async find(node: string, visit?: (node: string, e: Entry) => void): Promise<string> {
    let n = node;
    for (;;) {
      const e = await this.entry(n);
      visit?.(n, e);
      if (!e.m) return n;
      n = e.m;
    }
  }

  /** Current root, reading the path's last node consistently (tests, evaluation). */
  async personOf(id: Identifier): Promise<string> {
    let n = nodeIdOf(id, this.rules);
    for (;;) {
      const e = await this.getNode(n, true);
      if (!e.m) return n;
      n = e.m;
    }
  }

  /** Person, shared flag and number of user ids seen, read consistently (tests, evaluation, support). */
  async inspect(id: Identifier): Promise<{ personId: string; shared: boolean; usersSeen: number }> {
    const node = nodeIdOf(id, this.rules);
    const e = await this.getNode(node, true);
    return { personId: await this.personOf(id), shared: isShared(id.type, e.users, this.rules), usersSeen: e.users.size };
  }

  private async addUsers(node: string, users: string[], type: IdentifierType): Promise<void> {
    this.stats.updateCalls++;
    const res = await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: { S: node } },
        UpdateExpression: 'ADD u :u SET t = if_not_exists(t, :t)',
        ExpressionAttributeValues: { ':u': { SS: users }, ':t': { S: type } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    this.remember(node, res.Attributes);
  }

  /** Link the persons of a and b. Returns the change record when THIS call made a merge. */
  private async union(a: string, b: string, allowUserUser: boolean, meta: MergeMeta, owner?: string, released?: Set<string>): Promise<IdentityChangeRecord | undefined> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const ra = await this.find(a);
      const rb = await this.find(b);
      if (ra === rb) return undefined;
      if (!mayLink(ra, rb, allowUserUser)) {
        this.stats.refusedMerges++;
        return undefined;
      }
      const [w, l] = ra < rb ? [ra, rb] : [rb, ra];
      try {
        this.stats.updateCalls++;
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { pk: { S: l } },
            // Under a lease the merge also releases it: one write instead of two.
            UpdateExpression: `SET m = :w, mb = :mb, mr = :mr, mt = :mt, ma = :ma, me = :me${owner ? ' REMOVE lk, lx' : ''}`,
            ConditionExpression: owner ? 'attribute_not_exists(m) AND lk = :o' : 'attribute_not_exists(m)',
            ExpressionAttributeValues: {
              ...(owner ? { ':o': { S: owner } } : {}),
              ':w': { S: w },
              ':mb': { S: meta.messageId },
              ':mr': { S: meta.reason },
              ':mt': { S: meta.identifierType },
              ':ma': { N: String(meta.changedAt) },
              ':me': { N: String(meta.eventTime) },
            },
          }),
        );
        const e = this.cache.peek(l) ?? { users: new Set<string>() };
        e.m = w;
        e.meta = meta;
        this.cache.set(l, e);
        this.stats.merges++;
        released?.add(l);
        return this.changeRecord(l, w, meta);
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException) && (err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
        // Someone merged l first: learn where to, then decide again.
        this.stats.conditionalFailures++;
        await this.getNode(l, true);
      }
    }
    throw new Error('union did not settle after 50 attempts');
  }

  private changeRecord(from: string, to: string, meta: MergeMeta): IdentityChangeRecord {
    const changedAt = toLakeTimestamp(meta.changedAt);
    return {
      change_id: changeIdOf(from, to),
      from_person_id: from,
      to_person_id: to,
      reason: meta.reason,
      identifier_type: meta.identifierType,
      message_id: meta.messageId,
      changed_at: changedAt,
      event_time: toLakeTimestamp(meta.eventTime),
      schema_version: LAKE_SCHEMA_VERSION,
      event_date: eventDateOf(changedAt),
    };
  }

  /** Nodes an event touches, for batch prefetching. */
  nodesOf(ev: EventIdentity): string[] {
    return nodesOf(ev, this.rules).map((n) => n.node);
  }

  /**
   * Does this event change anything? Decided on the cache, which can only under-report (pointers
   * are immutable, user sets grow), so "no" is final: the same roots are the same person forever,
   * a user already in a set stays there, and two user-anchored roots stay apart. Most events of a
   * known person end here with no write and usually no read.
   */
  private async needsWrite(input: ResolveInput, nodes: NodeRef[], userNodes: string[]): Promise<boolean> {
    for (const n of nodes) {
      if (n.id.type === 'user_id' || userNodes.length === 0) continue;
      const e = await this.entry(n.node);
      if (!isShared(n.id.type, e.users, this.rules) && userNodes.some((u) => !e.users.has(u))) return true;
    }
    if (input.alias) {
      const ra = await this.find(nodeIdOf(input.alias.previous, this.rules));
      const rb = await this.find(nodeIdOf(input.alias.user, this.rules));
      if (ra !== rb && mayLink(ra, rb, aliasOverride(input))) return true;
    }
    const linkable = linkableNodes(nodes, (node) => this.cache.peek(node)?.users, this.rules);
    const roots = new Set<string>();
    for (const n of linkable) roots.add(await this.find(n.node));
    const nonUserRoots = [...roots].filter((r) => !isUserNode(r));
    return roots.size > 1 && nonUserRoots.length > 0;
  }

  /**
   * Create a brand-new identifier node already linked (or, when shared, just with its user set) in
   * ONE conditional write. Safe without a lease: until this write nobody can have seen the node, and
   * afterwards it points to the event's user-anchored root, whose only relevant property (being a
   * user root) never changes outside alias, and alias events lease everything. False when the node exists after
   * all (stale read, or created concurrently): the caller retries with it as an ordinary root.
   */
  private async createLinked(node: string, type: IdentifierType, users: string[], link: { w: string; meta: MergeMeta } | undefined): Promise<boolean> {
    this.stats.updateCalls++;
    const values: Record<string, AttributeValue> = { ':t': { S: type }, ':u': { SS: users } };
    let set = 't = :t';
    if (link) {
      set += ', m = :w, mb = :mb, mr = :mr, mt = :mt, ma = :ma, me = :me';
      Object.assign(values, {
        ':w': { S: link.w },
        ':mb': { S: link.meta.messageId },
        ':mr': { S: link.meta.reason },
        ':mt': { S: link.meta.identifierType },
        ':ma': { N: String(link.meta.changedAt) },
        ':me': { N: String(link.meta.eventTime) },
      });
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: node } },
          UpdateExpression: `SET ${set} ADD u :u`,
          ConditionExpression: 'attribute_not_exists(pk)',
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
      await this.getNode(node, true);
      return false;
    }
    const e: Entry = { users: new Set(users), exists: true, ...(link ? { m: link.w, meta: link.meta } : {}) };
    this.cache.set(node, e);
    this.stats.directCreates++;
    if (link) this.stats.merges++;
    return true;
  }

  /**
   * Take the lease on a root. The condition also requires the node to still be a root, so a stale
   * view fails here instead of later; `addUsers` piggybacks this event's user ids on the same write
   * (ADD to a set is idempotent, so doing it before the shared check changes nothing).
   */
  private async tryLock(node: string, owner: string, nowMs: number, addUsers?: { users: string[]; type: IdentifierType }): Promise<'ok' | 'busy' | 'merged'> {
    this.stats.updateCalls++;
    this.stats.lockWrites++;
    try {
      const res = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: node } },
          UpdateExpression: addUsers ? 'SET lk = :o, lx = :x, t = if_not_exists(t, :t) ADD u :u' : 'SET lk = :o, lx = :x',
          ConditionExpression: '(attribute_not_exists(lk) OR lx < :now) AND attribute_not_exists(m)',
          ExpressionAttributeValues: {
            ':o': { S: owner },
            ':x': { N: String(nowMs + LOCK_LEASE_MS) },
            ':now': { N: String(nowMs) },
            ...(addUsers ? { ':u': { SS: addUsers.users }, ':t': { S: addUsers.type } } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      this.remember(node, res.Attributes);
      return 'ok';
    } catch (err) {
      if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
      const e = await this.getNode(node, true);
      if (e.m) return 'merged';
      this.stats.lockContention++;
      return 'busy';
    }
  }

  private async unlock(node: string, owner: string): Promise<void> {
    this.stats.updateCalls++;
    this.stats.lockWrites++;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: node } },
          UpdateExpression: 'REMOVE lk, lx',
          ConditionExpression: 'lk = :o',
          ExpressionAttributeValues: { ':o': { S: owner } },
        }),
      );
    } catch (err) {
      // Lease expired and someone else holds it now: nothing of ours to release.
      if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  /** Consistent BatchGetItem of nodes (fresh user sets and pointers under lock). */
  private async readFresh(nodes: string[]): Promise<void> {
    for (let i = 0; i < nodes.length; i += 100) {
      let keys: Record<string, AttributeValue>[] = nodes.slice(i, i + 100).map((pk) => ({ pk: { S: pk } }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 8) throw new Error('BatchGetItem kept returning UnprocessedKeys');
        if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
        this.stats.batchGetCalls++;
        this.stats.readUnits += keys.length;
        const res = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of res.Responses?.[this.table] ?? []) {
          this.stats.itemsRead++;
          this.remember(item.pk!.S!, item);
        }
        keys = (res.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, AttributeValue>[];
      }
    }
  }

  /**
   * Apply one event: record user co-occurrence, link what the rules allow, stamp the person.
   *
   * Writing events run under short leases on the ROOTS of their nodes (conditional writes, taken in
   * id order, all released on contention, no transactions). Why: every guard-rail decision reads
   * several items (the user sets of the event's identifiers, the roots being linked). Without a
   * lease two concurrent events can each see half of the other's effect and end in a state no serial
   * order produces (found by the property test: a device linked by one event while another made it
   * shared). Every write to a component happens under its root's lease, so holding the roots
   * freezes everything this event reads: the outcome is that of some serial order.
   */
  async resolve(input: ResolveInput): Promise<ResolveResult> {
    const nodes = nodesOf(input, this.rules);
    if (nodes.length === 0) return { personId: null, changes: [] };
    await this.prefetch(nodes.map((n) => n.node));
    const changes = new Map<string, IdentityChangeRecord>();
    const keep = (c: IdentityChangeRecord | undefined) => {
      if (c) changes.set(c.change_id as string, c);
    };
    const userNodes = nodes.filter((n) => n.id.type === 'user_id').map((n) => n.node);
    const usersOf = (node: string) => this.cache.peek(node)?.users;
    let linkable = linkableNodes(nodes, usersOf, this.rules);

    if (await this.needsWrite(input, nodes, userNodes)) {
      this.stats.writingEvents++;
      const owner = `${input.messageId}:${randomUUID()}`;
      const released = new Set<string>();
      for (let attempt = 0; ; attempt++) {
        if (attempt >= 200) throw new Error('identity leases not acquired after 200 attempts');
        const roots = new Set<string>();
        const rootOf = new Map<string, string>();
        for (const n of nodes) {
          const r = await this.find(n.node);
          roots.add(r);
          rootOf.set(n.node, r);
        }
        // A new non-user identifier in an event with a user id is always a loser linked to (or, when
        // shared, kept apart from) the user's leased root: one conditional create instead of lease +
        // merge. At most ONE per attempt: a second create failing after the first succeeded would
        // leave half an event applied (the property test found two events each half-applied).
        const fresh = new Set<string>();
        if (userNodes.length > 0) {
          const candidates = nodes.filter((n) => {
            const e = this.cache.peek(n.node);
            return n.id.type !== 'user_id' && e && !e.exists && !e.m && roots.has(n.node);
          });
          const last = candidates.map((n) => n.node).sort().at(-1);
          if (last) fresh.add(last);
        }
        for (const f of fresh) roots.delete(f);
        // A user-anchored root holding none of this event's non-user identifiers needs no lease
        // outside alias: nothing of it is read (being a user root is stable) and, as a winner, it is
        // not written. The common "new identifier joins a known user" event then costs one write.
        for (const r of [...roots]) {
          const readsInside = nodes.some((n) => n.id.type !== 'user_id' && rootOf.get(n.node) === r);
          if (isUserNode(r) && !input.alias && !readsInside) roots.delete(r);
        }
        const held: string[] = [];
        const added = new Set<string>();
        released.clear();
        let outcome: 'ok' | 'busy' | 'merged' = 'ok';
        const sortedRoots = [...roots].sort();
        for (const [i, r] of sortedRoots.entries()) {
          const own = nodes.find((n) => n.node === r);
          // Only the LAST lease may carry the ADD, and only when no conditional create follows: once it
          // succeeds every lease is held and nothing can make the attempt give up, so the ADD is never
          // left behind by an abandoned attempt (found by the property test: an abandoned attempt's ADD
          // made a node look shared to both of two concurrent events).
          const piggyback =
            i === sortedRoots.length - 1 && fresh.size === 0 && own && own.id.type !== 'user_id' && userNodes.length > 0 && !isShared(own.id.type, this.cache.peek(r)?.users, this.rules)
              ? { users: userNodes, type: own.id.type }
              : undefined;
          outcome = await this.tryLock(r, owner, Date.now(), piggyback);
          if (outcome !== 'ok') break;
          held.push(r);
          if (piggyback) added.add(r);
        }
        if (outcome !== 'ok') {
          for (const r of held) await this.unlock(r, owner);
          // 'merged': our view of the roots was stale and is now corrected; retry at once.
          if (outcome === 'busy') await sleep(Math.floor(Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6))));
          continue;
        }
        let retryNow = false;
        try {
          await this.readFresh(nodes.map((n) => n.node).filter((n) => !roots.has(n) && !userNodes.includes(n)));
          const meta = (type: string): MergeMeta => ({
            messageId: input.messageId,
            reason: input.reason,
            identifierType: type,
            changedAt: input.nowMs,
            eventTime: input.eventTimeMs,
          });
          if ([...fresh].some((f) => this.cache.peek(f)?.exists)) {
            retryNow = true; // one of them exists after all: lease it like any root
            continue;
          }
          if (fresh.size > 0) {
            const usersAfter = (node: string) => (fresh.has(node) ? new Set(userNodes) : usersOf(node));
            const planned = linkableNodes(nodes, usersAfter, this.rules);
            const anchorRoot = planned.length > 0 ? await this.find(planned[0]!.node) : undefined;
            for (const n of nodes) {
              if (!fresh.has(n.node)) continue;
              const link = anchorRoot !== undefined && planned.some((p) => p.node === n.node) ? { w: anchorRoot, meta: meta(n.id.type) } : undefined;
              if (!(await this.createLinked(n.node, n.id.type, userNodes, link))) {
                retryNow = true;
                break;
              }
              if (link) keep(this.changeRecord(n.node, link.w, link.meta));
              added.add(n.node);
            }
            if (retryNow) continue;
          }
          // 1. Guard-rail facts: which user ids each non-user identifier has been seen with.
          if (userNodes.length > 0) {
            for (const n of nodes) {
              if (n.id.type === 'user_id' || added.has(n.node)) continue;
              const e = await this.entry(n.node);
              if (isShared(n.id.type, e.users, this.rules)) continue; // shared is forever
              const unseen = userNodes.filter((u) => !e.users.has(u));
              if (unseen.length > 0) await this.addUsers(n.node, unseen, n.id.type);
            }
          }
          // 2. Alias: the declared pair first (user-user override only when previousId is a user id).
          if (input.alias) {
            keep(
              await this.union(
                nodeIdOf(input.alias.previous, this.rules),
                nodeIdOf(input.alias.user, this.rules),
                aliasOverride(input),
                meta(input.alias.previous.type),
                owner,
                released,
              ),
            );
          }
          // 3. Links allowed by the guard rails, towards the event's highest-priority node.
          linkable = linkableNodes(nodes, usersOf, this.rules);
          for (let i = 1; i < linkable.length; i++) {
            keep(await this.union(linkable[0]!.node, linkable[i]!.node, false, meta(linkable[i]!.id.type), owner, released));
          }
        } finally {
          for (const r of held) if (!released.has(r)) await this.unlock(r, owner);
        }
        if (retryNow) continue;
        break;
      }
    }

    // Stamp, and re-emit changes this very message caused before (a replay after a lost delivery).
    const stamp = stampNode(nodes, linkable, usersOf, this.rules);
    const personId = stamp === undefined ? null : await this.find(stamp);
    for (const n of nodes) {
      await this.find(n.node, (node, e) => {
        if (e.m && e.meta?.messageId === input.messageId) keep(this.changeRecord(node, e.m, e.meta));
      });
    }
    return { personId, changes: [...changes.values()] };
  }
}

export type { NodeRef };
