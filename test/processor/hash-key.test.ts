/**
 * The processor's HMAC key from Secrets Manager: the real SDK client against a stand-in speaking the
 * service's JSON protocol. Read once per container, failures not cached, errors without values.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configFromEnv, HASH_KEY_SECRET_VAR } from '../../lambdas/processor/config.js';
import { clearHashKeyCache, createSecretsManagerClient, readHashKey } from '../../lambdas/processor/hash-key.js';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from './secrets-manager-standin.js';

let sm: SecretsManagerStandIn;
const KEY = `${'k'.repeat(40)}-0123456789abcdef0123456789`;
const client = () =>
  createSecretsManagerClient({ maxAttempts: 1 }, { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint, AWS_REGION: 'us-east-1' });

beforeAll(async () => {
  sm = await startSecretsManagerStandIn();
});
afterAll(async () => {
  await sm.close();
});
beforeEach(() => {
  clearHashKeyCache();
  sm.secrets.clear();
  for (const k of Object.keys(sm.calls)) delete sm.calls[k];
});

describe('hash key from Secrets Manager', () => {
  it('reads the SecretString once and keeps it for the container (one GetSecretValue for many reads)', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:HashKey-AbCdEf';
    sm.secrets.set(arn, KEY);
    const c = client();
    const keys = await Promise.all([readHashKey(arn, c), readHashKey(arn, c), readHashKey(arn, c)]);
    expect(await readHashKey(arn, c)).toBe(KEY);
    expect(keys).toEqual([KEY, KEY, KEY]);
    expect(sm.calls).toEqual({ GetSecretValue: 1 });
    expect(sm.unexpectedContentTypes).toEqual([]);
  });

  it('a missing secret fails with the secret id and the service error code, and is retried on the next read', async () => {
    const c = client();
    const err = await readHashKey('threadline/missing', c).catch((e: Error) => e);
    expect((err as Error).message).toBe('cannot read the hash key secret threadline/missing: ResourceNotFoundException');
    sm.secrets.set('threadline/missing', KEY);
    expect(await readHashKey('threadline/missing', c)).toBe(KEY);
    expect(sm.calls.GetSecretValue).toBe(2);
  });

  it('refuses a short key (a guessable HMAC key) without echoing it', async () => {
    sm.secrets.set('short', 'abc');
    const err = (await readHashKey('short', client()).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/at least 32 characters/);
    expect(err.message).not.toContain('abc');
  });

  it('configFromEnv uses the key read from the secret over any environment value; without either Lambda refuses to start', () => {
    const env = { AWS_LAMBDA_FUNCTION_NAME: 'fn', [HASH_KEY_SECRET_VAR]: 'arn:...' };
    expect(configFromEnv(env, KEY).hashKey).toBe(KEY);
    expect(() => configFromEnv(env)).toThrow(/THREADLINE_HASH_KEY_SECRET/);
  });
});
