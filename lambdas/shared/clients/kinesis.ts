import { KinesisClient } from '@aws-sdk/client-kinesis';
import { type AwsClientOptions, resolveClientConfig } from '../aws-config.js';

/** Kinesis client honouring AWS_ENDPOINT_URL_KINESIS (HTTP/1.1 + dummy credentials for loopback stand-ins). */
export function createKinesisClient(opts: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): KinesisClient {
  return new KinesisClient(resolveClientConfig('KINESIS', opts, env));
}
