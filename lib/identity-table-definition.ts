/**
 * Adapter from the processor's identity table definition (lambdas/processor/identity/table.ts, the
 * same definition the offline dynalite table is created from) to what the CDK construct needs, plus
 * the DynamoDB actions the processor's identity store issues.
 */
import { identityTableDefinition } from '../lambdas/index.js';

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

export interface IdentityTableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalSecondaryIndexes: readonly { indexName: string; partitionKey: KeyAttribute; sortKey?: KeyAttribute }[];
}

function fromCreateTableInput(): IdentityTableDefinition {
  const input = identityTableDefinition('threadline-identity');
  const typeOf = (name: string): KeyAttribute['type'] => {
    const def = input.AttributeDefinitions?.find((a) => a.AttributeName === name);
    if (!def?.AttributeType) throw new Error(`identity table: no attribute definition for key ${name}`);
    return def.AttributeType as KeyAttribute['type'];
  };
  const keys = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) => {
    const hash = schema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
    const range = schema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    if (!hash) throw new Error('identity table: no HASH key');
    return {
      partitionKey: { name: hash, type: typeOf(hash) },
      ...(range ? { sortKey: { name: range, type: typeOf(range) } } : {}),
    };
  };
  if (input.BillingMode !== 'PAY_PER_REQUEST') throw new Error('identity table: the stack deploys it on-demand (PAY_PER_REQUEST)');
  return {
    ...keys(input.KeySchema),
    globalSecondaryIndexes: (input.GlobalSecondaryIndexes ?? []).map((g) => ({ indexName: g.IndexName!, ...keys(g.KeySchema) })),
  };
}

export const IDENTITY_TABLE_DEFINITION: IdentityTableDefinition = fromCreateTableInput();

/**
 * What the identity store (lambdas/processor/identity/) sends (BatchGetItemCommand, GetItemCommand,
 * UpdateItemCommand). test/cdk derives the same list from the processor bundle's source, so a new
 * command in the code fails the test until it is granted here.
 */
export const PROCESSOR_DYNAMODB_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;
