/**
 * The query workgroup: the Athena workgroup (results forced into the lake bucket's athena-results/ prefix,
 * per-query scan cutoff, engine v3) and the journey views, created at deploy time so that a fresh
 * stack answers queries with no manual step.
 *
 * Views are rendered at SYNTH time (renderViews('athena', config) in the stack) and each becomes one
 * custom resource carrying its statement: a changed template or view config changes the properties,
 * which is exactly when CloudFormation sends an Update. The resources are chained in the renderer's
 * dependency order, so creation runs base-first and deletion runs in reverse.
 */
import { CustomResource, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ATTRIBUTION_RESULTS_TABLE } from '../sql/index.js';
import { acknowledge, nagArnToken } from './acknowledge.js';
import { logRetention, ThreadlineFunction } from './function.js';
import { LAKE_PREFIXES, LAKE_TABLE_NAMES, type Lake } from './lake.js';

export interface RenderedView {
  readonly name: string;
  readonly sql: string;
}

export interface QueryWorkgroupProps {
  readonly lake: Lake;
  readonly workGroupName: string;
  readonly bytesScannedCutoffMb: number;
  /** Ordered CREATE OR REPLACE VIEW statements (dependencies first). */
  readonly views: readonly RenderedView[];
  readonly viewsDeployerEntry: string;
  readonly logDays: number;
  readonly removalPolicy: RemovalPolicy;
}

export const VIEWS_DEPLOYER_ACTIONS = {
  athena: ['athena:GetQueryExecution', 'athena:StartQueryExecution'],
  glue: ['glue:CreateTable', 'glue:DeleteTable', 'glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable'],
  s3Bucket: ['s3:GetBucketLocation', 's3:ListBucket'],
  s3Objects: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
} as const;

/**
 * What a person (or CI role) running Athena queries and `threadline attribution --engine athena
 * --save` needs: the calls of query/athena.ts, catalog reads, S3 reads of the tables, result
 * writes, and for the INSERT INTO the writes of attribution_results files plus the Glue partition
 * calls Athena's Hive writer makes after writing (it registers the run_date partition even though
 * projection makes reads ignore it; appending to an existing day updates that partition).
 */
export const ATHENA_USER_ACTIONS = {
  athena: ['athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StartQueryExecution', 'athena:StopQueryExecution'],
  glueRead: ['glue:GetDatabase', 'glue:GetTable'],
  gluePartitions: [
    'glue:BatchCreatePartition',
    'glue:BatchGetPartition',
    'glue:CreatePartition',
    'glue:GetPartition',
    'glue:GetPartitions',
    'glue:UpdatePartition',
  ],
  s3Bucket: ['s3:GetBucketLocation', 's3:ListBucket'],
  s3Read: ['s3:GetObject'],
  s3Write: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
} as const;

export class QueryWorkgroup extends Construct {
  readonly workGroup: athena.CfnWorkGroup;
  /**
   * Customer-managed policy for Athena users, attached to NOBODY by the stack: an administrator
   * attaches it to the analysts' role/group (docs/deploy.md). No Lambda holds these permissions.
   */
  readonly athenaUserPolicy: iam.ManagedPolicy;
  readonly viewResources: CustomResource[] = [];
  readonly deployer: ThreadlineFunction;
  readonly provider: cr.Provider;
  readonly frameworkRole: iam.Role;

