/**
 * The store's view of the node graph: an LRU of nodes (kept across invocations) and the reads that
 * fill it. Cached pointers are immutable once set and user sets only grow, so a cached node is
 * never wrong, only possibly incomplete.
 */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { batchGetItems } from './batch-get.js';
import { keyOf, type MergeMeta, mergeItem, type NodeEntry, type NodeItem, nodeOfItem } from './item.js';
import { Lru } from './lru.js';
import type { StoreStats } from './stats.js';

export class NodeGraph {
  private readonly cache: Lru<string, NodeEntry>;

  constructor(
    readonly client: DynamoDBClient,
    readonly table: string,
    readonly stats: StoreStats,
    cacheSize: number,
  ) {
    this.cache = new Lru(cacheSize);
  }

  clear(): void {
    this.cache.clear();
  }

  /** The cached node, without touching its recency. */
  peek(node: string): NodeEntry | undefined {
    return this.cache.peek(node);
  }

  /** The cached user set of a node (undefined when the node is not cached). */
  readonly usersOf = (node: string): ReadonlySet<string> | undefined => this.cache.peek(node)?.users;

  /** Fold a read or written item (or its absence) into the cache. */
  remember(node: string, item: NodeItem | undefined): NodeEntry {
    const entry: NodeEntry = this.cache.peek(node) ?? { users: new Set() };
    if (item) mergeItem(entry, item);
    this.cache.set(node, entry);
    return entry;
  }

  /** Cache a node exactly as this store just wrote it. */
  set(node: string, entry: NodeEntry): void {
    this.cache.set(node, entry);
  }

  /** Cache the pointer of a merge this store just wrote. */
  rememberMerge(node: string, winner: string, meta: MergeMeta): void {
    const entry = this.cache.peek(node) ?? { users: new Set<string>() };
    entry.m = winner;
    entry.meta = meta;
    this.cache.set(node, entry);
  }

  /** Load nodes not in the cache (eventually consistent), then the nodes they point to, until every path is cached. */
  async prefetch(nodes: Iterable<string>): Promise<void> {
    let missing = [...new Set(nodes)].filter((n) => {
      const hit = this.cache.peek(n) !== undefined;
      if (hit) this.stats.cacheHits++;
      else this.stats.cacheMisses++;
      return !hit;
    });
    while (missing.length > 0) {
      const items = await batchGetItems(this.client, this.table, missing, false, this.stats);
      const found = new Map(items.map((item) => [nodeOfItem(item), item]));
      const next: string[] = [];
      for (const n of missing) {
        const e = this.remember(n, found.get(n));
        if (e.m && this.cache.peek(e.m) === undefined) next.push(e.m);
      }
      missing = [...new Set(next)];
    }
  }

  /** Consistent read of nodes (fresh user sets and pointers under lease). */
  async readFresh(nodes: readonly string[]): Promise<void> {
    for (const item of await batchGetItems(this.client, this.table, nodes, true, this.stats)) this.remember(nodeOfItem(item), item);
  }

  /** Read one node from the table. */
  async read(node: string, consistent: boolean): Promise<NodeEntry> {
    this.stats.getCalls++;
    this.stats.readUnits += consistent ? 1 : 0.5;
    const res = await this.client.send(new GetItemCommand({ TableName: this.table, Key: keyOf(node), ConsistentRead: consistent }));
    if (res.Item) this.stats.itemsRead++;
    return this.remember(node, res.Item);
  }

  /** The node from the cache, else read eventually consistent. */
  async entry(node: string): Promise<NodeEntry> {
    return this.cache.get(node) ?? (await this.read(node, false));
  }

  /** Root as far as known (cache, loading unknown nodes); `visit` sees every node on the path. */
  async find(node: string, visit?: (node: string, e: NodeEntry) => void): Promise<string> {
    let n = node;
    for (;;) {
      const e = await this.entry(n);
      visit?.(n, e);
      if (!e.m) return n;
      n = e.m;
    }
  }

  /** Current root, reading every node of the path consistently. */
  async findConsistent(node: string): Promise<string> {
    let n = node;
    for (;;) {
      const e = await this.read(n, true);
      if (!e.m) return n;
      n = e.m;
    }
  }
}
