/**
 * The journey-model refresh on AWS (lambdas/models-refresh), end to end through its Lambda handler
 * with the REAL Athena and SSM clients against loopback endpoints: the planner's queries and the
 * start date they give, the DELETE/INSERT sequence, chunking at 100 partitions, the state in SSM, the
 * fingerprint-change full rebuild, and re-runs after a crash or a time-out.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TrinoSQL } from 'dt-sql-parser';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler, parseRequest } from '../../lambdas/models-refresh/handler.js';
import {
  chunkCount,
  chunkRanges,
  daysBetween,
  MAX_PARTITIONS_PER_INSERT,
  modelStatements,
  parseState,
  seenChangesRelation,
} from '../../lambdas/models-refresh/plan.js';
import { refreshFingerprint } from '../../lambdas/models-refresh/refresh.js';
import { silentLogger } from '../../lambdas/shared/logger.js';
import { addDays, MODEL_NAMES, movedPersonsStartSql, openSessionsStartSql, renderModels, resolveViewConfig } from '../../sql/index.js';
import { type SsmStandIn, startSsmStandIn } from '../collector/ssm-standin.js';
import { type Answer, FakeAthena } from './models-refresh-athena.js';

const trino = new TrinoSQL();
const views = resolveViewConfig({});
const PARAM = '/threadline/test/models-refresh-state';
const FP = refreshFingerprint(views);

const athena = new FakeAthena();
let ssmStandIn: SsmStandIn;
let ssm: SSMClient;
let athenaClient: Awaited<ReturnType<FakeAthena['start']>>;

beforeAll(async () => {
  athenaClient = await athena.start();
  ssmStandIn = await startSsmStandIn();
  ssm = new SSMClient({
    endpoint: ssmStandIn.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
});
afterAll(async () => {
  await athena.close();
  await ssmStandIn.close();
});
beforeEach(() => {
  athena.executions.length = 0;
  ssmStandIn.params.clear();
});

interface Lake {
  watermark?: string | null;
  first?: string | null;
  last?: string | null;
  moved?: string | null;
  /** Start of a session open at `from`, or null. */
  open?: (from: string) => string | null;
  fail?: (sql: string) => string | undefined;
  hang?: (sql: string) => boolean;
}

/** Answers the planner's queries the way Athena would over a lake described by `l`. */
function lakeAnswers(l: Lake): (sql: string) => Answer {
  return (sql) => {
    const failure = l.fail?.(sql);
    if (failure) return { fail: failure };
    if (l.hang?.(sql)) return { hang: true };
    if (/max\(changed_at\)/.test(sql)) return { rows: [l.watermark ?? null] };
    if (/min\(event_date\) AS start_date FROM events$/.test(sql)) return { rows: [l.first ?? null] };
    if (/max\(event_date\) AS end_date FROM events/.test(sql)) return { rows: [l.last ?? null] };
    if (/^WITH old_map AS/.test(sql)) return { rows: [l.moved ?? null] };
    const open = /FROM model_sessions\nWHERE event_date < '(\d{4}-\d{2}-\d{2})'/.exec(sql);
    if (open) return { rows: [l.open?.(open[1]!) ?? null] };
    return {};
  };
}

async function putState(state: unknown) {
  ssmStandIn.params.set(PARAM, { Name: PARAM, Type: 'String', Value: JSON.stringify(state), Version: 1, LastModifiedDate: 0 });
}
function state(): any {
  const p = ssmStandIn.params.get(PARAM);
  return p ? JSON.parse(p.Value) : undefined;
}

function handler(now: string, opts: { lookbackDays?: number; remaining?: () => number } = {}) {
  const h = createHandler({
    athena: athenaClient,
    ssm,
    config: {
      workGroup: 'threadline-test',
      database: 'threadline_test',
      stateParameter: PARAM,
      lookbackDays: opts.lookbackDays ?? 3,
      views,
    },
    log: silentLogger,
    now: () => new Date(`${now}T10:00:00Z`),
    sleep: async () => {},
    reserveMs: 60_000,
  });
  return (event: unknown = {}) => h(event, opts.remaining ? { getRemainingTimeInMillis: opts.remaining } : undefined);
}

