/**
 * Read-only key store from static JSON (env THREADLINE_SOURCES_JSON), for small deployments and tests:
 *   [{ "keyHash": "<sha256 hex>", "id"?: "...", "name": "web", "defaultChannel"?: "web", "allowedOrigins"?: [...] }]
 * Only hashes: a plain key in configuration would end up in CloudFormation templates and consoles.
 */
import * as z from 'zod/mini';
import { TOUCHPOINT_CHANNELS } from '../../../schemas/index.js';
import { cleanSource, hashWriteKey, KEY_HASH_PREFIX_LENGTH, type KeyStore, parseOrThrow, type SourceConfig, sourceIdFor } from './types.js';

const staticSchema = z.array(
  z.object({
    keyHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
    id: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    name: z.string().check(z.minLength(1), z.maxLength(128)),
    defaultChannel: z.optional(z.enum(TOUCHPOINT_CHANNELS)),
    allowedOrigins: z.optional(z.array(z.string())),
  }),
);

export function createStaticKeyStore(json: string): KeyStore {
  const keys = new Map<string, SourceConfig>();
  for (const e of parseOrThrow(staticSchema, JSON.parse(json), 'THREADLINE_SOURCES_JSON')) {
    keys.set(e.keyHash, cleanSource({ ...e, id: e.id ?? sourceIdFor(e.name) }));
  }
  const readOnly = () => Promise.reject(new Error('static key store (THREADLINE_SOURCES_JSON) is read-only'));
  return {
    async lookup(writeKey) {
      const s = writeKey ? keys.get(hashWriteKey(writeKey)) : undefined;
      return s ? cleanSource(s) : undefined;
    },
    add: readOnly,
    revoke: readOnly,
    async list() {
      return [...keys].map(([hash, s]) => ({ ...cleanSource(s), keyHashPrefix: hash.slice(0, KEY_HASH_PREFIX_LENGTH) }));
    },
  };
}
