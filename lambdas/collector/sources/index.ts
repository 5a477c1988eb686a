/**
 * Key stores. The collector Lambda picks one from its environment (keyStoreFromEnv); the local
 * pipeline and `threadline keys` use the file store; the deployed CLI uses the SSM store.
 */

export { createFileKeyStore, DEFAULT_FILE_RECHECK_MS, type FileKeyStore, type FileKeyStoreOptions } from './file-store.js';
export { keyStoreFromEnv } from './from-env.js';
export { createSsmKeyStore, type SsmKeyStoreOptions } from './ssm-store.js';
export { createStaticKeyStore } from './static-store.js';
export * from './types.js';
