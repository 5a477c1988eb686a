/**
 * Athena engine: StartQueryExecution, GetQueryExecution polled with capped exponential backoff,
 * GetQueryResults paged by NextToken, values converted by the column types Athena reports, and the
 * bytes scanned (what Athena bills: $5/TB, 10 MB minimum per query) returned with the rows.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type Row,
} from '@aws-sdk/client-athena';
import type { QueryEngine, QueryResult } from './types.js';

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

export class AthenaQueryError extends Error {
  override readonly name = 'AthenaQueryError';
  constructor(
    message: string,
    readonly queryExecutionId: string,
    readonly state: string,
    readonly errorType?: number,
  ) {
    super(message);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createAthenaEngine(opts: AthenaEngineOptions): QueryEngine & { lastQueryExecutionId?: string } {
  const sleep = opts.sleep ?? defaultSleep;
  const initial = opts.initialPollMs ?? 200;
  const maxPoll = opts.maxPollMs ?? 5_000;
  const timeoutMs = opts.timeoutMs ?? 15 * 60_000;
  const pageSize = Math.min(1000, Math.max(1, opts.pageSize ?? 1000));
  const engine = {
    lastQueryExecutionId: undefined as string | undefined,
    async query<T = Record<string, unknown>>(sql: string): Promise<QueryResult<T>> {
      const started = await opts.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: opts.workgroup,
          QueryExecutionContext: { Database: opts.database, ...(opts.catalog ? { Catalog: opts.catalog } : {}) },
          ...(opts.outputLocation ? { ResultConfiguration: { OutputLocation: opts.outputLocation } } : {}),
        }),
      );
      const id = started.QueryExecutionId;
      if (!id) throw new Error('Athena returned no QueryExecutionId');
      engine.lastQueryExecutionId = id;

      const deadline = Date.now() + timeoutMs;
      let delay = initial;
      let bytesScanned: number | undefined;
      let statementType: string | undefined;
      for (;;) {
        const { QueryExecution: qe } = await opts.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
        const state = qe?.Status?.State;
        if (state === 'SUCCEEDED') {
          bytesScanned = qe?.Statistics?.DataScannedInBytes;
          statementType = qe?.StatementType;
          break;
        }
        if (state === 'FAILED' || state === 'CANCELLED') {
          throw new AthenaQueryError(
            `Athena query ${id} ${state}: ${qe?.Status?.StateChangeReason ?? qe?.Status?.AthenaError?.ErrorMessage ?? 'no reason given'}`,
            id,
            state,
            qe?.Status?.AthenaError?.ErrorType,
          );
        }
        if (Date.now() + delay > deadline) {
          await opts.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
          throw new AthenaQueryError(`Athena query ${id} timed out after ${timeoutMs} ms`, id, 'TIMEOUT');
        }
        await sleep(delay);
        delay = Math.min(maxPoll, delay * 2);
      }

      const rows: T[] = [];
      let columns: string[] = [];
      let info: ColumnInfo[] = [];
      let token: string | undefined;
      let first = true;
      do {
        const page = await opts.client.send(
          new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: pageSize, ...(token ? { NextToken: token } : {}) }),
        );
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
        token = page.NextToken;
        first = false;
      } while (token);
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
