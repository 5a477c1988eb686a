/**
 * cdk-nag (v3, AwsSolutions pack) acknowledgements. Each construct acknowledges its own findings in
 * its constructor, on the exact child that raises them and, for IAM5, on the exact wildcard resource:
 * a new wildcard anywhere else still fails `cdk synth`.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledge one cdk-nag rule (e.g. 'AwsSolutions-L1') on one construct, with the reason it is acceptable. */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: rule, reason });
}

/** How cdk-nag renders the ARN of an L2 resource's CloudFormation resource in a finding: <LogicalId.Arn>. */
export function nagArnToken(resource: IConstruct): string {
  return `<${Stack.of(resource).getLogicalId(resource.node.defaultChild as CfnElement)}.Arn>`;
}
