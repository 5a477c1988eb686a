/** Runs `threadline <args>` through the real command modules, capturing output and the exit code. */

import { Command } from 'commander';
import { vi } from 'vitest';

export async function run(args: string[]): Promise<{ exitCode: number; error?: string; out: string; err: string; help: string }> {
  const help: string[] = [];
  const program = new Command('threadline').exitOverride().configureOutput({ writeErr: () => {}, writeOut: (s) => void help.push(s) });
  for (const name of ['query', 'funnel', 'report', 'send', 'demo', 'local', 'keys', 'attribution']) {
    const mod = (await import(`../../cli/commands/${name}.ts`)) as { register: (p: Command) => void };
    mod.register(program);
  }
  const out: string[] = [];
  const errLines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errLines.push(a.join(' ')));
  const result = (extra: { exitCode: number; error?: string }) => ({
    ...extra,
    out: out.join('\n'),
    err: errLines.join('\n'),
    help: help.join(''),
  });
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'threadline', ...args]);
    return result({ exitCode: Number(process.exitCode ?? 0) });
  } catch (e) {
    return result({ exitCode: Number(process.exitCode ?? 1), error: (e as Error).message });
  } finally {
    log.mockRestore();
    err.mockRestore();
    process.exitCode = 0;
  }
}
