/**
 * Processor configuration, read once from the environment (Lambda) or passed in whole (local
 * pipeline, tests). Everything that changes behaviour per deployment lives here, so the pure modules
 * take plain values and never read process.env themselves.
 *
 * Environment (set by lib/threadline-stack.ts):
 *   THREADLINE_CONFIG             JSON settings: identity guard rails, consent policy, default phone
 *                                 region, conversion events (lambdas/shared/function-config.ts)
 *   THREADLINE_EVENTS_STREAM, THREADLINE_IDENTITY_STREAM, THREADLINE_FAILED_STREAM, THREADLINE_IDENTITY_TABLE
 *   THREADLINE_HASH_KEY_SECRET    ARN or name of the Secrets Manager secret holding the HMAC key (Lambda)
 *   THREADLINE_HASH_KEY           the key itself (local runs; a dev key when neither is set outside Lambda)
 *   THREADLINE_IDENTITY_CACHE_SIZE, THREADLINE_FIREHOSE_PACK_BYTES   tuning
 */

import type { CountryCode } from 'libphonenumber-js';
import type { EnrichOptions, IdentityRules } from '../../domain/index.js';
import {
  DEFAULT_PROCESSOR_SETTINGS,
  identityRulesOf,
  type ProcessorSettings,
  processorSettingsSchema,
  readSettings,
} from '../shared/function-config.js';

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
export const HASH_KEY_SECRET_VAR = 'THREADLINE_HASH_KEY_SECRET';

/** The settings part of a ProcessorConfig (what THREADLINE_CONFIG carries). */
export function settingsConfig(
  s: ProcessorSettings,
): Pick<ProcessorConfig, 'identity' | 'consent' | 'defaultPhoneRegion' | 'conversionEvents'> {
  return {
    identity: identityRulesOf(s.identity),
    consent: { mode: s.consent.mode, categories: [...s.consent.categories] },
    defaultPhoneRegion: s.defaultPhoneRegion as CountryCode,
    conversionEvents: [...s.conversionEvents],
  };
}

/**
 * Build the configuration from the environment. `hashKey` is the key already read from Secrets
 * Manager (see hash-key.ts); without it the key comes from THREADLINE_HASH_KEY, or the dev key
 * outside Lambda.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, hashKey?: string): ProcessorConfig {
  const inLambda = Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
  const key = hashKey ?? env.THREADLINE_HASH_KEY ?? (inLambda ? undefined : DEV_HASH_KEY);
  // A deployed processor without its key would hash with a guessable one: refuse to start.
  if (!key) throw new Error(`${HASH_KEY_SECRET_VAR} (or THREADLINE_HASH_KEY) is required in Lambda`);
  const settings = readSettings(processorSettingsSchema, env) ?? DEFAULT_PROCESSOR_SETTINGS;
  return {
    streams: {
      events: env.THREADLINE_EVENTS_STREAM ?? 'threadline-events',
      identity: env.THREADLINE_IDENTITY_STREAM ?? 'threadline-identity-changes',
      failed: env.THREADLINE_FAILED_STREAM ?? 'threadline-failed-events',
    },
    identityTable: env.THREADLINE_IDENTITY_TABLE ?? 'threadline-identity',
    hashKey: key,
    ...settingsConfig(settings),
    cacheSize: Number(env.THREADLINE_IDENTITY_CACHE_SIZE ?? 50_000),
    firehosePackBytes: Number(env.THREADLINE_FIREHOSE_PACK_BYTES ?? 5 * 1024),
  };
}

/** A complete config for tests and the local pipeline, with overrides. */
export function localConfig(overrides: Partial<ProcessorConfig> = {}): ProcessorConfig {
  return { ...configFromEnv({}), ...overrides };
}
