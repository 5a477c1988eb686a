#!/usr/bin/env node
// Entry point for `npx threadline`. Runs the compiled CLI (dist/cli/, `npm run build:cli`, also built by
// `npm ci` / `npm install`) when it was built from the sources as they are now; otherwise, or when it
// was never built, the TypeScript sources through tsx (slower to start, same behaviour). The bundle's
// inputs.json lists each project file it was built from with its SHA-256, so an edit, a checkout or a
// pull since the build sends the run to the sources: an out-of-date bundle never runs.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// THREADLINE_CLI_BUNDLE_DIR points at another build (the bundle's tests build into a scratch folder).
const bundleDir = process.env.THREADLINE_CLI_BUNDLE_DIR
  ? path.resolve(process.env.THREADLINE_CLI_BUNDLE_DIR)
  : path.join(root, 'dist', 'cli');

/** The bundle's entry if every file it was built from is unchanged, else undefined. */
function freshBundle() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(bundleDir, 'inputs.json'), 'utf8'));
  } catch {
    return undefined;
  }
  for (const [file, sha256] of Object.entries(manifest.inputs ?? {})) {
    let now;
    try {
      now = createHash('sha256')
        .update(readFileSync(path.join(root, file)))
        .digest('hex');
    } catch {
      return undefined;
    }
    if (now !== sha256) return undefined;
  }
  return path.join(bundleDir, 'threadline.mjs');
}

const bundle = freshBundle();
if (bundle) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/index.ts');
}
