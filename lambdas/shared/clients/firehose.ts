import { FirehoseClient } from '@aws-sdk/client-firehose';
import { type AwsClientOptions, resolveClientConfig } from '../aws-config.js';

/**
 * Firehose client honouring AWS_ENDPOINT_URL_FIREHOSE (the local Firehose endpoint offline).
 *
 * Always one HTTP attempt per send: the delivery loop (processor/output/firehose.ts, retry.ts) is the
 * one retry layer, so its attempt budget is the number of HTTP calls. No maxAttempts option on
 * purpose: SDK retries under that loop would multiply the calls.
 */
export function createFirehoseClient(
  opts: Omit<AwsClientOptions, 'maxAttempts'> = {},
  env: NodeJS.ProcessEnv = process.env,
): FirehoseClient {
  return new FirehoseClient(resolveClientConfig('FIREHOSE', { ...opts, maxAttempts: 1 }, env));
}
