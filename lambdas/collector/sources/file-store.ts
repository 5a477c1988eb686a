/**
 * Key store in a JSON file (local pipeline: .threadline/sources.json).
 *
 * File shape: { "version": 1, "keys": { "<sha256 hex>": { id, name, defaultChannel?, allowedOrigins?, createdAt } } }
 * Re-read when its mtime changes, so that `threadline keys add` works against a running local
 * collector; written atomically (unique temp file + fsync + rename) with mode 0600.
 *
 * A lookup that finds its key does not stat the file again for `recheckMs` (default 1 s): a stat per
 * request was a tenth of the collector's time and a thread-pool round trip on every request. An
 * unknown key always checks the file, so a key added by another process works at once; the price is
 * that a key revoked by another process keeps working for up to `recheckMs` (this process's own
 * mutations take effect at once).
 *
 * Mutations (add, ensureKey, revoke) are read-modify-write of the whole file, so two of them
 * interleaving would each write their own copy and one update would be lost. They are therefore
 * serialised twice over:
 *   - in this process: one promise chain per file (shared by every store instance on that path);
 *   - across processes (the running local pipeline and `threadline keys add`): a lock file
 *     `<file>.lock` created with O_EXCL, holding the owner's pid.
 * Inside both, the file is re-read from disk (never the mtime cache) before it is modified.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as z from 'zod/mini';
import {
  type AddSourceInput,
  cleanSource,
  hashWriteKey,
  KEY_HASH_PREFIX_LENGTH,
  type KeyStore,
  matchesRevoke,
  newWriteKey,
  parseOrThrow,
  type SourceConfig,
  sourceConfigSchema,
  sourceFromInput,
} from './types.js';

const fileSchema = z.object({
  version: z.literal(1),
  keys: z.record(z.string().check(z.regex(/^[0-9a-f]{64}$/)), z.extend(sourceConfigSchema, { createdAt: z.optional(z.string()) })),
});
type KeyFile = z.infer<typeof fileSchema>;

export interface FileKeyStore extends KeyStore {
  /**
   * Register a known key (idempotent). For the local development key only: a key chosen by a human
   * is weaker than add()'s random one.
   */
  ensureKey(writeKey: string, input: AddSourceInput): Promise<SourceConfig>;
}

/**
 * A lock file older than this is taken to be left behind by a crashed writer. A live holder keeps it
 * for a few milliseconds (one small read, write and rename), so this is generous.
 */
const STALE_LOCK_MS = 10_000;
/** Give up waiting for another process's lock after this long (it would have gone stale by then). */
const LOCK_WAIT_MS = 15_000;

/** Tail of the mutation queue of each file (absolute path) in this process. */
const queues = new Map<string, Promise<void>>();

/** Run fn after every mutation queued before it on the same file in this process. */
function serialised<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(file) ?? Promise.resolve()).then(fn);
  const tail = run.then(
    () => undefined,
    () => undefined, // a failed mutation must not block the ones queued after it
  );
  queues.set(file, tail);
  void tail.then(() => {
    if (queues.get(file) === tail) queues.delete(file);
  });
  return run;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock whose holder is gone (dead pid) or that has been held implausibly long. */
async function isStale(lockPath: string): Promise<boolean> {
  try {
    const [info, text] = await Promise.all([stat(lockPath), readFile(lockPath, 'utf8')]);
    if (Date.now() - info.mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number.parseInt(text, 10);
    // An empty file is a holder between create and write: not stale (the age check covers a crash there).
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // released meanwhile: just retry
    throw err;
  }
}

/**
 * Cross-process mutual exclusion with an O_EXCL lock file (works on every local filesystem, no native
 * module). Breaking a stale lock is an unlink: two waiters that judge the same lock stale at the same
 * instant could both proceed, which needs a crashed writer AND two new writers within microseconds;
 * accepted for a local development file.
 */
async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lockPath, 'wx', 0o600);
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await isStale(lockPath)) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`key store: ${lockPath} is held by another process; remove it if no threadline process is running`);
      await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt) + Math.random() * 5));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

