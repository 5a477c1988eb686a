/**
 * The file key store's lookup cache: a known key is served without re-reading the file for recheckMs,
 * an unknown key always looks at the file. Real files; the clock is injected.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileKeyStore } from '../../lambdas/collector/sources/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tl-keycache-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('file key store lookup cache', () => {
  it('serves a found key from memory for recheckMs, then sees another process s revoke', async () => {
    const path = join(dir, 'revoke.json');
    let t = 1_000_000;
    const server = createFileKeyStore(path, { recheckMs: 1_000, now: () => t });
    const { writeKey } = await createFileKeyStore(path).add({ name: 'shop' });
    expect((await server.lookup(writeKey))?.id).toBe('shop');
    // Another process (another instance) revokes it: within the window the running store still serves
    // it without reading the file...
    expect(await createFileKeyStore(path).revoke('shop')).toBe(true);
    t += 999;
    expect((await server.lookup(writeKey))?.id).toBe('shop');
    // ...and once the window is over it checks the file again and refuses it.
    t += 2;
    expect(await server.lookup(writeKey)).toBeUndefined();
  });

  it('an unknown key always checks the file, so a key added elsewhere works at once', async () => {
    const path = join(dir, 'add.json');
    const t = 5_000_000;
    const server = createFileKeyStore(path, { recheckMs: 60_000, now: () => t });
    const first = await createFileKeyStore(path).add({ name: 'first' });
    expect((await server.lookup(first.writeKey))?.id).toBe('first');
    const late = await createFileKeyStore(path).add({ name: 'late' });
    expect((await server.lookup(late.writeKey))?.id).toBe('late');
    expect(await server.lookup('tl_never_added')).toBeUndefined();
  });

  it('the store s own mutations take effect at once, whatever the window', async () => {
    const path = join(dir, 'own.json');
    const store = createFileKeyStore(path, { recheckMs: 60_000, now: () => 0 });
    const { writeKey } = await store.add({ name: 'own' });
    expect((await store.lookup(writeKey))?.id).toBe('own');
    expect(await store.revoke('own')).toBe(true);
    expect(await store.lookup(writeKey)).toBeUndefined();
  });

  it('recheckMs 0 reads the file state on every lookup', async () => {
    const path = join(dir, 'zero.json');
    const server = createFileKeyStore(path, { recheckMs: 0 });
    const { writeKey } = await createFileKeyStore(path).add({ name: 'zero' });
    expect((await server.lookup(writeKey))?.id).toBe('zero');
    await createFileKeyStore(path).revoke('zero');
    expect(await server.lookup(writeKey)).toBeUndefined();
  });
});
