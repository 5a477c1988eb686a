/**
 * Key stores: file (local), SSM (deployed; real @aws-sdk/client-ssm against a protocol stand-in),
 * static (env). Keys are stored only as SHA-256 hashes; lookups of the SSM store are cached.
 */

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFileKeyStore,
  createSsmKeyStore,
  createStaticKeyStore,
  hashWriteKey,
  type KeyStore,
  keyStoreFromEnv,
  sourceIdFor,
} from '../../lambdas/collector/sources/index.js';
import { createSsmClient } from '../../lambdas/shared/clients/ssm.js';
import { type SsmStandIn, startSsmStandIn } from './ssm-standin.js';

let dir: string;
let ssm: SsmStandIn;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tl-ks-'));
  ssm = await startSsmStandIn();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await ssm.close();
});

it('hashWriteKey is SHA-256 hex; sourceIdFor slugs the name', () => {
  expect(hashWriteKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  expect(sourceIdFor('POS EU / Store #42')).toBe('pos-eu-store-42');
  expect(sourceIdFor('***')).toBe('source');
});

async function contract(store: KeyStore, raw: () => Promise<string>) {
  const a = await store.add({ name: 'Web Shop', defaultChannel: 'web', allowedOrigins: ['https://shop.example.com'] });
  const b = await store.add({ name: 'Call Centre', defaultChannel: 'call_center' });
  const a2 = await store.add({ name: 'Web Shop', defaultChannel: 'web' }); // rotation: same source id
  expect(a.writeKey).toMatch(/^tl_[A-Za-z0-9_-]{32}$/);
  expect(new Set([a.writeKey, b.writeKey, a2.writeKey]).size).toBe(3);
  expect(await store.lookup(a.writeKey)).toEqual({
    id: 'web-shop',
    name: 'Web Shop',
    defaultChannel: 'web',
    allowedOrigins: ['https://shop.example.com'],
  });
  expect(await store.lookup(b.writeKey)).toEqual({ id: 'call-centre', name: 'Call Centre', defaultChannel: 'call_center' });
  expect(await store.lookup('tl_unknown')).toBeUndefined();
  expect(await store.lookup('')).toBeUndefined();

  // Only hashes at rest.
  const stored = await raw();
  for (const k of [a.writeKey, b.writeKey, a2.writeKey]) {
    expect(stored).not.toContain(k);
    expect(stored).toContain(hashWriteKey(k));
  }

  const list = await store.list();
  expect(list.map((s) => s.id).sort()).toEqual(['call-centre', 'web-shop', 'web-shop']);
  expect(list.find((s) => s.keyHashPrefix === hashWriteKey(b.writeKey).slice(0, 12))?.name).toBe('Call Centre');

  // Revoke one key by hash prefix (>= 8 hex digits), then a whole source by id.
  expect(await store.revoke(hashWriteKey(a2.writeKey).slice(0, 7))).toBe(false); // too short to be safe
  expect(await store.revoke(hashWriteKey(a2.writeKey).slice(0, 10))).toBe(true);
  expect(await store.lookup(a2.writeKey)).toBeUndefined();
  expect(await store.lookup(a.writeKey)).toBeDefined();
  expect(await store.revoke('call-centre')).toBe(true);
  expect(await store.lookup(b.writeKey)).toBeUndefined();
  expect(await store.revoke('call-centre')).toBe(false);
  expect((await store.list()).map((s) => s.id)).toEqual(['web-shop']);
}

describe('file key store', () => {
  it('add, lookup, list, revoke; hashes only; mode 0600', async () => {
    const path = join(dir, 'sources.json');
    await contract(createFileKeyStore(path), () => readFile(path, 'utf8'));
    const { stat } = await import('node:fs/promises');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('sees keys added by another process (another store instance on the same file)', async () => {
    const path = join(dir, 'shared.json');
    const server = createFileKeyStore(path);
    expect(await server.list()).toEqual([]);
    const { writeKey } = await createFileKeyStore(path).add({ name: 'late' });
    expect((await server.lookup(writeKey))?.id).toBe('late');
  });

  it('ensureKey registers a known development key once', async () => {
    const store = createFileKeyStore(join(dir, 'dev.json'));
    await store.ensureKey('tl_dev', { name: 'dev', defaultChannel: 'web' });
    await store.ensureKey('tl_dev', { name: 'dev', defaultChannel: 'web' });
    expect(await store.list()).toHaveLength(1);
    expect((await store.lookup('tl_dev'))?.defaultChannel).toBe('web');
  });

  it('refuses invalid input', async () => {
    const store = createFileKeyStore(join(dir, 'bad.json'));
    await expect(store.add({ name: '' })).rejects.toThrow();
    await expect(store.add({ name: 'x', defaultChannel: 'telepathy' as never })).rejects.toThrow();
  });
});

describe('SSM key store (real SSM client, JSON 1.1 stand-in)', () => {
  const client = () => createSsmClient({ endpoint: ssm.endpoint, region: 'us-east-1' });

  it('add, lookup, list, revoke; one parameter per key hash', async () => {
    const store = createSsmKeyStore({ ssm: client(), prefix: '/threadline/test/sources' });
    await contract(store, async () => JSON.stringify([...ssm.params.values()]));
    for (const name of ssm.params.keys()) expect(name).toMatch(/^\/threadline\/test\/sources\/[0-9a-f]{64}$/);
  });

  it('serves lookups from a cache: unknown keys do not hit SSM more than once per refresh window', async () => {
    let t = 1_000_000;
    const store = createSsmKeyStore({
      ssm: client(),
      prefix: '/threadline/cache/sources',
      ttlMs: 60_000,
      missRefreshMs: 10_000,
      now: () => t,
    });
    const { writeKey } = await store.add({ name: 'app', defaultChannel: 'mobile_app' });
    const before = ssm.calls.GetParametersByPath ?? 0;
    for (let i = 0; i < 20; i++) expect((await store.lookup(writeKey))?.id).toBe('app');
    for (let i = 0; i < 50; i++) expect(await store.lookup(`tl_random_${i}`)).toBeUndefined();
    expect((ssm.calls.GetParametersByPath ?? 0) - before).toBe(1);
    // After the TTL the set is reloaded (a revoked key stops working within ttlMs).
    ssm.params.clear();
    t += 60_001;
    expect(await store.lookup(writeKey)).toBeUndefined();
    expect((ssm.calls.GetParametersByPath ?? 0) - before).toBe(2);
  });

  it('pages through more than 10 parameters', async () => {
    const store = createSsmKeyStore({ ssm: client(), prefix: '/threadline/many/sources' });
    const keys = [];
    for (let i = 0; i < 23; i++) keys.push((await store.add({ name: `s${i}` })).writeKey);
    const fresh = createSsmKeyStore({ ssm: client(), prefix: '/threadline/many/sources' });
    expect(await fresh.list()).toHaveLength(23);
    expect((await fresh.lookup(keys[22]!))?.id).toBe('s22');
  });
});

describe('static key store and keyStoreFromEnv', () => {
  it('reads hashes from THREADLINE_SOURCES_JSON and is read-only', async () => {
    const hash = createHash('sha256').update('tl_static').digest('hex');
    const store = await keyStoreFromEnv({
      THREADLINE_SOURCES_JSON: JSON.stringify([{ keyHash: hash, name: 'POS', defaultChannel: 'store' }]),
    });
    expect(await store.lookup('tl_static')).toEqual({ id: 'pos', name: 'POS', defaultChannel: 'store' });
    expect(await store.lookup('tl_other')).toBeUndefined();
    await expect(store.add({ name: 'x' })).rejects.toThrow(/read-only/);
    expect(() => createStaticKeyStore('[{"keyHash":"plain-key","name":"x"}]')).toThrow();
  });

  it('THREADLINE_KEYSTORE=ssm uses the SSM prefix (and the endpoint from AWS_ENDPOINT_URL_SSM)', async () => {
    const seeded = createSsmKeyStore({ ssm: client(), prefix: '/threadline/env/sources' });
    const { writeKey } = await seeded.add({ name: 'env' });
    const store = await keyStoreFromEnv({
      THREADLINE_KEYSTORE: 'ssm',
      THREADLINE_SSM_PREFIX: '/threadline/env/sources',
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      AWS_REGION: 'eu-west-1',
    });
    expect((await store.lookup(writeKey))?.id).toBe('env');
    await expect(keyStoreFromEnv({ THREADLINE_KEYSTORE: 'ssm' })).rejects.toThrow(/THREADLINE_SSM_PREFIX/);
    await expect(keyStoreFromEnv({ THREADLINE_KEYSTORE: 'redis' })).rejects.toThrow(/unknown/);
  });
});

function client() {
  return createSsmClient({ endpoint: ssm.endpoint, region: 'us-east-1' });
}
