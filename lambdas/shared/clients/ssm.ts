import { SSMClient } from '@aws-sdk/client-ssm';
import { type AwsClientOptions, resolveClientConfig } from '../aws-config.js';

/** SSM client honouring AWS_ENDPOINT_URL_SSM. */
export function createSsmClient(opts: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): SSMClient {
  return new SSMClient(resolveClientConfig('SSM', opts, env));
}
