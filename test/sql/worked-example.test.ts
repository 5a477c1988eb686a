/**
 * The published worked example (Bryl 2016; markovattribution's test case):
 * paths C1 > C2 > C3 (1 conversion), C1 (null), C2 > C3 (null). Built as events of three persons, with
 * the channels C1..C3 configured as the marketing touches; channel_paths must yield exactly those rows,
 * which is what the Markov model downstream needs to reproduce P(conv) = 1/3 and credits 0.2/0.4/0.4.
 * Also checks the identity chain limit and the split options on a second, tiny dataset.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import { eventRecord, identityChange, writeLake } from './fixtures.js';

let dir: string;
let engine: DuckDbEngine;

const t = (day: number, hour = 10) => `2024-06-${String(day).padStart(2, '0')} ${String(hour).padStart(2, '0')}:00:00.000`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-worked-'));
  const events = [
    // person 1: C1 > C2 > C3, then converts
    eventRecord({ id: '1a', person: 'p1', time: t(1), channel: 'C1' }),
    eventRecord({ id: '1b', person: 'p1', time: t(2), channel: 'C2' }),
    eventRecord({ id: '1c', person: 'p1', time: t(3), channel: 'C3' }),
    eventRecord({
      id: '1d',
      person: 'p1',
      time: t(3, 11),
      type: 'track',
      name: 'Order Completed',
      orderId: 'w1',
      revenue: 42,
      channel: 'web',
    }),
    // person 2: C1, no conversion
    eventRecord({ id: '2a', person: 'p2', time: t(1), channel: 'C1' }),
    // person 3: C2 > C3, no conversion
    eventRecord({ id: '3a', person: 'p3', time: t(2), channel: 'C2' }),
    eventRecord({ id: '3b', person: 'p3', time: t(4), channel: 'C3' }),
    // chain x1 -> x2 -> ... -> x6 (5 hops): x1's event must land on x6 with the default (16 hops)
    eventRecord({ id: 'x', person: 'x1', time: t(5), channel: 'web' }),
  ];
  const chain = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6'];
  const changes = chain.slice(0, -1).map((from, i) => identityChange(from, chain[i + 1]!, t(5, 12 + i)));
  await writeLake(dir, { events, identityChanges: changes });
  engine = await createDuckDbEngine({ lakeDir: dir, config: { marketingChannels: ['C1', 'C2', 'C3'] } });
});
afterAll(async () => {
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('attribution.md worked example', () => {
  it('channel_paths yields exactly the three paths', async () => {
    const { rows, columns } = await engine.query(`SELECT * FROM channel_paths ORDER BY path`);
    expect(columns).toEqual(['path', 'total_conversions', 'total_conversion_value', 'total_null']);
    expect(rows).toEqual([
      { path: 'C1', total_conversions: 0, total_conversion_value: 0, total_null: 1 },
      { path: 'C1 > C2 > C3', total_conversions: 1, total_conversion_value: 42, total_null: 0 },
      { path: 'C2 > C3', total_conversions: 0, total_conversion_value: 0, total_null: 1 },
    ]);
  });
  it('column types are VARCHAR, BIGINT, DOUBLE, BIGINT', async () => {
    const { rows } = await engine.query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM channel_paths)`);
    expect(rows).toEqual([
      { column_name: 'path', column_type: 'VARCHAR' },
      { column_name: 'total_conversions', column_type: 'BIGINT' },
      { column_name: 'total_conversion_value', column_type: 'DOUBLE' },
      { column_name: 'total_null', column_type: 'BIGINT' },
    ]);
  });
  it('rule-based credits of the converting path', async () => {
    const { rows } = await engine.query(`SELECT channel, first_touch_conversions AS ft, last_touch_conversions AS lt,
      linear_conversions AS li, position_based_conversions AS pb FROM attribution_summary ORDER BY channel`);
    expect(rows).toEqual([
      { channel: 'C1', ft: 1, lt: 0, li: 1 / 3, pb: 0.4 },
      { channel: 'C2', ft: 0, lt: 0, li: 1 / 3, pb: 0.2 },
      { channel: 'C3', ft: 0, lt: 1, li: 1 / 3, pb: 0.4 },
    ]);
  });
});

describe('identity chains', () => {
  it('resolves a 5-hop chain to its end with the default depth', async () => {
    const { rows } = await engine.query(`SELECT from_person_id, canonical_person_id, hops FROM identity_map ORDER BY from_person_id`);
    expect(rows).toEqual([
      { from_person_id: 'x1', canonical_person_id: 'x6', hops: 5 },
      { from_person_id: 'x2', canonical_person_id: 'x6', hops: 4 },
      { from_person_id: 'x3', canonical_person_id: 'x6', hops: 3 },
      { from_person_id: 'x4', canonical_person_id: 'x6', hops: 2 },
      { from_person_id: 'x5', canonical_person_id: 'x6', hops: 1 },
    ]);
    const { rows: ev } = await engine.query(`SELECT canonical_person_id FROM events_resolved WHERE message_id = 'x'`);
    expect(ev).toEqual([{ canonical_person_id: 'x6' }]);
  });
  it('stops at the documented limit: identityMaxHops 4 -> two jumps cover 4 hops, x1 lands on x5', async () => {
    const limited = await createDuckDbEngine({ lakeDir: dir, config: { identityMaxHops: 4 } });
    try {
      const { rows } = await limited.query(`SELECT canonical_person_id, hops FROM identity_map WHERE from_person_id = 'x1'`);
      expect(rows).toEqual([{ canonical_person_id: 'x5', hops: 4 }]);
    } finally {
      await limited.close();
    }
  });
});
