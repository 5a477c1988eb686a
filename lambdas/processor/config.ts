/**
 * Processor configuration, read once from the environment (Lambda) or passed in whole (local
 * pipeline, tests). Everything that changes behaviour per deployment lives here, so the pure modules
 * take plain values and never read process.env themselves.
 */

import type { CountryCode } from 'libphonenumber-js';
import type { ConsentMode, EnrichOptions } from '../../domain/index.js';
import { DEFAULT_IDENTITY_RULES, type IdentityRules } from '../../domain/index.js';
import type { IdentifierType } from '../../schemas/index.js';

export type { ConsentMode, ConsentPolicy } from '../../domain/index.js';
export { DEFAULT_IDENTITY_RULES, type IdentityRules } from '../../domain/index.js';

export interface ProcessorConfig extends EnrichOptions {
  streams: { events: string; identity: string; failed: string };
  identityTable: string;
  identity: IdentityRules;
  /** Max entries of the identity cache kept across invocations. */
  cacheSize: number;
  /**
   * Pack lake rows into Firehose records of up to this many bytes (Firehose bills >= 5 KB per
   * record; the delivery streams de-aggregate JSON). 0 = one row per record.
   */
  firehosePackBytes: number;
}

export const DEV_HASH_KEY = 'threadline-local-dev-key-not-for-production';

/** Parse "anonymous_id=1,device_id=2" into a maxUsers map (unknown types are ignored). */
function parseMaxUsers(text: string | undefined): Partial<Record<IdentifierType, number>> {
  const out: Partial<Record<IdentifierType, number>> = { ...DEFAULT_IDENTITY_RULES.maxUsers };
  if (!text) return out;
  for (const part of text.split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    const n = Number(v);
    if (k && k in out && Number.isInteger(n) && n >= 1) out[k as IdentifierType] = n;
  }
  return out;
}

/** Parse "user_id,crm_id,..." (must hold every identifier type once, user_id first). */
function parsePriority(text: string | undefined): IdentifierType[] {
  if (!text) return DEFAULT_IDENTITY_RULES.priority;
  const list = text.split(',').map((s) => s.trim()) as IdentifierType[];
  const expected = [...DEFAULT_IDENTITY_RULES.priority].sort().join(',');
  if ([...list].sort().join(',') !== expected || list[0] !== 'user_id') {
    throw new Error(`THREADLINE_IDENTITY_PRIORITY must list ${expected} once each, user_id first`);
  }
  return list;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ProcessorConfig {
  const inLambda = Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
  const hashKey = env.THREADLINE_HASH_KEY ?? (inLambda ? undefined : DEV_HASH_KEY);
  // A deployed processor without its key would hash with a guessable one: refuse to start.
  if (!hashKey) throw new Error('THREADLINE_HASH_KEY is required in Lambda');
  const mode = (env.THREADLINE_CONSENT_POLICY ?? 'strip') as ConsentMode;
  if (!['strip', 'drop', 'ignore'].includes(mode)) throw new Error(`THREADLINE_CONSENT_POLICY must be strip|drop|ignore`);
  return {
    streams: {
      events: env.THREADLINE_EVENTS_STREAM ?? 'threadline-events',
      identity: env.THREADLINE_IDENTITY_STREAM ?? 'threadline-identity-changes',
      failed: env.THREADLINE_FAILED_STREAM ?? 'threadline-failed-events',
    },
    identityTable: env.THREADLINE_IDENTITY_TABLE ?? 'threadline-identity',
    hashKey,
    defaultPhoneRegion: (env.THREADLINE_DEFAULT_PHONE_REGION ?? 'US') as CountryCode,
    consent: {
      mode,
      categories: (env.THREADLINE_CONSENT_CATEGORIES ?? 'analytics')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    },
    identity: {
      ...DEFAULT_IDENTITY_RULES,
      priority: parsePriority(env.THREADLINE_IDENTITY_PRIORITY),
      maxUsers: parseMaxUsers(env.THREADLINE_IDENTITY_MAX_USERS),
      mergeWeakOnly: env.THREADLINE_MERGE_WEAK_ONLY === 'true',
    },
    cacheSize: Number(env.THREADLINE_IDENTITY_CACHE_SIZE ?? 50_000),
    firehosePackBytes: Number(env.THREADLINE_FIREHOSE_PACK_BYTES ?? 5 * 1024),
  };
}

/** A complete config for tests and the local pipeline, with overrides. */
export function localConfig(overrides: Partial<ProcessorConfig> = {}): ProcessorConfig {
  return { ...configFromEnv({}), ...overrides };
}
