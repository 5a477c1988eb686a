/** BatchGetItem over any number of nodes: chunks of DynamoDB's key limit, UnprocessedKeys retried with backoff. */
import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { sleep } from '../../shared/retry.js';
import { keyOf, type NodeItem } from './item.js';
import type { StoreStats } from './stats.js';

/** DynamoDB's limit on keys per BatchGetItem request. */
export const BATCH_GET_MAX_KEYS = 100;
/** Requests per chunk before giving up on keys DynamoDB keeps returning unprocessed. */
const MAX_ATTEMPTS = 9;

const backoffMs = (attempt: number) => Math.min(1000, 20 * 2 ** attempt);

/**
 * The items of `nodes` that exist, in the order DynamoDB returned them. Billing is counted per key
 * requested (a missing item is billed too): 0.5 read units eventually consistent, 1 consistent.
 */
export async function batchGetItems(
  client: DynamoDBClient,
  table: string,
  nodes: readonly string[],
  consistent: boolean,
  stats: Pick<StoreStats, 'batchGetCalls' | 'readUnits' | 'itemsRead'>,
): Promise<NodeItem[]> {
  const items: NodeItem[] = [];
  for (let i = 0; i < nodes.length; i += BATCH_GET_MAX_KEYS) {
    let keys: NodeItem[] = nodes.slice(i, i + BATCH_GET_MAX_KEYS).map(keyOf);
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error('BatchGetItem kept returning UnprocessedKeys');
      if (attempt > 0) await sleep(backoffMs(attempt));
      stats.batchGetCalls++;
      stats.readUnits += keys.length * (consistent ? 1 : 0.5); // items under 4 KB
      const request = consistent ? { Keys: keys, ConsistentRead: true } : { Keys: keys };
      const res = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: request } }));
      for (const item of res.Responses?.[table] ?? []) {
        stats.itemsRead++;
        items.push(item);
      }
      keys = (res.UnprocessedKeys?.[table]?.Keys ?? []) as NodeItem[];
    }
  }
  return items;
}