/** DELETE/INSERT statements in a short form: "DELETE model_x >= d", "DELETE model_x *", "INSERT model_x [lo, hi)". */
function writes(): string[] {
  return athena.statements.flatMap((sql) => {
    const del = /^DELETE FROM (\w+)(?: WHERE event_date >= '([\d-]+)')?$/.exec(sql);
    if (del) return [del[2] ? `DELETE ${del[1]} >= ${del[2]}` : `DELETE ${del[1]} *`];
    const ins = /^INSERT INTO (\w+) [\s\S]*WHERE event_date >= '([\d-]+)'(?: AND event_date < '([\d-]+)')?$/.exec(sql);
    if (ins) return [`INSERT ${ins[1]} [${ins[2]}, ${ins[3] ?? '...'})`];
    return [];
  });
}

const perModel = (f: (m: string) => string[]) => MODEL_NAMES.flatMap(f);

describe('chunking at Athena’s 100 partitions per INSERT', () => {
  it('counts chunks by hand-computed boundaries', () => {
    expect(MAX_PARTITIONS_PER_INSERT).toBe(100);
    expect(chunkCount('2024-01-01', undefined)).toBe(0);
    expect(chunkCount('2024-01-01', '2023-12-31')).toBe(0);
    expect(chunkCount('2024-01-01', '2024-01-01')).toBe(1);
    // 2024-01-01 + 99 days = 2024-04-09: 100 partitions, one chunk; one more day needs a second.
    expect(chunkCount('2024-01-01', '2024-04-09')).toBe(1);
    expect(chunkCount('2024-01-01', '2024-04-10')).toBe(2);
    expect(chunkRanges('2024-01-01', 2)).toEqual([{ lo: '2024-01-01', hi: '2024-04-10' }, { lo: '2024-04-10' }]);
  });

  it('the chunks tile [from, max] contiguously, each holding at most 100 of its dates', () => {
    const day = fc.integer({ min: 0, max: 20_000 }).map((n) => addDays('1990-01-01', n));
    fc.assert(
      fc.property(day, fc.integer({ min: 0, max: 2_000 }), (from, span) => {
        const max = addDays(from, span);
        const ranges = chunkRanges(from, chunkCount(from, max));
        expect(ranges[0]!.lo).toBe(from);
        expect(ranges.at(-1)!.hi).toBeUndefined();
        for (let i = 0; i < ranges.length; i++) {
          const r = ranges[i]!;
          if (i > 0) expect(r.lo).toBe(ranges[i - 1]!.hi);
          // The dates of [from, max] inside this chunk: up to its end or the day after max.
          const afterMax = addDays(max, 1);
          const end = r.hi !== undefined && r.hi < afterMax ? r.hi : afterMax;
          const dates = daysBetween(r.lo, end);
          expect(dates).toBeGreaterThan(0);
          expect(dates).toBeLessThanOrEqual(MAX_PARTITIONS_PER_INSERT);
        }
      }),
    );
  });
});

describe('rendered statements', () => {
  it('every DELETE and chunked INSERT and every planner query parses as Trino SQL', () => {
    const sql: string[] = [];
    for (const m of renderModels('athena', views)) {
      for (const s of [...modelStatements(m, '2024-01-01', false, 2), ...modelStatements(m, '2024-01-01', true, 1)]) sql.push(s.sql);
    }
    sql.push(
      movedPersonsStartSql(views, seenChangesRelation('2024-06-01 12:00:00.000')),
      movedPersonsStartSql(views, seenChangesRelation(null)),
    );
    sql.push(openSessionsStartSql(views, '2024-06-07'));
    expect(sql.length).toBe(5 * (3 + 2) + 3);
    for (const s of sql)
      expect({ s: s.slice(0, 60), errors: trino.validate(s).map((e) => e.message) }).toEqual({ s: s.slice(0, 60), errors: [] });
  });

  it('an INSERT names the table columns in order and bounds the partitions', () => {
    const m = renderModels('athena', views).find((x) => x.name === 'model_sessions')!;
    const [del, ins] = modelStatements(m, '2024-01-01', false, 1);
    expect(del!.sql).toBe("DELETE FROM model_sessions WHERE event_date >= '2024-01-01'");
    const cols = m.columns.map((c) => c.name).join(', ');
    expect(
      ins!.sql.startsWith(`INSERT INTO model_sessions (${cols})\nSELECT ${cols} FROM (\n${m.select('2024-01-01')}\n) AS refreshed\n`),
    ).toBe(true);
    expect(ins!.sql.endsWith("WHERE event_date >= '2024-01-01'")).toBe(true);
  });

  it('refuses a watermark that is not a timestamp (it goes into SQL)', () => {
    expect(() => seenChangesRelation("2024-01-01' OR 1=1 --")).toThrow(/watermark/);
    expect(parseState(JSON.stringify({ version: 1, fingerprint: 'x', watermark: 'nope' }))).toEqual({ version: 1 });
    expect(parseState('not json')).toEqual({ version: 1 });
  });
});

