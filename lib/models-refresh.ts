/**
 * The journey models on AWS: their Iceberg tables (created by the views deployer before the views that
 * read them), the refresh function that rewrites their recent partitions, its EventBridge Scheduler
 * schedule, the state parameter, and an alarm on the function's errors.
 *
 * The tables are custom resources of the views provider (lib/query-workgroup.ts) with ObjectType
 * ICEBERG_TABLE; every view resource depends on them, so a fresh stack creates tables, then views.
 * The refresh function runs with reserved concurrency 1 (two refreshes never interleave their
 * DELETE/INSERT pairs), no async retries (the next scheduled run is the retry) and a 15-minute
 * timeout; a refresh that needs longer (a full rebuild of a large lake) stops at a model boundary and
 * the next run resumes it.
 */
import { CustomResource, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { MODELS_REFRESH_ACTIONS, modelsRefreshEnvironment } from '../lambdas/index.js';
import { icebergCreateTableSql, icebergModelLocation, MODELS, MODELS_PREFIX, renderModels, type ViewConfig } from '../sql/index.js';
import { acknowledge, nagArnToken } from './acknowledge.js';
import { ThreadlineFunction } from './function.js';
import { LAKE_PREFIXES, type Lake } from './lake.js';
import { ATHENA_USER_ACTIONS, type QueryWorkgroup, VIEWS_DEPLOYER_ACTIONS } from './query-workgroup.js';

export interface ModelsRefreshProps {
  readonly stage: string;
  readonly lake: Lake;
  readonly analytics: QueryWorkgroup;
  readonly workGroupName: string;
  readonly views: ViewConfig;
  readonly refreshEveryMinutes: number;
  readonly refreshLookbackDays: number;
  readonly entry: string;
  readonly logDays: number;
  readonly removalPolicy: RemovalPolicy;
  /** Drop the tables (and their data) when the stack or a table resource is deleted. */
  readonly dropTablesOnDelete: boolean;
  /** Alarm topic (lib/observability.ts) for the function's errors. */
  readonly alarmTopic?: sns.ITopic;
}

/** The raw tables and views the refresh's SELECTs and planner queries read (besides the models). */
export const MODELS_REFRESH_READS = ['events', 'identity_changes', 'identity_map'] as const;

export function modelsRefreshStateParameterName(stage: string): string {
  return `/threadline/${stage}/models-refresh-state`;
}

export class ModelsRefresh extends Construct {
  readonly tables: CustomResource[] = [];
  readonly function: ThreadlineFunction;
  readonly schedule: scheduler.Schedule;
  readonly stateParameter: ssm.StringParameter;
  readonly errorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ModelsRefreshProps) {
    super(scope, id);
    const { lake, analytics } = props;
    const stack = Stack.of(this);
    const bucket = nagArnToken(lake.bucket);
    const modelNames = MODELS.map((m) => m.name);
    const modelsObjects = lake.bucket.arnForObjects(`${MODELS_PREFIX}*`);
    const workGroupArn = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workGroupName });

    // ---- the tables, through the views deployer
    const deployer = analytics.deployer.role;
    deployer.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ModelTablesInCatalog',
        actions: [...VIEWS_DEPLOYER_ACTIONS.glue],
        resources: modelNames.map((n) => lake.tableArn(n)),
      }),
    );
    // CREATE TABLE writes the first Iceberg metadata file; DROP TABLE deletes the table's files.
    deployer.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ModelTablesFiles',
        actions: [...MODELS_REFRESH_ACTIONS.s3Write],
        resources: [modelsObjects],
      }),
    );
    acknowledge(
      deployer,
      `AwsSolutions-IAM5[Resource::${bucket}/${MODELS_PREFIX}*]`,
      'Iceberg writes data and metadata files under generated names inside each model table location; the wildcard is confined to models/.',
    );
    for (const m of renderModels('athena', props.views)) {
      const table = new CustomResource(this, `Table-${m.name}`, {
        serviceToken: analytics.provider.serviceToken,
        resourceType: 'Custom::ThreadlineIcebergTable',
        properties: {
          WorkGroup: props.workGroupName,
          Database: lake.databaseName,
          ViewName: m.name,
          ObjectType: 'ICEBERG_TABLE',
          DropOnDelete: String(props.dropTablesOnDelete),
          Statement: icebergCreateTableSql(m, icebergModelLocation(lake.bucket.bucketName, m.name)),
        },
      });
      table.node.addDependency(analytics.workGroup, deployer);
      this.tables.push(table);
    }
    // The views read the tables: every view after every table (and so, on deletion, before them).
    for (const view of analytics.viewResources) view.node.addDependency(...this.tables);

    // ---- analysts read the tables behind the views
    analytics.athenaUserPolicy.addStatements(
      new iam.PolicyStatement({
        sid: 'ReadModelTables',
        actions: [...ATHENA_USER_ACTIONS.glueRead],
        resources: modelNames.map((n) => lake.tableArn(n)),
      }),
      new iam.PolicyStatement({ sid: 'ReadModelFiles', actions: [...ATHENA_USER_ACTIONS.s3Read], resources: [modelsObjects] }),
    );
    acknowledge(
      analytics.athenaUserPolicy,
      `AwsSolutions-IAM5[Resource::${bucket}/${MODELS_PREFIX}*]`,
      'Queries of the journey views read the Iceberg data and metadata files under generated names; the wildcard is confined to models/.',
    );

    // ---- state, function, schedule, alarm
    this.stateParameter = new ssm.StringParameter(this, 'State', {
      parameterName: modelsRefreshStateParameterName(props.stage),
      description: 'Threadline models refresh state (fingerprint, identity watermark, unfinished refresh); written by the function',
      // '{}' = no state: the first run rebuilds everything. The stack never writes it again.
      stringValue: '{}',
    });

    this.function = new ThreadlineFunction(this, 'Function', {
      entry: props.entry,
      description: 'Threadline models refresh: rewrites the journey model Iceberg tables from the refresh start date on',
      memoryMb: 256,
      timeout: Duration.minutes(15),
      reservedConcurrency: 1,
      logRetentionDays: props.logDays,
      removalPolicy: props.removalPolicy,
      environment: {
        ...modelsRefreshEnvironment(
          { lookbackDays: props.refreshLookbackDays, views: { ...props.views } },
          { workGroup: props.workGroupName, database: lake.databaseName, stateParameter: modelsRefreshStateParameterName(props.stage) },
        ),
        POWERTOOLS_SERVICE_NAME: 'threadline-models-refresh',
      },
    });
    // The next scheduled run is the retry; a queued invocation older than one period is stale.
    this.function.fn.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.minutes(Math.min(Math.max(props.refreshEveryMinutes, 1), 360)),
    });
    const role = this.function.role;
    const grant = (sid: string, actionList: readonly string[], resources: string[]) =>
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions: [...actionList], resources }));
    grant('RunQueries', MODELS_REFRESH_ACTIONS.athena, [workGroupArn]);
    grant('Catalog', MODELS_REFRESH_ACTIONS.glue, [
      lake.catalogArn,
      lake.databaseArn,
      ...[...MODELS_REFRESH_READS, ...modelNames].map((n) => lake.tableArn(n)),
    ]);
    grant('State', MODELS_REFRESH_ACTIONS.ssm, [this.stateParameter.parameterArn]);
    grant('LakeBucket', MODELS_REFRESH_ACTIONS.s3Bucket, [lake.bucket.bucketArn]);
    const rawPrefixes = [LAKE_PREFIXES.table('events'), LAKE_PREFIXES.table('identity_changes')];
    grant(
      'ReadRawTables',
      MODELS_REFRESH_ACTIONS.s3Read,
      rawPrefixes.map((p) => lake.bucket.arnForObjects(`${p}*`)),
    );
    grant('WriteModelsAndResults', MODELS_REFRESH_ACTIONS.s3Write, [
      modelsObjects,
      lake.bucket.arnForObjects(`${LAKE_PREFIXES.athenaResults}*`),
    ]);
    if (lake.key) grant('LakeKey', ['kms:Decrypt', 'kms:GenerateDataKey'], [lake.key.keyArn]);
    for (const p of rawPrefixes) {
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::${bucket}/${p}*]`,
        `The refresh reads the Parquet files Firehose writes under generated names; the wildcard is confined to the ${p} prefix.`,
      );
    }
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::${bucket}/${MODELS_PREFIX}*]`,
      'DELETE and INSERT on the Iceberg models write data, delete and metadata files under generated names; the wildcard is confined to models/.',
    );
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::${bucket}/${LAKE_PREFIXES.athenaResults}*]`,
      'Athena writes query results under generated object names (query execution ids) inside the workgroup result prefix.',
    );

    // The schedule's own role (instead of the stack-wide one LambdaInvoke would make), so that its
    // invoke grant is acknowledged here, on the exact function.
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Threadline models refresh schedule (invokes the refresh function)',
    });
    acknowledge(
      schedulerRole,
      `AwsSolutions-IAM5[Resource::${nagArnToken(this.function.fn)}:*]`,
      'Added by the scheduler target so it can invoke any version/alias of the refresh function; the function itself is fixed.',
    );
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Threadline ${props.stage}: refresh the journey models every ${props.refreshEveryMinutes} minutes`,
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(props.refreshEveryMinutes)),
      target: new targets.LambdaInvoke(this.function.fn, {
        input: scheduler.ScheduleTargetInput.fromObject({}),
        retryAttempts: 0,
        role: schedulerRole,
      }),
      timeWindow: scheduler.TimeWindow.off(),
    });

    this.errorsAlarm = this.function.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }).createAlarm(this, 'ErrorsAlarm', {
      alarmDescription:
        'The models refresh failed (any error in 5 minutes): the journey views may be stale; the next run retries from the same start date.',
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      const action = new actions.SnsAction(props.alarmTopic);
      this.errorsAlarm.addAlarmAction(action);
      this.errorsAlarm.addOkAction(action);
    }
  }
}
