export { ConfigError, configFromContext } from './config.js';
export { ThreadlineStack } from './threadline-stack.js';
export { CollectorApi } from './collector-api.js';
export { ProcessorFunction } from './processor-function.js';
export { IdentityTable } from './identity-table.js';
export { QueryWorkgroup } from './query-workgroup.js';
