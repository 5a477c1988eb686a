/**
 * Adapter from the processor's identity table definition to what the CDK construct needs.
 * TEMPORARY until lambdas/processor/identity/table.ts lands.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

export interface IdentityTableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes: readonly { indexName: string; partitionKey: KeyAttribute; sortKey?: KeyAttribute }[];
}

export const IDENTITY_TABLE_DEFINITION: IdentityTableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [],
};

export const PROCESSOR_DYNAMODB_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem'] as const;
