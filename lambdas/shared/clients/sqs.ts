import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsClientOptions, resolveClientConfig } from '../aws-config.js';

/** SQS client honouring AWS_ENDPOINT_URL_SQS (HTTP/1.1 + dummy credentials for loopback stand-ins). */
export function createSqsClient(opts: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): SQSClient {
  return new SQSClient(resolveClientConfig('SQS', opts, env));
}
