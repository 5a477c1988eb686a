/**
 * lib/config.ts: defaults per stage, context parsing (-c keys arrive as strings), and errors that list
 * EVERY bad value with its path and the value given.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromContext, functionSettingsEnvironment, processorSettings, resolveConfig } from '../../lib/config.js';
import { DEFAULT_VIEW_CONFIG } from '../../sql/config.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('dev: not production, on-demand stream, 128 MB / 300 s buffering, views from sql/config defaults', () => {
    const c = resolveConfig();
    expect(c.stage).toBe('dev');
    expect(c.production).toBe(false);
    expect(c.stream).toEqual({ mode: 'on-demand' });
    expect(c.buffering).toEqual({ sizeMb: 128, intervalSeconds: 300 });
    expect(c.athena.database).toBe('threadline_dev');
    expect(c.views).toEqual(DEFAULT_VIEW_CONFIG);
  });

  it('prod turns production on (deletion protection, retain) and keeps logs longer', () => {
    const c = resolveConfig({ stage: 'prod' });
    expect(c.production).toBe(true);
    expect(c.retention.logDays).toBe(90);
    expect(resolveConfig({ stage: 'prod', production: false }).production).toBe(false);
  });

  it('a dashed stage gives an underscored Glue database name', () => {
    expect(resolveConfig({ stage: 'eu-test' }).athena.database).toBe('threadline_eu_test');
  });
});

describe('validation', () => {
  it('lists every problem at once, with the path and the value given', () => {
    const problems = problemsOf(() =>
      resolveConfig({
        stage: 'Prod!',
        alarmEmail: 'not-an-email',
        buffering: { sizeMb: 32, intervalSeconds: 901 },
        stream: { mode: 'provisioned' },
        collector: { allowedOrigins: ['https://shop.example.com/path'], throttling: { rateLimit: 100, burstLimit: 10 } },
        processor: { batchSize: 0, maxRecordAgeSeconds: 30 },
      } as never),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^stage: .* \(got "Prod!"\)$/),
        expect.stringMatching(/^alarmEmail: must be an e-mail address \(got "not-an-email"\)$/),
        'buffering.sizeMb: must be >= 64 (Parquet conversion minimum) (got 32)',
        'buffering.intervalSeconds: must be <= 900 (Firehose maximum) (got 901)',
        expect.stringMatching(/^collector\.allowedOrigins\.0: must be '\*' or an origin/),
        expect.stringMatching(/^processor\.batchSize: .* \(got 0\)$/),
        expect.stringMatching(/^processor\.maxRecordAgeSeconds: must be -1 \(infinite\) or between 60 and 604800 \(got 30\)$/),
        "stream.shardCount: is required when stream.mode is 'provisioned' (got missing)",
        'collector.throttling.burstLimit: must be >= rateLimit (got 10)',
      ]),
    );
    expect(problems).toHaveLength(9);
  });

  it('cross-field rules: shards only with provisioned mode, record age within stream retention, burst >= rate', () => {
    expect(problemsOf(() => resolveConfig({ stream: { mode: 'provisioned' } }))).toEqual([
      "stream.shardCount: is required when stream.mode is 'provisioned' (got missing)",
    ]);
    expect(problemsOf(() => resolveConfig({ stream: { mode: 'on-demand', shardCount: 2 } }))).toEqual([
      "stream.shardCount: only applies when stream.mode is 'provisioned' (got 2)",
    ]);
    expect(problemsOf(() => resolveConfig({ processor: { maxRecordAgeSeconds: 90000 } }))).toEqual([
      'processor.maxRecordAgeSeconds: must be <= (retention.streamHours - deadLetters.replayMarginHours) x 3600 (43200) so dead letters stay replayable (got 90000)',
    ]);
    expect(resolveConfig({ processor: { maxRecordAgeSeconds: 90000 }, retention: { streamHours: 48 } }).processor.maxRecordAgeSeconds).toBe(
      90000,
    );
    expect(problemsOf(() => resolveConfig({ collector: { throttling: { rateLimit: 100, burstLimit: 50 } } }))).toEqual([
      'collector.throttling.burstLimit: must be >= rateLimit (got 50)',
    ]);
  });

  it('unknown keys are errors, not silently ignored typos', () => {
    const problems = problemsOf(() => resolveConfig({ buffering: { sizeMB: 64 } } as never));
    expect(problems.join('\n')).toMatch(/buffering.*sizeMB/);
    expect(problemsOf(() => resolveConfig({ views: { sessionTimeoutMins: 30 } } as never)).join('\n')).toMatch(
      /views\.sessionTimeoutMins: unknown view option/,
    );
  });

  it('view options are checked by the view renderer’s own rules', () => {
    expect(problemsOf(() => resolveConfig({ views: { lookbackDays: 0 } })).join('\n')).toMatch(
      /views: view config lookbackDays must be a positive number/,
    );
  });

  it('property: buffering is accepted exactly inside Firehose’s Parquet limits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: -10, max: 2000 }), (sizeMb, intervalSeconds) => {
        const ok = sizeMb >= 64 && sizeMb <= 128 && intervalSeconds >= 60 && intervalSeconds <= 900;
        let accepted = true;
        try {
          resolveConfig({ buffering: { sizeMb, intervalSeconds } });
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          accepted = false;
        }
        return accepted === ok;
      }),
    );
  });
});

describe('from CDK context', () => {
  it('dotted -c keys arrive as strings and are coerced (numbers, booleans, lists)', () => {
    const c = configFromContext({
      'threadline.stage': 'qa',
      'threadline.buffering.intervalSeconds': '120',
      'threadline.production': 'true',
      'threadline.collector.allowedOrigins': 'https://a.example,https://b.example',
      'threadline.stream.mode': 'provisioned',
      'threadline.stream.shardCount': '2',
      'threadline.nag': 'false',
      unrelated: 'x',
    });
    expect(c.stage).toBe('qa');
    expect(c.buffering.intervalSeconds).toBe(120);
    expect(c.production).toBe(true);
    expect(c.collector.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.stream).toEqual({ mode: 'provisioned', shardCount: 2 });
  });

  it('precedence: defaults < config file < threadline object < dotted keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadline-cfg-'));
    writeFileSync(
      join(dir, 'prod.json'),
      JSON.stringify({ stage: 'prod', buffering: { sizeMb: 64, intervalSeconds: 600 }, alarmEmail: 'ops@example.com' }),
    );
    const c = configFromContext(
      {
        'threadline.configFile': 'prod.json',
        threadline: { buffering: { intervalSeconds: 450 } },
        'threadline.buffering.sizeMb': '100',
      },
      dir,
    );
    expect(c.stage).toBe('prod');
    expect(c.production).toBe(true);
    expect(c.alarmEmail).toBe('ops@example.com');
    expect(c.buffering).toEqual({ sizeMb: 100, intervalSeconds: 450 });
  });

  it('view options can be set with -c threadline.views.<key> (dedupScope as the example)', () => {
    expect(configFromContext({}).views.dedupScope).toBe('global');
    const c = configFromContext({ 'threadline.views.dedupScope': 'event_date', 'threadline.views.lookbackDays': '14' });
    expect(c.views).toEqual({ ...DEFAULT_VIEW_CONFIG, dedupScope: 'event_date', lookbackDays: 14 });
    expect(problemsOf(() => configFromContext({ 'threadline.views.dedupScope': 'per-day' })).join('\n')).toMatch(
      /views: view config dedupScope must be 'global' or 'event_date'/,
    );
  });

  it('a missing or malformed config file is a ConfigError naming the file', () => {
    expect(problemsOf(() => configFromContext({ 'threadline.configFile': 'nope.json' }, tmpdir()))[0]).toMatch(/^configFile nope\.json: /);
  });
});

describe('processor settings (identity guard rails, consent, phone region, conversion events)', () => {
  it('defaults: one user per identifier, strip on denied analytics consent, US numbers, Order Completed', () => {
    const c = resolveConfig();
    expect(c.identity.maxUsers).toEqual({ anonymous_id: 1, device_id: 1, email_hash: 1, phone_hash: 1, loyalty_id: 1, crm_id: 1 });
    expect(c.identity.mergeWeakOnly).toBe(false);
    expect(c.identity.priority[0]).toBe('user_id');
    expect(c.consent).toEqual({ mode: 'strip', categories: ['analytics'] });
    expect(c.defaultPhoneRegion).toBe('US');
    expect(processorSettings(c).conversionEvents).toEqual(['Order Completed']);
  });

  it('-c threadline.identity.maxUsers=2 is one limit for every type; maxUsers.<type> sets one type', () => {
    expect(configFromContext({ 'threadline.identity.maxUsers': '2' }).identity.maxUsers).toBe(2);
    const perType = configFromContext({ 'threadline.identity.maxUsers.device_id': '3' }).identity.maxUsers;
    expect(perType).toEqual({ anonymous_id: 1, device_id: 3, email_hash: 1, phone_hash: 1, loyalty_id: 1, crm_id: 1 });
    const c = configFromContext({
      'threadline.consent.mode': 'drop',
      'threadline.consent.categories': 'analytics, advertising',
      'threadline.defaultPhoneRegion': 'GB',
      'threadline.identity.mergeWeakOnly': 'true',
    });
    expect(c.consent).toEqual({ mode: 'drop', categories: ['analytics', 'advertising'] });
    expect(c.defaultPhoneRegion).toBe('GB');
    expect(c.identity.mergeWeakOnly).toBe(true);
  });

  it('bad settings are listed with their paths', () => {
    const problems = problemsOf(() =>
      resolveConfig({
        identity: { maxUsers: 0, priority: ['crm_id', 'user_id'] },
        consent: { mode: 'maybe' },
        defaultPhoneRegion: 'UK',
      } as never),
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['consent.mode', 'defaultPhoneRegion', 'identity.maxUsers', 'identity.priority'].sort(),
    );
    expect(problems.find((p) => p.startsWith('identity.priority'))).toMatch(/user_id first/);
  });

  it('the processor counts exactly the views’ conversion events (one list)', () => {
    const c = resolveConfig({ views: { conversionEvents: ['Order Completed', 'Purchase'] } });
    expect(processorSettings(c).conversionEvents).toEqual(['Order Completed', 'Purchase']);
    expect(JSON.parse(functionSettingsEnvironment(c, 'processor').THREADLINE_CONFIG!).conversionEvents).toEqual(c.views.conversionEvents);
  });

  it('settings the function would refuse, or that would not fit in its environment, fail the synth', () => {
    expect(problemsOf(() => resolveConfig({ views: { conversionEvents: ['Order Completed', ''] } }))).toEqual([
      expect.stringMatching(/^processor settings conversionEvents\.1: /),
    ]);
    const many = Array.from({ length: 200 }, (_, i) => `Conversion event with a long descriptive name ${i}`);
    expect(problemsOf(() => resolveConfig({ views: { conversionEvents: many } }))).toEqual([
      expect.stringMatching(/^processor settings: \d+ bytes of THREADLINE_CONFIG, more than the 3072 that fit/),
    ]);
  });

  it('property: any per-type maxUsers map survives the trip through the environment', async () => {
    const { configFromEnv } = await import('../../lambdas/processor/config.js');
    const types = ['anonymous_id', 'device_id', 'email_hash', 'phone_hash', 'loyalty_id', 'crm_id'] as const;
    fc.assert(
      fc.property(
        fc.record(Object.fromEntries(types.map((t) => [t, fc.integer({ min: 1, max: 50 })])) as never, { requiredKeys: [] }),
        (maxUsers) => {
          const c = resolveConfig({ identity: { maxUsers } } as never);
          const env = { ...functionSettingsEnvironment(c, 'processor'), THREADLINE_HASH_KEY: 'k' };
          const got = configFromEnv(env).identity.maxUsers;
          for (const t of types) if (got[t] !== ((maxUsers as Record<string, number>)[t] ?? 1)) return false;
          return true;
        },
      ),
    );
  });
});

describe('docs/deploy.md', () => {
  it('documents every configuration key (a new key without documentation fails here)', async () => {
    const { readFileSync } = await import('node:fs');
    const { PROJECT_ROOT } = await import('../../lambdas/bundling.js');
    const { defaultConfig } = await import('../../lib/config.js');
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'deploy.md'), 'utf8');
    const leaves = (o: Record<string, unknown>, prefix = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) =>
        k === 'views'
          ? ['views']
          : v && typeof v === 'object' && !Array.isArray(v)
            ? leaves(v as Record<string, unknown>, `${prefix}${k}.`)
            : [`${prefix}${k}`],
      );
    const keys = [...leaves(defaultConfig('dev') as Record<string, unknown>), 'alarmEmail', 'stream.shardCount', 'athena.database'];
    const rows = doc.split('\n').filter((l) => l.startsWith('| `'));
    for (const key of keys) {
      const [first] = key.split('.');
      const last = key.split('.').pop()!;
      const documented = rows.some((r) => r.includes(`\`${key}`) || (r.includes(`\`${first}.`) && r.includes(last)));
      expect(documented, `docs/deploy.md has no row for ${key}`).toBe(true);
    }
  });
});
