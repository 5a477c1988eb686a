/**
 * One refresh of the journey models on AWS (the same order as query/model-refresh.ts, the DuckDB
 * executor): plan the start date W with Athena queries, then per model in refresh order DELETE the
 * partitions >= W and INSERT them again, then record the state.
 *
 * Planning differs from the local executor only in how new raw data is found: S3 is not listed, the
 * last `lookbackDays` days are rebuilt on every run instead (late Firehose flushes, clock skew), and
 * identity merges since the last run are found through the watermark (max changed_at the models were
 * stamped with). A changed models fingerprint (new SQL, columns or view configuration) rebuilds
 * everything: DELETE every row, INSERT from the first event date on.
 *
 * Crash safety: the state is written with a `pending` record before the first DELETE, advanced after
 * each model, and replaced by the final state at the end. A run that dies leaves `pending`: the next
 * run plans W no later than pending.from and, when it plans exactly the same sequence, resumes at the
 * first model not completely rewritten; otherwise it redoes everything from its W. Each statement is
 * atomic in Iceberg, and a model is always redone from its DELETE, so a re-run converges to the same
 * tables.
 */
import { createHash } from 'node:crypto';
import {
  addDays,
  icebergCreateTableSql,
  icebergModelLocation,
  icebergVacuumSql,
  modelsFingerprint,
  movedPersonsStartSql,
  openSessionsStartSql,
  type RenderedModel,
  renderModels,
  type ViewConfig,
} from '../../sql/index.js';
import type { AppLogger } from '../shared/logger.js';
import {
  checkWatermark,
  chunkCount,
  isPartitionDate,
  modelStatements,
  type PendingRefresh,
  type RefreshState,
  type RefreshStatement,
  seenChangesRelation,
  startAccumulator,
  utcDate,
} from './plan.js';

/** Runs SQL in the stack's workgroup and database. */
export interface SqlRunner {
  /** Run a statement and wait for it (throws with Athena's reason). */
  run(sql: string, label: string): Promise<void>;
  /** Run a one-row one-column query; undefined for NULL or no row. */
  scalar(sql: string, label: string): Promise<string | undefined>;
}

export interface StateStore {
  read(): Promise<RefreshState>;
  write(state: RefreshState): Promise<void>;
}

export interface RefreshDeps {
  readonly sql: SqlRunner;
  readonly state: StateStore;
  readonly now: () => Date;
  readonly log: AppLogger;
  /** Ms left in the invocation (default: unlimited). */
  readonly remainingMs?: () => number;
  /** Do not start another model with less than this left (default 120 s). */
  readonly reserveMs?: number;
}

export interface RefreshSettings {
  readonly views: ViewConfig;
  /** Days before today rebuilt on every run (late data). */
  readonly lookbackDays: number;
}

export interface RefreshRequest {
  /** Rebuild from this date on (or earlier when the plan needs it). */
  readonly from?: string;
  /** Rebuild everything. */
  readonly full?: boolean;
}

export interface RefreshReport {
  /** refreshed: every model rewritten; partial: out of time, the next run resumes. */
  readonly status: 'refreshed' | 'partial';
  readonly from?: string;
  readonly full: boolean;
  readonly reasons: readonly string[];
  readonly chunks: number;
  /** Statements run by this invocation, and models skipped because an earlier run had completed them. */
  readonly statements: number;
  readonly resumedModels: number;
  /** Models vacuumed by this run (the first complete refresh of a UTC day vacuums them all). */
  readonly vacuumed: number;
}

export const DEFAULT_RESERVE_MS = 120_000;

const SCALAR = {
  watermark: 'SELECT CAST(max(changed_at) AS varchar) AS watermark FROM identity_changes',
  firstEventDate: 'SELECT min(event_date) AS start_date FROM events',
  lastEventDate: (from: string) => `SELECT max(event_date) AS end_date FROM events WHERE event_date >= '${from}'`,
};

export interface RefreshPlan {
  readonly fingerprint: string;
  readonly full: boolean;
  /** null: there is no event at all (a full rebuild then only empties the models). */
  readonly from: string | null;
  readonly reasons: string[];
  readonly chunks: number;
  /** The identity watermark the models will be stamped with once this plan completes. */
  readonly watermark: string | null;
  readonly resumeAt: number;
}

/**
 * The models fingerprint plus their table DDL (location aside): a change of either rebuilds every
 * model, which is also what the views deployer's DROP and CREATE of a changed table needs.
 */
export function refreshFingerprint(cfg: ViewConfig): string {
  const h = createHash('sha256').update(modelsFingerprint('athena', cfg));
  for (const m of renderModels('athena', cfg)) h.update('\0').update(icebergCreateTableSql(m, icebergModelLocation('bucket', m.name)));
  return h.digest('hex').slice(0, 16);
}

