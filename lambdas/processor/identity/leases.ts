/**
 * Short leases on roots, taken and released with conditional writes (attributes lk = owner,
 * lx = expiry in ms). A crashed holder blocks others until the lease expires.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { IdentifierType } from '../../../schemas/index.js';
import { isConditionalCheckFailed } from './conditional.js';
import type { NodeGraph } from './graph.js';
import { keyOf } from './item.js';

/** Lease on a root while an event decides and writes (a crashed holder blocks others this long). */
export const LOCK_LEASE_MS = 10_000;

/** ok: the lease is ours; busy: someone else holds it; merged: the node is no longer a root. */
export type LeaseOutcome = 'ok' | 'busy' | 'merged';

/** User ids to ADD to the leased node's user set in the same write. */
export interface LeaseUsers {
  users: string[];
  type: IdentifierType;
}

/**
 * Take the lease on a root. The condition also requires the node to still be a root, so a stale
 * view fails here instead of later; `addUsers` piggybacks this event's user ids on the same write
 * (ADD to a set is idempotent, so doing it before the shared check changes nothing).
 */
export async function acquireLease(
  graph: NodeGraph,
  node: string,
  owner: string,
  nowMs: number,
  addUsers?: LeaseUsers,
): Promise<LeaseOutcome> {
  graph.stats.updateCalls++;
  graph.stats.lockWrites++;
  try {
    const res = await graph.client.send(
      new UpdateItemCommand({
        TableName: graph.table,
        Key: keyOf(node),
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
    graph.remember(node, res.Attributes);
    return 'ok';
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    const e = await graph.read(node, true);
    if (e.m) return 'merged';
    graph.stats.lockContention++;
    return 'busy';
  }
}

/** Release a lease; a no-op when it expired and someone else holds it now. */
export async function releaseLease(graph: NodeGraph, node: string, owner: string): Promise<void> {
  graph.stats.updateCalls++;
  graph.stats.lockWrites++;
  try {
    await graph.client.send(
      new UpdateItemCommand({
        TableName: graph.table,
        Key: keyOf(node),
        UpdateExpression: 'REMOVE lk, lx',
        ConditionExpression: 'lk = :o',
        ExpressionAttributeValues: { ':o': { S: owner } },
      }),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
  }
}
