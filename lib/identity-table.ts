/**
 * The DynamoDB identity table. Its key schema comes from the processor's own table definition
 * (lambdas/processor/identity/table.ts), the same definition the offline dynalite tables are created
 * from, so that the deployed table cannot drift from what the code was tested against.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { IDENTITY_TABLE_DEFINITION, type KeyAttribute } from './identity-table-definition.js';

export interface IdentityTableProps {
  readonly production: boolean;
  readonly removalPolicy: RemovalPolicy;
}

const ATTR_TYPE: Record<KeyAttribute['type'], dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

export class IdentityTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: IdentityTableProps) {
    super(scope, id);
    const def = IDENTITY_TABLE_DEFINITION;
    const key = (a: KeyAttribute | undefined) => (a ? { name: a.name, type: ATTR_TYPE[a.type] } : undefined);
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: key(def.partitionKey)!,
      sortKey: key(def.sortKey),
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.production,
      removalPolicy: props.removalPolicy,
      globalSecondaryIndexes: def.globalSecondaryIndexes.map((g) => ({
        indexName: g.indexName,
        partitionKey: key(g.partitionKey)!,
        sortKey: key(g.sortKey),
      })),
    });
  }
}
