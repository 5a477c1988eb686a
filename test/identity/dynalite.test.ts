import { startLocalDynamo } from '../../local/dynamodb.js';
import { identityStoreSuite } from './suite.js';

identityStoreSuite('dynalite', () => startLocalDynamo(), { propertyRuns: Number(process.env.RUNS ?? 60) });
