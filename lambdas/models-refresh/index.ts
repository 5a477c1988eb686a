/** The journey-model refresh on AWS: what the CDK app and the tests need from outside this folder. */
export { MAX_PARTITIONS_PER_INSERT, type RefreshState } from './plan.js';
export { type RefreshReport, type RefreshRequest, refreshFingerprint } from './refresh.js';
export {
  DEFAULT_REFRESH_LOOKBACK_DAYS,
  type ModelsRefreshSettings,
  modelsRefreshEnvironment,
  modelsRefreshSettingsSchema,
} from './settings.js';

/** The Athena, Glue, S3 and SSM calls of the handler (lib/models-refresh.ts grants exactly these). */
export const MODELS_REFRESH_ACTIONS = {
  athena: ['athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StartQueryExecution', 'athena:StopQueryExecution'],
  /**
   * Catalog reads and Iceberg commits (UpdateTable swaps a model's metadata location). No partition
   * calls: the raw tables use partition projection, the models Iceberg's own partitioning.
   */
  glue: ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable'],
  ssm: ['ssm:GetParameter', 'ssm:PutParameter'],
  s3Bucket: ['s3:GetBucketLocation', 's3:ListBucket'],
  s3Read: ['s3:GetObject'],
  /** Iceberg data, delete and metadata files of the models, and query results. */
  s3Write: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'],
} as const;
