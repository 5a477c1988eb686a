/**
 * Every shell example in README.md and docs/*.md runs, so that a copied example works.
 *
 * One demo lake is built first (the `npm run demo` command itself, smaller), in a temporary workspace
 * that is the working directory of every command: `.threadline/` there is the default data folder.
 * Then each fenced sh/bash/shell/console block runs command by command, in order:
 *   threadline ... | npx threadline ... | npm run <script> (scripts that are `threadline <args>`)
 *       -> the real CLI program in this process (cli/index.ts buildProgram), exit code 0 expected;
 *   threadline local / npm start
 *       -> a real child process on a free port with the workspace's data folder, stopped with SIGINT at
 *          the end of its block (exit 0 expected); later commands in the block get its URL in place of
 *          http://127.0.0.1:8787;
 *   curl ... -> the real curl (with --fail), against that pipeline;
 *   npm ci / npm install, npm test -> preconditions this suite runs under (install done; the suite
 *          itself): checked to exist, not run.
 * Anything else (cdk deploy, aws ..., cdklocal, placeholders such as <ApiUrl>) fails the test unless its
 * block is marked on the line before the opening fence:
 *   <!-- not-offline: why (e.g. needs an AWS account) -->   cannot run without AWS / Docker / network
 *   <!-- not-run: why (e.g. covered by test/cdk/synth-cli.test.ts) -->   offline, but not run here
 * All failures are listed together.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../cli/index.js';
import { extractBlocks, type ShellBlock, type ShellCommand, splitCommands } from './shell-blocks.js';

const root = path.resolve(import.meta.dirname, '../..');
const DOC_FILES = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const DEMO_SIZE = ['--customers', '80', '--seed', '7'];
const LOCAL_URL = 'http://127.0.0.1:8787';
const NOT_RUN = /^<!--\s*not-run:\s*(.*?)\s*-->$/;
const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

let ws: string;
const savedCwd = process.cwd();
const savedEnv = { ...process.env };

interface CliRun {
  exitCode: number;
  output: string;
}

/** The real `threadline` program, in this process, as `npx threadline <args>` runs it. */
async function runCli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const capture = (...a: unknown[]) => void out.push(a.map(String).join(' '));
  const log = vi.spyOn(console, 'log').mockImplementation(capture);
  const err = vi.spyOn(console, 'error').mockImplementation(capture);
  process.exitCode = 0;
  try {
    const program = await buildProgram();
    program.configureOutput({ writeOut: (s) => void out.push(s), writeErr: (s) => void out.push(s) });
    await program.parseAsync(['node', 'threadline', ...args]);
    return { exitCode: Number(process.exitCode ?? 0), output: out.join('\n') };
  } catch (e) {
    out.push(`threadline: ${(e as Error).message}`);
    const code = Number(process.exitCode ?? 1);
    return { exitCode: code === 0 ? 1 : code, output: out.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
    process.exitCode = 0;
  }
}

/** `npm start` / `threadline local`: a child process until the end of its block. */
async function startLocal(extra: string[]): Promise<{ url: string; stop: () => Promise<string | undefined> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    // bin/threadline-cli.js is what `npx threadline` runs; it finds tsx from its own folder, whatever the cwd
    [path.join(root, 'bin/threadline-cli.js'), 'local', ...extra, '--port', '0', '--data-dir', path.join(ws, '.threadline')],
    { cwd: ws, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /collector:\s+(http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`threadline local exited (${code}) before it was ready:\n${out}`)));
  });
  return {
    url,
    async stop() {
      child.kill('SIGINT');
      const code = await exited;
      return code === 0 && /stopped cleanly/.test(out) ? undefined : `threadline local did not stop cleanly (exit ${code}):\n${out}`;
    },
  };
}

type Step =
  | { kind: 'cli'; args: string[] }
  | { kind: 'local'; args: string[] }
  | { kind: 'demo' }
  | { kind: 'curl'; args: string[] }
  | { kind: 'precondition'; check: () => string | undefined }
  | { kind: 'cannot'; why: string };

/** What the harness does with one command of a block. */
function plan(cmd: ShellCommand): Step {
  if (cmd.unsupported) return { kind: 'cannot', why: cmd.unsupported };
  const [bin, ...rest] = cmd.argv;
  const cli = (args: string[]): Step =>
    args[0] === 'local'
      ? { kind: 'local', args: args.slice(1) }
      : args[0] === 'demo' && args.length === 1
        ? { kind: 'demo' }
        : { kind: 'cli', args };
  if (bin === 'threadline') return cli(rest);
  if (bin === 'npx' && rest[0] === 'threadline') return cli(rest.slice(1));
  if (bin === 'curl') return { kind: 'curl', args: rest };
  if (bin === 'npm') {
    const [sub, ...more] = rest;
    if (sub === 'ci' || (sub === 'install' && !more.some((a) => a === '-g' || a === '--global'))) {
      return { kind: 'precondition', check: () => (existsSync(path.join(root, 'package-lock.json')) ? undefined : 'no package-lock.json') };
    }
    if (sub === 'install') return { kind: 'cannot', why: 'a global install changes the machine' };
    if (sub === 'test') return { kind: 'precondition', check: () => (scripts.test ? undefined : 'package.json has no test script') };
    const name = sub === 'run' || sub === 'run-script' ? more[0] : sub;
    const after = sub === 'run' || sub === 'run-script' ? more.slice(1) : more;
    const extra = after[0] === '--' ? after.slice(1) : after;
    const script = name ? scripts[name] : undefined;
    if (!script) return { kind: 'cannot', why: `package.json has no script "${name}"` };
    const m = /^(?:exec\s+)?(?:node --import tsx|tsx) cli\/index\.ts\s*(.*)$/.exec(script);
    if (m) return cli([...(m[1] ? m[1].split(/\s+/) : []), ...extra]);
    return { kind: 'cannot', why: `npm script "${name}" (${script}) is not a threadline command` };
  }
  return { kind: 'cannot', why: `${bin} is not something this harness runs offline` };
}

