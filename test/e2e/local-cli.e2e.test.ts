/**
 * `threadline local` and `threadline demo` as a user runs them: child processes started the way the
 * README says (`npm start`, `npm run demo`), events posted over HTTP, then the signals a terminal or a
 * process manager sends. Stopping must always flush: every acknowledged event is in the lake when the
 * process has exited, without waiting for the lake writer's timer. No sleeps: every wait is for a line
 * of output or for the process to exit.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../query/duckdb.js';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'threadline-local-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const KEY = 'tl_dev_local_write_key';

interface Running {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first match of `re` in stdout+stderr (rejects if the process exits first). */
  waitFor: (re: RegExp) => Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** detached: the child leads its own process group, as a shell's foreground job does. */
function start(cmd: string, args: string[]): Running {
  const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.re.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    check();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
    check();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`exited (${code ?? signal}) before ${w.re}:\n${out}`));
      resolve({ code, signal });
    }),
  );
  return {
    child,
    output: () => out,
    exited,
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        waiters.push({ re, resolve, reject });
        check();
      }),
  };
}

/** Ctrl-C in a terminal: SIGINT to every process of the foreground group (npm, sh, node). */
const signalGroup = (r: Running, sig: NodeJS.Signals) => process.kill(-r.child.pid!, sig);

function killLeftovers(r: Running): void {
  if (r.child.exitCode === null && r.child.signalCode === null) {
    try {
      process.kill(-r.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function postBatch(url: string, ids: string[]): Promise<void> {
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` },
    body: JSON.stringify({
      batch: ids.map((id, i) => ({ type: 'track', userId: `u-${i % 7}`, event: 'Before Ctrl-C', messageId: id })),
    }),
  });
  expect(res.status).toBe(200);
}

async function lakeMessageIds(dataDir: string): Promise<string[]> {
  const engine = await createDuckDbEngine({ lakeDir: path.join(dataDir, 'lake') });
  try {
    return (await engine.query<{ message_id: string }>('SELECT DISTINCT message_id FROM events ORDER BY 1')).rows.map((r) => r.message_id);
  } finally {
    await engine.close();
  }
}

describe('threadline local', () => {
  it('`npm start`, events acknowledged, Ctrl-C to the process group: exit 0, "stopped cleanly", every event in the lake', async () => {
    const dataDir = path.join(tmp, 'npm-start');
    const r = start('npm', ['run', '--silent', 'start', '--', '--port', '0', '--data-dir', dataDir]);
    try {
      const url = (await r.waitFor(/collector:\s+(http:\/\/\S+)/))[1]!;
      expect((await r.waitFor(/write key:\s+(\S+)/))[1]).toBe(KEY);
      const ids = Array.from({ length: 2000 }, (_, i) => `npm-${String(i).padStart(4, '0')}`);
      for (let i = 0; i < ids.length; i += 500) await postBatch(url, ids.slice(i, i + 500));
      signalGroup(r, 'SIGINT');
      const { code } = await r.exited;
      expect(code, r.output()).toBe(0);
      expect(r.output()).toMatch(/SIGINT: stopping/);
      expect(r.output()).toMatch(/stopped cleanly/);
      expect(await lakeMessageIds(dataDir)).toEqual(ids);
      expect(existsSync(path.join(dataDir, 'pipeline.lock'))).toBe(false);
    } finally {
      killLeftovers(r);
    }
  });

  it('a second pipeline on the same folder says which one holds it; SIGHUP and a repeated signal still flush', async () => {
    const dataDir = path.join(tmp, 'twice');
    const first = start(process.execPath, ['--import', 'tsx', 'cli/index.ts', 'local', '--port', '0', '--data-dir', dataDir]);
    try {
      const url = (await first.waitFor(/collector:\s+(http:\/\/\S+)/))[1]!;
      const second = start(process.execPath, ['--import', 'tsx', 'cli/index.ts', 'local', '--port', '0', '--data-dir', dataDir]);
      const { code } = await second.exited;
      expect(code).toBe(2);
      expect(second.output()).toContain(`another Threadline pipeline (pid ${first.child.pid}, started `);
      expect(second.output()).toContain(`, collector at ${url}) is using ${dataDir}; stop it or use --data-dir <other>`);
      expect(second.output()).not.toMatch(/LevelDB|LOCK:|\n\s+at /); // no stack trace

      const ids = Array.from({ length: 500 }, (_, i) => `term-${String(i).padStart(3, '0')}`);
      await postBatch(url, ids);
      first.child.kill('SIGHUP'); // the terminal was closed
      await first.waitFor(/SIGHUP: stopping/);
      first.child.kill('SIGTERM'); // and then a process manager insists
      const done = await first.exited;
      expect(done.code, first.output()).toBe(0);
      expect(first.output()).toMatch(/stopped cleanly/);
      expect(await lakeMessageIds(dataDir)).toEqual(ids);
    } finally {
      killLeftovers(first);
    }
  });
});

describe('threadline demo', () => {
  it('`npm run demo` interrupted by Ctrl-C stops the pipeline cleanly and exits 130', async () => {
    const out = path.join(tmp, 'demo');
    const r = start('npm', ['run', '--silent', 'demo', '--', '--customers', '40', '--out', out]);
    try {
      await r.waitFor(/starting the local pipeline/);
      signalGroup(r, 'SIGINT');
      const { code } = await r.exited;
      expect(code, r.output()).toBe(130);
      expect(r.output()).toMatch(/SIGINT: stopping the demo/);
      expect(r.output()).toMatch(/stopped cleanly: the events accepted so far are in the lake/);
      expect(existsSync(path.join(out, 'pipeline', 'pipeline.lock'))).toBe(false);
    } finally {
      killLeftovers(r);
    }
  });
});
