/**
 * The data folder's instance lock: one holder at a time (also under concurrent attempts), a clear
 * message naming the holder, stale locks of dead processes taken over, release only by the holder.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireInstanceLock, INSTANCE_LOCK_FILE, InstanceLockedError, liveInstanceLock } from '../../local/instance-lock.js';

const fresh = () => mkdtempSync(path.join(tmpdir(), 'threadline-lock-'));
const alive = () => true;
const dead = () => false;

describe('instance lock', () => {
  it('a second holder is refused with the pid, start time, collector URL and folder', async () => {
    const dir = fresh();
    const lock = await acquireInstanceLock(dir, { pid: 4242, now: new Date('2026-12-01T10:00:00.000Z'), isAlive: alive });
    await lock.update({ url: 'http://127.0.0.1:8787' });
    const err = await acquireInstanceLock(dir, { pid: 777, isAlive: alive }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstanceLockedError);
    expect((err as Error).message).toBe(
      `another Threadline pipeline (pid 4242, started 2026-12-01T10:00:00.000Z, collector at http://127.0.0.1:8787) is using ${dir}; stop it or use --data-dir <other>`,
    );
    expect((await liveInstanceLock(dir, alive))?.pid).toBe(4242);
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
    expect(await liveInstanceLock(dir, alive)).toBeUndefined();
  });

  it('takes over the lock of a process that is gone', async () => {
    const dir = fresh();
    writeFileSync(
      path.join(dir, INSTANCE_LOCK_FILE),
      JSON.stringify({ pid: 99999, startedAt: '2026-01-01T00:00:00.000Z', hostname: hostname(), token: 'old' }),
    );
    expect(await liveInstanceLock(dir, dead)).toBeUndefined();
    const lock = await acquireInstanceLock(dir, { pid: 5, isAlive: (pid) => pid !== 99999 });
    expect(JSON.parse(readFileSync(path.join(dir, INSTANCE_LOCK_FILE), 'utf8')).pid).toBe(5);
    await lock.release();
    expect(readdirSync(dir)).toEqual([]); // no temp or set-aside files left behind
  });

  it('the real liveness check: this process holds, a pid that does not exist does not', async () => {
    const dir = fresh();
    const lock = await acquireInstanceLock(dir);
    await expect(acquireInstanceLock(dir)).rejects.toThrow(/pid \d+, started .* is using/);
    await lock.release();
    writeFileSync(
      path.join(dir, INSTANCE_LOCK_FILE),
      JSON.stringify({ pid: 2 ** 22 + 1, startedAt: 'x', hostname: hostname(), token: 't' }), // above Linux's pid_max limit
    );
    const again = await acquireInstanceLock(dir);
    await again.release();
  });

  it('a lock from another host is never judged stale', async () => {
    const dir = fresh();
    writeFileSync(path.join(dir, INSTANCE_LOCK_FILE), JSON.stringify({ pid: 1, startedAt: 'x', hostname: 'elsewhere', token: 't' }));
    await expect(acquireInstanceLock(dir, { isAlive: dead })).rejects.toThrow(/pid 1 on host elsewhere/);
  });

  it('release leaves a lock that is not its own alone', async () => {
    const dir = fresh();
    const first = await acquireInstanceLock(dir, { pid: 1, isAlive: dead });
    const second = await acquireInstanceLock(dir, { pid: 2, isAlive: dead }); // first judged stale
    await first.release();
    expect((await liveInstanceLock(dir, alive))?.pid).toBe(2);
    await second.release();
  });

  it.each([
    ['a free folder', false],
    ['a folder with a stale lock', true],
  ])('of 12 concurrent attempts on %s exactly one wins', async (_, stale) => {
    const dir = fresh();
    if (stale) {
      writeFileSync(path.join(dir, INSTANCE_LOCK_FILE), JSON.stringify({ pid: 1, startedAt: 'x', hostname: hostname(), token: 'stale' }));
    }
    const isAlive = (pid: number) => pid !== 1;
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => acquireInstanceLock(dir, { pid: 100 + i, isAlive })));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InstanceLockedError);
    const holder = await liveInstanceLock(dir, isAlive);
    expect(holder?.pid).toBe((won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireInstanceLock>>>).value.info.pid);
  });
});
