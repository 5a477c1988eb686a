/**
 * The identity table: ONE DynamoDB table, one item per identifier node (see rules.ts). The CDK
 * stack and local/dynamodb.ts both build the table from this definition.
 *
 * Item attributes (short names: every byte is paid on each read and write):
 *   pk  node id "p<rank>_<sha256 prefix>" (= the person id while the node is a root)
 *   t   identifier type (informational)
 *   m   mergedInto: the node this one was merged into; set ONCE with attribute_not_exists(m)
 *   mb  messageId of the event that caused the merge (replays re-emit the same change record)
 *   mr  merge reason (identify | alias | event), mt identifier type that caused it
 *   ma  merge time (ms), me event time of the causing event (ms)
 *   u   string set of user node ids seen with this identifier (guard rail: shared identifiers)
 * A node that was never linked and never seen with a user id has no item at all.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const IDENTITY_TABLE_KEY = { partitionKey: { name: 'pk', type: 'S' as const } };
export const IDENTITY_TABLE_BILLING = 'PAY_PER_REQUEST' as const;

export function identityTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: IDENTITY_TABLE_KEY.partitionKey.name, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: IDENTITY_TABLE_KEY.partitionKey.name, KeyType: 'HASH' }],
    BillingMode: IDENTITY_TABLE_BILLING,
  };
}
