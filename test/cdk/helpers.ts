/**
 * Shared helpers for the CDK tests: synthesize a stack in-process (once per test file), read every
 * IAM statement of a role, and derive from a handler's SOURCE which AWS API calls it makes.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../../lambdas/bundling.js';
import { resolveConfig, type ThreadlineConfigInput } from '../../lib/config.js';
import { ThreadlineStack } from '../../lib/threadline-stack.js';

export interface Synthesized {
  app: App;
  stack: ThreadlineStack;
  template: Template;
  json: CfnTemplate;
  outdir: string;
  /** Error thrown by synth (policy validation), if any. */
  synthError?: Error;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, any>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, any>;
}

/**
 * Synthesize the stack. `bundle: false` skips esbuild (context aws:cdk:bundling-stacks = []) for
 * configuration variants whose assertions do not concern the code assets.
 */
export function synth(input: ThreadlineConfigInput = {}, opts: { nag?: boolean; bundle?: boolean } = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'threadline-cdk-'));
  const app = new App({
    outdir,
    context: opts.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {},
  });
  const config = resolveConfig(input);
  const stack = new ThreadlineStack(app, `Threadline-${config.stage}`, { config });
  if (opts.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let synthError: Error | undefined;
  try {
    app.synth();
  } catch (err) {
    synthError = err as Error;
  }
  const json = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.template.json`), 'utf8')) as CfnTemplate;
  return { app, stack, template: Template.fromJSON(json), json, outdir, synthError };
}

export function resourcesOfType(t: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

export function logicalIdOf(stack: ThreadlineStack, construct: { node: { defaultChild?: unknown } } | unknown): string {
  const c = construct as { node: { defaultChild?: unknown } };
  const target = (c.node.defaultChild ?? construct) as Parameters<ThreadlineStack['getLogicalId']>[0];
  return stack.getLogicalId(target);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
  Condition?: unknown;
}

/** Every Allow statement attached to a role: inline Policies on the role + AWS::IAM::Policy resources naming it. */
export function statementsOfRole(t: CfnTemplate, roleLogicalId: string): Statement[] {
  const out: Statement[] = [];
  const role = t.Resources[roleLogicalId];
  if (!role) throw new Error(`no role ${roleLogicalId}`);
  for (const p of (role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[])
    out.push(...p.PolicyDocument.Statement);
  for (const [, r] of resourcesOfType(t, 'AWS::IAM::Policy')) {
    const roles = (r.Properties?.Roles ?? []) as { Ref?: string }[];
    if (roles.some((x) => x.Ref === roleLogicalId)) out.push(...(r.Properties!.PolicyDocument.Statement as Statement[]));
  }
  return out;
}

export function actionsOf(statements: Statement[]): string[] {
  return [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();
}

/**
 * Every action of every policy statement in the template (identity policies, inline role policies,
 * resource policies such as bucket and queue policies), with the statement's effect.
 */
export function allPolicyActions(t: CfnTemplate): { where: string; effect: string; action: string }[] {
  const out: { where: string; effect: string; action: string }[] = [];
  const visit = (where: string, v: unknown): void => {
    if (Array.isArray(v)) v.forEach((x) => visit(where, x));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.Effect === 'string' && (o.Action !== undefined || o.NotAction !== undefined)) {
        const actions = ([] as unknown[]).concat(o.Action ?? [], o.NotAction ?? []);
        for (const a of actions) out.push({ where, effect: o.Effect, action: String(a) });
        return;
      }
      for (const x of Object.values(o)) visit(where, x);
    }
  };
  for (const [id, r] of Object.entries(t.Resources)) visit(id, r.Properties);
  return out;
}

const CLIENT_SERVICE: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-kinesis': 'kinesis',
  '@aws-sdk/client-firehose': 'firehose',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-athena': 'athena',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
};

/**
 * The AWS API calls a handler's own code can make: bundle the entry with esbuild (the same tree
 * shaking the deployed bundle gets), take the code each project file keeps in the bundle, and map
 * every SDK `XxxCommand` it constructs, and every `paginateXxx` paginator it calls, to the IAM action
 * `service:Xxx`. Code that tree shaking removed (e.g. the unused exports of an index.ts) does not
 * count. The list is per source file so that callers can exclude files that are bundled but never run
 * by the Lambda.
 */
export async function sdkActionsUsedBy(entry: string): Promise<Map<string, Set<string>>> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'silent',
    outdir: join(tmpdir(), 'threadline-actions'),
  });
  // Unminified esbuild output marks the code of each input file with a `// <path>` line.
  const kept = new Map<string, string>();
  const parts = result.outputFiles[0]!.text.split(/^\/\/ (\S+)\n/m);
  for (let i = 1; i < parts.length; i += 2) kept.set(parts[i]!, (kept.get(parts[i]!) ?? '') + parts[i + 1]!);
  const byFile = new Map<string, Set<string>>();
  for (const input of Object.keys(result.metafile!.inputs)) {
    if (input.includes('node_modules')) continue;
    const path = resolve(PROJECT_ROOT, input);
    const src = readFileSync(path, 'utf8');
    const imported = new Map<string, string>();
    for (const m of src.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/[a-z0-9-]+)'/g)) {
      for (const name of m[1]!.split(',').map(
        (s) =>
          s
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)[0]!,
      )) {
        if (name) imported.set(name, m[2]!);
      }
    }
    const actions = new Set<string>();
    const code = kept.get(input) ?? '';
    const calls = code.matchAll(
      /new\s+(?:import_[a-z0-9_]+\.)?([A-Z][A-Za-z0-9]*?Command)\d*\s*\(|\b(?:import_[a-z0-9_]+\.)?paginate([A-Z][A-Za-z0-9]*?)\d*\)?\s*\(/g,
    );
    for (const m of calls) {
      const name = m[1] ?? `paginate${m[2]!}`;
      const from = imported.get(name);
      if (!from) continue;
      const service = CLIENT_SERVICE[from];
      if (!service) throw new Error(`${input}: ${name} from ${from}: add the client to CLIENT_SERVICE`);
      actions.add(`${service}:${m[1] ? m[1].replace(/Command$/, '') : m[2]!}`);
    }
    if (actions.size > 0) byFile.set(input, actions);
  }
  return byFile;
}
