/**
 * `npx cdk synth` as CI and a user on a clean clone run it: no AWS credentials, no network (proxies
 * point at a closed port, instance metadata disabled), telemetry and notices off (cdk.json).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lambdas/bundling.js';

function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('AWS_') || k.startsWith('CDK_')) delete env[k];
  return {
    ...env,
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: '1',
    // Any attempt to reach the network fails fast instead of succeeding quietly.
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '',
  };
}

/**
 * Runs the CDK CLI without blocking this worker: a synchronous spawn would freeze the test worker's
 * event loop for the whole synth (a minute or more on a loaded machine), long enough for vitest's
 * 60 s worker-to-runner RPC timeout to fire and fail the run with all tests green.
 */
function cdk(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['cdk', ...args], { cwd: PROJECT_ROOT, env: offlineEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('cdk synth offline', () => {
  it('cdk.json turns telemetry and notices off', () => {
    const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8'));
    expect(cdkJson.notices).toBe(false);
    expect(cdkJson.context['cli-telemetry']).toBe(false);
    expect(cdkJson.app).toBe('npx tsx bin/threadline.ts');
  });

  it('synthesizes the stack with no credentials and no network', async () => {
    const out = mkdtempSync(join(tmpdir(), 'threadline-synth-'));
    const res = await cdk(['synth', '--quiet', '-o', out, '-c', 'threadline.stage=ci']);
    expect(res.stderr + res.stdout, `exit ${res.status}`).not.toMatch(/Docker|docker/);
    expect(res.status, res.stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'Threadline-ci.template.json'), 'utf8'));
    expect(Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::KinesisFirehose::DeliveryStream')).toHaveLength(3);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
  }, 300_000);

  it('a bad configuration fails before synthesis with every problem listed', async () => {
    const res = await cdk([
      'synth',
      '--quiet',
      '-o',
      mkdtempSync(join(tmpdir(), 'threadline-synth-')),
      '-c',
      'threadline.buffering.sizeMb=10',
      '-c',
      'threadline.stream.mode=sideways',
    ]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('Invalid Threadline configuration (2 problems)');
    expect(res.stderr).toContain('buffering.sizeMb: must be >= 64 (Parquet conversion minimum) (got 10)');
    expect(res.stderr).toMatch(/stream\.mode: .*\(got "sideways"\)/);
  }, 300_000);
});
