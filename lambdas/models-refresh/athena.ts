/**
 * The refresh's SqlRunner over Athena: every statement through runAthenaQuery in the stack's workgroup
 * and database; a query about to outlive the invocation is stopped (an Iceberg commit is atomic, so a
 * stopped INSERT or DELETE either happened completely or not at all). Logs figures only: the label,
 * bytes scanned and engine time, never rows.
 */
import { type AthenaClient, GetQueryResultsCommand, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { AthenaQueryError, runAthenaQuery } from '../shared/athena-query.js';
import type { AppLogger } from '../shared/logger.js';
import type { SqlRunner } from './refresh.js';

export interface AthenaRunnerOptions {
  readonly client: AthenaClient;
  readonly workGroup: string;
  readonly database: string;
  readonly log: AppLogger;
  readonly remainingMs?: () => number;
  /** Stop a query with this much of the invocation left (default 30 s: time to log and save). */
  readonly reserveMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export function athenaSqlRunner(o: AthenaRunnerOptions): SqlRunner {
  const exec = async (sql: string, label: string) => {
    const done = await runAthenaQuery(
      o.client,
      { QueryString: sql, WorkGroup: o.workGroup, QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: o.database } },
      {
        initialPollMs: 500,
        maxPollMs: 5_000,
        remainingMs: o.remainingMs,
        reserveMs: o.reserveMs ?? 30_000,
        sleep: o.sleep,
        onTimeout: async (id, state) => {
          await o.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
          return new AthenaQueryError(`Athena query ${id} (${label}) stopped: out of time while ${state ?? 'unknown'}`, id, 'TIMEOUT');
        },
      },
    );
    const st = done.execution?.Statistics;
    o.log.info('athena statement done', {
      label,
      queryId: done.queryExecutionId,
      bytesScanned: st?.DataScannedInBytes,
      engineMs: st?.EngineExecutionTimeInMillis,
    });
    return done.queryExecutionId;
  };
  return {
    async run(sql, label) {
      await exec(sql, label);
    },
    async scalar(sql, label) {
      const id = await exec(sql, label);
      // Row 0 is the header row of a SELECT's result set.
      const out = await o.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 2 }));
      const cell = out.ResultSet?.Rows?.[1]?.Data?.[0];
      return cell?.VarCharValue === undefined || cell.VarCharValue === '' ? undefined : cell.VarCharValue;
    },
  };
}