interface BlockResult {
  where: string;
  skipped?: string;
  failures: string[];
}

async function runBlock(block: ShellBlock, lines: string[]): Promise<BlockResult> {
  const where = `${block.file}:${block.line}`;
  if (block.notOffline) return { where, skipped: `not-offline: ${block.notOffline}`, failures: [] };
  let prev = block.line - 2;
  while (prev >= 0 && lines[prev]!.trim() === '') prev--;
  const notRun = prev >= 0 ? NOT_RUN.exec(lines[prev]!.trim()) : null;
  if (notRun) return { where, skipped: `not-run: ${notRun[1]}`, failures: [] };

  const failures: string[] = [];
  let local: Awaited<ReturnType<typeof startLocal>> | undefined;
  const withUrl = (args: string[]) => args.map((a) => (local ? a.replaceAll(LOCAL_URL, local.url) : a));
  try {
    for (const cmd of splitCommands(block.body, block.line + 1)) {
      const at = `${block.file}:${cmd.line} \`${cmd.text}\``;
      const step = plan(cmd);
      if (step.kind === 'cannot') failures.push(`${at}: cannot run offline (${step.why}) and the block has no not-offline marker`);
      else if (step.kind === 'precondition') {
        const problem = step.check();
        if (problem) failures.push(`${at}: ${problem}`);
      } else if (step.kind === 'demo') {
        // the demo lake every other command reads was built by this very command (smaller) in beforeAll
      } else if (step.kind === 'local') {
        if (local) failures.push(`${at}: a second local pipeline in one block`);
        else {
          local = await startLocal(step.args).catch((e: Error) => {
            failures.push(`${at}: ${e.message}`);
            return undefined;
          });
        }
      } else if (step.kind === 'curl') {
        const r = spawnSync('curl', ['--fail', '-sS', '--max-time', '30', ...withUrl(step.args)], { cwd: ws, encoding: 'utf8' });
        if (r.status !== 0) failures.push(`${at}: curl exit ${r.status}: ${r.stderr.trim()} ${r.stdout.trim()}`);
      } else {
        const r = await runCli(withUrl(step.args));
        if (r.exitCode !== 0) failures.push(`${at}: exit ${r.exitCode}\n    ${r.output.split('\n').slice(-6).join('\n    ')}`);
      }
    }
  } finally {
    if (local) {
      const problem = await local.stop();
      if (problem) failures.push(`${where}: ${problem}`);
    }
  }
  return { where, failures };
}

beforeAll(async () => {
  ws = mkdtempSync(path.join(tmpdir(), 'threadline-docs-'));
  // Example input files are referenced as from the repository root (docs/examples/...).
  cpSync(path.join(root, 'docs', 'examples'), path.join(ws, 'docs', 'examples'), { recursive: true });
  process.chdir(ws);
  // Commands that need AWS fail at once instead of probing for credentials on the network.
  for (const k of Object.keys(process.env))
    if (/^AWS_(ACCESS|SECRET|SESSION|PROFILE|ROLE|WEB_IDENTITY|CONTAINER)/.test(k)) delete process.env[k];
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: path.join(ws, 'no-aws-credentials'),
    AWS_CONFIG_FILE: path.join(ws, 'no-aws-config'),
  });
  // `npm run demo` (the script's own arguments), smaller, keeping its pipeline in the default data folder
  const demoScript = /cli\/index\.ts\s+(.*)$/.exec(scripts.demo ?? '')?.[1]?.split(/\s+/) ?? ['demo'];
  const demo = await runCli([
    ...demoScript,
    ...DEMO_SIZE,
    '--data-dir',
    path.join(ws, '.threadline'),
    '--out',
    path.join(ws, '.threadline', 'demo'),
  ]);
  expect(demo.exitCode, demo.output).toBe(0);
}, 300_000);

afterAll(() => {
  process.chdir(savedCwd);
  process.env = savedEnv;
  if (ws) rmSync(ws, { recursive: true, force: true });
});

// Read at collection time so that each block is its own test: a failing example names its file and line.
const BLOCKS = DOC_FILES.flatMap((file) => {
  const text = readFileSync(path.join(root, file), 'utf8');
  const lines = text.split(/\r?\n/);
  return extractBlocks(text, file).map((block) => ({ block, lines }));
});

describe('every shell example in README.md and docs/ runs offline with exit 0, or is marked not-offline / not-run', () => {
  it('finds the examples', () => {
    expect(BLOCKS.length).toBeGreaterThan(5);
  });

  for (const { block, lines } of BLOCKS) {
    it(`${block.file}:${block.line}`, async () => {
      const r = await runBlock(block, lines);
      if (r.skipped) console.info(`${r.where} skipped (${r.skipped})`);
      expect(r.failures, `${r.failures.length} failing command(s):\n\n${r.failures.join('\n\n')}\n`).toEqual([]);
    });
  }
});