describe('invocation payload', () => {
  it('accepts nothing, a start date or a full rebuild, and refuses anything else', () => {
    expect(parseRequest({})).toEqual({});
    expect(parseRequest(undefined)).toEqual({});
    expect(parseRequest({ from: '2024-02-29' })).toEqual({ from: '2024-02-29' });
    expect(parseRequest({ full: true })).toEqual({ full: true });
    expect(() => parseRequest({ from: '2023-02-29' })).toThrow(/YYYY-MM-DD/);
    expect(() => parseRequest({ from: "2024-01-01' --" })).toThrow(/YYYY-MM-DD/);
    expect(() => parseRequest({ full: 'yes' })).toThrow(/true or false/);
  });
});

describe('refresh runs', () => {
  it('first run: full rebuild from the first event date, state written with fingerprint and watermark', async () => {
    athena.answer = lakeAnswers({ watermark: '2024-06-09 08:00:00.000', first: '2024-05-01', last: '2024-06-10' });
    const report = await handler('2024-06-10')();
    expect(report).toMatchObject({ status: 'refreshed', full: true, from: '2024-05-01', chunks: 1, statements: 10 });
    expect(writes()).toEqual(perModel((m) => [`DELETE ${m} *`, `INSERT ${m} [2024-05-01, ...)`]));
    expect(state()).toEqual({ version: 1, fingerprint: FP, watermark: '2024-06-09 08:00:00.000', vacuumedOn: '2024-06-10' });
    // Every statement ran in the stack's workgroup and database.
    expect(new Set(athena.executions.map((e) => `${e.workGroup}/${e.database}`))).toEqual(new Set(['threadline-test/threadline_test']));
  });

  it('scheduled run: the lookback, then the open-sessions fixed point; no merge query when the watermark did not move', async () => {
    await putState({ version: 1, fingerprint: FP, watermark: '2024-06-09 08:00:00.000' });
    // A session open at 2024-06-07 started 2024-06-06; one open at 2024-06-06 started 2024-06-04; none before.
    const opens: Record<string, string> = { '2024-06-07': '2024-06-06', '2024-06-06': '2024-06-04' };
    athena.answer = lakeAnswers({ watermark: '2024-06-09 08:00:00.000', last: '2024-06-10', open: (f) => opens[f] ?? null });
    const report = await handler('2024-06-10')();
    expect(report.from).toBe('2024-06-04');
    expect(report.reasons).toEqual([
      'late data lookback (2024-06-07)',
      'session in progress (2024-06-06)',
      'session in progress (2024-06-04)',
    ]);
    expect(athena.statements.some((s) => s.startsWith('WITH old_map'))).toBe(false);
    expect(writes()).toEqual(perModel((m) => [`DELETE ${m} >= 2024-06-04`, `INSERT ${m} [2024-06-04, ...)`]));
  });

  it('identity merges since the watermark move W to the earliest event of a moved person', async () => {
    await putState({ version: 1, fingerprint: FP, watermark: '2024-06-09 08:00:00.000' });
    athena.answer = lakeAnswers({ watermark: '2024-06-10 09:00:00.000', moved: '2024-03-15', last: '2024-06-10' });
    const report = await handler('2024-06-10')();
    expect(report.from).toBe('2024-03-15');
    const moved = athena.statements.find((s) => s.startsWith('WITH old_map'))!;
    expect(moved).toContain("(SELECT * FROM identity_changes WHERE changed_at <= TIMESTAMP '2024-06-09 08:00:00.000')");
    expect(state().watermark).toBe('2024-06-10 09:00:00.000');
  });

  it('a requested start earlier than the plan wins; 250 days need three INSERTs per model', async () => {
    await putState({ version: 1, fingerprint: FP, watermark: null });
    athena.answer = lakeAnswers({ watermark: null, last: addDays('2023-10-01', 249) });
    const report = await handler('2024-06-10')({ from: '2023-10-01' });
    expect(report).toMatchObject({ from: '2023-10-01', chunks: 3, full: false });
    expect(writes()).toEqual(
      perModel((m) => [
        `DELETE ${m} >= 2023-10-01`,
        `INSERT ${m} [2023-10-01, 2024-01-09)`,
        `INSERT ${m} [2024-01-09, 2024-04-18)`,
        `INSERT ${m} [2024-04-18, ...)`,
      ]),
    );
  });

  it('a changed fingerprint rebuilds everything: DELETE every row, INSERT from the first event on', async () => {
    await putState({ version: 1, fingerprint: 'older-models', watermark: '2024-06-09 08:00:00.000' });
    athena.answer = lakeAnswers({ watermark: '2024-06-09 08:00:00.000', first: '2024-01-01', last: '2024-06-10' });
    const report = await handler('2024-06-10')();
    expect(report).toMatchObject({ full: true, from: '2024-01-01', chunks: 2, reasons: ['models changed (2024-01-01)'] });
    expect(writes()).toEqual(perModel((m) => [`DELETE ${m} *`, `INSERT ${m} [2024-01-01, 2024-04-10)`, `INSERT ${m} [2024-04-10, ...)`]));
    expect(state().fingerprint).toBe(FP);
  });

  it('a full rebuild of an empty lake only empties the models', async () => {
    athena.answer = lakeAnswers({});
    const report = await handler('2024-06-10')({ full: true });
    expect(report).toMatchObject({ full: true, chunks: 0, statements: 5 });
    expect(writes()).toEqual(perModel((m) => [`DELETE ${m} *`]));
  });

  it('a crash between a DELETE and its INSERT: the re-run redoes that model from its DELETE, and ends where a clean run ends', async () => {
    const lake: Lake = { watermark: '2024-06-09 08:00:00.000', last: '2024-06-10' };
    const base = { version: 1, fingerprint: FP, watermark: '2024-06-09 08:00:00.000' };
    // The clean run, for reference.
    await putState(base);
    athena.answer = lakeAnswers(lake);
    await handler('2024-06-10')();
    const clean = writes();
    const cleanState = state();

    athena.executions.length = 0;
    await putState(base);
    athena.answer = lakeAnswers({
      ...lake,
      fail: (sql) => (sql.startsWith('INSERT INTO model_sessions') ? 'HIVE_CURSOR_ERROR: injected' : undefined),
    });
    await expect(handler('2024-06-10')()).rejects.toThrow(/injected/);
    const crashed = writes();
    expect(crashed.at(-1)).toBe('INSERT model_sessions [2024-06-07, ...)');
    expect(crashed.at(-2)).toBe('DELETE model_sessions >= 2024-06-07');
    // The complete state is untouched; pending says two models are done.
    expect(state()).toMatchObject({ ...base, pending: { from: '2024-06-07', full: false, chunks: 1, modelsDone: 2 } });

    athena.executions.length = 0;
    athena.answer = lakeAnswers(lake);
    const rerun = await handler('2024-06-10')();
    expect(rerun).toMatchObject({ status: 'refreshed', resumedModels: 2 });
    // Exactly the clean run's statements from model_sessions' DELETE on.
    expect(writes()).toEqual(clean.slice(clean.indexOf('DELETE model_sessions >= 2024-06-07')));
    expect(state()).toEqual(cleanState);
  });

  it('an unfinished refresh is redone from its start when the next plan differs (W earlier), never resumed mid-plan', async () => {
    await putState({
      version: 1,
      fingerprint: FP,
      watermark: null,
      pending: { fingerprint: FP, from: '2024-06-01', full: false, chunks: 1, modelsDone: 3, watermark: null },
    });
    athena.answer = lakeAnswers({ watermark: null, last: '2024-06-10' });
    const report = await handler('2024-06-10')();
    // The lookback alone would give 2024-06-07; the unfinished refresh's start is earlier.
    expect(report).toMatchObject({ from: '2024-06-01', resumedModels: 3 });
    athena.executions.length = 0;
    await putState({
      version: 1,
      fingerprint: FP,
      watermark: null,
      pending: { fingerprint: FP, from: '2024-06-01', full: false, chunks: 1, modelsDone: 3, watermark: null },
    });
    const report2 = await handler('2024-06-10')({ from: '2024-05-20' });
    expect(report2).toMatchObject({ from: '2024-05-20', resumedModels: 0 });
    expect(writes()[0]).toBe('DELETE model_events >= 2024-05-20');
  });

  it('out of time: stops at a model boundary (partial), and the next run resumes there', async () => {
    await putState({ version: 1, fingerprint: FP, watermark: null });
    athena.answer = lakeAnswers({ watermark: null, last: '2024-06-10' });
    // Plenty of time for the first model; then 40 s: below the 60 s a model needs to start, above the
    // 30 s the Athena runner keeps in hand (so no statement is stopped).
    const remaining = () => (writes().length >= 2 ? 40_000 : 600_000);
    const first = await handler('2024-06-10', { remaining })();
    expect(first.status).toBe('partial');
    const done = writes();
    expect(done).toEqual(['DELETE model_events >= 2024-06-07', 'INSERT model_events [2024-06-07, ...)']);
    expect(state().pending).toMatchObject({ modelsDone: 1 });
    athena.executions.length = 0;
    const second = await handler('2024-06-10')();
    expect(second).toMatchObject({ status: 'refreshed', resumedModels: 1 });
    expect([...done, ...writes()]).toEqual(perModel((m) => [`DELETE ${m} >= 2024-06-07`, `INSERT ${m} [2024-06-07, ...)`]));
    expect(state()).toEqual({ version: 1, fingerprint: FP, watermark: null, vacuumedOn: '2024-06-10' });
  });

  it('the first complete refresh of a UTC day vacuums every model; a failed VACUUM does not fail the run', async () => {
    await putState({ version: 1, fingerprint: FP, watermark: null, vacuumedOn: '2024-06-09' });
    athena.answer = lakeAnswers({
      watermark: null,
      last: '2024-06-10',
      fail: (sql) => (sql === 'VACUUM model_touchpoints' ? 'ICEBERG_VACUUM_MORE_RUNS_NEEDED' : undefined),
    });
    const first = await handler('2024-06-10')();
    expect(first).toMatchObject({ status: 'refreshed', vacuumed: 4 });
    expect(athena.statements.filter((s) => s.startsWith('VACUUM'))).toEqual(MODEL_NAMES.map((m) => `VACUUM ${m}`));
    // VACUUM runs after the refresh wrote its final state.
    const lastWrite = athena.statements
      .map((s, i) => [s, i] as const)
      .filter(([s]) => s.startsWith('INSERT'))
      .at(-1)![1];
    expect(athena.statements.findIndex((s) => s.startsWith('VACUUM'))).toBeGreaterThan(lastWrite);
    expect(state().vacuumedOn).toBe('2024-06-10');
    athena.executions.length = 0;
    const second = await handler('2024-06-10')();
    expect(second.vacuumed).toBe(0);
    expect(athena.statements.filter((s) => s.startsWith('VACUUM'))).toEqual([]);
  });

  it('a statement about to outlive the invocation is stopped, and the run fails with the model still pending', async () => {
    await putState({ version: 1, fingerprint: FP, watermark: null });
    athena.answer = lakeAnswers({ watermark: null, last: '2024-06-10', hang: (sql) => sql.startsWith('INSERT INTO model_events ') });
    let left = 200_000;
    const remaining = () => (left -= 20_000);
    await expect(handler('2024-06-10', { remaining })()).rejects.toThrow(/stopped: out of time/);
    const hung = athena.executions.find((e) => e.sql.startsWith('INSERT INTO model_events '))!;
    expect(hung.stopped).toBe(true);
    expect(state().pending).toMatchObject({ modelsDone: 0 });
  });
});
