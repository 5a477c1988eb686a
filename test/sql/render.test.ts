/**
 * Both renderings of every view, under several configurations: the Athena one must parse as Trino SQL
 * (dt-sql-parser's grammar is derived from Trino's) and contain nothing that only DuckDB has; the DuckDB
 * one must bind (create every view on an empty lake; the golden tests execute it on data).
 */

import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunnelSql, funnelEventNamesSql } from '../../sql/builders/funnel.js';
import { buildRetentionSql } from '../../sql/builders/retention.js';
import type { ViewConfig } from '../../sql/config.js';
import { duckdbEmptyTableSql, LAKE_TABLE_NAMES } from '../../sql/lake-layout.js';
import { duckdbEmptyModelSql } from '../../sql/models/layout.js';
import { MODEL_NAMES, renderModels } from '../../sql/models/registry.js';
import { orderedViews, VIEW_NAMES } from '../../sql/registry.js';
import { renderViews } from '../../sql/render.js';

const trino = new TrinoSQL();

/** Functions and syntax DuckDB accepts and Athena (Trino) does not, or does differently. */
const DUCKDB_ONLY: [string, RegExp][] = [
  ['QUALIFY', /\bQUALIFY\b/i],
  ['list_* functions', /\blist_[a-z_]+\s*\(/i],
  ['// integer division', /\/\//],
  ['lambda x:', /\blambda\b/i],
  ['epoch / epoch_ms', /\bepoch(_ms|_us|_ns)?\s*\(/i],
  ['strftime / strptime', /\bstr[fp]time\s*\(/i],
  ['to_timestamp', /\bto_timestamp\s*\(/i],
  ['json_extract_string', /\bjson_extract_string\s*\(/i],
  ['array_to_string', /\barray_to_string\s*\(/i],
  ['array_slice', /\barray_slice\s*\(/i],
  ['len()', /\blen\s*\(/i],
  ['date_sub (DuckDB elapsed units)', /\bdate_sub\s*\(/i],
  ['x IGNORE NULLS inside the call', /IGNORE NULLS\s*\)/i],
  ['VARCHAR[] type', /\[\s*\]/],
  [':: cast', /::/],
  ['string_agg', /\bstring_agg\s*\(/i],
  ['median / quantile', /\b(median|quantile_cont|quantile_disc|approx_quantile)\s*\(/i],
  ['approx_count_distinct', /\bapprox_count_distinct\s*\(/i],
  ['SELECT * EXCLUDE / REPLACE', /\*\s*(EXCLUDE|REPLACE)\s*\(/i],
  ['GROUP BY ALL', /GROUP BY ALL/i],
  ['read_parquet', /\bread_parquet\s*\(/i],
  ['TIMESTAMP_MS type', /TIMESTAMP_MS/i],
  ['list literal [..]', /(^|[\s(,=])\[\s*'/],
];

const CONFIGS: [string, Partial<ViewConfig>][] = [
  ['defaults', {}],
  [
    'split on channel and campaign, event grain',
    {
      splitSessionsOnChannelChange: true,
      splitSessionsOnCampaignChange: true,
      touchpointGrain: 'event',
      resetJourneyAfterConversion: true,
    },
  ],
  [
    'odd parameters',
    {
      sessionTimeoutMinutes: 45,
      lookbackDays: 7,
      halfLifeDays: 1.5,
      conversionEvents: ['Order Completed', 'Signed Up', "O'Brien Event"],
      identityMaxHops: 3,
      marketingChannels: ['email', 'chat'],
    },
  ],
  ['dedup per event_date', { dedupScope: 'event_date' }],
  [
    'split on channel only, odd task settings',
    {
      splitSessionsOnChannelChange: true,
      handoffWindowHours: 0.5,
      escalationPaths: [],
      contactChannels: ['chat', "O'Brien desk"],
      directChannel: 'none',
    },
  ],
];

function duckdbOnly(sql: string): string[] {
  // String literals may legitimately contain anything (e.g. "O'Brien Event"): scan code only.
  const code = sql.replace(/'(?:[^']|'')*'/g, "''");
  return DUCKDB_ONLY.filter(([, re]) => re.test(code)).map(([name]) => name);
}

describe.each(CONFIGS)('Athena rendering (%s)', (_label, cfg) => {
  const views = renderViews('athena', cfg);
  it('renders every view, in dependency order', () => {
    expect(views.map((v) => v.name).sort()).toEqual([...VIEW_NAMES].sort());
    const seen = new Set<string>([...LAKE_TABLE_NAMES, ...MODEL_NAMES]);
    for (const v of orderedViews()) {
      for (const dep of v.dependsOn) expect(seen.has(dep), `${v.name} needs ${dep}`).toBe(true);
      seen.add(v.name);
    }
  });
  it.each(views.map((v) => [v.name, v] as const))('%s parses as Trino SQL and uses no DuckDB-only syntax', (_n, v) => {
    expect(trino.validate(v.sql).map((e) => e.message)).toEqual([]);
    expect(duckdbOnly(v.sql)).toEqual([]);
  });
  it.each(renderModels('athena', cfg).map((m) => [m.name, m] as const))(
    'model %s refresh parses as Trino SQL, uses no DuckDB-only syntax and reads raw rows only from the start date',
    (_n, m) => {
      const sql = `INSERT INTO ${m.name} ${m.select('2024-05-01')}`;
      expect(trino.validate(sql).map((e) => e.message)).toEqual([]);
      expect(duckdbOnly(sql)).toEqual([]);
      // Every read of a lake table or model carries a partition predicate on event_date.
      expect(sql).toMatch(/event_date >= '2024-05-01'/);
    },
  );
});

describe('dedupScope', () => {
  const dedupWindow = (cfg: Partial<ViewConfig>) =>
    renderModels('athena', cfg)
      .find((m) => m.name === 'model_events')!
      .select('2024-05-01')
      .match(/row_number\(\) OVER \(PARTITION BY ([^)]*?) ORDER BY/)?.[1];
  it("partitions the dedup window by message_id alone by default, by (event_date, message_id) with 'event_date'", () => {
    // The partition keys are what Trino can push an event_date filter below (and so prune on).
    expect(dedupWindow({})).toBe('message_id');
    expect(dedupWindow({ dedupScope: 'global' })).toBe('message_id');
    expect(dedupWindow({ dedupScope: 'event_date' })).toBe('event_date, message_id');
  });
  it('refuses an unknown scope', () => {
    expect(() => renderViews('athena', { dedupScope: 'day' as never })).toThrow(/dedupScope must be 'global' or 'event_date'/);
  });
});

describe('documented example queries', () => {
  it.each(orderedViews().map((v) => [v.name, v.example] as const))('%s example parses as Trino SQL', (_n, sql) => {
    expect(trino.validate(sql).map((e) => e.message)).toEqual([]);
    expect(duckdbOnly(sql)).toEqual([]);
  });
});

describe('the DuckDB-only scan itself', () => {
  it('flags what it is meant to flag', () => {
    expect(duckdbOnly(`SELECT list_transform(x, lambda y: y + 1) FROM t QUALIFY row_number() OVER () = 1`)).toEqual([
      'QUALIFY',
      'list_* functions',
      'lambda x:',
    ]);
    expect(duckdbOnly(`SELECT a // 2, epoch_ms(t), strftime(t, '%Y'), x::INT, CAST(y AS VARCHAR[]) FROM t`)).toEqual([
      '// integer division',
      'epoch / epoch_ms',
      'strftime / strptime',
      'VARCHAR[] type',
      ':: cast',
    ]);
    // The DuckDB rendering is different where it must be, so the scan finds things in it.
    const duck = renderViews('duckdb')
      .map((v) => v.sql)
      .join('\n');
    expect(duckdbOnly(duck)).toEqual(expect.arrayContaining(['array_to_string', 'len()', 'date_sub (DuckDB elapsed units)']));
  });
  it('Trino grammar rejects DuckDB-only forms', () => {
    expect(trino.validate(`SELECT a FROM t QUALIFY row_number() OVER () = 1`).length).toBeGreaterThan(0);
    expect(trino.validate(`SELECT a // 2 FROM t`).length).toBeGreaterThan(0);
  });
});

describe('builders render valid Trino SQL', () => {
  const funnels = [
    buildFunnelSql('athena', {
      steps: ['Product Viewed', { event: 'Checkout Started', eventType: 'track' }, 'Order Completed'],
      windowSeconds: 86_400,
    }),
    buildFunnelSql('athena', { steps: ['A', 'B'], windowSeconds: 600, order: 'any', from: '2024-01-01', to: '2024-02-01 12:00:00' }),
  ];
  const retention = (['day', 'week', 'month'] as const).map((period) =>
    buildRetentionSql('athena', { period, periods: 4, cohortEvent: 'Signed Up', returnEvent: 'Order Completed', from: '2024-01-01' }),
  );
  const names = funnelEventNamesSql(['Product Viewed', "O'Brien Event"]);
  it.each([...funnels, ...retention, names].map((s, i) => [i, s] as const))('statement %i', (_i, sql) => {
    expect(trino.validate(sql).map((e) => e.message)).toEqual([]);
    expect(duckdbOnly(sql)).toEqual([]);
  });
  it('refuses bad input instead of rendering it', () => {
    expect(() => buildFunnelSql('athena', { steps: [], windowSeconds: 1 })).toThrow();
    expect(() => buildFunnelSql('athena', { steps: ['a'], windowSeconds: 1, from: "2024-01-01'; DROP" })).toThrow();
    expect(() => renderViews('athena', { lookbackDays: -1 })).toThrow();
  });
});

describe('DuckDB rendering binds under every configuration', () => {
  let inst: DuckDBInstance;
  let conn: DuckDBConnection;
  beforeAll(async () => {
    inst = await DuckDBInstance.create(':memory:');
    conn = await inst.connect();
    for (const t of LAKE_TABLE_NAMES) await conn.run(duckdbEmptyTableSql(t));
  });
  afterAll(() => {
    conn.closeSync();
    inst.closeSync();
  });
  it.each(CONFIGS)('%s', async (_label, cfg) => {
    const models = renderModels('duckdb', cfg);
    for (const m of models) await conn.run(duckdbEmptyModelSql(m));
    for (const v of renderViews('duckdb', cfg)) {
      await conn.run(v.sql);
      const r = await conn.runAndReadAll(`SELECT count(*) FROM ${v.name}`);
      expect(r.getRowsJS()[0]![0]).toBe(0n);
    }
    for (const m of models) {
      const r = await conn.runAndReadAll(`SELECT count(*) FROM (${m.select('2024-05-01')})`);
      expect(r.getRowsJS()[0]![0]).toBe(0n);
    }
    for (const sql of [
      buildFunnelSql('duckdb', { steps: ['A', 'B', 'C'], windowSeconds: 60, order: 'any' }),
      buildRetentionSql('duckdb', { period: 'month' }),
    ]) {
      await conn.run(sql);
    }
  });
});
