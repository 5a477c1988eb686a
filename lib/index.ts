export { CollectorApi } from './collector-api.js';
export { ConfigError, configFromContext } from './config.js';
export { IdentityTable } from './identity-table.js';
export { LOCALSTACK_COMMUNITY_RESOURCE_TYPES } from './localstack-community-resources.js';
export { ThreadlineLocalStackStack } from './localstack-stack.js';
export { ProcessorFunction } from './processor-function.js';
export { QueryWorkgroup } from './query-workgroup.js';
export { PROCESSOR_LANE_EVENTS_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND, shardEventsPerSecond, shardsFor } from './shard-sizing.js';
export { ThreadlineStack } from './threadline-stack.js';
