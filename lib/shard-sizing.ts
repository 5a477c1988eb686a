/**
 * How many events/s one Kinesis shard gets through end to end: the lesser of what producers may
 * write to it and what the processor drains from it. The processor resolves identities event after
 * event and waits on DynamoDB each time, so one batch lane is far slower than a shard's write limit;
 * Lambda's ParallelizationFactor runs several lanes per shard (order kept per partition key).
 */

/** Records/s a shard accepts from producers (Kinesis write limit per shard). */
export const SHARD_WRITE_RECORDS_PER_SECOND = 1000;

/**
 * Events/s one batch lane of the processor resolves: bench/processor-shard.ts counts 0.615 sequential
 * DynamoDB calls per event on the demo's identity-dense data; at ~5 ms per call that is ~325 events/s.
 */
export const PROCESSOR_LANE_EVENTS_PER_SECOND = 325;

/** Events/s one shard sustains with `parallelizationFactor` lanes. */
export function shardEventsPerSecond(parallelizationFactor: number): number {
  return Math.min(SHARD_WRITE_RECORDS_PER_SECOND, PROCESSOR_LANE_EVENTS_PER_SECOND * parallelizationFactor);
}

/** Shards a provisioned stream needs for a peak event rate, sized for producers AND the processor. */
export function shardsFor(peakEventsPerSecond: number, parallelizationFactor: number): number {
  return Math.max(1, Math.ceil(peakEventsPerSecond / shardEventsPerSecond(parallelizationFactor)));
}

/** The fewest lanes with which the processor keeps up with a shard written at its limit. */
export const LANES_FOR_A_FULL_SHARD = Math.ceil(SHARD_WRITE_RECORDS_PER_SECOND / PROCESSOR_LANE_EVENTS_PER_SECOND);
