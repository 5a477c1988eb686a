/**
 * Incremental refresh of the journey models over the local lake (DuckDB). The planner's rules are in
 * sql/models/plan.ts; this module finds what changed in the lake, asks the planner's queries for the
 * start date W, and rebuilds every partition from W on, model by model:
 *
 *   COPY (<model select from W>) TO <staging> (PARTITION_BY event_date)   then, per partition >= W,
 *   rename the old folder away and the staged one in, and drop what is left over.
 *
 * A rename is atomic, so a reader sees a partition's old files or its new ones. A crash before the
 * state file is written leaves the old state: the next refresh plans the same W (or an earlier one)
 * and rebuilds the same partitions from the same inputs, which is what makes a re-run safe. The state
 * records which raw files the models include; a file that appears or disappears (a late flush, an
 * erasure rewrite) marks its partition.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  duckdbEmptyModelSql,
  duckdbModelOverParquetSql,
  localModelsDir,
  modelsFingerprint,
  movedPersonsStartSql,
  openSessionsStartSql,
  type RenderedModel,
  renderModels,
  resolveViewConfig,
  type ViewConfig,
} from '../sql/index.js';

export interface ModelRefreshOptions {
  /** Rebuild every partition (ignores the state). */
  readonly full?: boolean;
  /** Rebuild from this date (YYYY-MM-DD) on, or earlier when the plan needs it. */
  readonly from?: string;
  /** How long to wait for another refresh of the same models to finish (default 10 minutes). */
  readonly lockWaitMs?: number;
}

const DEFAULT_LOCK_WAIT_MS = 10 * 60_000;

export interface ModelRefreshReport {
  /** up-to-date: nothing changed; refreshed: partitions rebuilt; locked: another process is refreshing. */
  readonly status: 'up-to-date' | 'refreshed' | 'locked';
  /** First partition rebuilt. */
  readonly from?: string;
  /** Why the start date is what it is (new files, removed files, merges, open sessions, requested). */
  readonly reasons: readonly string[];
  /** Rows written per model. */
  readonly rows: Readonly<Record<string, number>>;
  /** Partition folders written per model. */
  readonly partitions: Readonly<Record<string, number>>;
  readonly ms: number;
}

interface RefreshState {
  readonly version: 1;
  readonly fingerprint: string;
  /** Raw Parquet files (relative to the lake root) that the models include. */
  readonly events: readonly string[];
  readonly identityChanges: readonly string[];
}

export interface ModelRefresher {
  /** The folder holding this configuration's models. */
  readonly dir: string;
  /** Define every model relation (a view over its files, or an empty table before its first refresh). */
  defineRelations(): Promise<void>;
  /** Redefine the models still empty here whose first partitions were written by another engine. */
  syncRelations(): Promise<void>;
  /** True when raw files appeared or disappeared since the models were built. Cheap: lists two folders. */
  isStale(): Promise<boolean>;
  refresh(opts?: ModelRefreshOptions): Promise<ModelRefreshReport>;
}

const PARTITION = /(?:^|\/)event_date=(\d{4}-\d{2}-\d{2})\//;

