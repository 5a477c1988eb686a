import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const config = require('../../.dependency-cruiser.cjs') as { forbidden: unknown[]; options: Record<string, unknown> };
const FOLDERS = ['schemas', 'domain', 'sql', 'query', 'lambdas', 'local', 'lib', 'cost', 'demo', 'cli', 'bench', 'bin', 'test'];

async function violations(paths: string[], baseDir?: string) {
  const options = baseDir ? { ...config.options, tsConfig: undefined, baseDir } : config.options;
  const { output } = await cruise(paths, { ...options, validate: true, ruleSet: { forbidden: config.forbidden } } as never);
  return (output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

describe('import rules (.dependency-cruiser.cjs)', () => {
  it('the tree has no folder or file cycle, no import against the layers, and crosses folders only through index.ts', async () => {
    expect(await violations(FOLDERS)).toEqual([]);
  });

  it('the rules reject a forbidden import, a deep import across folders and a cycle (in a scratch tree)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadline-imports-'));
    const file = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    file('lambdas/index.ts', "export { handler } from './handler.js';\n");
    file('lambdas/handler.ts', "import { rule } from '../domain/index.js';\nexport const handler = rule;\n");
    file('domain/index.ts', "export { rule } from './rule.js';\n");
    file('domain/rule.ts', "import { handler } from '../lambdas/handler.js';\nexport const rule = () => handler;\n");
    const found = await violations(['domain', 'lambdas'], dir);
    expect(found).toContain('layer-domain: domain/rule.ts -> lambdas/handler.ts');
    expect(found).toContain('entry-points-only: domain/rule.ts -> lambdas/handler.ts');
    expect(found.some((v) => v.startsWith('no-cycle:'))).toBe(true);
  });
});
