/**
 * checkStructure builds the path of the problem it reports from parent links instead of one path per
 * node visited (a collector hot spot): its answers must be exactly those of the eager version, kept
 * here as the reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkStructure } from '../../schemas/index.js';

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function safeSegment(key: string): string {
  const clean = key.replace(/[\u0000-\u001f\u007f-\u009f"\\]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}
function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const seg = safeSegment(key);
  return /^[A-Za-z_$][\w$]*$/.test(seg) ? (path ? `${path}.${seg}` : seg) : `${path}["${seg}"]`;
}
/** The eager implementation (one path string per node). */
function reference(value: unknown, maxDepth: number) {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: value, depth: 1, path: '' }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) return { reason: 'too_deep', detail: `nesting deeper than ${maxDepth} levels at ${path || '(root)'}` };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth: depth + 1, path: `${path}[${i}]` });
      continue;
    }
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) return { reason: 'forbidden_key', detail: `forbidden key "${key}" at ${path || '(root)'}` };
      stack.push({ v: (v as Record<string, unknown>)[key], depth: depth + 1, path: joinPath(path, key) });
    }
  }
  return undefined;
}

const key = fc.oneof(
  fc.constantFrom('a', 'b_1', 'weird key', 'x"y', 'tab\there', '9lives', 'é', 'k'.repeat(50), ...FORBIDDEN_KEYS),
  fc.string({ maxLength: 6 }),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
})).value;

describe('checkStructure', () => {
  it('reports exactly what the eager-path version reports (reason and detail)', () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 1, max: 6 }), (value, maxDepth) => {
        // Through JSON text, so that "__proto__" is an own property as JSON.parse makes it.
        const parsed = JSON.parse(JSON.stringify(value) ?? 'null');
        expect(checkStructure(parsed, maxDepth)).toEqual(reference(parsed, maxDepth));
      }),
      { numRuns: 2_000 },
    );
  });

  it('names the path of a deep forbidden key and of a too-deep node', () => {
    const parsed = JSON.parse('{"context":{"list":[0,{"weird key":{"__proto__":1}}]}}');
    expect(checkStructure(parsed, 32)).toEqual({
      reason: 'forbidden_key',
      detail: 'forbidden key "__proto__" at context.list[1]["weird key"]',
    });
    expect(checkStructure({ a: [[[1]]] }, 3)).toEqual({ reason: 'too_deep', detail: 'nesting deeper than 3 levels at a[0][0]' });
  });
});
