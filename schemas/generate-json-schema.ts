/**
 * Renders the published JSON Schema files from the zod contract (schemas/event.ts), for emitters in
 * other languages:
 *   schemas/generated/threadline-event.schema.json  one event (any call type)
 *   schemas/generated/threadline-batch.schema.json  a /v1/batch body whose items are events
 * `npm run schemas:generate` writes them; test/contract fails when the committed files are stale.
 *
 * The schemas describe the INPUT a client may send (zod `io: 'input'`). Refinements that JSON Schema
 * cannot express (a date that parses) are enforced by the collector only; the depth/size/forbidden-key
 * and time-range checks of schemas/validate.ts are documented in the description.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as z from 'zod/mini';
import { batchSchema, eventSchema } from './event.js';
import { DEFAULT_LIMITS } from './validate.js';

export const GENERATED_DIR = join(dirname(fileURLToPath(import.meta.url)), 'generated');
export const SCHEMA_ID_BASE = 'https://threadline.dev/schemas';

const LIMITS_NOTE =
  `Also enforced by the collector: at most ${DEFAULT_LIMITS.maxEventBytes} bytes of JSON per event, nesting depth <= ${DEFAULT_LIMITS.maxDepth}, ` +
  'no "__proto__", "constructor" or "prototype" keys anywhere, userId or anonymousId (or a context.identifiers value) required, ' +
  'event time at most 24 h in the future and (live routes) at most 2 years in the past.';

function render(schema: z.ZodMiniType, id: string, title: string, description: string): string {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any', reused: 'ref' }) as Record<
    string,
    unknown
  >;
  const { $schema, ...rest } = json;
  const doc = { $schema, $id: `${SCHEMA_ID_BASE}/${id}`, title, description, ...rest };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** File name -> content. Pure: the staleness test compares it with the committed files. */
export function renderJsonSchemas(): Record<string, string> {
  const batchWithEvents = z.extend(batchSchema, { batch: z.array(eventSchema).check(z.minLength(1), z.maxLength(2_500)) });
  return {
    'threadline-event.schema.json': render(
      eventSchema,
      'threadline-event.schema.json',
      'Threadline event',
      "One Segment-spec call (track, identify, page, screen, group, alias) with Threadline's omnichannel context " +
        `(context.touchpoint, context.identifiers). ${LIMITS_NOTE}`,
    ),
    'threadline-batch.schema.json': render(
      batchWithEvents,
      'threadline-batch.schema.json',
      'Threadline batch',
      `Body of POST /v1/batch and /v1/import: 1 to 2,500 events, at most 500 KB after decompression. Each event is validated on its own. ${LIMITS_NOTE}`,
    ),
  };
}

export function writeJsonSchemas(dir = GENERATED_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(renderJsonSchemas()).map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const path of writeJsonSchemas()) process.stdout.write(`wrote ${path}\n`);
}
