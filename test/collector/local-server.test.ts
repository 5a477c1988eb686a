/**
 * The standalone local collector (what `npx tsx local/collector-server.ts` starts): kinesalite with
 * LevelDB persistence + the development key + the collector on loopback, driven with plain HTTP the
 * way the README's curl example does.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_WRITE_KEY, startStandaloneCollector } from '../../local/collector-server.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tl-local-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('standalone local collector', () => {
  it('takes the README curl request, stores the key hashed, and keeps the stream across restarts', async () => {
    const first = await startStandaloneCollector({ dataDir: dir });
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${first.url}/v1/track`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEV_WRITE_KEY}:`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u-1', event: 'Signed Up', messageId: 'readme-1' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, messageId: 'readme-1' });
    await first.close();

    const sources = await readFile(join(dir, 'sources.json'), 'utf8');
    expect(sources).not.toContain(DEV_WRITE_KEY);

    const second = await startStandaloneCollector({ dataDir: dir });
    try {
      const recs = await second.kinesis.readAll(second.streamName);
      expect(recs.map((r) => JSON.parse(Buffer.from(r.data).toString()).event.messageId)).toEqual(['readme-1']);
    } finally {
      await second.close();
    }
  });
});
