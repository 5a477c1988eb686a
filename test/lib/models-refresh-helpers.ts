/** Small helpers of test/lib/models-refresh.test.ts. */
import { modelsRefreshSettingsSchema } from '../../lambdas/index.js';

export { MODEL_NAMES } from '../../sql/index.js';

/** The function's THREADLINE_CONFIG parses with the function's own schema. */
export function modelsRefreshSettingsSchemaCheck(v: unknown): void {
  modelsRefreshSettingsSchema.parse(v);
}
