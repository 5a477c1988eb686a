/**
 * Key store in SSM Parameter Store: one parameter per key, named <prefix>/<sha256 hex of the key>,
 * holding the SourceConfig JSON.
 *
 * Lookups never call SSM per request: the whole prefix is loaded with GetParametersByPath and kept for
 * `ttlMs`. That matters because SSM's default throughput is ~40 TPS per account: a flood of requests
 * with random (unknown) keys must not turn into SSM calls that throttle the lookups of real keys. A miss
 * may trigger a reload at most once per `missRefreshMs`, so a key added a moment ago works quickly.
 * Trade-off: a revoked key keeps working for up to `ttlMs` (default 60 s) in warm Lambdas.
 * If a reload fails, the previous set is served (availability first); with no set at all, lookup throws
 * and the collector answers 503 (the client retries; nothing is lost).
 */
import {
  DeleteParameterCommand,
  type Parameter,
  PutParameterCommand,
  paginateGetParametersByPath,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import {
  cleanSource,
  hashWriteKey,
  KEY_HASH_PREFIX_LENGTH,
  type KeyStore,
  matchesRevoke,
  newWriteKey,
  type SourceConfig,
  sourceConfigSchema,
  sourceFromInput,
} from './types.js';

export interface SsmKeyStoreOptions {
  ssm: SSMClient;
  /** e.g. /threadline/prod/sources (no trailing slash). */
  prefix: string;
  /** How long a loaded key set is used before reloading. Default 60 s. */
  ttlMs?: number;
  /** Minimum gap between reloads triggered by unknown keys. Default 10 s. */
  missRefreshMs?: number;
  /** 'String' (default: the hash and source config are not secret) or 'SecureString'. */
  parameterType?: 'String' | 'SecureString';
  now?: () => number;
}

export function createSsmKeyStore(opts: SsmKeyStoreOptions): KeyStore {
  const prefix = opts.prefix.replace(/\/+$/, '');
  if (!prefix.startsWith('/')) throw new Error('SSM key store prefix must start with "/"');
  const ttlMs = opts.ttlMs ?? 60_000;
  const missRefreshMs = opts.missRefreshMs ?? 10_000;
  const now = opts.now ?? Date.now;
  let cache: { at: number; keys: Map<string, SourceConfig> } | undefined;
  let inflight: Promise<Map<string, SourceConfig>> | undefined;

  async function fetchAll(): Promise<Map<string, SourceConfig>> {
    const keys = new Map<string, SourceConfig>();
    const pages = paginateGetParametersByPath({ client: opts.ssm, pageSize: 10 }, { Path: prefix, Recursive: false, WithDecryption: true });
    for await (const page of pages) {
      for (const p of page.Parameters ?? []) addParameter(keys, p);
    }
    return keys;
  }

  function addParameter(keys: Map<string, SourceConfig>, p: Parameter): void {
    const hash = p.Name?.slice(prefix.length + 1) ?? '';
    if (!/^[0-9a-f]{64}$/.test(hash) || !p.Value) return;
    try {
      const parsed = sourceConfigSchema.safeParse(JSON.parse(p.Value));
      if (parsed.success) keys.set(hash, cleanSource(parsed.data));
    } catch {
      // A hand-edited parameter that is not JSON is ignored rather than failing every lookup.
    }
  }

  async function load(force = false): Promise<Map<string, SourceConfig>> {
    if (!force && cache && now() - cache.at < ttlMs) return cache.keys;
    inflight ??= fetchAll()
      .then((keys) => {
        cache = { at: now(), keys };
        return keys;
      })
      .catch((err) => {
        if (cache) {
          // Serve the previous set; try again after a short pause rather than on every request.
          cache = { at: now() - ttlMs + missRefreshMs, keys: cache.keys };
          return cache.keys;
        }
        throw err;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  }

  let lastMissRefresh = 0;

  return {
    async lookup(writeKey) {
      if (!writeKey) return undefined;
      const hash = hashWriteKey(writeKey);
      let found = (await load()).get(hash);
      if (!found && now() - lastMissRefresh >= missRefreshMs && cache && now() - cache.at >= missRefreshMs) {
        lastMissRefresh = now();
        found = (await load(true)).get(hash);
      }
      return found ? cleanSource(found) : undefined;
    },
    async add(input) {
      const source = sourceFromInput(input);
      const writeKey = newWriteKey();
      await opts.ssm.send(
        new PutParameterCommand({
          Name: `${prefix}/${hashWriteKey(writeKey)}`,
          Value: JSON.stringify(source),
          Type: opts.parameterType ?? 'String',
          Overwrite: false,
          Description: `Threadline source ${source.id}`,
        }),
      );
      cache = undefined;
      return { writeKey, source };
    },
    async list() {
      const keys = await load(true);
      return [...keys].map(([hash, s]) => ({ ...cleanSource(s), keyHashPrefix: hash.slice(0, KEY_HASH_PREFIX_LENGTH) }));
    },
    async revoke(idOrHashPrefix) {
      const keys = await load(true);
      const victims = [...keys].filter(([hash, s]) => matchesRevoke(hash, s, idOrHashPrefix)).map(([hash]) => hash);
      for (const hash of victims) await opts.ssm.send(new DeleteParameterCommand({ Name: `${prefix}/${hash}` }));
      cache = undefined;
      return victims.length > 0;
    },
  };
}
