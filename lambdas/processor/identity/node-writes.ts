/** Writes to single nodes outside a merge: growing a user set, and creating a new node already linked. */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { IdentifierType } from '../../../schemas/index.js';
import { isConditionalCheckFailed } from './conditional.js';
import type { NodeGraph } from './graph.js';
import { keyOf, MERGE_SET, type MergeMeta, mergeValues, type NodeEntry, type NodeItem } from './item.js';

/** ADD user ids to a node's user set; the cache learns the set the write returned. */
export async function addUsers(graph: NodeGraph, node: string, users: string[], type: IdentifierType): Promise<void> {
  graph.stats.updateCalls++;
  const res = await graph.client.send(
    new UpdateItemCommand({
      TableName: graph.table,
      Key: keyOf(node),
      UpdateExpression: 'ADD u :u SET t = if_not_exists(t, :t)',
      ExpressionAttributeValues: { ':u': { SS: users }, ':t': { S: type } },
      ReturnValues: 'ALL_NEW',
    }),
  );
  graph.remember(node, res.Attributes);
}

/** The root a created node is pointed at, and why. */
export interface CreateLink {
  w: string;
  meta: MergeMeta;
}

/**
 * Create a brand-new identifier node already linked (or, when shared, just with its user set) in
 * ONE conditional write. Safe without a lease: until this write nobody can have seen the node, and
 * afterwards it points to the event's user-anchored root, whose only relevant property (being a
 * user root) never changes outside alias, and alias events lease everything. False when the node
 * exists after all (stale read, or created concurrently): the caller retries with it as an ordinary root.
 */
export async function createLinked(
  graph: NodeGraph,
  node: string,
  type: IdentifierType,
  users: string[],
  link: CreateLink | undefined,
): Promise<boolean> {
  graph.stats.updateCalls++;
  const values: NodeItem = { ':t': { S: type }, ':u': { SS: users }, ...(link ? mergeValues(link.w, link.meta) : {}) };
  const set = link ? `t = :t, ${MERGE_SET}` : 't = :t';
  try {
    await graph.client.send(
      new UpdateItemCommand({
        TableName: graph.table,
        Key: keyOf(node),
        UpdateExpression: `SET ${set} ADD u :u`,
        ConditionExpression: 'attribute_not_exists(pk)',
        ExpressionAttributeValues: values,
      }),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    await graph.read(node, true);
    return false;
  }
  const e: NodeEntry = { users: new Set(users), exists: true, ...(link ? { m: link.w, meta: link.meta } : {}) };
  graph.set(node, e);
  graph.stats.directCreates++;
  if (link) graph.stats.merges++;
  return true;
}
