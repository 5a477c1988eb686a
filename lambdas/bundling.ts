/**
 * How every Threadline Lambda is bundled, shared by the CDK constructs (NodejsFunction) and by
 * `npm run build:lambdas` (lambdas/build.ts) so that the size printed there is the size deployed.
 *
 * ESM because the project is ESM ("type": "module"); the banner gives bundled CommonJS dependencies a
 * `require` (esbuild's ESM output otherwise throws "Dynamic require of ... is not supported").
 * The AWS SDK is bundled rather than taken from the runtime: the code then runs against the SDK
 * versions the tests ran against, and a minified single file starts faster than the runtime's
 * node_modules resolution.
 */

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const ESM_REQUIRE_BANNER =
  "import { createRequire as __tlCreateRequire } from 'node:module'; const require = __tlCreateRequire(import.meta.url);";

export const LAMBDA_BUNDLE = {
  target: 'node22',
  format: 'esm' as const,
  minify: true,
  /** Prefer ESM entry points of dependencies (better tree shaking). */
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
};

/** LAMBDA_BUNDLE as esbuild build options (the local bundle build and the bundle-size benchmark). */
export const LAMBDA_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node' as const,
  target: LAMBDA_BUNDLE.target,
  format: LAMBDA_BUNDLE.format,
  minify: LAMBDA_BUNDLE.minify,
  mainFields: LAMBDA_BUNDLE.mainFields,
  banner: { js: LAMBDA_BUNDLE.banner },
};

/** The Lambda entry points of the project, relative to the project root. */
export const LAMBDA_ENTRIES = {
  collector: 'lambdas/collector/handler.ts',
  processor: 'lambdas/processor/handler.ts',
  viewsDeployer: 'lambdas/views-deployer/handler.ts',
  modelsRefresh: 'lambdas/models-refresh/handler.ts',
} as const;

export type LambdaName = keyof typeof LAMBDA_ENTRIES;

export function entryPath(name: LambdaName): string {
  return resolve(PROJECT_ROOT, LAMBDA_ENTRIES[name]);
}
