/**
 * Server-side alias (previousId with no anonymousId on the call) through the real processor on
 * dynalite and the local Firehose endpoint, then through the SQL views on DuckDB: what the lake's
 * identity_changes say must put every event of the person under one canonical_person_id.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { localConfig } from '../../lambdas/processor/config.js';
import { createProcessor, type Processor } from '../../lambdas/processor/handler.js';
import { createDuckDbEngine } from '../../query/duckdb.js';
import type { Identifier } from '../../schemas/identifiers.js';
import { envelope, kEvent, kRecord, STREAMS } from '../processor/helpers.js';
import { useProcessorBackends } from '../processor/processor-backends.js';
import { writeLake } from '../sql/fixtures.js';

const backends = useProcessorBackends('identity_alias');
const { sink } = backends;
let lakeDir: string;

beforeEach(async () => {
  lakeDir = await mkdtemp(path.join(tmpdir(), 'tl-alias-'));
  return () => rm(lakeDir, { recursive: true, force: true });
});

async function processor(): Promise<Processor> {
  const table = await backends.table();
  return createProcessor({
    dynamo: backends.dynamo().client,
    firehose: backends.firehose().client,
    config: localConfig({ streams: STREAMS, identityTable: table, hashKey: 'test-key' }),
    now: () => new Date('2026-03-01T10:00:05.000Z'),
    firehoseRetry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
}

let msg = 0;
const page = (anonymousId: string) => envelope({ type: 'page', messageId: `pg-${++msg}`, anonymousId, name: 'Home' });
const track = (userId: string) => envelope({ type: 'track', messageId: `tr-${++msg}`, userId, event: 'Signed Up' });
const identify = (userId: string, anonymousId: string) => envelope({ type: 'identify', messageId: `id-${++msg}`, userId, anonymousId });
/** How server SDKs call alias after sign-up: no anonymousId. */
const serverAlias = (previousId: string, userId: string) => envelope({ type: 'alias', messageId: `al-${++msg}`, previousId, userId });

async function send(p: Processor, envelopes: object[]): Promise<void> {
  const res = await p.handle(kEvent(envelopes.map((e) => kRecord(e))));
  expect(res.batchItemFailures).toEqual([]);
}

const U = (value: string): Identifier => ({ type: 'user_id', value });
const A = (value: string): Identifier => ({ type: 'anonymous_id', value });
const events = backends.events;
const changes = backends.changes;

/** canonical_person_id per message id, from events_resolved over what the processor delivered. */
async function canonicalByMessage(): Promise<Map<string, string>> {
  await writeLake(lakeDir, { events: events(), identityChanges: changes() });
  const engine = await createDuckDbEngine({ lakeDir });
  try {
    const res = await engine.query<{ message_id: string; canonical_person_id: string }>(
      'SELECT message_id, canonical_person_id FROM events_resolved ORDER BY message_id',
    );
    return new Map(res.rows.map((r) => [r.message_id, r.canonical_person_id]));
  } finally {
    await engine.close();
  }
}

describe('server-side alias (no anonymousId)', () => {
  it('joins the anonymous page events seen before it to the new user, in the store and in events_resolved', async () => {
    const p = await processor();
    await send(p, [page('visitor-1'), page('visitor-1')]);
    await send(p, [serverAlias('visitor-1', 'new-user'), track('new-user')]);

    const person = await p.identity.personOf(U('new-user'));
    expect(await p.identity.personOf(A('visitor-1'))).toBe(person);
    const canonical = await canonicalByMessage();
    expect(canonical.size).toBe(4);
    expect(new Set(canonical.values())).toEqual(new Set([person]));
    // The anonymous person's merge is in the lake, caused by the alias.
    const anonPerson = events()[0]!.person_id;
    expect(changes().some((c) => c.from_person_id === anonPerson && c.reason === 'alias' && c.identifier_type === 'anonymous_id')).toBe(
      true,
    );
  });

  it('anonymous events that arrive AFTER the alias (reordered stream) join the person', async () => {
    const p = await processor();
    await send(p, [serverAlias('visitor-2', 'late-user')]);
    await send(p, [page('visitor-2'), track('late-user'), page('visitor-2')]);

    const person = await p.identity.personOf(U('late-user'));
    expect(await p.identity.personOf(A('visitor-2'))).toBe(person);
    // Stamped directly: no re-stitching needed for the late page views.
    expect(new Set(events().map((e) => e.person_id))).toEqual(new Set([person]));
    expect(new Set((await canonicalByMessage()).values())).toEqual(new Set([person]));
  });

  it('a previous user id (and what it was seen with) joins the new user', async () => {
    const p = await processor();
    await send(p, [identify('old-account', 'anon-old'), page('anon-old')]);
    await send(p, [serverAlias('old-account', 'new-account'), track('new-account')]);

    const person = await p.identity.personOf(U('new-account'));
    expect(await p.identity.personOf(U('old-account'))).toBe(person);
    expect(await p.identity.personOf(A('anon-old'))).toBe(person);
    expect(new Set((await canonicalByMessage()).values())).toEqual(new Set([person]));
  });

  it("an anonymous id that already belongs to another user is not merged: the other user's person stays apart", async () => {
    const p = await processor();
    await send(p, [identify('first-user', 'family-pc'), page('family-pc')]);
    await send(p, [serverAlias('family-pc', 'second-user'), track('second-user')]);

    expect(await p.identity.personOf(U('second-user'))).not.toBe(await p.identity.personOf(U('first-user')));
    expect(await p.identity.personOf(A('family-pc'))).toBe(await p.identity.personOf(U('first-user')));
    const canonical = await canonicalByMessage();
    expect(new Set(canonical.values()).size).toBe(2);
  });

  it('a replayed batch (cold processor, same table) merges nothing and re-emits the same change ids', async () => {
    const p = await processor();
    const first = [page('visitor-3'), serverAlias('visitor-3', 'replayed-user'), track('replayed-user')];
    await send(p, first);
    const before = changes()
      .map((c) => c.change_id)
      .sort();
    expect(before.length).toBeGreaterThan(0);
    sink.lines.clear();
    p.identity.clearCache();
    const mergesBefore = p.identity.stats.merges;
    await send(p, first);
    expect(p.identity.stats.merges).toBe(mergesBefore);
    expect(
      changes()
        .map((c) => c.change_id)
        .sort(),
    ).toEqual(before);
    expect(await p.identity.personOf(A('visitor-3'))).toBe(await p.identity.personOf(U('replayed-user')));
  });
});