export function createModelRefresher(conn: DuckDBConnection, lakeDir: string, config: Partial<ViewConfig> = {}): ModelRefresher {
  const cfg = resolveViewConfig(config);
  const models = renderModels('duckdb', cfg);
  const fingerprint = modelsFingerprint('duckdb', cfg);
  const dir = localModelsDir(lakeDir, fingerprint);
  const statePath = path.join(dir, 'state.json');
  const modelDir = (m: RenderedModel) => path.join(dir, m.name);

  // Models still defined as empty tables: another engine or process may write their first partitions.
  const emptyRelations = new Set<string>();
  const defineRelation = async (m: RenderedModel) => {
    const hasFiles = (await partitionsOf(modelDir(m))).length > 0;
    if (hasFiles) emptyRelations.delete(m.name);
    else emptyRelations.add(m.name);
    const sql = hasFiles ? duckdbModelOverParquetSql(modelDir(m), m) : duckdbEmptyModelSql(m);
    await conn.run(`DROP VIEW IF EXISTS ${m.name}`).catch(() => undefined);
    await conn.run(`DROP TABLE IF EXISTS ${m.name}`).catch(() => undefined);
    await conn.run(sql);
  };

  const scalar = async (sql: string): Promise<string | undefined> => {
    const reader = await conn.runAndReadAll(sql);
    const v = reader.getRowsJS()[0]?.[0];
    return v === null || v === undefined ? undefined : String(v);
  };

  async function isStale(): Promise<boolean> {
    const state = await readState(statePath, fingerprint);
    const raw = await rawFiles(lakeDir);
    if (!state) return raw.events.length > 0;
    return !sameSet(state.events, raw.events) || !sameSet(state.identityChanges, raw.identityChanges);
  }

  async function refresh(opts: ModelRefreshOptions = {}): Promise<ModelRefreshReport> {
    const started = Date.now();
    await mkdir(dir, { recursive: true });
    const release = await acquireLock(path.join(dir, '.refresh.lock'), opts.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
    if (!release)
      return {
        status: 'locked',
        reasons: ['another refresh of these models is still running'],
        rows: {},
        partitions: {},
        ms: Date.now() - started,
      };
    try {
      await removeLeftovers(dir);
      const state = opts.full ? undefined : await readState(statePath, fingerprint);
      const raw = await rawFiles(lakeDir);
      const reasons: string[] = [];
      let from: string | undefined;
      const earlier = (date: string | undefined, why: string) => {
        if (date === undefined) return;
        if (from === undefined || date < from) {
          from = date;
          reasons.push(`${why} (${date})`);
        }
      };
      if (!state) {
        earlier(minDate(raw.events), opts.full ? 'full rebuild' : 'first build');
        // Models left from a lake whose events are all gone: drop their partitions too.
        if (raw.events.length === 0) earlier(await earliestModelPartition(models, modelDir), 'no events left');
      } else {
        const seen = new Set(state.events);
        const now = new Set(raw.events);
        earlier(minDate(raw.events.filter((f) => !seen.has(f))), 'new event files');
        earlier(minDate(state.events.filter((f) => !now.has(f))), 'removed event files');
        const idsNow = new Set(raw.identityChanges);
        const idsRemoved = state.identityChanges.some((f) => !idsNow.has(f));
        const idsAdded = raw.identityChanges.some((f) => !state.identityChanges.includes(f));
        if (idsRemoved) {
          // The map the models were stamped with cannot be rebuilt: restamp everything.
          earlier(minDate(raw.events), 'removed identity files');
        } else if (idsAdded) {
          const seenChanges = await seenChangesRelation(conn, lakeDir, state.identityChanges);
          earlier(await scalar(movedPersonsStartSql(cfg, seenChanges)), 'identity merges');
        }
      }
      if (opts.from) earlier(opts.from, 'requested');
      if (from === undefined) {
        if (!state) await writeState(statePath, { version: 1, fingerprint, ...raw });
        return { status: 'up-to-date', reasons: [], rows: {}, partitions: {}, ms: Date.now() - started };
      }
      for (;;) {
        const open = await scalar(openSessionsStartSql(cfg, from));
        if (open === undefined || open >= from) break;
        earlier(open, 'session in progress');
      }
      const rows: Record<string, number> = {};
      const partitions: Record<string, number> = {};
      for (const m of models) {
        const written = await rebuildFrom(conn, m, modelDir(m), dir, from);
        rows[m.name] = written.rows;
        partitions[m.name] = written.partitions;
        await defineRelation(m);
      }
      await writeState(statePath, { version: 1, fingerprint, ...raw });
      return { status: 'refreshed', from, reasons, rows, partitions, ms: Date.now() - started };
    } finally {
      await release();
    }
  }

  return {
    dir,
    async defineRelations() {
      for (const m of models) await defineRelation(m);
    },
    async syncRelations() {
      for (const m of models) if (emptyRelations.has(m.name) && (await partitionsOf(modelDir(m))).length > 0) await defineRelation(m);
    },
    isStale,
    refresh,
  };
}

/** COPY the model's rows from `from` on into staging, then swap the partitions >= from. */
async function rebuildFrom(
  conn: DuckDBConnection,
  model: RenderedModel,
  target: string,
  dir: string,
  from: string,
): Promise<{ rows: number; partitions: number }> {
  const staging = path.join(dir, `.staging-${model.name}-${randomUUID()}`);
  const reader = await conn.runAndReadAll(
    `COPY (${model.select(from)}) TO '${staging.replace(/'/g, "''")}' (FORMAT parquet, PARTITION_BY (event_date), COMPRESSION zstd)`,
  );
  const rows = Number(reader.getRowsJS()[0]?.[0] ?? 0);
  const staged = await partitionsOf(staging);
  await mkdir(target, { recursive: true });
  const trash = path.join(dir, `.trash-${model.name}-${randomUUID()}`);
  await mkdir(trash, { recursive: true });
  for (const old of await partitionsOf(target)) {
    if (old.date >= from && !staged.some((s) => s.date === old.date))
      await rename(path.join(target, old.folder), path.join(trash, old.folder));
  }
  for (const s of staged) {
    const dest = path.join(target, s.folder);
    await rename(dest, path.join(trash, s.folder)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(path.join(staging, s.folder), dest);
  }
  await rm(trash, { recursive: true, force: true });
  await rm(staging, { recursive: true, force: true });
  return { rows, partitions: staged.length };
}

interface Partition {
  readonly folder: string;
  readonly date: string;
}

async function partitionsOf(dir: string): Promise<Partition[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && /^event_date=\d{4}-\d{2}-\d{2}$/.test(e.name))
      .map((e) => ({ folder: e.name, date: e.name.slice('event_date='.length) }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function earliestModelPartition(
  models: readonly RenderedModel[],
  modelDir: (m: RenderedModel) => string,
): Promise<string | undefined> {
  let min: string | undefined;
  for (const m of models) for (const p of await partitionsOf(modelDir(m))) if (min === undefined || p.date < min) min = p.date;
  return min;
}

async function rawFiles(lakeDir: string): Promise<{ events: string[]; identityChanges: string[] }> {
  return { events: await parquetFiles(lakeDir, 'events'), identityChanges: await parquetFiles(lakeDir, 'identity_changes') };
}

/** Relative paths of a lake table's Parquet files (not the writers' hidden temporary files). */
async function parquetFiles(lakeDir: string, table: string): Promise<string[]> {
  try {
    const entries = await readdir(path.join(lakeDir, table), { recursive: true });
    return entries
      .map((e) => e.split(path.sep).join('/'))
      .filter((e) => e.endsWith('.parquet') && !path.posix.basename(e).startsWith('.'))
      .map((e) => `${table}/${e}`)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function minDate(files: readonly string[]): string | undefined {
  let min: string | undefined;
  for (const f of files) {
    const d = PARTITION.exec(f)?.[1];
    if (d && (min === undefined || d < min)) min = d;
  }
  return min;
}

/** The identity changes the models were stamped with, as a relation the planner can read. */
async function seenChangesRelation(conn: DuckDBConnection, lakeDir: string, files: readonly string[]): Promise<string> {
  const name = 'identity_changes_seen';
  if (files.length === 0) {
    await conn.run(`CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM identity_changes WHERE false`);
  } else {
    const list = files.map((f) => `'${path.join(lakeDir, f).replace(/'/g, "''")}'`).join(', ');
    await conn.run(
      `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT from_person_id, to_person_id, changed_at, change_id FROM read_parquet([${list}], union_by_name = true)`,
    );
  }
  return name;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

async function readState(file: string, fingerprint: string): Promise<RefreshState | undefined> {
  try {
    const s = JSON.parse(await readFile(file, 'utf8')) as RefreshState;
    return s.version === 1 && s.fingerprint === fingerprint && Array.isArray(s.events) && Array.isArray(s.identityChanges) ? s : undefined;
  } catch {
    return undefined;
  }
}

async function writeState(file: string, state: RefreshState): Promise<void> {
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, file);
}

/** Staging and trash folders of a refresh that did not finish. */
async function removeLeftovers(dir: string): Promise<void> {
  for (const e of await readdir(dir)) {
    if (e.startsWith('.staging-') || e.startsWith('.trash-') || e.endsWith('.tmp'))
      await rm(path.join(dir, e), { recursive: true, force: true });
  }
}

/**
 * An exclusive lock file holding the owner's pid, so that two refreshes of one models folder (two
 * engines, the pipeline and a CLI command) never interleave their swaps. A lock whose process is gone
 * (a killed refresh) is taken over; a live one is waited for up to waitMs. Returns the release
 * function, or undefined when the wait ran out.
 */
async function acquireLock(file: string, waitMs: number): Promise<(() => Promise<void>) | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = (await readFile(file, 'utf8').catch(() => '')).trim();
    const pid = Number(owner);
    // An empty file is a lock being written this instant: treat it as live.
    const live = owner === '' || (Number.isInteger(pid) && pid > 0 && processAlive(pid));
    if (!live) {
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
