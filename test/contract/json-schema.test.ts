/**
 * The published JSON Schema (schemas/generated/) is rendered from the zod contract: this test fails
 * when the committed files are stale (run `npm run schemas:generate`), and checks with an independent
 * validator (ajv, draft 2020-12) that the schema and zod agree on real SDK payloads and on generated
 * valid and invalid events.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventSchema } from '../../schemas/event.js';
import { GENERATED_DIR, renderJsonSchemas } from '../../schemas/generate-json-schema.js';
import { validEvent } from './arbitraries.js';

// ajv ships CJS with a default export; under ESM interop it may arrive wrapped.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module;

const rendered = renderJsonSchemas();
const ajv = new Ajv2020({ strict: false, allErrors: false });
const eventJsonSchema = JSON.parse(rendered['threadline-event.schema.json']!);
const batchJsonSchema = JSON.parse(rendered['threadline-batch.schema.json']!);
const validateEventJson = ajv.compile(eventJsonSchema);
const validateBatchJson = ajv.compile(batchJsonSchema);

// Requests captured from the real SDKs (kept here so the test is self-contained).
const CAPTURES = join(import.meta.dirname, '../fixtures/sdk-captures');
function capture(name: string): any {
  return JSON.parse(readFileSync(join(CAPTURES, name), 'utf8'));
}

describe('generated JSON Schema files', () => {
  it.each(Object.keys(rendered))('%s is up to date (npm run schemas:generate)', (name) => {
    const committed = readFileSync(join(GENERATED_DIR, name), 'utf8');
    expect(committed === rendered[name], `${name} is stale: run npm run schemas:generate`).toBe(true);
  });

  it('names every call type and the omnichannel fields', () => {
    const text = rendered['threadline-event.schema.json']!;
    for (const word of [
      '"track"',
      '"identify"',
      '"page"',
      '"screen"',
      '"group"',
      '"alias"',
      'touchpoint',
      'identifiers',
      'call_center',
      'emailSha256',
    ]) {
      expect(text).toContain(word);
    }
  });
});

describe('schema and zod agree', () => {
  it('on what the real SDKs send (captured requests)', () => {
    const bodies = [capture('segment-analytics-node-3.1.0.request.json').body, capture('rudder-sdk-node-3.0.13.body.json')];
    expect(bodies.map((b) => b.batch.length).every((n: number) => n > 0)).toBe(true);
    for (const body of bodies) {
      expect(validateBatchJson(body), JSON.stringify(validateBatchJson.errors)).toBe(true);
      for (const e of body.batch) {
        expect(validateEventJson(e)).toBe(true);
        expect(eventSchema.safeParse(e).success).toBe(true);
      }
    }
  });

  it('on generated valid events', () => {
    fc.assert(
      fc.property(validEvent, (e) => {
        expect(validateEventJson(e), JSON.stringify(validateEventJson.errors)).toBe(true);
        expect(eventSchema.safeParse(e).success).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('on generated structurally invalid events (wrong types, missing required fields, unknown enum values)', () => {
    const breakers: Array<(e: Record<string, unknown>) => Record<string, unknown>> = [
      (e) => ({ ...e, type: 'purchase' }),
      (e) => ({ ...e, userId: 12 }),
      (e) => ({ ...e, context: { touchpoint: { channel: 'fax' } } }),
      (e) => ({ ...e, context: { identifiers: { emailSha256: 'not-hex' } } }),
      (e) => ({ ...e, messageId: '' }),
      (e) => ({ ...e, timestamp: 'tomorrow' }),
      (e) => {
        const { type: _t, ...rest } = e;
        return rest;
      },
    ];
    fc.assert(
      fc.property(validEvent, fc.nat({ max: breakers.length - 1 }), (e, i) => {
        const bad = breakers[i]!(e);
        expect(eventSchema.safeParse(bad).success).toBe(false);
        expect(validateEventJson(bad)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('batch limits: 1 to 2,500 events', () => {
    expect(validateBatchJson({ batch: [] })).toBe(false);
    const e = { type: 'track', userId: 'u', event: 'e' };
    expect(validateBatchJson({ batch: Array(2500).fill(e) })).toBe(true);
    expect(validateBatchJson({ batch: Array(2501).fill(e) })).toBe(false);
  });
});
