/**
 * The funnel builder's tie rule and step-name check, and the funnel CLI's window unit and unseen-step
 * warning, on a small lake written by the lake writer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import { EVENTS_COLUMNS, type EventRecord, toLakeTimestamp } from '../../schemas/lake.js';
import { buildFunnelSql, editDistance, type FunnelSpec, funnelEventNamesSql, unseenSteps } from '../../sql/builders/funnel.js';
import { run } from '../e2e/cli-helper.js';
import { eventRecord, writeLake } from './fixtures.js';

const track = (id: string, person: string, time: string, name: string) => eventRecord({ id, person, time, type: 'track', name });

// One millisecond holds a product view and the order (a server logging both at once). The order's
// message id sorts first, which is what used to put it before the view.
const LAKE_EVENTS = [
  track('z-view', 'p1', '2024-06-01 10:00:00.000', 'Product Viewed'),
  track('a-order', 'p1', '2024-06-01 10:00:00.000', 'Order Completed'),
  track('m-view', 'p2', '2024-06-01 11:00:00.000', 'Product Viewed'),
  track('m-cart', 'p2', '2024-06-01 11:05:00.000', 'Product Added'),
];

let dir: string;
let engine: DuckDbEngine;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-funnel-'));
  await writeLake(dir, { events: LAKE_EVENTS });
  engine = await createDuckDbEngine({ lakeDir: dir });
});
afterAll(async () => {
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  process.exitCode = 0;
});

const persons = async (e: DuckDbEngine, spec: FunnelSpec) =>
  (await e.query<{ persons: number }>(buildFunnelSql('duckdb', spec))).rows.map((r) => r.persons);

describe('funnel tie rule', () => {
  it('--strict keeps a conversion logged in the same millisecond as the previous step', async () => {
    expect(await persons(engine, { steps: ['Product Viewed', 'Order Completed'], windowSeconds: 3600, order: 'strict' })).toEqual([2, 1]);
  });
  it('events of one millisecond are read in funnel order, whichever order the funnel asks for', async () => {
    expect(await persons(engine, { steps: ['Order Completed', 'Product Viewed'], windowSeconds: 3600, order: 'strict' })).toEqual([1, 1]);
    // p2's view and add-to-cart are 5 minutes apart: time still decides
    expect(await persons(engine, { steps: ['Product Added', 'Product Viewed'], windowSeconds: 3600, order: 'strict' })).toEqual([1, 0]);
  });

  it('counts do not depend on message ids', async () => {
    const COLS = [...EVENTS_COLUMNS.map((c) => c.name), 'event_date'];
    const sqlValue = (v: unknown) =>
      v === null || v === undefined
        ? 'NULL'
        : typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : `'${String(v).replace(/'/g, "''")}'`;
    const scratchDir = await mkdtemp(path.join(tmpdir(), 'tl-funnel-prop-'));
    const scratch = await createDuckDbEngine({ lakeDir: scratchDir });
    const base = Date.parse('2024-06-01T10:00:00.000Z');
    const steps = ['A', 'B', 'C'];
    const ev = fc.record({
      name: fc.constantFrom(...steps, 'X'),
      ms: fc.constantFrom(0, 0, 0, 1, 60_000),
      person: fc.constantFrom('p', 'q'),
    });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(ev, { minLength: 1, maxLength: 8 }), async (events) => {
          const counts = async (ids: string[]) => {
            const rows: EventRecord[] = events.map((e, i) => track(ids[i]!, e.person, toLakeTimestamp(base + e.ms), e.name));
            await scratch.query('DELETE FROM events');
            await scratch.query(
              `INSERT INTO events (${COLS.join(', ')}) VALUES ${rows.map((r) => `(${COLS.map((c) => sqlValue((r as Record<string, unknown>)[c])).join(', ')})`).join(',\n')}`,
            );
            return persons(scratch, { steps, windowSeconds: 600, order: 'strict' });
          };
          const ordered = await counts(events.map((_, i) => `m${String(i).padStart(2, '0')}`));
          // the same events with their ids in the opposite order: every tie between two events flips
          const reversed = await counts(events.map((_, i) => `m${String(99 - i).padStart(2, '0')}`));
          expect(reversed).toEqual(ordered);
        }),
        { numRuns: 15 },
      );
    } finally {
      await scratch.close();
      await rm(scratchDir, { recursive: true, force: true });
    }
  });
});

describe('step names never seen', () => {
  it('lists the unseen steps with the closest seen names', () => {
    const seen = ['Order Completed', 'Order Cancelled', 'Product Viewed', 'Home'];
    expect(unseenSteps(['Product Viewed', 'Order Complete', { event: 'order completed' }, 'Zzz'], seen)).toEqual([
      // 'Order Cancelled' is 5 edits away from 'order complete': a different name, not a typo
      { step: 'Order Complete', closest: ['Order Completed'] },
      { step: 'order completed', closest: ['Order Completed'] },
      { step: 'Zzz', closest: [] },
    ]);
    expect(unseenSteps(['Home'], seen)).toEqual([]);
  });
  it('edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
  it('reads the names from the events table, the steps first so that a limit never hides one', async () => {
    const names = async (steps: string[], limit?: number) =>
      (await engine.query<{ event_name: string }>(funnelEventNamesSql(steps, limit))).rows.map((r) => r.event_name);
    expect(await names(['Product Viewed'])).toEqual(['Product Viewed', 'Order Completed', 'Product Added']);
    expect(await names(['Product Viewed', 'Product Added'], 2)).toEqual(['Product Added', 'Product Viewed']);
  });
});

describe('threadline funnel', () => {
  it('requires a unit on --window (exit 2)', async () => {
    const r = await run(['funnel', '--steps', 'A,B', '--window', '7', '--lake', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.error).toMatch(/--window needs a unit: "7" could be seconds or days; write e.g. 7d, 12h, 30m or 90s/);
    expect((await run(['funnel', '--steps', 'A,B', '--window', '90s', '--show-sql'])).out).toMatch(/INTERVAL '90' SECOND/);
  });

  it('warns on stderr about a step never seen, naming the closest names, prints the counts and exits 3', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const r = await run([
        'funnel',
        '--steps',
        'Product Viewed,Order Complete',
        '--window',
        '1h',
        '--strict',
        '--format',
        'json',
        '--lake',
        dir,
      ]);
      expect(r.exitCode).toBe(3);
      expect(JSON.parse(r.out).map((x: { persons: number }) => x.persons)).toEqual([2, 0]);
      const warned = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(warned).toContain('warning: step "Order Complete" never occurs in the lake');
      expect(warned).toContain('closest seen: "Order Completed"');

      stderr.mockClear();
      const allowed = await run(['funnel', '--steps', 'Product Viewed,Order Complete', '--allow-unseen-steps', '--lake', dir]);
      expect(allowed.exitCode).toBe(0);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain('"Order Complete" never occurs');

      stderr.mockClear();
      const fine = await run(['funnel', '--steps', 'Product Viewed,Order Completed', '--strict', '--format', 'json', '--lake', dir]);
      expect(fine.exitCode).toBe(0);
      expect(JSON.parse(fine.out).map((x: { persons: number }) => x.persons)).toEqual([2, 1]);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).not.toContain('warning');
    } finally {
      stderr.mockRestore();
    }
  });
});