export interface FileKeyStoreOptions {
  /** How long a successful lookup trusts the file unchanged without a stat. Default 1000 ms; 0: stat every time. */
  recheckMs?: number;
  now?: () => number;
}

export const DEFAULT_FILE_RECHECK_MS = 1_000;

export function createFileKeyStore(path: string, opts: FileKeyStoreOptions = {}): FileKeyStore {
  const file = resolve(path);
  const lockPath = `${file}.lock`;
  const recheckMs = opts.recheckMs ?? DEFAULT_FILE_RECHECK_MS;
  const now = opts.now ?? Date.now;
  let cache: { mtimeMs: number; data: KeyFile; checkedAt: number } | undefined;

  /** For reads: the cached copy while the file's mtime is unchanged. */
  async function load(): Promise<KeyFile> {
    const checkedAt = now();
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(file)).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: {} };
      throw err;
    }
    if (cache && cache.mtimeMs === mtimeMs) {
      cache.checkedAt = checkedAt;
      return cache.data;
    }
    const data = parseOrThrow(fileSchema, JSON.parse(await readFile(file, 'utf8')), `key file ${file}`);
    cache = { mtimeMs, data, checkedAt };
    return data;
  }

  /** The cached copy without a stat while it was checked within recheckMs. */
  function recent(): KeyFile | undefined {
    return cache && now() - cache.checkedAt < recheckMs ? cache.data : undefined;
  }

  /** For mutations (under the locks): always what is on disk now, whatever its mtime says. */
  async function loadFresh(): Promise<KeyFile> {
    try {
      return parseOrThrow(fileSchema, JSON.parse(await readFile(file, 'utf8')), `key file ${file}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: {} };
      throw err;
    }
  }

  async function save(data: KeyFile): Promise<void> {
    // A name no other writer (this process or another) can pick, so no two writes share a temp file.
    const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
    try {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(`${JSON.stringify(data, null, 2)}\n`);
        await fh.sync(); // the rename must not publish a file whose contents are still in flight
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    } finally {
      cache = undefined;
    }
  }

  /** Read-modify-write under both locks; `change` returns the new file (or undefined: no write). */
  function mutate<T>(change: (data: KeyFile) => { next?: KeyFile; result: T }): Promise<T> {
    return serialised(file, async () => {
      await mkdir(dirname(file), { recursive: true });
      return withFileLock(lockPath, async () => {
        const { next, result } = change(await loadFresh());
        if (next) await save(next);
        return result;
      });
    });
  }

  return {
    async lookup(writeKey) {
      if (!writeKey) return undefined;
      const hash = hashWriteKey(writeKey);
      const entry = recent()?.keys[hash] ?? (await load()).keys[hash];
      return entry ? cleanSource(entry) : undefined;
    },
    async add(input) {
      const source = sourceFromInput(input);
      const writeKey = newWriteKey();
      return mutate((data) => ({
        next: { version: 1, keys: { ...data.keys, [hashWriteKey(writeKey)]: { ...source, createdAt: new Date().toISOString() } } },
        result: { writeKey, source },
      }));
    },
    async ensureKey(writeKey, input) {
      const hash = hashWriteKey(writeKey);
      const source = sourceFromInput(input);
      return mutate((data) => {
        const existing = data.keys[hash];
        if (existing) return { result: cleanSource(existing) };
        return { next: { version: 1, keys: { ...data.keys, [hash]: { ...source, createdAt: new Date().toISOString() } } }, result: source };
      });
    },
    async list() {
      const data = await load();
      return Object.entries(data.keys).map(([hash, s]) => ({ ...cleanSource(s), keyHashPrefix: hash.slice(0, KEY_HASH_PREFIX_LENGTH) }));
    },
    async revoke(idOrHashPrefix) {
      return mutate((data) => {
        const keep: KeyFile['keys'] = {};
        let revoked = false;
        for (const [hash, s] of Object.entries(data.keys)) {
          if (matchesRevoke(hash, s, idOrHashPrefix)) revoked = true;
          else keep[hash] = s;
        }
        return revoked ? { next: { version: 1, keys: keep }, result: true } : { result: false };
      });
    },
  };
}
