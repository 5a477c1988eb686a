/**
 * lib/shard-sizing.ts: a shard's end-to-end rate is the lesser of the producers' write limit and what
 * the processor's lanes drain; provisioned shards are sized for both.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARALLELIZATION_FACTOR, resolveConfig } from '../../lib/config.js';
import {
  PROCESSOR_LANE_EVENTS_PER_SECOND,
  SHARD_WRITE_RECORDS_PER_SECOND,
  shardEventsPerSecond,
  shardsFor,
} from '../../lib/shard-sizing.js';

describe('shard sizing', () => {
  it('hand-computed: 325 events/s per lane, capped at the 1,000 records/s a shard accepts', () => {
    expect(PROCESSOR_LANE_EVENTS_PER_SECOND).toBe(325);
    expect(shardEventsPerSecond(1)).toBe(325);
    expect(shardEventsPerSecond(3)).toBe(975);
    expect(shardEventsPerSecond(4)).toBe(1000);
    expect(shardEventsPerSecond(10)).toBe(1000);
    // 2,000 events/s at peak: producers alone would need 2 shards; one lane per shard needs ceil(2000/325) = 7.
    expect(shardsFor(2000, 1)).toBe(7);
    expect(shardsFor(2000, 4)).toBe(2);
    expect(shardsFor(0, 1)).toBe(1);
  });

  it('the default factor drains a shard written at its limit, and is what the configuration uses', () => {
    expect(DEFAULT_PARALLELIZATION_FACTOR).toBe(4);
    expect(shardEventsPerSecond(DEFAULT_PARALLELIZATION_FACTOR)).toBe(SHARD_WRITE_RECORDS_PER_SECOND);
    expect(shardEventsPerSecond(DEFAULT_PARALLELIZATION_FACTOR - 1)).toBeLessThan(SHARD_WRITE_RECORDS_PER_SECOND);
    expect(resolveConfig().processor.parallelizationFactor).toBe(4);
  });

  it('property: the shards sized carry the peak, one fewer would not, and more lanes never need more shards', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200_000 }), fc.integer({ min: 1, max: 10 }), (peak, factor) => {
        const n = shardsFor(peak, factor);
        const perShard = shardEventsPerSecond(factor);
        return n * perShard >= peak && (n === 1 || (n - 1) * perShard < peak) && shardsFor(peak, Math.min(10, factor + 1)) <= n;
      }),
    );
  });
});
