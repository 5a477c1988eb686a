/**
 * DuckDB engine over the local lake folder: base tables are views over the Parquet files (or empty
 * tables until the first file of a table appears, so every view binds on a fresh lake), then every
 * Threadline view rendered for DuckDB: all of them at open, or with lazyViews each when a query first
 * needs it. One in-memory database per engine.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBType, DuckDBTypeId } from '@duckdb/node-api';
import type { LakeTableName } from '../schemas/index.js';
import type { ViewConfig } from '../sql/index.js';
import {
  ATTRIBUTION_RESULTS_TABLE_NAME,
  duckdbEmptyTableSql,
  duckdbTableOverParquetSql,
  LAKE_TABLE_NAMES,
  type RenderedView,
  renderModels,
  renderViews,
} from '../sql/index.js';
import { duckdbResultsTableSql, localResultsDir } from './attribution-io.js';
import { viewsNeeded } from './lazy-views.js';
import { createModelRefresher, type ModelRefreshOptions, type ModelRefreshReport } from './model-refresh.js';
import type { QueryEngine, QueryResult } from './types.js';

export interface DuckDbEngineOptions {
  /** Lake root folder (<lakeDir>/<table>/event_date=.../*.parquet). Created files are picked up live. */
  readonly lakeDir: string;
  readonly config?: Partial<ViewConfig>;
  /** Create the Threadline views (default true). */
  readonly createViews?: boolean;
  /**
   * Create each view when a query first names it (or a view that reads it) instead of all of them at
   * open (default false). Binding a view costs DuckDB tens of milliseconds and there are over twenty,
   * so a one-off query (the CLI) starts much sooner; every view still answers by name.
   */
  readonly lazyViews?: boolean;
  /**
   * 'auto' (default): before a query, rebuild the journey models if raw files appeared or disappeared
   * since they were built (the incremental refresh: only the partitions that changed and what depends
   * on them). 'manual': only refreshModels() does, so queries read the models as last built.
   */
  readonly modelRefresh?: 'auto' | 'manual';
}

export interface DuckDbEngine extends QueryEngine {
  /** The view statements that were run so far, in order (all of them at open unless lazyViews). */
  readonly views: readonly RenderedView[];
  /** Re-check the lake folders for tables that had no files yet. Called by query() too. */
  refresh(): Promise<void>;
  /** Bring the journey models up to date with the lake (incrementally unless opts.full). */
  refreshModels(opts?: ModelRefreshOptions): Promise<ModelRefreshReport>;
}

