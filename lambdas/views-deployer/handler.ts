/**
 * Custom resource (cr.Provider onEvent handler) that keeps ONE Athena view in step with the stack.
 *
 * The CDK app renders the views at synth time with renderViews('athena', config) and creates one
 * custom resource per view, chained in dependency order, whose properties carry the statement:
 *   - Create / Update: run the CREATE OR REPLACE VIEW statement and wait for it. Re-running it is
 *     harmless, so retries and rollbacks are idempotent.
 *   - Delete: DROP VIEW IF EXISTS. A rename produces a new physical id, and CloudFormation then
 *     deletes the old one with the OLD properties, i.e. the old name.
 * DDL is free in Athena and takes a second or two, so waiting inside the invocation is simpler than
 * the provider's isComplete state machine.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { runAthenaQuery } from '../shared/athena-query.js';
import { resolveClientConfig } from '../shared/aws-config.js';

export interface ViewResourceProperties {
  /** Athena workgroup (enforces the result location). */
  WorkGroup: string;
  /** Glue database holding the lake tables and the views. */
  Database: string;
  ViewName: string;
  /** CREATE OR REPLACE VIEW ... statement for Athena. */
  Statement: string;
}

export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string;
  ResourceProperties: ViewResourceProperties & { ServiceToken?: string };
  OldResourceProperties?: ViewResourceProperties;
}

export interface CustomResourceResult {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

export interface DeployerDeps {
  athena: AthenaClient;
  sleep?: (ms: number) => Promise<void>;
  /** Give up this long before the Lambda would time out (ms remaining -> whether to keep waiting). */
  remainingMs?: () => number;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function check(props: ViewResourceProperties): void {
  for (const key of ['WorkGroup', 'Database', 'ViewName', 'Statement'] as const) {
    if (typeof props[key] !== 'string' || props[key].length === 0) throw new Error(`property ${key} is required`);
  }
  // Names end up inside DDL: refuse anything that is not a plain Glue identifier.
  if (!IDENTIFIER.test(props.Database)) throw new Error(`Database must match ${IDENTIFIER}: ${props.Database}`);
  if (!IDENTIFIER.test(props.ViewName)) throw new Error(`ViewName must match ${IDENTIFIER}: ${props.ViewName}`);
}

export function physicalId(props: Pick<ViewResourceProperties, 'Database' | 'ViewName'>): string {
  return `${props.Database}.${props.ViewName}`;
}

export function dropStatement(props: Pick<ViewResourceProperties, 'Database' | 'ViewName'>): string {
  return `DROP VIEW IF EXISTS "${props.Database}"."${props.ViewName}"`;
}

/** Run one statement in the workgroup and wait for a terminal state; throws with Athena's reason. */
export async function runStatement(deps: DeployerDeps, props: ViewResourceProperties, sql: string): Promise<string> {
  const { queryExecutionId } = await runAthenaQuery(
    deps.athena,
    { QueryString: sql, WorkGroup: props.WorkGroup, QueryExecutionContext: { Database: props.Database, Catalog: 'AwsDataCatalog' } },
    {
      initialPollMs: 200,
      maxPollMs: 2_000,
      // Stop waiting while there is still time to report the failure to CloudFormation.
      reserveMs: 5_000,
      remainingMs: deps.remainingMs,
      sleep: deps.sleep,
    },
  );
  return queryExecutionId;
}

/** Errors that mean "already gone" when deleting: the stack must be able to delete past them. */
const GONE = /does not exist|not found|EntityNotFound|WorkGroup .* is not found/i;

export function createHandler(deps: DeployerDeps) {
  const log = deps.log ?? ((msg, data) => console.log(JSON.stringify({ msg, ...data })));
  return async function onEvent(event: CustomResourceEvent): Promise<CustomResourceResult> {
    const props = event.ResourceProperties;
    check(props);
    const id = physicalId(props);
    if (event.RequestType === 'Delete') {
      try {
        await runStatement(deps, props, dropStatement(props));
        log('view dropped', { view: id });
      } catch (err) {
        if (!GONE.test((err as Error).message)) throw err;
        log('view already gone', { view: id });
      }
      return { PhysicalResourceId: event.PhysicalResourceId ?? id };
    }
    const queryId = await runStatement(deps, props, props.Statement);
    log(event.RequestType === 'Create' ? 'view created' : 'view replaced', { view: id, queryId });
    return { PhysicalResourceId: id, Data: { ViewName: props.ViewName, QueryExecutionId: queryId } };
  };
}

let athena: AthenaClient | undefined;

export async function handler(
  event: CustomResourceEvent,
  context?: { getRemainingTimeInMillis?: () => number },
): Promise<CustomResourceResult> {
  athena ??= new AthenaClient(resolveClientConfig('ATHENA'));
  return createHandler({
    athena,
    remainingMs: () => context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY,
  })(event);
}
