import { FirehoseClient } from '@aws-sdk/client-firehose';
import { type AwsClientOptions, resolveClientConfig } from '../aws-config.js';

/** Firehose client honouring AWS_ENDPOINT_URL_FIREHOSE (the local Firehose endpoint offline). */
export function createFirehoseClient(opts: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): FirehoseClient {
  return new FirehoseClient(resolveClientConfig('FIREHOSE', opts, env));
}
