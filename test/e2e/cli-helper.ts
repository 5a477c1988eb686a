/** Runs `threadline <args>` through the real command modules, capturing output and the exit code. */

import { Command } from 'commander';
import { vi } from 'vitest';

export async function run(args: string[]): Promise<{ exitCode: number; error?: string; out: string }> {
  const program = new Command('threadline').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const name of ['query', 'funnel', 'report', 'send', 'demo', 'local']) {
    const mod = (await import(`../../cli/commands/${name}.ts`)) as { register: (p: Command) => void };
    mod.register(program);
  }
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'threadline', ...args]);
    return { exitCode: Number(process.exitCode ?? 0), out: out.join('\n') };
  } catch (e) {
    return { exitCode: Number(process.exitCode ?? 1), error: (e as Error).message, out: out.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
    process.exitCode = 0;
  }
}
