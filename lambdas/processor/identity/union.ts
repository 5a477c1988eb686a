/**
 * The union step: link the persons of two nodes by pointing the loser root (the larger id) at the
 * winner with ConditionExpression attribute_not_exists(m). A node is merged at most once, pointers
 * always go to smaller ids (no cycles), and of two stores racing to merge the same root only one
 * wins; the loser re-reads and decides again.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mayLink } from '../../../domain/index.js';
import type { IdentityChangeRecord } from '../../../schemas/index.js';
import { changeRecord } from './change-record.js';
import { isConditionalCheckFailed } from './conditional.js';
import type { NodeGraph } from './graph.js';
import { keyOf, MERGE_SET, type MergeMeta, mergeValues } from './item.js';

const MAX_ATTEMPTS = 50;

/** The caller's leases: a merge of a leased root releases its lease in the same write. */
export interface UnionLease {
  owner: string;
  /** Roots whose lease a merge released (the caller must not release them again). */
  released: Set<string>;
}

/** Link the persons of a and b. Returns the change record when THIS call made a merge. */
export async function union(
  graph: NodeGraph,
  a: string,
  b: string,
  allowUserUser: boolean,
  meta: MergeMeta,
  lease?: UnionLease,
): Promise<IdentityChangeRecord | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const ra = await graph.find(a);
    const rb = await graph.find(b);
    if (ra === rb) return undefined;
    if (!mayLink(ra, rb, allowUserUser)) {
      graph.stats.refusedMerges++;
      return undefined;
    }
    const [w, l] = ra < rb ? [ra, rb] : [rb, ra];
    try {
      graph.stats.updateCalls++;
      await graph.client.send(
        new UpdateItemCommand({
          TableName: graph.table,
          Key: keyOf(l),
          // Under a lease the merge also releases it: one write instead of two.
          UpdateExpression: `SET ${MERGE_SET}${lease ? ' REMOVE lk, lx' : ''}`,
          ConditionExpression: lease ? 'attribute_not_exists(m) AND lk = :o' : 'attribute_not_exists(m)',
          ExpressionAttributeValues: { ...(lease ? { ':o': { S: lease.owner } } : {}), ...mergeValues(w, meta) },
        }),
      );
      graph.rememberMerge(l, w, meta);
      graph.stats.merges++;
      lease?.released.add(l);
      return changeRecord(l, w, meta);
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      // Someone merged l first: learn where to, then decide again.
      graph.stats.conditionalFailures++;
      await graph.read(l, true);
    }
  }
  throw new Error(`union did not settle after ${MAX_ATTEMPTS} attempts`);
}
