/**
 * The identity table's item codec: one DynamoDB item per node (attribute names in table.ts) and
 * the in-memory node the store caches.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type NodeItem = Record<string, AttributeValue>;

/** Why and when a node was merged (attributes mb, mr, mt, ma, me). */
export interface MergeMeta {
  messageId: string;
  reason: string;
  identifierType: string;
  changedAt: number;
  eventTime: number;
}

/** A node as the store knows it. */
export interface NodeEntry {
  /** mergedInto (immutable once set). */
  m?: string;
  meta?: MergeMeta;
  /** User node ids seen with this node (grows only). */
  users: Set<string>;
  /** The item is known to exist (false may be stale: it may have been created since). */
  exists?: boolean;
}

/** The primary key of a node's item. */
export function keyOf(node: string): NodeItem {
  return { pk: { S: node } };
}

/** The node id an item belongs to. */
export function nodeOfItem(item: NodeItem): string {
  return item.pk!.S!;
}

/**
 * Fold an item into what is known of its node. Safe with stale items: a pointer already known is
 * kept (pointers never change once set) and user sets only grow.
 */
export function mergeItem(entry: NodeEntry, item: NodeItem): void {
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

/** The SET clause that points a node at its winner (values from `mergeValues`). */
export const MERGE_SET = 'm = :w, mb = :mb, mr = :mr, mt = :mt, ma = :ma, me = :me';

/** The expression attribute values of `MERGE_SET`. */
export function mergeValues(winner: string, meta: MergeMeta): NodeItem {
  return {
    ':w': { S: winner },
    ':mb': { S: meta.messageId },
    ':mr': { S: meta.reason },
    ':mt': { S: meta.identifierType },
    ':ma': { N: String(meta.changedAt) },
    ':me': { N: String(meta.eventTime) },
  };
}
