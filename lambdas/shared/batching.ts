/**
 * Splitting a list into consecutive chunks under a count limit and a byte limit, as batch APIs
 * (PutRecords, PutRecordBatch, a collector's batch endpoint) require. Order is kept; an item larger
 * than the byte limit on its own still gets a chunk of its own (the caller decides what to do with it).
 */
export interface ChunkLimits {
  /** Items per chunk at most. */
  readonly maxCount: number;
  /** Bytes per chunk at most: baseBytes plus the sizeOf of every item in it. */
  readonly maxBytes: number;
  /** Fixed bytes every chunk costs on top of its items (a request envelope). Default 0. */
  readonly baseBytes?: number;
}

export function chunkByCountAndBytes<T>(items: readonly T[], limits: ChunkLimits, sizeOf: (item: T) => number): T[][] {
  const base = limits.baseBytes ?? 0;
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = base;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= limits.maxCount || bytes + size > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = base;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
