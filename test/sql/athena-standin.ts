/**
 * A loopback stand-in for the Athena API (AWS JSON 1.1 protocol, the same wire the real
 * @aws-sdk/client-athena speaks), so the Athena engine is exercised through the real client:
 * StartQueryExecution -> GetQueryExecution (QUEUED, RUNNING..., then SUCCEEDED/FAILED) ->
 * GetQueryResults (header row first, MaxResults/NextToken paging, every value a string).
 * Queries are answered by a DuckDB engine (portable SELECTs only), so results can be compared with the
 * DuckDB engine value for value. Fault injection: throttle the first N GetQueryExecution calls with the
 * real error shape (ThrottlingException), fail queries containing FAIL_ME like Athena does.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AthenaClient } from '@aws-sdk/client-athena';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DuckDbEngine } from '../../query/duckdb.js';

interface Execution {
  id: string;
  sql: string;
  polls: number;
  columns: { name: string; type: string }[];
  rows: (string | null)[][];
  error?: string;
}

export interface AthenaStandIn {
  endpoint: string;
  calls: { target: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

const ATHENA_TYPES: [RegExp, string][] = [
  [/^VARCHAR\[\]$/, 'array'],
  [/^VARCHAR$/, 'varchar'],
  [/^BIGINT$|^HUGEINT$/, 'bigint'],
  [/^INTEGER$/, 'integer'],
  [/^DOUBLE$/, 'double'],
  [/^BOOLEAN$/, 'boolean'],
  [/^TIMESTAMP/, 'timestamp'],
  [/^DATE$/, 'date'],
  [/^DECIMAL/, 'decimal'],
];

function athenaString(v: unknown, type: string): string | null {
  if (v === null || v === undefined) return null;
  if (type === 'timestamp') return String(v).replace('T', ' ').replace('Z', '');
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  return String(v);
}

export async function startAthenaStandIn(
  engine: DuckDbEngine,
  opts: { runningPolls?: number; throttleFirstPolls?: number; bytesScanned?: number } = {},
): Promise<AthenaStandIn> {
  const executions = new Map<string, Execution>();
  const calls: AthenaStandIn['calls'] = [];
  let throttles = opts.throttleFirstPolls ?? 0;
  let seq = 0;

  async function handle(target: string, body: Record<string, unknown>): Promise<[number, unknown]> {
    switch (target) {
      case 'StartQueryExecution': {
        const id = `q-${++seq}`;
        const sql = String(body.QueryString);
        const ex: Execution = { id, sql, polls: 0, columns: [], rows: [] };
        if (sql.includes('FAIL_ME')) ex.error = "COLUMN_NOT_FOUND: line 1:8: Column 'fail_me' cannot be resolved";
        else {
          const described = await engine.query<{ column_name: string; column_type: string }>(`DESCRIBE ${sql}`);
          ex.columns = described.rows.map((r) => ({
            name: r.column_name,
            type: ATHENA_TYPES.find(([re]) => re.test(r.column_type))?.[1] ?? 'varchar',
          }));
          const result = await engine.query(sql);
          ex.rows = result.rows.map((row) => ex.columns.map((c) => athenaString(row[c.name], c.type)));
        }
        executions.set(id, ex);
        return [200, { QueryExecutionId: id }];
      }
      case 'GetQueryExecution': {
        if (throttles > 0) {
          throttles--;
          return [400, { __type: 'ThrottlingException', message: 'Rate exceeded' }];
        }
        const ex = executions.get(String(body.QueryExecutionId));
        if (!ex) return [400, { __type: 'InvalidRequestException', Message: 'QueryExecution not found' }];
        ex.polls++;
        const running = ex.polls <= (opts.runningPolls ?? 2);
        const state = running ? (ex.polls === 1 ? 'QUEUED' : 'RUNNING') : ex.error ? 'FAILED' : 'SUCCEEDED';
        return [
          200,
          {
            QueryExecution: {
              QueryExecutionId: ex.id,
              Query: ex.sql,
              StatementType: 'DML',
              Status: {
                State: state,
                ...(state === 'FAILED'
                  ? {
                      StateChangeReason: ex.error,
                      AthenaError: { ErrorCategory: 2, ErrorType: 1006, Retryable: false, ErrorMessage: ex.error },
                    }
                  : {}),
              },
              Statistics:
                state === 'SUCCEEDED' ? { DataScannedInBytes: opts.bytesScanned ?? 12_345, EngineExecutionTimeInMillis: 321 } : {},
            },
          },
        ];
      }
      case 'GetQueryResults': {
        const ex = executions.get(String(body.QueryExecutionId));
        if (!ex) return [400, { __type: 'InvalidRequestException', Message: 'QueryExecution not found' }];
        const max = Number(body.MaxResults ?? 1000);
        const all = [ex.columns.map((c) => c.name), ...ex.rows];
        const start = body.NextToken ? Number(body.NextToken) : 0;
        const page = all.slice(start, start + max);
        const next = start + max < all.length ? String(start + max) : undefined;
        return [
          200,
          {
            ResultSet: {
              Rows: page.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) })),
              ResultSetMetadata: {
                ColumnInfo: ex.columns.map((c) => ({
                  CatalogName: 'hive',
                  SchemaName: '',
                  TableName: '',
                  Name: c.name,
                  Label: c.name,
                  Type: c.type,
                  Precision: 0,
                  Scale: 0,
                  Nullable: 'UNKNOWN',
                  CaseSensitive: c.type === 'varchar',
                })),
              },
            },
            ...(next ? { NextToken: next } : {}),
            UpdateCount: 0,
          },
        ];
      }
      case 'StopQueryExecution':
        return [200, {}];
      default:
        return [400, { __type: 'UnknownOperationException', message: target }];
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonAthena\./, '');
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      calls.push({ target, body });
      handle(target, body)
        .then(([status, payload]) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${calls.length}` });
          res.end(JSON.stringify(payload));
        })
        .catch((err: Error) => {
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ __type: 'InternalServerException', message: err.message }));
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The real Athena client, pointed at a stand-in. */
export function athenaClientFor(standIn: Pick<AthenaStandIn, 'endpoint'>): AthenaClient {
  return new AthenaClient({
    endpoint: standIn.endpoint,
    region: 'eu-west-1',
    // Dummy keys for request signing against the loopback stand-in; never sent anywhere else.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
}
