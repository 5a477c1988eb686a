/**
 * The file key store under concurrent mutation. Each add/ensureKey/revoke is a read-modify-write of
 * the whole file; without serialisation two of them read the same version and the later rename
 * drops the earlier one's key. Invariant checked: every key a call reported as added can be looked
 * up afterwards, and nothing revoked comes back.
 */

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileKeyStore, hashWriteKey } from '../../lambdas/collector/sources/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tl-ks-conc-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function storedHashes(path: string): Promise<string[]> {
  return Object.keys((JSON.parse(await readFile(path, 'utf8')) as { keys: Record<string, unknown> }).keys).sort();
}

describe('file key store: concurrent mutations in one process', () => {
  it('100 concurrent adds on one store all survive', async () => {
    const path = join(dir, 'adds.json');
    const store = createFileKeyStore(path);
    const added = await Promise.all(Array.from({ length: 100 }, (_, i) => store.add({ name: `s${i}` })));
    expect(await storedHashes(path)).toEqual(added.map((a) => hashWriteKey(a.writeKey)).sort());
    for (const a of added) expect((await store.lookup(a.writeKey))?.id).toBe(a.source.id);
    // No temp file left behind; the lock is released.
    expect((await readdir(dir)).filter((f) => f.startsWith('adds.json'))).toEqual(['adds.json']);
  });

  it('several store instances on the same file, mixing add, ensureKey and revoke', async () => {
    const path = join(dir, 'mixed.json');
    const stores = [createFileKeyStore(path), createFileKeyStore(path), createFileKeyStore(join(dir, '.', 'mixed.json'))];
    const doomed = await stores[0]!.add({ name: 'doomed' });
    const ops: Array<Promise<unknown>> = [];
    const addedKeys: string[] = [];
    for (let i = 0; i < 60; i++) {
      const s = stores[i % stores.length]!;
      if (i % 3 === 0) ops.push(s.ensureKey(`tl_dev_${i}`, { name: `dev${i}` }).then(() => addedKeys.push(`tl_dev_${i}`)));
      else ops.push(s.add({ name: `k${i}` }).then((a) => addedKeys.push(a.writeKey)));
      if (i === 30) ops.push(s.revoke('doomed'));
    }
    // The same development key registered concurrently from every instance: still exactly one entry.
    for (const s of stores) ops.push(s.ensureKey('tl_dev_0', { name: 'dev0' }));
    await Promise.all(ops);
    expect(addedKeys).toHaveLength(60);
    expect(await storedHashes(path)).toEqual([...new Set(addedKeys)].map(hashWriteKey).sort());
    expect(await stores[1]!.lookup(doomed.writeKey)).toBeUndefined();
  });

  it('a failed mutation does not block the queue behind it', async () => {
    const store = createFileKeyStore(join(dir, 'fail.json'));
    const results = await Promise.allSettled([store.add({ name: 'a' }), store.add({ name: '' }), store.add({ name: 'b' })]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.list()).map((s) => s.id).sort()).toEqual(['a', 'b']);
  });
});

describe('file key store: concurrent writers in separate processes', () => {
  it('4 processes x 15 concurrent adds: all 60 keys survive', async () => {
    const path = join(dir, 'procs.json');
    const script = fileURLToPath(new URL('./fixtures/keystore-writer.ts', import.meta.url));
    const children = Array.from(
      { length: 4 },
      (_, p) =>
        new Promise<string[]>((resolvePromise, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', script, path, '15', `p${p}`], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (c) => (out += c));
          child.stderr.on('data', (c) => (err += c));
          child.on('error', reject);
          child.on('close', (code) =>
            code === 0 ? resolvePromise(JSON.parse(out) as string[]) : reject(new Error(`writer ${p} exited ${code}: ${err}`)),
          );
        }),
    );
    // Release all children together once they are likely booted (they poll for the go file).
    await new Promise((r) => setTimeout(r, 300));
    await writeFile(`${path}.go`, '');
    const keys = (await Promise.all(children)).flat();
    expect(keys).toHaveLength(60);
    expect(await storedHashes(path)).toEqual(keys.map(hashWriteKey).sort());
  });

  it('waits while another live process holds the lock, and breaks a lock left by a dead one', async () => {
    const path = join(dir, 'locked.json');
    const store = createFileKeyStore(path);
    await store.add({ name: 'first' }); // creates the file (and the folder)
    // A live holder: a child process that sleeps; its pid is in the lock file.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    await writeFile(`${path}.lock`, `${holder.pid}\n`);
    let done = false;
    const pending = store.add({ name: 'second' }).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(done).toBe(false); // still waiting: the holder is alive and the lock is fresh
    await rm(`${path}.lock`);
    const second = await pending;
    holder.kill();
    expect((await store.lookup(second.writeKey))?.id).toBe('second');

    // A dead holder (a process that has exited): its lock is stale and is broken at once.
    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((r) => gone.on('exit', r));
    await writeFile(`${path}.lock`, `${gone.pid}\n`);
    const third = await store.add({ name: 'third' });
    expect((await store.list()).map((s) => s.id).sort()).toEqual(['first', 'second', 'third']);
    expect((await store.lookup(third.writeKey))?.id).toBe('third');
    expect((await readdir(dir)).filter((f) => f.startsWith('locked.json'))).toEqual(['locked.json']);
  });
});
