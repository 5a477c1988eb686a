/**
 * Lambda entry of the journey-model refresh on AWS. Invoked by EventBridge Scheduler (input `{}`)
 * every few minutes to hours, or by hand:
 *   aws lambda invoke --function-name <fn> --payload '{"from":"2025-01-01"}' out.json
 *   aws lambda invoke --function-name <fn> --payload '{"full":true}' out.json
 * The function runs with reserved concurrency 1, so two refreshes never interleave their statements.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { SSMClient } from '@aws-sdk/client-ssm';
import { resolveClientConfig } from '../shared/aws-config.js';
import { type AppLogger, createLogger } from '../shared/logger.js';
import { athenaSqlRunner } from './athena.js';
import { isPartitionDate } from './plan.js';
import { type RefreshReport, type RefreshRequest, refreshModels } from './refresh.js';
import { type ModelsRefreshConfig, readModelsRefreshConfig } from './settings.js';
import { ssmStateStore } from './state.js';

/** The invocation payload: nothing (scheduled), a start date, or a full rebuild. */
export function parseRequest(event: unknown): RefreshRequest {
  if (event === null || event === undefined || typeof event !== 'object' || Array.isArray(event)) return {};
  const e = event as Record<string, unknown>;
  const out: { from?: string; full?: boolean } = {};
  if (e.from !== undefined) {
    if (!isPartitionDate(e.from)) throw new RangeError(`"from" must be a date written YYYY-MM-DD, got ${JSON.stringify(e.from)}`);
    out.from = e.from;
  }
  if (e.full !== undefined) {
    if (typeof e.full !== 'boolean') throw new RangeError(`"full" must be true or false, got ${JSON.stringify(e.full)}`);
    out.full = e.full;
  }
  return out;
}

export interface HandlerDeps {
  readonly athena: AthenaClient;
  readonly ssm: SSMClient;
  readonly config: ModelsRefreshConfig;
  readonly log: AppLogger;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Do not start another model with less than this left (ms). */
  readonly reserveMs?: number;
}

export function createHandler(deps: HandlerDeps) {
  return async (event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<RefreshReport> => {
    const request = parseRequest(event);
    const remainingMs = () => context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
    const started = Date.now();
    const report = await refreshModels(
      {
        sql: athenaSqlRunner({
          client: deps.athena,
          workGroup: deps.config.workGroup,
          database: deps.config.database,
          log: deps.log,
          remainingMs,
          sleep: deps.sleep,
        }),
        state: ssmStateStore(deps.ssm, deps.config.stateParameter),
        now: deps.now ?? (() => new Date()),
        log: deps.log,
        remainingMs,
        reserveMs: deps.reserveMs,
      },
      { views: deps.config.views, lookbackDays: deps.config.lookbackDays },
      request,
    );
    deps.log.info('models refresh finished', { ...report, ms: Date.now() - started });
    return report;
  };
}

let cached: ReturnType<typeof createHandler> | undefined;

export async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<RefreshReport> {
  cached ??= createHandler({
    athena: new AthenaClient(resolveClientConfig('ATHENA')),
    ssm: new SSMClient(resolveClientConfig('SSM')),
    config: readModelsRefreshConfig(process.env),
    log: createLogger('threadline-models-refresh'),
  });
  return cached(event, context);
}
