/**
 * The same identity-store suite on Amazon's DynamoDB Local (Java), so that a gap in dynalite
 * (condition expressions, ReturnValues, string sets) cannot hide a bug.
 */
import { describe, it } from 'vitest';
import { javaAvailable, startAmazonDynamoLocal } from '../../local/dynamodb.js';
import { identityStoreSuite } from './suite.js';

const hasJava = await javaAvailable();
// In CI (CI=true) a missing Java is a broken setup, not a reason to skip: fail loudly there.
if (hasJava || process.env.CI) {
  identityStoreSuite('DynamoDB Local', () => startAmazonDynamoLocal(), { propertyRuns: Number(process.env.RUNS_DDB_LOCAL ?? 12) });
} else {
  describe('identity store on DynamoDB Local', () => {
    // Skipped only on a developer machine without Java: the dynalite run of the same suite still runs.
    it.skip('SKIPPED: no `java` on PATH (DynamoDB Local needs Java 17+; CI has it)', () => {});
  });
}