export async function createDuckDbEngine(opts: DuckDbEngineOptions): Promise<DuckDbEngine> {
  const lakeDir = path.resolve(opts.lakeDir);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const empty = new Set<LakeTableName>();
  let closed = false;
  // attribution_results (saved `threadline attribution --save` runs) is a lake table too, written by the CLI
  let resultsEmpty = !(await hasParquet(localResultsDir(lakeDir)));

  const refreshTables = async () => {
    if (resultsEmpty && (await hasParquet(localResultsDir(lakeDir)))) {
      await conn.run(`DROP TABLE IF EXISTS ${ATTRIBUTION_RESULTS_TABLE_NAME}`);
      await conn.run(duckdbResultsTableSql(lakeDir, true));
      resultsEmpty = false;
    }
    for (const table of [...empty]) {
      if (await hasParquet(path.join(lakeDir, table))) {
        await conn.run(`DROP TABLE IF EXISTS ${table}`);
        await conn.run(duckdbTableOverParquetSql(lakeDir, table));
        empty.delete(table);
      }
    }
  };

  for (const table of LAKE_TABLE_NAMES) {
    if (await hasParquet(path.join(lakeDir, table))) {
      await conn.run(duckdbTableOverParquetSql(lakeDir, table));
    } else {
      await conn.run(duckdbEmptyTableSql(table));
      empty.add(table);
    }
  }
  await conn.run(duckdbResultsTableSql(lakeDir, !resultsEmpty));
  const models = createModelRefresher(conn, lakeDir, opts.config);
  await models.defineRelations();
  // Everything that uses the connection runs one at a time (queries, table redefinitions, model
  // refreshes): DuckDB runs one statement per connection anyway, and a refresh swaps partition folders
  // and redefines relations, which must not happen under a running query.
  let connWork: Promise<unknown> = Promise.resolve();
  const exclusive = <R>(fn: () => Promise<R>): Promise<R> => {
    const step = connWork.then(fn);
    connWork = step.catch(() => {});
    return step;
  };
  const doRefreshModels = async (ro?: ModelRefreshOptions): Promise<ModelRefreshReport> => {
    await refreshTables();
    // The refresh resolves persons through identity_map, which a lazy engine may not have created yet.
    await createViews([identityMapView]);
    return models.refresh(ro);
  };
  const refreshModels = (ro?: ModelRefreshOptions) => exclusive(() => doRefreshModels(ro));
  const refresh = () => exclusive(refreshTables);
  const autoRefresh = opts.modelRefresh !== 'manual';
  // Raw events held in DuckDB memory (a lake folder without event files, filled by INSERT): the models
  // are then in-memory tables too, rebuilt whole after any statement that may have written.
  let memoryRowsChanged = false;
  let memoryModels = empty.has('events');
  const modelsCurrent = async () => {
    if (memoryModels && !empty.has('events')) {
      // The first event files appeared: from now on the models are files, refreshed incrementally.
      memoryModels = false;
      await models.defineRelations();
    }
    if (memoryModels) {
      if (memoryRowsChanged && autoRefresh) {
        memoryRowsChanged = false;
        await rebuildInMemory(conn, opts.config);
      }
      return;
    }
    if (autoRefresh && (await models.isStale())) await doRefreshModels();
    else await models.syncRelations();
  };
  const allViews = renderViews('duckdb', opts.config);
  const rendered = opts.createViews === false ? [] : allViews;
  const identityMapView = allViews.find((v) => v.name === 'identity_map')!;
  const created: RenderedView[] = [];
  const createdNames = new Set<string>();
  // One creation at a time: concurrent queries needing the same view wait for it rather than race.
  let creating: Promise<void> = Promise.resolve();
  const createViews = (needed: readonly RenderedView[]): Promise<void> => {
    const step = creating.then(async () => {
      for (const v of needed) {
        if (createdNames.has(v.name)) continue;
        try {
          await conn.run(v.sql);
        } catch (err) {
          throw new Error(`creating view ${v.name} failed: ${(err as Error).message}`);
        }
        createdNames.add(v.name);
        created.push(v);
      }
    });
    creating = step.catch(() => {});
    return step;
  };
  if (!opts.lazyViews) await createViews(rendered);

  const allCreated = () => createdNames.size === rendered.length;
  const runExclusive = async <T>(sql: string): Promise<QueryResult<T>> => {
    if (empty.size > 0 || resultsEmpty) await refreshTables();
    await modelsCurrent();
    if (memoryModels && MAY_WRITE.test(sql)) memoryRowsChanged = true;
    if (allCreated()) return runQuery<T>(conn, sql);
    await createViews(viewsNeeded(sql, rendered));
    try {
      return await runQuery<T>(conn, sql);
    } catch (err) {
      // A name the scan could not see, or a typo: with every view in place the statement gets the
      // answer (or the error, with DuckDB's "did you mean" among all views) it gets from an eager
      // engine. Only a single statement is re-run: earlier statements of a script have run already.
      if (!/^Catalog Error/.test((err as Error).message) || allCreated()) throw err;
      if ((await conn.extractStatements(sql)).count !== 1) throw err;
      await createViews(rendered);
      return runQuery<T>(conn, sql);
    }
  };

  return {
    get views() {
      return created;
    },
    refresh,
    refreshModels,
    query<T = Record<string, unknown>>(sql: string): Promise<QueryResult<T>> {
      if (closed) return Promise.reject(new Error('engine is closed'));
      return exclusive(() => runExclusive<T>(sql));
    },
    async close() {
      if (closed) return;
      closed = true;
      // A refresh or query still running finishes before the connection goes.
      await connWork;
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** A statement that may change rows (an over-approximation: a false match only costs a rebuild). */
const MAY_WRITE = /\b(insert|delete|update|copy|truncate|merge|alter|drop|create|attach)\b/i;

/** Every model rebuilt from the in-memory raw tables (no carried state: the start is before any data). */
async function rebuildInMemory(conn: DuckDBConnection, config: Partial<ViewConfig> | undefined): Promise<void> {
  for (const m of renderModels('duckdb', config)) {
    await conn.run(`CREATE OR REPLACE TABLE ${m.name} AS ${m.select()}`);
  }
}

export async function runQuery<T>(conn: DuckDBConnection, sql: string): Promise<QueryResult<T>> {
  const reader = await conn.runAndReadAll(sql);
  const columns = reader.columnNames();
  const types = reader.columnTypes();
  const rows = reader.getRowsJS().map((values) => {
    const row: Record<string, unknown> = {};
    values.forEach((v, i) => {
      row[columns[i]!] = toPlain(v, types[i]!);
    });
    return row as T;
  });
  return { rows, columns };
}

/** DuckDB JS values -> plain JSON-friendly values (bigint -> number, Date -> ISO / YYYY-MM-DD). */
export function toPlain(v: unknown, type?: DuckDBType): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return type?.typeId === DuckDBTypeId.DATE ? v.toISOString().slice(0, 10) : v.toISOString();
  if (Array.isArray(v)) {
    const child = type && 'valueType' in type ? (type as { valueType: DuckDBType }).valueType : undefined;
    return v.map((x) => toPlain(x, child));
  }
  if (typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toPlain(x)]));
  }
  return v;
}

async function hasParquet(dir: string): Promise<boolean> {
  try {
    const entries = await readdir(dir, { recursive: true });
    return entries.some((e) => e.endsWith('.parquet') && !path.basename(e).startsWith('.'));
  } catch {
    return false;
  }
}
