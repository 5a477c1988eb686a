/**
 * The local pipeline's health verdict (what the collector's readiness serves), from shard and lake
 * state, with hand-written expectations: which states make it unhealthy and what it says.
 */
import { describe, expect, it } from 'vitest';
import type { ShardHealth } from '../../local/kinesis-poller.js';
import { assessHealth, type PipelineHealth } from '../../local/pipeline.js';

const NOW = new Date('2026-12-01T12:00:10.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const idle = (shardId: string): ShardHealth => ({ shardId, state: 'idle', failedAttempts: 0 });
const lake = (over: Partial<PipelineHealth['lake']> = {}): PipelineHealth['lake'] => ({
  records: 0,
  bytes: 0,
  failing: false,
  maxBacklogBytes: 1000,
  ...over,
});
const enospc = (at: Date) => ({ message: 'ENOSPC: no space left on device, write', code: 'ENOSPC', at });

describe('pipeline health', () => {
  it('is ok with idle shards and an empty lake buffer', () => {
    expect(assessHealth([idle('s0'), idle('s1')], lake(), NOW)).toMatchObject({ ok: true, reasons: [] });
  });

  it('a stalled shard: how long, how many attempts, the error', () => {
    const stalled: ShardHealth = {
      shardId: 's1',
      state: 'stalled',
      failedAttempts: 4,
      stalledSince: ago(3_500),
      lastError: enospc(ago(100)),
    };
    expect(assessHealth([idle('s0'), stalled], lake(), NOW).reasons).toEqual([
      'shard s1 stalled for 3.5 s (4 failed attempts): ENOSPC: no space left on device, write',
    ]);
  });

  it('a shard loop that is not running is unhealthy unless the pipeline is stopping', () => {
    const stopped: ShardHealth = { shardId: 's0', state: 'stopped', failedAttempts: 0 };
    expect(assessHealth([stopped], lake(), NOW).reasons).toEqual(['shard s0 is not being processed']);
    expect(assessHealth([stopped], lake(), NOW, { stopping: true }).ok).toBe(true);
    // A shard that ended (closed by resharding) is done, not a problem.
    expect(assessHealth([{ shardId: 's0', state: 'ended', failedAttempts: 0 }], lake(), NOW).ok).toBe(true);
  });

  it('failing lake writes, and a recent write error for `recentErrorMs` after it', () => {
    expect(assessHealth([], lake({ failing: true, records: 7, bytes: 70, lastError: enospc(ago(50)) }), NOW).reasons).toEqual([
      'lake writes failing: ENOSPC: no space left on device, write (7 records held)',
    ]);
    expect(assessHealth([], lake({ lastError: enospc(ago(2_000)) }), NOW, { recentErrorMs: 10_000 }).reasons).toEqual([
      'lake write failed 2.0 s ago: ENOSPC: no space left on device, write',
    ]);
    expect(assessHealth([], lake({ lastError: enospc(ago(10_000)) }), NOW, { recentErrorMs: 10_000 }).ok).toBe(true);
  });

  it('sheds load once the lake backlog reaches half its bound', () => {
    expect(assessHealth([], lake({ bytes: 499, records: 5 }), NOW).ok).toBe(true);
    expect(assessHealth([], lake({ bytes: 500, records: 5 }), NOW).reasons).toEqual([
      'lake write backlog 500 bytes (5 records) reached the shedding bound of 500 bytes',
    ]);
  });
});
