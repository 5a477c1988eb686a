/**
 * `threadline attribution` in-process: output shapes (JSON exactly as specified, CSV, table) and the
 * exit codes / messages a user gets.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bar, register } from '../../cli/commands/attribution.js';

let dir: string;
let worked: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tl-attr-cli-'));
  worked = path.join(dir, 'worked.csv');
  await writeFile(worked, 'path;total_conversions;total_conversion_value;total_null\nC1 > C2 > C3;1;10;0\nC1;0;0;1\nC2 > C3;0;0;1\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

async function cli(...args: string[]): Promise<{ out: string; err: string; code: number; error?: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const program = new Command('threadline').exitOverride();
  register(program);
  let error: string | undefined;
  try {
    await program.parseAsync(['node', 'threadline', 'attribution', ...args]);
  } catch (e) {
    error = (e as Error).message;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { out: out.join('\n'), err: err.join('\n'), code, error };
}

describe('threadline attribution', () => {
  it('--format json prints exactly { model, total_conversions, total_value, channels[] } for Markov', async () => {
    const r = await cli('--paths', worked, '--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      model: 'markov',
      total_conversions: 1,
      total_value: 10,
      channels: [
        { channel: 'C2', conversions: expect.closeTo(0.4, 12), value: expect.closeTo(4, 12), removal_effect: expect.closeTo(1, 12) },
        { channel: 'C3', conversions: expect.closeTo(0.4, 12), value: expect.closeTo(4, 12), removal_effect: expect.closeTo(1, 12) },
        { channel: 'C1', conversions: expect.closeTo(0.2, 12), value: expect.closeTo(2, 12), removal_effect: expect.closeTo(0.5, 12) },
      ],
    });
  });

  it('--model all --format json is an array, removal_effect only on Markov', async () => {
    const r = await cli('--paths', worked, '--model', 'all', '--format', 'json');
    const arr = JSON.parse(r.out) as { model: string; channels: Record<string, unknown>[] }[];
    expect(arr.map((m) => m.model)).toEqual([
      'first_touch',
      'last_touch',
      'last_non_direct',
      'linear',
      'position_based',
      'shapley',
      'shapley_exact',
      'markov',
    ]);
    for (const m of arr) {
      expect(Object.keys(m).sort()).toEqual(['channels', 'model', 'total_conversions', 'total_value']);
      for (const c of m.channels) {
        expect(Object.keys(c).sort()).toEqual(
          m.model === 'markov' ? ['channel', 'conversions', 'removal_effect', 'value'] : ['channel', 'conversions', 'value'],
        );
      }
    }
  });

  it('--converting-only and --order change the Markov answer as derived by hand', async () => {
    const r = await cli('--paths', worked, '--format', 'json', '--converting-only');
    for (const c of JSON.parse(r.out).channels) expect(c.conversions).toBeCloseTo(1 / 3, 12);
  });

  it('csv is long form, table shows the models side by side with bars and P(conversion)', async () => {
    const csv = await cli('--paths', worked, '--model', 'heuristic', '--format', 'csv');
    expect(csv.out.split('\n')[0]).toBe('model,channel,conversions,value,removal_effect');
    expect(csv.out.split('\n')).toContain('first_touch,C1,1,10,');
    const table = await cli('--paths', worked, '--model', 'all', '--show-matrix');
    expect(table.out).toMatch(
      /channel\s+first_touch\s+last_touch\s+last_non_direct\s+linear\s+position_based\s+shapley\s+shapley_exact\s+markov\s+removal_effect\s+markov share/,
    );
    expect(table.out).toMatch(/C1 .* 0\.20 +0\.5000 +████ +20\.0%/);
    expect(table.out).toContain('P(conversion) = 0.333333');
    expect(table.out).toContain('C2 -> C3: 1.000000');
  });

  it('bars are proportional, in eighths of a cell', () => {
    expect(bar(1)).toBe('█'.repeat(20));
    expect(bar(0.5)).toBe('█'.repeat(10));
    expect(bar(0.05 + 1 / 160)).toBe('█▏');
    expect(bar(0)).toBe('');
  });

  it('exit 2 with the line number for a bad file; exit 2 for bad options; exit 3 without conversions', async () => {
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, 'a > b;1;0;0\nb;x;0;0\n');
    const r1 = await cli('--paths', bad);
    expect(r1.code).toBe(2);
    expect(r1.error).toMatch(/bad\.csv: line 2: total_conversions is not a number/);
    const r2 = await cli('--paths', worked, '--order', '5');
    expect(r2.code).toBe(2);
    expect(r2.error).toMatch(/--order must be a whole number from 1 to 4/);
    const r3 = await cli('--paths', worked, '--model', 'magic');
    expect(r3.code).toBe(2);
    expect(r3.error).toMatch(/--model must be one of markov, shapley/);
    const none = path.join(dir, 'none.csv');
    await writeFile(none, 'a > b;0;0;4\n');
    const r4 = await cli('--paths', none);
    expect(r4.code).toBe(3);
    expect(r4.error).toMatch(/no conversions in none\.csv/);
    const r5 = await cli('--lake', path.join(dir, 'no-lake'));
    expect(r5.code).toBe(3);
    expect(r5.error).toMatch(/no lake at/);
  });

  it('--save writes a Parquet run into the lake folder', async () => {
    const lake = path.join(dir, 'lake');
    const r = await cli('--paths', worked, '--model', 'all', '--format', 'json', '--save', '--lake', lake);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/saved run \S+: 24 rows to .*attribution_results[\\/]run_date=\d{4}-\d{2}-\d{2}[\\/]\S+\.parquet/);
  });
});
