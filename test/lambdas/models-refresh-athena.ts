/**
 * A loopback Athena endpoint for the models-refresh tests, driven by the REAL @aws-sdk/client-athena
 * (Athena's JSON 1.1 protocol; there is no offline Athena). Queries answer after one RUNNING poll;
 * `answer(sql)` decides each query's outcome: a one-column result (a SELECT or SHOW), or a failure.
 * Every started statement is recorded in order, so that tests check the sequence a refresh sends.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AthenaClient } from '@aws-sdk/client-athena';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface Answer {
  /** Values of the single result column (a SELECT gets a header row in front, like Athena's). */
  readonly rows?: readonly (string | null)[];
  readonly fail?: string;
  /** Never finishes (the caller must stop it). */
  readonly hang?: boolean;
}

interface Execution {
  sql: string;
  workGroup?: string;
  database?: string;
  polls: number;
  answer: Answer;
  stopped: boolean;
}

export class FakeAthena {
  readonly server: Server;
  readonly executions: Execution[] = [];
  private readonly byId = new Map<string, Execution>();
  answer: (sql: string) => Answer = () => ({});

  constructor() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const input = JSON.parse(body || '{}');
        const reply = (status: number, payload: unknown) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(payload));
        };
        if (target.endsWith('.StartQueryExecution')) {
          const id = `q-${this.executions.length + 1}`;
          const ex: Execution = {
            sql: input.QueryString,
            workGroup: input.WorkGroup,
            database: input.QueryExecutionContext?.Database,
            polls: 0,
            answer: this.answer(input.QueryString),
            stopped: false,
          };
          this.executions.push(ex);
          this.byId.set(id, ex);
          return reply(200, { QueryExecutionId: id });
        }
        const ex = this.byId.get(input.QueryExecutionId);
        if (!ex) return reply(400, { __type: 'InvalidRequestException', Message: 'unknown query' });
        if (target.endsWith('.GetQueryExecution')) {
          ex.polls++;
          let state = ex.stopped ? 'CANCELLED' : ex.polls === 1 || ex.answer.hang ? 'RUNNING' : 'SUCCEEDED';
          const reason = state === 'SUCCEEDED' && ex.answer.fail ? ex.answer.fail : undefined;
          if (reason) state = 'FAILED';
          return reply(200, {
            QueryExecution: {
              QueryExecutionId: input.QueryExecutionId,
              Status: { State: state, StateChangeReason: reason },
              Statistics: { DataScannedInBytes: 1024, EngineExecutionTimeInMillis: 10 },
            },
          });
        }
        if (target.endsWith('.StopQueryExecution')) {
          ex.stopped = true;
          return reply(200, {});
        }
        if (target.endsWith('.GetQueryResults')) {
          const select = /^\s*(SELECT|WITH)\b/i.test(ex.sql);
          const values = [...(select ? ['col'] : []), ...(ex.answer.rows ?? [])];
          return reply(200, { ResultSet: { Rows: values.map((v) => ({ Data: [v === null ? {} : { VarCharValue: v }] })) } });
        }
        reply(400, { __type: 'UnknownOperationException', Message: target });
      });
    });
  }

  /** The SQL of every started query, in order. */
  get statements(): string[] {
    return this.executions.map((e) => e.sql);
  }

  async start(): Promise<AthenaClient> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return new AthenaClient({
      endpoint: `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: new NodeHttpHandler(),
      maxAttempts: 1,
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}
