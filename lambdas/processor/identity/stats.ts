/** Counters of the identity store's DynamoDB traffic and decisions. */

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

export function emptyStats(): StoreStats {
  return {
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
}
