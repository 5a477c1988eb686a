/**
 * Names shared by the CDK app and the CLI (which must find what the stack created without
 * CloudFormation lookups).
 */

/** SSM path under which the collector's key store keeps one parameter per write-key hash. */
export function sourcesParameterPath(stage: string): string {
  return `/threadline/${stage}/sources`;
}

export function stackName(stage: string): string {
  return `Threadline-${stage}`;
}

export function workGroupName(stage: string): string {
  return `threadline-${stage}`;
}
