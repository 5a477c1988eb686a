/**
 * The Athena side: channel_paths read through the real @aws-sdk/client-athena against the loopback
 * Athena stand-in (every value comes back as a string), and results saved with INSERT INTO, whose
 * SQL is checked against the Trino grammar and executed by the stand-in's DuckDB.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AthenaClient } from '@aws-sdk/client-athena';
import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModels } from '../../domain/attribution/models.js';
import { createAthenaEngine } from '../../query/athena.js';
import { loadPathsFromEngine, saveResultsAthena } from '../../query/attribution-io.js';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import {
  ATTRIBUTION_RESULTS_PARTITION,
  attributionResultsDuckdbColumns,
  attributionResultsGlueColumns,
  insertResultsSql,
  resultRows,
} from '../../sql/attribution-results-table.js';
import { type AthenaStandIn, athenaClientFor, startAthenaStandIn } from '../sql/athena-standin.js';
import { eventRecord, writeLake } from '../sql/fixtures.js';

const t = (day: number, hour = 10) => `2024-06-${String(day).padStart(2, '0')} ${String(hour).padStart(2, '0')}:00:00.000`;

let dir: string;
let duck: DuckDbEngine;
let standIn: AthenaStandIn;
let client: AthenaClient;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-attr-athena-'));
  await writeLake(dir, {
    events: [
      eventRecord({ id: '1a', person: 'p1', time: t(1), channel: 'C1' }),
      eventRecord({ id: '1b', person: 'p1', time: t(2), channel: 'C2' }),
      eventRecord({ id: '1c', person: 'p1', time: t(3), channel: 'C3' }),
      eventRecord({
        id: '1d',
        person: 'p1',
        time: t(3, 15),
        type: 'track',
        name: 'Order Completed',
        orderId: 'o1',
        revenue: 42,
        channel: 'web',
      }),
      eventRecord({ id: '2a', person: 'p2', time: t(1), channel: 'C1' }),
      eventRecord({ id: '3a', person: 'p3', time: t(2), channel: 'C2' }),
      eventRecord({ id: '3b', person: 'p3', time: t(4), channel: 'C3' }),
    ],
  });
  duck = await createDuckDbEngine({ lakeDir: dir, config: { marketingChannels: ['C1', 'C2', 'C3'] } });
  // the Glue table the CDK stack creates, as a DuckDB table behind the stand-in
  const cols = [...attributionResultsDuckdbColumns(), { name: ATTRIBUTION_RESULTS_PARTITION.name, type: 'VARCHAR' }];
  await duck.query(`CREATE OR REPLACE TABLE attribution_results (${cols.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
  standIn = await startAthenaStandIn(duck, { runningPolls: 1 });
  client = athenaClientFor(standIn);
});

afterAll(async () => {
  client?.destroy();
  await standIn?.close();
  await duck?.close();
  await rm(dir, { recursive: true, force: true });
});

const athena = () =>
  createAthenaEngine({
    client,
    workgroup: 'threadline',
    database: 'threadline_lake',
    outputLocation: 's3://results-bucket/athena/',
    initialPollMs: 1,
    maxPollMs: 5,
    sleep: async () => {},
  });

describe('attribution through Athena', () => {
  it('reads channel_paths (string values) and reproduces the worked example', async () => {
    const loaded = await loadPathsFromEngine(athena(), 'athena');
    const m = runModels(loaded.table, 'markov').results[0]!;
    const c = Object.fromEntries(m.channels.map((x) => [x.channel, x]));
    expect(m.total_conversions).toBe(1);
    expect(m.total_value).toBe(42);
    expect(c.C1!.conversions).toBeCloseTo(0.2, 12);
    expect(c.C3!.removal_effect).toBeCloseTo(1, 12);
  });

  // The stand-in answers SELECTs only (it DESCRIBEs each query), so the INSERT is checked against the
  // Trino grammar and executed on the same DuckDB through the QueryEngine interface.
  it('saves results with INSERT INTO that parses as Trino and lands every row', async () => {
    const loaded = await loadPathsFromEngine(athena(), 'athena');
    const out = runModels(loaded.table, 'all');
    const rows = resultRows(out.results, {
      runId: "run-'1",
      computedAt: new Date('2026-11-29T06:00:00.000Z'),
      order: 1,
      convertingOnly: false,
      source: 'athena',
    });
    expect(new TrinoSQL().validate(insertResultsSql(rows)).map((e) => e.message)).toEqual([]);
    const sent: string[] = [];
    await saveResultsAthena(
      {
        query: (sql) => {
          sent.push(sql);
          return duck.query(sql);
        },
        close: async () => {},
      },
      rows,
    );
    expect(sent).toHaveLength(1);
    const { rows: back } = await duck.query<{ model: string; n: number; conv: number; run_date: string }>(
      `SELECT model, count(*) AS n, sum(conversions) AS conv, min(run_date) AS run_date FROM attribution_results
       WHERE run_id = 'run-''1' GROUP BY model ORDER BY model`,
    );
    expect(back).toHaveLength(8);
    for (const r of back) {
      expect(r.n).toBe(3);
      expect(r.conv).toBeCloseTo(1, 12);
      expect(r.run_date).toBe('2026-11-29');
    }
  });

  it('Glue columns for the CDK table match the local columns', () => {
    const glue = attributionResultsGlueColumns();
    expect(glue.map((c) => c.name)).toEqual(attributionResultsDuckdbColumns().map((c) => c.name));
    expect(glue.find((c) => c.name === 'computed_at')?.type).toBe('timestamp');
    expect(glue.every((c) => c.comment.length > 0)).toBe(true);
  });
});
