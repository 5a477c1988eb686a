/** Key store chosen by environment; imports only the backend in use (cold start). */
import type { KeyStore } from './types.js';

/**
 * THREADLINE_KEYSTORE=ssm + THREADLINE_SSM_PREFIX -> SSM (client imported lazily: only SSM
 * deployments load it); THREADLINE_SOURCES_JSON -> static; THREADLINE_KEYSTORE=file +
 * THREADLINE_SOURCES_FILE -> file.
 */
export async function keyStoreFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<KeyStore> {
  const kind = env.THREADLINE_KEYSTORE ?? (env.THREADLINE_SOURCES_JSON ? 'static' : env.THREADLINE_SSM_PREFIX ? 'ssm' : 'file');
  if (kind === 'ssm') {
    const prefix = env.THREADLINE_SSM_PREFIX;
    if (!prefix) throw new Error('THREADLINE_SSM_PREFIX is required with THREADLINE_KEYSTORE=ssm');
    const [{ createSsmKeyStore }, { createSsmClient }] = await Promise.all([
      import('./ssm-store.js'),
      import('../../shared/clients/ssm.js'),
    ]);
    const ttl = Number(env.THREADLINE_KEY_CACHE_TTL_MS);
    return createSsmKeyStore({ ssm: createSsmClient({}, env), prefix, ...(ttl > 0 ? { ttlMs: ttl } : {}) });
  }
  if (kind === 'static') {
    const { createStaticKeyStore } = await import('./static-store.js');
    return createStaticKeyStore(env.THREADLINE_SOURCES_JSON ?? '[]');
  }
  if (kind === 'file') {
    const { createFileKeyStore } = await import('./file-store.js');
    return createFileKeyStore(env.THREADLINE_SOURCES_FILE ?? '.threadline/sources.json');
  }
  throw new Error(`unknown THREADLINE_KEYSTORE "${kind}" (ssm | static | file)`);
}
