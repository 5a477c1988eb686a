/**
 * The Athena engine through the real @aws-sdk/client-athena against a loopback Athena stand-in
 * (athena-standin.ts): polling with backoff, paging, typed conversion (compared value for value with
 * the DuckDB engine on the same data), bytes scanned, failures and throttling.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AthenaClient } from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AthenaQueryError, athenaTimestampToIso, convertAthenaValue, createAthenaEngine } from '../../query/athena.js';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import { type AthenaStandIn, athenaClientFor, startAthenaStandIn } from './athena-standin.js';
import { writeLake } from './fixtures.js';
import { GOLDEN_EVENTS, GOLDEN_IDENTITY_CHANGES } from './golden-data.js';

let dir: string;
let duck: DuckDbEngine;
let standIn: AthenaStandIn;
let client: AthenaClient;
const sleeps: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-athena-'));
  await writeLake(dir, { events: GOLDEN_EVENTS, identityChanges: GOLDEN_IDENTITY_CHANGES });
  duck = await createDuckDbEngine({ lakeDir: dir });
  standIn = await startAthenaStandIn(duck, { runningPolls: 3, throttleFirstPolls: 1, bytesScanned: 10_485_760 });
  client = athenaClientFor(standIn);
});
afterAll(async () => {
  client?.destroy();
  await standIn?.close();
  await duck?.close();
  await rm(dir, { recursive: true, force: true });
});

function engine(pageSize = 2) {
  return createAthenaEngine({
    client,
    workgroup: 'threadline',
    database: 'threadline_lake',
    outputLocation: 's3://results-bucket/athena/',
    initialPollMs: 100,
    maxPollMs: 300,
    pageSize,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

describe('Athena engine', () => {
  it('returns the same typed rows as DuckDB, across pages, with bytes scanned', async () => {
    const sql = `SELECT conversion_id, person_id, conversion_time, revenue, touchpoint_count, path, channels, seconds_to_convert
      FROM journeys ORDER BY conversion_id`;
    sleeps.length = 0;
    const athena = engine(2);
    const got = await athena.query(sql);
    const want = await duck.query(sql);
    expect(got.columns).toEqual(want.columns);
    expect(got.rows).toEqual(want.rows);
    expect(got.rows).toHaveLength(7);
    expect(got.bytesScanned).toBe(10_485_760);
    // 7 rows + header in pages of 2 -> 4 GetQueryResults calls, the later ones with NextToken
    const pages = standIn.calls.filter((c) => c.target === 'GetQueryResults' && c.body.QueryExecutionId === athena.lastQueryExecutionId);
    expect(pages.map((p) => p.body.NextToken ?? null)).toEqual([null, '2', '4', '6']);
    // QUEUED, RUNNING, RUNNING then SUCCEEDED: three sleeps doubling up to the cap
    expect(sleeps).toEqual([100, 200, 300]);
    const start = standIn.calls.find((c) => c.target === 'StartQueryExecution' && c.body.QueryString === sql)!;
    expect(start.body).toMatchObject({
      WorkGroup: 'threadline',
      QueryExecutionContext: { Database: 'threadline_lake' },
      ResultConfiguration: { OutputLocation: 's3://results-bucket/athena/' },
    });
  });

  it('converts every type it reports: bigint, double, boolean, timestamp, varchar, null', async () => {
    const got = await engine(1000).query(`SELECT * FROM channel_handoffs ORDER BY from_channel, to_channel`);
    const want = await duck.query(`SELECT * FROM channel_handoffs ORDER BY from_channel, to_channel`);
    expect(got.rows).toEqual(want.rows);
    const s = await engine(1000).query(
      `SELECT session_id, is_session_start, event_time, campaign_name FROM events_sessionized ORDER BY event_time, message_id LIMIT 3`,
    );
    expect(s.rows[0]).toEqual({ session_id: 'pF#1', is_session_start: true, event_time: '2024-04-15T11:59:59.999Z', campaign_name: null });
  });

  it('surfaces a failed query with its reason', async () => {
    await expect(engine().query('SELECT FAIL_ME FROM events')).rejects.toSatisfy(
      (e: unknown) => e instanceof AthenaQueryError && e.state === 'FAILED' && /COLUMN_NOT_FOUND/.test(e.message),
    );
  });

  it('value conversion rules', () => {
    expect(convertAthenaValue(undefined, 'varchar')).toBeNull();
    expect(convertAthenaValue('12', 'bigint')).toBe(12);
    expect(convertAthenaValue('1.25', 'decimal(10,2)')).toBe(1.25);
    expect(convertAthenaValue('false', 'boolean')).toBe(false);
    expect(convertAthenaValue('2024-05-01', 'date')).toBe('2024-05-01');
    expect(convertAthenaValue('[email, direct]', 'array')).toEqual(['email', 'direct']);
    expect(athenaTimestampToIso('2024-05-01 10:00:00.1')).toBe('2024-05-01T10:00:00.100Z');
    expect(athenaTimestampToIso('2024-05-01 10:00:00.123 UTC')).toBe('2024-05-01T10:00:00.123Z');
  });
});
