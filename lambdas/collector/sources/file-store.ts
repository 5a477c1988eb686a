/**
 * Key store in a JSON file (local pipeline: .threadline/sources.json).
 *
 * File shape: { "version": 1, "keys": { "<sha256 hex>": { id, name, defaultChannel?, allowedOrigins?, createdAt } } }
 * Re-read when its mtime changes, so that `threadline keys add` works against a running local
 * collector; written atomically (temp file + rename) with mode 0600.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import {
  cleanSource,
  hashWriteKey,
  KEY_HASH_PREFIX_LENGTH,
  matchesRevoke,
  newWriteKey,
  sourceConfigSchema,
  sourceFromInput,
  type AddSourceInput,
  type KeyStore,
  type SourceConfig,
} from './types.js';

const fileSchema = z.object({
  version: z.literal(1),
  keys: z.record(z.string().regex(/^[0-9a-f]{64}$/), sourceConfigSchema.extend({ createdAt: z.string().optional() })),
});
type KeyFile = z.infer<typeof fileSchema>;

export interface FileKeyStore extends KeyStore {
  /**
   * Register a known key (idempotent). For the local development key only: a key chosen by a human
   * is weaker than add()'s random one.
   */
  ensureKey(writeKey: string, input: AddSourceInput): Promise<SourceConfig>;
}

export function createFileKeyStore(path: string): FileKeyStore {
  let cache: { mtimeMs: number; data: KeyFile } | undefined;

  async function load(): Promise<KeyFile> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(path)).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: {} };
      throw err;
    }
    if (cache && cache.mtimeMs === mtimeMs) return cache.data;
    const data = fileSchema.parse(JSON.parse(await readFile(path, 'utf8')));
    cache = { mtimeMs, data };
    return data;
  }

  async function save(data: KeyFile): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, path);
    cache = undefined;
  }

  return {
    async lookup(writeKey) {
      if (!writeKey) return undefined;
      const entry = (await load()).keys[hashWriteKey(writeKey)];
      return entry ? cleanSource(entry) : undefined;
    },
    async add(input) {
      const source = sourceFromInput(input);
      const writeKey = newWriteKey();
      const data = await load();
      const next: KeyFile = { version: 1, keys: { ...data.keys, [hashWriteKey(writeKey)]: { ...source, createdAt: new Date().toISOString() } } };
      await save(next);
      return { writeKey, source };
    },
    async ensureKey(writeKey, input) {
      const hash = hashWriteKey(writeKey);
      const data = await load();
      const existing = data.keys[hash];
      if (existing) return cleanSource(existing);
      const source = sourceFromInput(input);
      await save({ version: 1, keys: { ...data.keys, [hash]: { ...source, createdAt: new Date().toISOString() } } });
      return source;
    },
    async list() {
      const data = await load();
      return Object.entries(data.keys).map(([hash, s]) => ({ ...cleanSource(s), keyHashPrefix: hash.slice(0, KEY_HASH_PREFIX_LENGTH) }));
    },
    async revoke(idOrHashPrefix) {
      const data = await load();
      const keep: KeyFile['keys'] = {};
      let revoked = false;
      for (const [hash, s] of Object.entries(data.keys)) {
        if (matchesRevoke(hash, s, idOrHashPrefix)) revoked = true;
        else keep[hash] = s;
      }
      if (revoked) await save({ version: 1, keys: keep });
      return revoked;
    },
  };
}
