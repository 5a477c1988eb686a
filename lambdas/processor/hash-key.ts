/**
 * The HMAC key for e-mail/phone hashes, read from Secrets Manager when a container starts.
 *
 * The function's environment names only the secret: anyone allowed lambda:GetFunctionConfiguration
 * can read environment values, but not this secret, which needs secretsmanager:GetSecretValue (granted
 * to the processor role on this one secret). The value is kept for the container's life: the key is
 * never rotated in place (a new key re-keys every hash), so re-reading it per invocation would only
 * add latency and API calls.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type AwsClientOptions, resolveClientConfig } from '../shared/aws-config.js';

/** Secrets Manager client honouring AWS_ENDPOINT_URL_SECRETS_MANAGER (the SDK's own variable). */
export function createSecretsManagerClient(opts: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): SecretsManagerClient {
  return new SecretsManagerClient(resolveClientConfig('SECRETS_MANAGER', opts, env));
}

const cache = new Map<string, Promise<string>>();

/**
 * The secret's string value, fetched once per container and secret id. A failed read is not cached,
 * so that the next invocation tries again (e.g. after a throttle at cold start). Errors name the
 * secret and the service's error code, never a value.
 */
export function readHashKey(secretId: string, client: Pick<SecretsManagerClient, 'send'>): Promise<string> {
  let pending = cache.get(secretId);
  if (!pending) {
    pending = fetchKey(secretId, client);
    cache.set(secretId, pending);
    pending.catch(() => cache.delete(secretId));
  }
  return pending;
}

async function fetchKey(secretId: string, client: Pick<SecretsManagerClient, 'send'>): Promise<string> {
  let value: string | undefined;
  try {
    value = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    throw new Error(`cannot read the hash key secret ${secretId}: ${name}`, { cause: err });
  }
  // A short key would make hashes guessable by brute force over e-mail lists.
  if (!value || value.length < 32) throw new Error(`hash key secret ${secretId} must hold a SecretString of at least 32 characters`);
  return value;
}

/** For tests: forget cached keys. */
export function clearHashKeyCache(): void {
  cache.clear();
}