  constructor(scope: Construct, id: string, props: QueryWorkgroupProps) {
    super(scope, id);
    const { lake } = props;
    const resultsLocation = `s3://${lake.bucket.bucketName}/${LAKE_PREFIXES.athenaResults}`;
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: 'Threadline journey and attribution queries',
      state: 'ENABLED',
      // Deleting the stack must not fail on saved queries / history in the workgroup.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffMb * 1024 * 1024,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: resultsLocation,
          encryptionConfiguration: lake.key ? { encryptionOption: 'SSE_KMS', kmsKey: lake.key.keyArn } : { encryptionOption: 'SSE_S3' },
        },
      },
    });
    // Not retained even in production: it holds only query history, and a retained workgroup with this
    // fixed name would block re-creating the stage.

    this.deployer = new ThreadlineFunction(this, 'ViewsDeployer', {
      entry: props.viewsDeployerEntry,
      description: 'Threadline views deployer: runs the Athena view DDL at deploy time',
      memoryMb: 256,
      timeout: Duration.minutes(5),
      logRetentionDays: props.logDays,
      removalPolicy: props.removalPolicy,
    });
    const role = this.deployer.role;
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RunDdl',
        actions: [...VIEWS_DEPLOYER_ACTIONS.athena],
        resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workGroupName })],
      }),
    );
    // A view is a Glue table: Athena creates/replaces/drops it and reads the tables it selects from,
    // all with the caller's permissions. Named one by one: no table wildcard.
    const names = [...LAKE_TABLE_NAMES, ...props.views.map((v) => v.name)];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ViewsInCatalog',
        actions: [...VIEWS_DEPLOYER_ACTIONS.glue],
        resources: [lake.catalogArn, lake.databaseArn, ...names.map((n) => lake.tableArn(n))],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ResultsBucket', actions: [...VIEWS_DEPLOYER_ACTIONS.s3Bucket], resources: [lake.bucket.bucketArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ResultsObjects',
        actions: [...VIEWS_DEPLOYER_ACTIONS.s3Objects],
        resources: [lake.bucket.arnForObjects(`${LAKE_PREFIXES.athenaResults}*`)],
      }),
    );
    if (lake.key) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'ResultsKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [lake.key.keyArn] }),
      );
    }
    const bucket = nagArnToken(lake.bucket);
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::${bucket}/${LAKE_PREFIXES.athenaResults}*]`,
      'Athena writes query results under generated object names (query execution ids) inside the workgroup result prefix; ' +
        'the wildcard is confined to athena-results/.',
    );

    // The provider framework's own function gets a role that writes only its own log group (instead
    // of the AWSLambdaBasicExecutionRole managed policy); the framework adds lambda:InvokeFunction.
    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', {
      retention: logRetention(props.logDays),
      removalPolicy: props.removalPolicy,
    });
    this.frameworkRole = new iam.Role(this, 'ProviderFrameworkRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Threadline views provider framework (invokes the views deployer)',
    });
    this.frameworkRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [providerLogs.logGroupArn],
      }),
    );
    this.provider = new cr.Provider(this, 'ViewsProvider', {
      onEventHandler: this.deployer.fn,
      logGroup: providerLogs,
      frameworkOnEventRole: this.frameworkRole,
    });
    acknowledge(
      this.frameworkRole,
      `AwsSolutions-IAM5[Resource::${nagArnToken(this.deployer.fn)}:*]`,
      'Added by the CDK custom-resource provider framework so it can invoke any version/alias of the views deployer; the function itself is fixed.',
    );

    this.athenaUserPolicy = this.createAthenaUserPolicy(props);

    let previous: Construct | undefined;
    for (const view of props.views) {
      const resource = new CustomResource(this, `View-${view.name}`, {
        serviceToken: this.provider.serviceToken,
        resourceType: 'Custom::ThreadlineAthenaView',
        properties: {
          WorkGroup: props.workGroupName,
          Database: lake.databaseName,
          ViewName: view.name,
          Statement: view.sql,
        },
      });
      resource.node.addDependency(this.workGroup, ...Object.values(lake.tables), role);
      if (previous) resource.node.addDependency(previous);
      previous = resource;
      this.viewResources.push(resource);
    }
  }

  private createAthenaUserPolicy(props: QueryWorkgroupProps): iam.ManagedPolicy {
    const { lake } = props;
    const stack = Stack.of(this);
    const results = ATTRIBUTION_RESULTS_TABLE.name;
    const tables = [...LAKE_TABLE_NAMES, results, ...props.views.map((v) => v.name)];
    const statements = [
      new iam.PolicyStatement({
        sid: 'RunQueries',
        actions: [...ATHENA_USER_ACTIONS.athena],
        resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workGroupName })],
      }),
      new iam.PolicyStatement({
        sid: 'ReadCatalog',
        actions: [...ATHENA_USER_ACTIONS.glueRead],
        resources: [lake.catalogArn, lake.databaseArn, ...tables.map((t) => lake.tableArn(t))],
      }),
      new iam.PolicyStatement({
        sid: 'SaveAttributionPartitions',
        actions: [...ATHENA_USER_ACTIONS.gluePartitions],
        resources: [lake.catalogArn, lake.databaseArn, lake.tableArn(results)],
      }),
      new iam.PolicyStatement({ sid: 'LakeBucket', actions: [...ATHENA_USER_ACTIONS.s3Bucket], resources: [lake.bucket.bucketArn] }),
      new iam.PolicyStatement({
        sid: 'ReadTables',
        actions: [...ATHENA_USER_ACTIONS.s3Read],
        resources: LAKE_TABLE_NAMES.map((t) => lake.bucket.arnForObjects(`${LAKE_PREFIXES.table(t)}*`)),
      }),
      new iam.PolicyStatement({
        sid: 'WriteResultsAndRuns',
        actions: [...ATHENA_USER_ACTIONS.s3Write],
        resources: [
          lake.bucket.arnForObjects(`${LAKE_PREFIXES.athenaResults}*`),
          lake.bucket.arnForObjects(`${ATTRIBUTION_RESULTS_TABLE.prefix}*`),
        ],
      }),
    ];
    if (lake.key) {
      statements.push(
        new iam.PolicyStatement({ sid: 'LakeKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [lake.key.keyArn] }),
      );
    }
    const policy = new iam.ManagedPolicy(this, 'AthenaUserPolicy', {
      description: `Threadline: query ${lake.databaseName} in ${props.workGroupName} and save attribution runs (attach to analysts)`,
      statements,
    });
    // Reads every table's generated Parquet files, writes query results and the files of saved attribution runs.
    const bucket = nagArnToken(lake.bucket);
    for (const t of LAKE_TABLE_NAMES) {
      acknowledge(
        policy,
        `AwsSolutions-IAM5[Resource::${bucket}/${LAKE_PREFIXES.table(t)}*]`,
        `Queries read the Parquet files Firehose writes under generated names; the wildcard is confined to the ${t} table prefix.`,
      );
    }
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::${bucket}/${LAKE_PREFIXES.athenaResults}*]`,
      'Athena writes query results under generated object names (query execution ids) inside the workgroup result prefix.',
    );
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::${bucket}/${ATTRIBUTION_RESULTS_TABLE.prefix}*]`,
      'INSERT INTO attribution_results writes Parquet files with generated names under run_date=YYYY-MM-DD/; ' +
        'the wildcard is confined to that table prefix.',
    );
    return policy;
  }
}
