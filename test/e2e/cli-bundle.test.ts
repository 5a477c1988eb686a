/**
 * The compiled CLI (cli/build.ts) and lazy view creation (query/duckdb.ts lazyViews), which together
 * make a one-off `threadline query` start quickly:
 *   - a lazy engine creates exactly the views a statement reads, answers every view as the eager engine
 *     does, and fails on an unknown name with the eager engine's error;
 *   - the bundle, built into a scratch folder, runs `query` end to end;
 *   - bin/threadline-cli.js runs the bundle only while every file it was built from is unchanged.
 */

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, PROJECT_ROOT } from '../../cli/build.js';
import { buildProgram, COMMAND_NAMES, commandsFor } from '../../cli/index.js';
import { createDuckDbEngine, type DuckDbEngine } from '../../query/duckdb.js';
import { viewsNeeded } from '../../query/lazy-views.js';
import { LAKE_TABLE_NAMES, orderedViews, renderViews, viewByName } from '../../sql/index.js';
import { MODEL_NAMES } from '../../sql/models/registry.js';
import { eventRecord, identityChange, writeLake } from '../sql/fixtures.js';

const run = promisify(execFile);

let dir: string;
let lake: string;
let eager: DuckDbEngine;

const t = (day: number, hour = 10) => `2024-06-${String(day).padStart(2, '0')} ${String(hour).padStart(2, '0')}:00:00.000`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-cli-bundle-'));
  lake = path.join(dir, 'lake');
  // two persons (one stitched from an anonymous id), touches on several channels, one order
  await writeLake(lake, {
    events: [
      eventRecord({ id: 'a1', person: 'anon1', time: t(1), channel: 'email', campaign: 'june' }),
      eventRecord({ id: 'a2', person: 'p1', time: t(2), channel: 'paid_search' }),
      eventRecord({ id: 'a3', person: 'p1', time: t(3), channel: 'web' }),
      eventRecord({
        id: 'a4',
        person: 'p1',
        time: t(3, 11),
        type: 'track',
        name: 'Order Completed',
        orderId: 'o1',
        revenue: 30,
        channel: 'web',
      }),
      eventRecord({ id: 'b1', person: 'p2', time: t(2), channel: 'email' }),
      eventRecord({ id: 'b2', person: 'p2', time: t(4), channel: 'contact_centre' }),
    ],
    identityChanges: [identityChange('anon1', 'p1', t(2, 9))],
  });
  eager = await createDuckDbEngine({ lakeDir: lake });
});
afterAll(async () => {
  await eager?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Rows in a canonical order, for comparing views without an ORDER BY. */
const canonical = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

/** A view and everything it reads, from the registry's declared dependencies. */
function declaredClosure(name: string, into = new Set<string>()): Set<string> {
  if (into.has(name)) return into;
  into.add(name);
  const base = new Set<string>([...LAKE_TABLE_NAMES, ...MODEL_NAMES, 'attribution_results']);
  for (const dep of viewByName(name).dependsOn) if (!base.has(dep)) declaredClosure(dep, into);
  return into;
}

describe('lazy views (createDuckDbEngine lazyViews)', () => {
  it('creates no view for a statement that reads none, and only the closure of the one it reads', async () => {
    const lazy = await createDuckDbEngine({ lakeDir: lake, lazyViews: true });
    try {
      expect((await lazy.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      // at most identity_map, which a model refresh before the first query reads
      expect(lazy.views.filter((v) => v.name !== 'identity_map')).toEqual([]);
      const summary = await lazy.query('SELECT * FROM attribution_summary');
      expect(summary.rows.length).toBeGreaterThan(0);
      expect(canonical(summary.rows)).toEqual(canonical((await eager.query('SELECT * FROM attribution_summary')).rows));
      // identity_map is created as well when this engine refreshed the models (it resolves persons).
      const created = lazy.views.map((v) => v.name).filter((n) => n !== 'identity_map');
      // attribution_summary <- attribution <- journey_touchpoints <- conversions, touchpoints, which read
      // the journey models (tables); in dependency order
      expect(created).toEqual(['touchpoints', 'conversions', 'journey_touchpoints', 'attribution', 'attribution_summary']);
      expect(new Set(created)).toEqual(declaredClosure('attribution_summary'));
    } finally {
      await lazy.close();
    }
  });

  it('answers every view by name exactly as the eager engine does (a fresh engine per view)', async () => {
    for (const v of orderedViews()) {
      const lazy = await createDuckDbEngine({ lakeDir: lake, lazyViews: true });
      try {
        const sql = `SELECT * FROM ${v.name}`;
        expect(canonical((await lazy.query(sql)).rows), v.name).toEqual(canonical((await eager.query(sql)).rows));
      } finally {
        await lazy.close();
      }
    }
  });

  it('an unknown name fails with the same error as on the eager engine', async () => {
    const lazy = await createDuckDbEngine({ lakeDir: lake, lazyViews: true });
    try {
      const sql = 'SELECT * FROM jounreys';
      const eagerError = await eager.query(sql).then(
        () => 'no error',
        (e: Error) => e.message,
      );
      expect(eagerError).toMatch(/^Catalog Error.*jounreys/s);
      await expect(lazy.query(sql)).rejects.toThrow(eagerError);
    } finally {
      await lazy.close();
    }
  });

  it('concurrent queries that need the same views both answer', async () => {
    const lazy = await createDuckDbEngine({ lakeDir: lake, lazyViews: true });
    try {
      const [a, b] = await Promise.all([
        lazy.query('SELECT count(*) AS n FROM journeys'),
        lazy.query('SELECT count(*) AS n FROM sessions'),
      ]);
      expect(a.rows).toEqual((await eager.query('SELECT count(*) AS n FROM journeys')).rows);
      expect(b.rows).toEqual((await eager.query('SELECT count(*) AS n FROM sessions')).rows);
      expect(new Set(lazy.views.map((v) => v.name)).size).toBe(lazy.views.length); // none created twice
    } finally {
      await lazy.close();
    }
  });

  it('viewsNeeded: for any names in any case and surroundings, the named views and all they read, in creation order', () => {
    const rendered = renderViews('duckdb');
    const names = rendered.map((v) => v.name);
    const order = new Map(names.map((n, i) => [n, i]));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...names), { maxLength: 5 }),
        fc.array(fc.constantFrom(' ', ',', '(', ')', '\n', ' JOIN ', '.', ';', '"'), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (picked, seps, upper) => {
          const sql = `SELECT 1 FROM ${picked.map((n) => (upper ? n.toUpperCase() : n)).join(seps.join(''))}`;
          const got = viewsNeeded(sql, rendered).map((v) => v.name);
          const want = new Set<string>();
          for (const n of picked) declaredClosure(n, want);
          expect(new Set(got)).toEqual(want);
          expect(got).toEqual([...got].sort((a, b) => order.get(a)! - order.get(b)!));
        },
      ),
    );
    // a view name inside a longer word is not a reference
    expect(viewsNeeded('SELECT my_sessions_count FROM t', rendered)).toEqual([]);
  });
});

describe('lazy commands (cli/index.ts)', () => {
  it('a command line that starts with a command loads just that one; anything else loads all, for help', async () => {
    expect(commandsFor(['query', 'SELECT 1', '--lake', 'x'])).toEqual(['query']);
    expect(commandsFor(['replay-dead-letters', '--help'])).toEqual(['replay-dead-letters']);
    for (const args of [[], ['--help'], ['help', 'query'], ['jounreys'], ['constructor'], ['-h', 'query']])
      expect(commandsFor(args), args.join(' ')).toEqual(COMMAND_NAMES);
    expect((await buildProgram(['query'])).commands.map((c) => c.name())).toEqual(['query']);
    expect((await buildProgram()).commands.map((c) => c.name())).toEqual(COMMAND_NAMES);
  });
});

describe('the compiled CLI (cli/build.ts, bin/threadline-cli.js)', () => {
  // Inside the project, so that the bundle's imports of packages resolve from node_modules (.scratch-* is git-ignored).
  const scratch = path.join(PROJECT_ROOT, `.scratch-cli-bundle-${process.pid}`);
  const out = path.join(scratch, 'cli');
  const node = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    run(process.execPath, args, { cwd: dir, env: { ...process.env, ...env } }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: Number(e.code ?? 1),
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      }),
    );

  beforeAll(async () => {
    await buildCli(out);
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('the bundle answers SQL, a view that reads other views, and rejects an unknown name as the sources do', async () => {
    const entry = path.join(out, 'threadline.mjs');
    const one = await node([entry, 'query', 'SELECT 1 AS one', '--format', 'json', '--lake', lake]);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual([{ one: 1 }]);

    const summary = await node([entry, 'query', 'attribution_summary', '--format', 'json', '--limit', '0', '--lake', lake]);
    expect(summary.code).toBe(0);
    expect(canonical(JSON.parse(summary.stdout))).toEqual(canonical((await eager.query('SELECT * FROM attribution_summary')).rows));

    const typo = await node([entry, 'query', 'jounreys', '--lake', lake]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown view or table "jounreys"; known: .*journeys/);
  });

  it("query's bundle holds neither the demo generator, the local pipeline nor the CDK, and imports no stream or table SDK", () => {
    type Meta = { outputs: Record<string, { inputs: Record<string, unknown>; imports: { path: string; external?: boolean }[] }> };
    const metas = JSON.parse(readFileSync(path.join(out, 'meta.json'), 'utf8')) as Meta[];
    const [, query] = metas
      .flatMap((m) => Object.entries(m.outputs))
      .find(([f]) => f.endsWith(`${path.sep}commands${path.sep}query.mjs`) || f.endsWith('/commands/query.mjs'))!;
    const sources = Object.keys(query.inputs);
    expect(sources).toContain('cli/commands/query.ts');
    expect(sources).toContain('query/duckdb.ts');
    expect(sources.filter((f) => /^(demo\/generator|demo\/run|local\/pipeline|local\/kinesis|lib)\b/.test(f))).toEqual([]);
    const packages = new Set(query.imports.filter((i) => i.external).map((i) => i.path));
    for (const p of ['aws-cdk-lib', '@aws-sdk/client-kinesis', '@aws-sdk/client-dynamodb', '@aws-sdk/client-firehose', 'cli-progress'])
      expect(packages.has(p), p).toBe(false);
    expect(packages.has('@duckdb/node-api')).toBe(true);
  });

  it('bin/threadline-cli.js runs the bundle while its inputs are unchanged, and the sources once one changed', async () => {
    // The run is told apart by the entry: a stand-in that says where it came from. Its manifest lists a
    // probe file of this test only, so edits elsewhere in the tree cannot change the outcome.
    const probe = path.join(scratch, 'probe.ts');
    mkdirSync(scratch, { recursive: true });
    writeFileSync(probe, 'export {};\n');
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const manifest = (hash: string) =>
      writeFileSync(path.join(out, 'inputs.json'), JSON.stringify({ inputs: { [path.relative(PROJECT_ROOT, probe)]: hash } }));
    writeFileSync(path.join(out, 'threadline.mjs'), "console.log('from the bundle');\n");
    const bin = path.join(PROJECT_ROOT, 'bin', 'threadline-cli.js');
    const env = { THREADLINE_CLI_BUNDLE_DIR: out };
    const args = [bin, 'query', 'SELECT 1 AS one', '--format', 'json', '--lake', lake];

    manifest(sha('export {};\n'));
    expect((await node(args, env)).stdout.trim()).toBe('from the bundle');

    manifest(sha('export const changed = 1;\n')); // as if probe.ts had been edited since the build
    const fromSources = await node(args, env);
    expect(fromSources.code).toBe(0);
    expect(JSON.parse(fromSources.stdout)).toEqual([{ one: 1 }]);

    rmSync(path.join(out, 'inputs.json')); // never built (or a build that did not finish)
    expect(JSON.parse((await node(args, env)).stdout)).toEqual([{ one: 1 }]);
  });
});
