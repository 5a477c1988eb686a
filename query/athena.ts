/**
 * Athena engine: the query is started and polled by runAthenaQuery (capped exponential backoff, shared
 * with the views deployer), GetQueryResults is paged with the SDK paginator, values are converted by
 * the column types Athena reports, and the bytes scanned (what Athena bills: $5/TB, 10 MB minimum per
 * query) are returned with the rows.
 */
import { type AthenaClient, type ColumnInfo, paginateGetQueryResults, type Row, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { AthenaQueryError, runAthenaQuery } from '../lambdas/index.js';
import type { QueryEngine, QueryResult } from './types.js';

export { AthenaQueryError };

export interface AthenaEngineOptions {
  readonly client: AthenaClient;
  readonly workgroup: string;
  readonly database: string;
  readonly catalog?: string;
  /** s3://... for results; omit when the workgroup enforces its own location. */
  readonly outputLocation?: string;
  /** First poll delay (default 200 ms); doubles up to maxPollMs (default 5 s). */
  readonly initialPollMs?: number;
  readonly maxPollMs?: number;
  /** Give up (and StopQueryExecution) after this long. Default 15 minutes. */
  readonly timeoutMs?: number;
  /** GetQueryResults page size (max 1000). */
  readonly pageSize?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export function createAthenaEngine(opts: AthenaEngineOptions): QueryEngine & { lastQueryExecutionId?: string } {
  const timeoutMs = opts.timeoutMs ?? 15 * 60_000;
  const pageSize = Math.min(1000, Math.max(1, opts.pageSize ?? 1000));
  const engine = {
    lastQueryExecutionId: undefined as string | undefined,
    async query<T = Record<string, unknown>>(sql: string): Promise<QueryResult<T>> {
      const deadline = Date.now() + timeoutMs;
      const { queryExecutionId: id, execution } = await runAthenaQuery(
        opts.client,
        {
          QueryString: sql,
          WorkGroup: opts.workgroup,
          QueryExecutionContext: { Database: opts.database, ...(opts.catalog ? { Catalog: opts.catalog } : {}) },
          ...(opts.outputLocation ? { ResultConfiguration: { OutputLocation: opts.outputLocation } } : {}),
        },
        {
          initialPollMs: opts.initialPollMs ?? 200,
          maxPollMs: opts.maxPollMs ?? 5_000,
          remainingMs: () => deadline - Date.now(),
          sleep: opts.sleep,
          onStarted: (started) => {
            engine.lastQueryExecutionId = started;
          },
          onTimeout: async (timedOut) => {
            await opts.client.send(new StopQueryExecutionCommand({ QueryExecutionId: timedOut })).catch(() => undefined);
            return new AthenaQueryError(`Athena query ${timedOut} timed out after ${timeoutMs} ms`, timedOut, 'TIMEOUT');
          },
        },
      );
      const bytesScanned = execution?.Statistics?.DataScannedInBytes;
      const statementType = execution?.StatementType;

      const rows: T[] = [];
      let columns: string[] = [];
      let info: ColumnInfo[] = [];
      let first = true;
      for await (const page of paginateGetQueryResults({ client: opts.client, pageSize }, { QueryExecutionId: id })) {
        if (first) {
          info = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
          columns = info.map((c) => c.Label ?? c.Name ?? '');
        }
        let data: Row[] = page.ResultSet?.Rows ?? [];
        // For SELECT (DML) results Athena repeats the column labels as the first row of the first page.
        if (first && statementType !== 'DDL' && data.length > 0 && isHeader(data[0]!, columns)) data = data.slice(1);
        for (const r of data) {
          const obj: Record<string, unknown> = {};
          columns.forEach((name, i) => {
            obj[name] = convertAthenaValue(r.Data?.[i]?.VarCharValue, info[i]?.Type ?? 'varchar');
          });
          rows.push(obj as T);
        }
        first = false;
      }
      return { rows, columns, ...(bytesScanned !== undefined ? { bytesScanned } : {}) };
    },
    async close() {
      // The client belongs to the caller (it may be shared); nothing of ours to release.
    },
  };
  return engine;
}

function isHeader(row: Row, columns: string[]): boolean {
  const d = row.Data ?? [];
  return d.length === columns.length && d.every((x, i) => x.VarCharValue === columns[i]);
}

/** Athena returns every value as a string (absent = NULL); convert by the reported column type. */
export function convertAthenaValue(raw: string | undefined, type: string): unknown {
  if (raw === undefined || raw === null) return null;
  const t = type.toLowerCase();
  if (t === 'boolean') return raw === 'true';
  if (['tinyint', 'smallint', 'integer', 'int', 'bigint', 'double', 'float', 'real'].includes(t) || t.startsWith('decimal')) {
    if (raw === 'NaN') return Number.NaN;
    if (raw === 'Infinity') return Number.POSITIVE_INFINITY;
    if (raw === '-Infinity') return Number.NEGATIVE_INFINITY;
    return Number(raw);
  }
  if (t.startsWith('timestamp')) return athenaTimestampToIso(raw);
  if (t === 'date') return raw;
  if (t.startsWith('array')) return parseAthenaArray(raw);
  return raw;
}

/** '2024-05-01 10:00:00.123' (UTC, optionally followed by ' UTC') -> '2024-05-01T10:00:00.123Z'. */
export function athenaTimestampToIso(raw: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(raw);
  if (!m) return raw;
  const frac = (m[3] ?? '.000').slice(1).padEnd(3, '0').slice(0, 3);
  return `${m[1]}T${m[2]}.${frac}Z`;
}

/**
 * Athena renders arrays as '[a, b, c]' without quoting, so elements containing ', ' cannot be told apart:
 * good for channel lists, not for free text (select array_join(...) for those).
 */
function parseAthenaArray(raw: string): string[] {
  const inner = raw.replace(/^\[/, '').replace(/\]$/, '');
  return inner === '' ? [] : inner.split(', ');
}
