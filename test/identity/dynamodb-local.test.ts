/**
 * The same identity-store suite on Amazon's DynamoDB Local (Java), so that a gap in dynalite
 * (condition expressions, ReturnValues, string sets) cannot hide a bug.
 */
import { describe } from 'vitest';
import { javaAvailable, startAmazonDynamoLocal } from '../../local/dynamodb.js';
import { identityStoreSuite } from './suite.js';

const hasJava = await javaAvailable();

// Always runs in CI (CI=true: a missing Java is a broken setup and must fail, not skip). Only on a
// developer machine without Java 17+ is it left out; the dynalite run of the same suite still runs.
describe.skipIf(!hasJava && !process.env.CI)('DynamoDB Local (needs `java` 17+ on PATH)', () => {
  identityStoreSuite('DynamoDB Local', () => startAmazonDynamoLocal(), { propertyRuns: Number(process.env.RUNS_DDB_LOCAL ?? 12) });
});
