/**
 * The DynamoDB Local suite must fail loudly, not crash the worker, when its backend cannot start:
 * a missing `java` used to surface as an unhandled `spawn java ENOENT`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startAmazonDynamoLocal } from '../../local/dynamodb.js';

describe('DynamoDB Local start-up', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('rejects with the reason when Java is not on PATH', async () => {
    process.env.PATH = '/nonexistent';
    await expect(startAmazonDynamoLocal({ startTimeoutMs: 10_000 })).rejects.toThrow(/DynamoDB Local could not start: .*ENOENT.*Java 17\+/);
  });
});
