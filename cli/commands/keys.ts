/**
 * `threadline keys add|list|revoke`: manage write keys.
 *
 * Deployed stacks keep keys in SSM Parameter Store under /threadline/<stage>/sources (hashes only, see
 * lambdas/collector/sources/types.ts); `--local` works on the local pipeline's file store instead.
 * The plain key is printed ONCE by `add` and stored nowhere.
 */
import type { Command } from 'commander';
import { createFileKeyStore, createSsmClient, createSsmKeyStore, type KeyStore, sourcesParameterPath } from '../../lambdas/index.js';
import { DEFAULT_KEY_FILE } from '../../local/index.js';
import { TOUCHPOINT_CHANNELS, type TouchpointChannel } from '../../schemas/index.js';
import { action, EXIT, UserError } from '../errors.js';

export const DEFAULT_LOCAL_KEY_FILE = DEFAULT_KEY_FILE;

interface StoreOptions {
  stage: string;
  region?: string;
  local?: boolean;
  file: string;
  json?: boolean;
}

export function keyStoreFor(opts: StoreOptions): { store: KeyStore; where: string } {
  if (opts.local) return { store: createFileKeyStore(opts.file), where: opts.file };
  const prefix = sourcesParameterPath(opts.stage);
  const ssm = createSsmClient(opts.region ? { region: opts.region } : {});
  return { store: createSsmKeyStore({ ssm, prefix }), where: `ssm:${prefix}` };
}

/**
 * The SDK's own message for missing credentials ("Could not load credentials from any providers") says
 * nothing about this command's offline alternative; say both ways forward instead.
 */
export function explainAwsError(err: unknown, opts: Pick<StoreOptions, 'stage'>): unknown {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'CredentialsProviderError') {
    return new UserError(
      `no AWS credentials for SSM (/threadline/${opts.stage}/sources): configure them (aws configure, AWS_PROFILE, ` +
        'or AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY) for the account the stack is deployed to, ' +
        "or use --local for the local pipeline's keys",
      EXIT.error,
    );
  }
  if (/Region is missing/i.test((err as Error | null)?.message ?? '')) {
    return new UserError("no AWS region for SSM: pass --region, set AWS_REGION, or use --local for the local pipeline's keys", EXIT.usage);
  }
  return err;
}

async function onStore<T>(opts: StoreOptions, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw explainAwsError(err, opts);
  }
}

function withStoreOptions(cmd: Command): Command {
  return cmd
    .option('--stage <stage>', 'deployment stage (SSM path /threadline/<stage>/sources)', 'dev')
    .option('--region <region>', 'AWS region (default: AWS_REGION / profile)')
    .option('--local', 'use the local pipeline file store instead of SSM')
    .option('--file <path>', 'file store path with --local', DEFAULT_LOCAL_KEY_FILE)
    .option('--json', 'print JSON');
}

function parseOrigins(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function register(program: Command): void {
  const keys = program.command('keys').description('manage write keys (stored as SHA-256 hashes)');

  withStoreOptions(
    keys
      .command('add')
      .description('create a write key for a source; the key is printed once')
      .requiredOption('--name <name>', 'source name, e.g. web, pos-eu, call-centre')
      .option('--channel <channel>', `default touchpoint channel (${TOUCHPOINT_CHANNELS.join(', ')})`)
      .option('--origins <list>', 'comma-separated browser origins allowed to use the key', parseOrigins),
  ).action(
    action(async (opts: StoreOptions & { name: string; channel?: string; origins?: string[] }) => {
      if (opts.channel && !(TOUCHPOINT_CHANNELS as readonly string[]).includes(opts.channel)) {
        throw new UserError(`unknown channel "${opts.channel}" (one of ${TOUCHPOINT_CHANNELS.join(', ')})`);
      }
      const { store, where } = keyStoreFor(opts);
      const { writeKey, source } = await onStore(opts, () =>
        store.add({
          name: opts.name,
          ...(opts.channel ? { defaultChannel: opts.channel as TouchpointChannel } : {}),
          ...(opts.origins ? { allowedOrigins: opts.origins } : {}),
        }),
      );
      if (opts.json) {
        console.log(JSON.stringify({ writeKey, source, store: where }));
        return;
      }
      console.log(`Created a write key for source "${source.name}" (id ${source.id}) in ${where}.`);
      console.log(`Write key (shown once, store it now): ${writeKey}`);
    }),
  );

  withStoreOptions(keys.command('list').description('list keys by hash prefix (keys themselves are not stored)')).action(
    action(async (opts: StoreOptions) => {
      const { store, where } = keyStoreFor(opts);
      const rows = await onStore(opts, () => store.list());
      if (opts.json) {
        console.log(JSON.stringify(rows));
        return;
      }
      if (rows.length === 0) {
        console.log(`No write keys in ${where}.`);
        return;
      }
      console.log(`${rows.length} write key(s) in ${where}:`);
      for (const r of rows) {
        const extra = [r.defaultChannel && `channel=${r.defaultChannel}`, r.allowedOrigins && `origins=${r.allowedOrigins.join(',')}`]
          .filter(Boolean)
          .join(' ');
        console.log(`  ${r.keyHashPrefix}  ${r.id}  "${r.name}"${extra ? `  ${extra}` : ''}`);
      }
    }),
  );

  withStoreOptions(
    keys
      .command('revoke')
      .description('revoke every key of a source id, or one key by hash prefix (>= 8 hex digits)')
      .argument('<idOrHashPrefix>', 'source id or key hash prefix from `keys list`'),
  ).action(
    action(async (idOrHashPrefix: string, opts: StoreOptions) => {
      const { store, where } = keyStoreFor(opts);
      const revoked = await onStore(opts, () => store.revoke(idOrHashPrefix));
      if (opts.json) console.log(JSON.stringify({ revoked }));
      else console.log(revoked ? `Revoked ${idOrHashPrefix} in ${where}.` : `Nothing matched ${idOrHashPrefix} in ${where}.`);
      if (!revoked) process.exitCode = 1;
    }),
  );
}
