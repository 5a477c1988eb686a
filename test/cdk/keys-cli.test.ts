/**
 * `threadline keys add|list|revoke` through commander, against both backends:
 *   --local: the file store (.threadline/sources.json) the local pipeline reads;
 *   SSM:     the real @aws-sdk/client-ssm against a loopback endpoint speaking SSM's JSON protocol
 *            (AWS_ENDPOINT_URL_SSM), which keeps parameters in memory so the test checks what was
 *            stored (hash-named parameters under /threadline/<stage>/sources, never the key).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../cli/commands/keys.js';

async function run(...args: string[]): Promise<{ out: string; exitCode: number | undefined }> {
  const program = new Command('threadline').exitOverride();
  register(program);
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'threadline', ...args]);
    return { out: lines.join('\n'), exitCode: process.exitCode };
  } finally {
    spy.mockRestore();
    process.exitCode = before;
  }
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('keys --local (file store)', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'threadline-keys-')), 'sources.json');

  it('add prints the key once and stores only its SHA-256', async () => {
    const { out } = await run('keys', 'add', '--name', 'POS EU', '--channel', 'store', '--local', '--file', file, '--json');
    const { writeKey, source } = JSON.parse(out);
    expect(writeKey).toMatch(/^tl_[A-Za-z0-9_-]{32}$/);
    expect(source).toEqual({ id: 'pos-eu', name: 'POS EU', defaultChannel: 'store' });
    const stored = readFileSync(file, 'utf8');
    expect(stored).not.toContain(writeKey);
    expect(JSON.parse(stored).keys[sha(writeKey)]).toMatchObject({ id: 'pos-eu' });
  });

  it('list shows hash prefixes; revoke by source id removes every key of it', async () => {
    await run('keys', 'add', '--name', 'web', '--origins', 'https://shop.example.com', '--local', '--file', file);
    const listed = JSON.parse((await run('keys', 'list', '--local', '--file', file, '--json')).out) as {
      id: string;
      keyHashPrefix: string;
    }[];
    expect(listed.map((r) => r.id).sort()).toEqual(['pos-eu', 'web']);
    for (const r of listed) expect(r.keyHashPrefix).toMatch(/^[0-9a-f]{12}$/);
    const revoked = await run('keys', 'revoke', 'pos-eu', '--local', '--file', file);
    expect(revoked.out).toContain('Revoked pos-eu');
    const after = JSON.parse((await run('keys', 'list', '--local', '--file', file, '--json')).out) as { id: string }[];
    expect(after.map((r) => r.id)).toEqual(['web']);
  });

  it('revoking nothing says so and exits 1; an unknown channel is refused', async () => {
    const res = await run('keys', 'revoke', 'nope', '--local', '--file', file);
    expect(res.out).toContain('Nothing matched nope');
    expect(res.exitCode).toBe(1);
    await expect(run('keys', 'add', '--name', 'x', '--channel', 'telepathy', '--local', '--file', file)).rejects.toThrow(
      /unknown channel "telepathy"/,
    );
  });
});

describe('keys against SSM (--stage)', () => {
  const params = new Map<string, { Value: string; Type: string }>();
  let server: Server;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const op = String(req.headers['x-amz-target']).split('.').pop();
        const input = JSON.parse(body || '{}');
        const send = (status: number, payload: unknown) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(payload));
        };
        if (op === 'PutParameter') {
          if (params.has(input.Name) && !input.Overwrite) return send(400, { __type: 'ParameterAlreadyExists', message: 'exists' });
          params.set(input.Name, { Value: input.Value, Type: input.Type });
          return send(200, { Version: 1 });
        }
        if (op === 'GetParametersByPath') {
          const prefix = `${input.Path.replace(/\/$/, '')}/`;
          const all = [...params].filter(([n]) => n.startsWith(prefix) && !n.slice(prefix.length).includes('/'));
          const start = Number(input.NextToken ?? 0);
          const page = all.slice(start, start + (input.MaxResults ?? 10));
          return send(200, {
            Parameters: page.map(([Name, p]) => ({ Name, Value: p.Value, Type: p.Type })),
            ...(start + page.length < all.length ? { NextToken: String(start + page.length) } : {}),
          });
        }
        if (op === 'DeleteParameter') {
          if (!params.delete(input.Name)) return send(400, { __type: 'ParameterNotFound', message: 'not found' });
          return send(200, {});
        }
        send(400, { __type: 'InvalidAction', message: String(op) });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    for (const k of ['AWS_ENDPOINT_URL_SSM', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) saved[k] = process.env[k];
    process.env.AWS_ENDPOINT_URL_SSM = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => params.clear());

  it('add writes one String parameter named by the key hash under /threadline/<stage>/sources', async () => {
    const { writeKey } = JSON.parse(
      (await run('keys', 'add', '--name', 'call centre', '--channel', 'call_center', '--stage', 'prod', '--region', 'eu-west-1', '--json'))
        .out,
    );
    expect([...params.keys()]).toEqual([`/threadline/prod/sources/${sha(writeKey)}`]);
    const p = params.get(`/threadline/prod/sources/${sha(writeKey)}`)!;
    expect(p.Type).toBe('String');
    expect(JSON.parse(p.Value)).toEqual({ id: 'call-centre', name: 'call centre', defaultChannel: 'call_center' });
    expect(p.Value).not.toContain(writeKey);
  });

  it('stages are isolated; list pages through GetParametersByPath; revoke by hash prefix deletes one key', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 12; i++)
      keys.push(JSON.parse((await run('keys', 'add', '--name', `src${i}`, '--stage', 'dev', '--json')).out).writeKey);
    await run('keys', 'add', '--name', 'other', '--stage', 'qa');
    const listed = JSON.parse((await run('keys', 'list', '--stage', 'dev', '--json')).out) as { id: string }[];
    expect(listed).toHaveLength(12); // more than one page of 10, none from qa
    const victim = sha(keys[3]!).slice(0, 12);
    expect((await run('keys', 'revoke', victim, '--stage', 'dev')).out).toContain(`Revoked ${victim}`);
    expect(params.has(`/threadline/dev/sources/${sha(keys[3]!)}`)).toBe(false);
    expect([...params.keys()].filter((k) => k.startsWith('/threadline/dev/'))).toHaveLength(11);
  });
});
