export { ConfigError, configFromContext } from './config.js';
export { ThreadlineStack } from './threadline-stack.js';
