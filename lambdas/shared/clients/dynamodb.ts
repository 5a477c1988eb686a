import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AwsClientOptions, resolveClientConfig } from '../aws-config.js';

/** DynamoDB client honouring AWS_ENDPOINT_URL_DYNAMODB (dynalite offline). */
export function createDynamoDbClient(opts: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): DynamoDBClient {
  return new DynamoDBClient(resolveClientConfig('DYNAMODB', opts, env));
}
