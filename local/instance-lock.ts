/**
 * One local pipeline per data folder. The stand-ins keep LevelDB databases in the folder, and a second
 * process on it fails deep inside LevelDB with a lock error that names neither the other process nor
 * what to do. This lock file is taken first and says who holds the folder:
 *
 *   <dataDir>/pipeline.lock   {"pid":1234,"startedAt":"...","url":"http://127.0.0.1:8787","hostname":"...","token":"..."}
 *
 * Taking it is atomic: the content is written to a private temp file which is then hard-linked to
 * the lock name; link() fails with EEXIST when the name exists (the O_EXCL guarantee), and a reader
 * never sees a half-written lock. A lock whose process is gone (a crash, SIGKILL) is stale and is taken
 * over; a lock from another host is never judged stale, since its pid means nothing here.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

export const INSTANCE_LOCK_FILE = 'pipeline.lock';

export interface InstanceLockInfo {
  pid: number;
  startedAt: string;
  hostname: string;
  /** The collector's URL, once it listens. */
  url?: string;
  /** Distinguishes this holder from an earlier one with the same pid. */
  token: string;
}

export class InstanceLockedError extends Error {
  readonly code = 'THREADLINE_DATA_DIR_LOCKED';
  constructor(
    readonly dataDir: string,
    readonly holder: InstanceLockInfo | undefined,
  ) {
    super(lockedMessage(dataDir, holder));
    this.name = 'InstanceLockedError';
  }
}

export interface InstanceLock {
  readonly file: string;
  readonly info: InstanceLockInfo;
  /** Records facts known after start (the collector URL) for the next process that finds the lock. */
  update(patch: Pick<InstanceLockInfo, 'url'>): Promise<void>;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Injected for tests: whether a pid is a running process on this host. */
  isAlive?: (pid: number) => boolean;
  pid?: number;
  now?: Date;
}

export function lockedMessage(dataDir: string, holder: InstanceLockInfo | undefined): string {
  if (!holder)
    return `another Threadline pipeline is using ${dataDir} (its lock file could not be read); stop it or use --data-dir <other>`;
  const where = holder.url ? `, collector at ${holder.url}` : '';
  const host = holder.hostname && holder.hostname !== hostname() ? ` on host ${holder.hostname}` : '';
  return `another Threadline pipeline (pid ${holder.pid}${host}, started ${holder.startedAt}${where}) is using ${dataDir}; stop it or use --data-dir <other>`;
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock's content, or undefined when there is no lock (or it is unreadable). */
export async function readInstanceLock(dataDir: string): Promise<InstanceLockInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(path.join(dataDir, INSTANCE_LOCK_FILE), 'utf8')) as InstanceLockInfo;
    return typeof info?.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a lock holder is (as far as this host can tell) still running. */
export function isHeld(info: InstanceLockInfo, isAlive: (pid: number) => boolean = processIsAlive): boolean {
  if (info.hostname && info.hostname !== hostname()) return true;
  return isAlive(info.pid);
}

/** The holder of a data folder's lock when it is still running, else undefined (no lock, or a stale one). */
export async function liveInstanceLock(
  dataDir: string,
  isAlive: (pid: number) => boolean = processIsAlive,
): Promise<InstanceLockInfo | undefined> {
  const info = await readInstanceLock(path.resolve(dataDir));
  return info && isHeld(info, isAlive) ? info : undefined;
}

export async function acquireInstanceLock(dataDirInput: string, opts: AcquireOptions = {}): Promise<InstanceLock> {
  const dataDir = path.resolve(dataDirInput);
  const isAlive = opts.isAlive ?? processIsAlive;
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, INSTANCE_LOCK_FILE);
  let info: InstanceLockInfo = {
    pid: opts.pid ?? process.pid,
    startedAt: (opts.now ?? new Date()).toISOString(),
    hostname: hostname(),
    token: randomBytes(8).toString('hex'),
  };
  const tmpName = () => `${file}.${info.token}.${randomBytes(4).toString('hex')}.tmp`;

  // Two rounds: the second after removing a stale lock. Losing a race for it twice means someone live holds it.
  for (let attempt = 0; attempt < 3; attempt++) {
    const tmp = tmpName();
    await writeFile(tmp, JSON.stringify(info));
    try {
      await link(tmp, file);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await readInstanceLock(dataDir);
      if (holder && isHeld(holder, isAlive)) throw new InstanceLockedError(dataDir, holder);
      if (attempt === 2) throw new InstanceLockedError(dataDir, holder);
      await removeStale(file, holder);
    } finally {
      await unlink(tmp).catch(() => {});
    }
  }

  let released = false;
  return {
    file,
    get info() {
      return info;
    },
    async update(patch) {
      if (released) return;
      info = { ...info, ...patch };
      // rename() replaces atomically: readers see the old or the new content, never a torn one
      const tmp = tmpName();
      await writeFile(tmp, JSON.stringify(info));
      await rename(tmp, file);
    },
    async release() {
      if (released) return;
      released = true;
      const current = await readInstanceLock(dataDir);
      if (current?.token === info.token) await rm(file, { force: true });
    },
  };
}

/**
 * Moves the stale lock aside under a private name before deleting it, so that of two processes that
 * both judged it stale, only one removes it; the other's rename fails (ENOENT) and it retries the link.
 * If what was moved aside turns out not to be the stale lock (a new holder got in between), it is put
 * back.
 */
async function removeStale(file: string, stale: InstanceLockInfo | undefined): Promise<void> {
  const aside = `${file}.stale.${randomBytes(6).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = await readFile(aside, 'utf8')
    .then((t) => JSON.parse(t) as InstanceLockInfo)
    .catch(() => undefined);
  if (stale && moved && moved.token !== stale.token) await link(aside, file).catch(() => {});
  await unlink(aside).catch(() => {});
}
