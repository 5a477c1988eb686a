/**
 * The views-deployer custom resource, driven with the REAL @aws-sdk/client-athena against a loopback
 * endpoint speaking Athena's JSON protocol (there is no offline Athena). The stand-in keeps a catalog
 * of views so that the tests check outcomes (which views exist afterwards), not just calls.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AthenaClient } from '@aws-sdk/client-athena';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CustomResourceEvent, createHandler, dropStatement } from '../../lambdas/views-deployer/handler.js';

interface Execution {
  sql: string;
  workGroup?: string;
  database?: string;
  polls: number;
}

/** Minimal Athena: StartQueryExecution + GetQueryExecution; QUEUED -> RUNNING -> SUCCEEDED|FAILED. */
class FakeAthenaEndpoint {
  server: Server;
  views = new Map<string, string>();
  executions = new Map<string, Execution>();
  /** Force the next query to fail with this reason. */
  failNext?: string;
  private seq = 0;

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
          const id = `q-${++this.seq}`;
          this.executions.set(id, {
            sql: input.QueryString,
            workGroup: input.WorkGroup,
            database: input.QueryExecutionContext?.Database,
            polls: 0,
          });
          return reply(200, { QueryExecutionId: id });
        }
        if (target.endsWith('.GetQueryExecution')) {
          const ex = this.executions.get(input.QueryExecutionId);
          if (!ex) return reply(400, { __type: 'InvalidRequestException', Message: 'unknown query' });
          ex.polls++;
          let state = ex.polls === 1 ? 'QUEUED' : ex.polls === 2 ? 'RUNNING' : 'SUCCEEDED';
          let reason: string | undefined;
          if (state === 'SUCCEEDED') {
            if (this.failNext) {
              state = 'FAILED';
              reason = this.failNext;
              this.failNext = undefined;
            } else this.apply(ex.sql);
          }
          return reply(200, {
            QueryExecution: { QueryExecutionId: input.QueryExecutionId, Status: { State: state, StateChangeReason: reason } },
          });
        }
        reply(400, { __type: 'UnknownOperationException', Message: target });
      });
    });
  }

  private apply(sql: string): void {
    const create = /^CREATE OR REPLACE VIEW (\w+) AS/i.exec(sql);
    if (create) this.views.set(create[1]!, sql);
    const drop = /^DROP VIEW IF EXISTS "(\w+)"\."(\w+)"$/i.exec(sql);
    if (drop) this.views.delete(drop[2]!);
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

const fake = new FakeAthenaEndpoint();
let onEvent: ReturnType<typeof createHandler>;
const sleeps: number[] = [];

beforeAll(async () => {
  const endpoint = await fake.start();
  const athena = new AthenaClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
  onEvent = createHandler({ athena, sleep: async (ms) => void sleeps.push(ms), log: () => {} });
});
afterAll(() => new Promise<void>((r) => fake.server.close(() => r())));
beforeEach(() => {
  fake.views.clear();
  fake.failNext = undefined;
  sleeps.length = 0;
});

const props = (name: string, select = 'SELECT 1 AS x') => ({
  WorkGroup: 'threadline-dev',
  Database: 'threadline_dev',
  ViewName: name,
  Statement: `CREATE OR REPLACE VIEW ${name} AS\n${select}`,
});

const ev = (
  RequestType: CustomResourceEvent['RequestType'],
  p: ReturnType<typeof props>,
  extra: Partial<CustomResourceEvent> = {},
): CustomResourceEvent => ({
  RequestType,
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x', ...p },
  ...extra,
});

describe('views deployer', () => {
  it('creates the view in the stack workgroup and database, waiting through QUEUED and RUNNING', async () => {
    const out = await onEvent(ev('Create', props('sessions')));
    expect(out.PhysicalResourceId).toBe('threadline_dev.sessions');
    expect([...fake.views.keys()]).toEqual(['sessions']);
    const last = [...fake.executions.values()].at(-1)!;
    expect(last.workGroup).toBe('threadline-dev');
    expect(last.database).toBe('threadline_dev');
    // Two non-terminal polls -> two waits, backing off.
    expect(sleeps).toEqual([200, 400]);
  });

  it('update replaces the view under the same physical id (idempotent when repeated)', async () => {
    await onEvent(ev('Create', props('sessions', 'SELECT 1 AS x')));
    const u1 = await onEvent(ev('Update', props('sessions', 'SELECT 2 AS x'), { PhysicalResourceId: 'threadline_dev.sessions' }));
    const u2 = await onEvent(ev('Update', props('sessions', 'SELECT 2 AS x'), { PhysicalResourceId: 'threadline_dev.sessions' }));
    expect(u1.PhysicalResourceId).toBe('threadline_dev.sessions');
    expect(u2.PhysicalResourceId).toBe(u1.PhysicalResourceId);
    expect(fake.views.size).toBe(1);
    expect(fake.views.get('sessions')).toContain('SELECT 2 AS x');
  });

  it('a rename yields a new physical id, and the later Delete with the old properties drops the old view', async () => {
    await onEvent(ev('Create', props('old_name')));
    const renamed = await onEvent(ev('Update', props('new_name'), { PhysicalResourceId: 'threadline_dev.old_name' }));
    expect(renamed.PhysicalResourceId).toBe('threadline_dev.new_name');
    // CloudFormation's cleanup phase: Delete of the old physical id carrying the old properties.
    await onEvent(ev('Delete', props('old_name'), { PhysicalResourceId: 'threadline_dev.old_name' }));
    expect([...fake.views.keys()]).toEqual(['new_name']);
  });

  it('delete drops the view and is idempotent', async () => {
    await onEvent(ev('Create', props('journeys')));
    await onEvent(ev('Delete', props('journeys'), { PhysicalResourceId: 'threadline_dev.journeys' }));
    await onEvent(ev('Delete', props('journeys'), { PhysicalResourceId: 'threadline_dev.journeys' }));
    expect(fake.views.size).toBe(0);
    const sqls = [...fake.executions.values()].map((e) => e.sql);
    expect(sqls.at(-1)).toBe(dropStatement({ Database: 'threadline_dev', ViewName: 'journeys' }));
  });

  it('a failed DDL fails the resource with Athena’s reason', async () => {
    fake.failNext = 'SYNTAX_ERROR: line 1:8: Column x cannot be resolved';
    await expect(onEvent(ev('Create', props('broken')))).rejects.toThrow(/FAILED: SYNTAX_ERROR: line 1:8: Column x cannot be resolved/);
    expect(fake.views.has('broken')).toBe(false);
  });

  it('a Delete whose target is already gone succeeds (stack deletion is never stuck on it)', async () => {
    fake.failNext = 'Database threadline_dev does not exist';
    const out = await onEvent(ev('Delete', props('sessions'), { PhysicalResourceId: 'threadline_dev.sessions' }));
    expect(out.PhysicalResourceId).toBe('threadline_dev.sessions');
  });

  it('other Delete failures are reported, not swallowed', async () => {
    fake.failNext = 'Access denied on glue:DeleteTable';
    await expect(onEvent(ev('Delete', props('sessions')))).rejects.toThrow(/Access denied/);
  });

  it('refuses names that are not plain identifiers (they are spliced into DDL)', async () => {
    const before = fake.executions.size;
    await expect(onEvent(ev('Delete', { ...props('x'), ViewName: 'x"; DROP TABLE events; --' }))).rejects.toThrow(/ViewName must match/);
    await expect(onEvent(ev('Create', { ...props('x'), Database: 'Threadline-Dev' }))).rejects.toThrow(/Database must match/);
    expect(fake.executions.size).toBe(before);
  });
});
