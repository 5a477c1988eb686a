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
 *
 * The same handler keeps the journey models' Iceberg tables (ObjectType ICEBERG_TABLE), created before
 * the views that read them:
 *   - Create / Update: DROP VIEW IF EXISTS of the same name (earlier stacks defined the models as
 *     views computed from the raw tables; a view would satisfy IF NOT EXISTS), then CREATE TABLE
 *     IF NOT EXISTS.
 *   - Update with a changed statement (columns, location): DROP TABLE and CREATE again. The models are
 *     derived data and the refresh's fingerprint covers the DDL, so its next run rebuilds them all.
 *   - Delete: DROP TABLE (which deletes the table's data) only when DropOnDelete is 'true' (stages
 *     that clean up after themselves); production keeps the table.
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
  /** CREATE OR REPLACE VIEW ... statement for Athena (CREATE TABLE IF NOT EXISTS for a table). */
  Statement: string;
  /** What ViewName names: a view (default) or a model's Iceberg table. */
  ObjectType?: 'VIEW' | 'ICEBERG_TABLE';
  /** Tables only: 'true' drops the table (and its data) when the resource is deleted. */
  DropOnDelete?: string;
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
  if (props.ObjectType !== undefined && props.ObjectType !== 'VIEW' && props.ObjectType !== 'ICEBERG_TABLE')
    throw new Error(`ObjectType must be VIEW or ICEBERG_TABLE: ${props.ObjectType}`);
}

/** DROP TABLE of a model's Iceberg table (Hive-style DDL: backquotes). */
export function dropTableStatement(props: Pick<ViewResourceProperties, 'Database' | 'ViewName'>): string {
  return `DROP TABLE IF EXISTS \`${props.Database}\`.\`${props.ViewName}\``;
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
    if (props.ObjectType === 'ICEBERG_TABLE') return onTableEvent(event, props, id);
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

  async function onTableEvent(event: CustomResourceEvent, props: ViewResourceProperties, id: string): Promise<CustomResourceResult> {
    if (event.RequestType === 'Delete') {
      if (props.DropOnDelete !== 'true') {
        log('table kept', { table: id });
        return { PhysicalResourceId: event.PhysicalResourceId ?? id };
      }
      try {
        await runStatement(deps, props, dropTableStatement(props));
        log('table dropped', { table: id });
      } catch (err) {
        if (!GONE.test((err as Error).message)) throw err;
        log('table already gone', { table: id });
      }
      return { PhysicalResourceId: event.PhysicalResourceId ?? id };
    }
    // An interim view of the same name would satisfy IF NOT EXISTS: drop it. On a name that is already
    // a table, DROP VIEW IF EXISTS does nothing (or says the view does not exist, which is the point).
    try {
      await runStatement(deps, props, dropStatement(props));
    } catch (err) {
      if (!GONE.test((err as Error).message)) throw err;
    }
    const old = event.OldResourceProperties;
    const changed =
      event.RequestType === 'Update' &&
      old?.ObjectType === 'ICEBERG_TABLE' &&
      old.ViewName === props.ViewName &&
      old.Statement !== props.Statement;
    if (changed) {
      await runStatement(deps, props, dropTableStatement(props));
      log('table dropped to change its definition', { table: id });
    }
    const queryId = await runStatement(deps, props, props.Statement);
    log(changed ? 'table recreated' : 'table ensured', { table: id, queryId });
    return { PhysicalResourceId: id, Data: { ViewName: props.ViewName, QueryExecutionId: queryId } };
  }
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
