/**
 * `npm run build:lambdas`: the bundles are the deployable ESM files (same esbuild settings as the CDK
 * functions) and the reported sizes are the files' sizes.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bundleLambda } from '../../lambdas/build.js';
import { PROJECT_ROOT } from '../../lambdas/bundling.js';

describe('build:lambdas', () => {
  it('bundles each handler into one minified ESM file and reports its real size', async () => {
    const out = mkdtempSync(join(tmpdir(), 'threadline-build-'));
    for (const name of ['collector', 'processor', 'viewsDeployer'] as const) {
      const r = await bundleLambda(name, out);
      const file = join(PROJECT_ROOT, r.outfile);
      const code = readFileSync(file);
      expect(r.bytes).toBe(statSync(file).size);
      expect(gunzipSync(gzipSync(code)).equals(code)).toBe(true);
      expect(r.gzipBytes).toBeLessThan(r.bytes);
      const text = code.toString('utf8');
      expect(text.startsWith("import { createRequire as __tlCreateRequire } from 'node:module';")).toBe(true); // the ESM require banner
      expect(text).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      expect(r.top.length).toBeGreaterThan(0);
    }
  });
});