/** Plan W (see the file header). Reads only; runs planner queries through `sql`. */
export async function planRefresh(
  deps: Pick<RefreshDeps, 'sql' | 'now'>,
  settings: RefreshSettings,
  state: RefreshState,
  request: RefreshRequest = {},
): Promise<RefreshPlan> {
  const cfg = settings.views;
  const fingerprint = refreshFingerprint(cfg);
  const pending = state.pending?.fingerprint === fingerprint ? state.pending : undefined;
  const watermarkNow = checkWatermark((await deps.sql.scalar(SCALAR.watermark, 'plan: identity watermark')) ?? null);
  const full = request.full === true || state.fingerprint !== fingerprint || pending?.full === true;
  const acc = startAccumulator();
  if (full) {
    const why = request.full ? 'full rebuild requested' : state.fingerprint === undefined ? 'first build' : 'models changed';
    acc.earlier(await deps.sql.scalar(SCALAR.firstEventDate, 'plan: first event date'), why);
  } else {
    acc.earlier(addDays(utcDate(deps.now()), -settings.lookbackDays), 'late data lookback');
    const seen = state.watermark ?? null;
    if (watermarkNow !== null && watermarkNow !== seen) {
      acc.earlier(await deps.sql.scalar(movedPersonsStartSql(cfg, seenChangesRelation(seen)), 'plan: moved persons'), 'identity merges');
    }
    if (request.from !== undefined) acc.earlier(request.from, 'requested');
    if (pending?.from) acc.earlier(pending.from, 'unfinished refresh');
    // Sessions in progress at W move W to their start, until none is left (sql/models/plan.ts).
    for (let from = acc.from; from !== undefined; from = acc.from) {
      const open = await deps.sql.scalar(openSessionsStartSql(cfg, from), 'plan: open sessions');
      if (open === undefined || open >= from) break;
      acc.earlier(open, 'session in progress');
    }
  }
  const from = acc.from ?? null;
  const chunks = from === null ? 0 : chunkCount(from, await deps.sql.scalar(SCALAR.lastEventDate(from), 'plan: last event date'));
  const same = pending !== undefined && pending.from === from && pending.full === full && pending.chunks === chunks;
  return {
    fingerprint,
    full,
    from,
    reasons: acc.reasons,
    chunks,
    // Resuming: the models done earlier were stamped with the older changes, so keep the older mark.
    watermark: same ? pending.watermark : watermarkNow,
    resumeAt: same ? pending.modelsDone : 0,
  };
}

/** The whole statement sequence of a plan, model by model. */
export function planStatements(
  models: readonly RenderedModel[],
  plan: Pick<RefreshPlan, 'from' | 'full' | 'chunks'>,
): RefreshStatement[][] {
  return models.map((m) => modelStatements(m, plan.from, plan.full, plan.chunks));
}

export async function refreshModels(deps: RefreshDeps, settings: RefreshSettings, request: RefreshRequest = {}): Promise<RefreshReport> {
  if (request.from !== undefined && !isPartitionDate(request.from)) throw new RangeError(`from must be YYYY-MM-DD, got ${request.from}`);
  const remaining = deps.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const reserve = deps.reserveMs ?? DEFAULT_RESERVE_MS;
  const state = await deps.state.read();
  const plan = await planRefresh(deps, settings, state, request);
  const models = renderModels('athena', settings.views);
  const base = { from: plan.from ?? undefined, full: plan.full, reasons: plan.reasons, chunks: plan.chunks };
  deps.log.info('models refresh planned', { ...base, resumeAt: plan.resumeAt });
  const sequence = planStatements(models, plan);
  const pending = (modelsDone: number): PendingRefresh => ({
    fingerprint: plan.fingerprint,
    from: plan.from,
    full: plan.full,
    chunks: plan.chunks,
    modelsDone,
    watermark: plan.watermark,
  });
  // The previous complete state stays as it was until the end: a crash leaves it plus `pending`.
  const previous = {
    version: 1 as const,
    fingerprint: state.fingerprint,
    watermark: state.watermark ?? null,
    vacuumedOn: state.vacuumedOn,
  };
  let statements = 0;
  await deps.state.write({ ...previous, pending: pending(plan.resumeAt) });
  for (let i = plan.resumeAt; i < sequence.length; i++) {
    if (remaining() < reserve) {
      deps.log.warn('models refresh out of time, the next run resumes', { modelsDone: i, models: sequence.length });
      return { status: 'partial', ...base, statements, resumedModels: plan.resumeAt, vacuumed: 0 };
    }
    const started = Date.now();
    for (const s of sequence[i]!) {
      await deps.sql.run(s.sql, `${s.kind} ${s.model}${s.lo ? ` [${s.lo}, ${s.hi ?? '...'})` : ''}`);
      statements++;
    }
    if (i + 1 < sequence.length) await deps.state.write({ ...previous, pending: pending(i + 1) });
    deps.log.info('model rewritten', { model: models[i]!.name, statements: sequence[i]!.length, ms: Date.now() - started });
  }
  await deps.state.write({ version: 1, fingerprint: plan.fingerprint, watermark: plan.watermark, vacuumedOn: state.vacuumedOn });
  const vacuumed = await vacuumDaily(deps, models, state.vacuumedOn, remaining, reserve);
  return { status: 'refreshed', ...base, statements, resumedModels: plan.resumeAt, vacuumed };
}

/**
 * Once per UTC day, after a complete refresh: VACUUM every model (each refresh leaves a snapshot of
 * the partitions it replaced). A VACUUM that fails (Athena asks for more runs on a large backlog) is
 * logged and tried again the next day; it never fails the refresh, whose tables are already right.
 */
async function vacuumDaily(
  deps: RefreshDeps,
  models: readonly RenderedModel[],
  vacuumedOn: string | undefined,
  remaining: () => number,
  reserve: number,
): Promise<number> {
  const today = utcDate(deps.now());
  if (vacuumedOn === today || remaining() < reserve) return 0;
  let vacuumed = 0;
  for (const m of models) {
    if (remaining() < reserve) break;
    try {
      await deps.sql.run(icebergVacuumSql(m.name), `vacuum ${m.name}`);
      vacuumed++;
    } catch (err) {
      deps.log.warn('vacuum failed; tried again tomorrow', { model: m.name, error: (err as Error).message.slice(0, 300) });
    }
  }
  const state = await deps.state.read();
  await deps.state.write({ ...state, vacuumedOn: today });
  return vacuumed;
}
