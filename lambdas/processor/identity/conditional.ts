/** Recognising a write refused by its ConditionExpression, the signal every conditional write of the store relies on. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException;
}
