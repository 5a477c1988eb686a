export { CollectorApi } from './collector-api.js';
export { ConfigError, configFromContext } from './config.js';
export { IdentityTable } from './identity-table.js';
export { ProcessorFunction } from './processor-function.js';
export { QueryWorkgroup } from './query-workgroup.js';
export { ThreadlineStack } from './threadline-stack.js';
