/**
 * cdk-nag v3 (a policy-validation plugin: an unacknowledged finding fails the synth).
 *  - a negative control proves the pack is live: a wildcard policy in a bare stack fails synthesis;
 *  - every acknowledgement in the Threadline stack is on a specific construct, for a specific rule,
 *    with a written reason (the clean report itself is asserted in stack.test.ts).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lib/config.js';
import { ThreadlineStack } from '../../lib/threadline-stack.js';

// CDK's built-in CloudFormation schema validation (a second plugin, ~6 s to load) is not what these
// tests are about; stack.test.ts and synth-cli.test.ts run with it.
process.env.CDK_VALIDATION = 'false';

describe('cdk-nag', () => {
  it('negative control: a wildcard grant fails synthesis with AwsSolutions-IAM5', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'threadline-nag-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bad');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5/);
    const report = readFileSync(join(outdir, 'validation-report.json'), 'utf8');
    expect(report).toContain('"conclusion": "failure"');
  });

  it('every acknowledgement names one rule on one construct and gives a reason', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new ThreadlineStack(app, 'Threadline-dev', { config: resolveConfig({}) });
    const acks: { path: string; id: string; reason: string }[] = [];
    for (const c of stack.node.findAll()) {
      for (const m of c.node.metadata) {
        if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(m.data as Record<string, string>)) {
          // CDK itself acknowledges some of its own CloudFormation-validate warnings; ours are AwsSolutions.
          if (id.includes('AwsSolutions-')) acks.push({ path: c.node.path, id, reason });
        }
      }
    }
    // Never blanket: nothing acknowledged on the stack itself or on a whole construct subtree root.
    expect(acks.filter((a) => a.path === stack.node.path)).toEqual([]);
    for (const a of acks) {
      expect(a.id).toMatch(/AwsSolutions-(L1|APIG4|SMG4|SQS3|IAM5\[Resource::.+\])$/);
      expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(60);
    }
    const count = (rule: string) => acks.filter((a) => a.id.includes(rule)).length;
    expect(count('AwsSolutions-L1')).toBe(4); // collector, processor, views deployer, models refresh
    expect(count('AwsSolutions-APIG4')).toBe(3); // the three routes
    expect(count('AwsSolutions-SMG4')).toBe(1);
    expect(count('AwsSolutions-SQS3')).toBe(1);
    // per Firehose: table + error prefix; views deployer: Athena results; provider; Athena user
    // policy: the three lake table prefixes + Athena results + attribution_results; models: the views
    // deployer's and the Athena user's models/, the refresh role's events/, identity_changes/, models/ and
    // Athena results, the schedule's invoke of the refresh function.
    expect(count('AwsSolutions-IAM5')).toBe(3 * 2 + 2 + (3 + 2) + (1 + 1 + 4 + 1));
  });
});
