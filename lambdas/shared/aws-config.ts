/**
 * Common configuration for AWS SDK v3 clients, shared by every Lambda and by the local pipeline.
 *
 * Why not just `new XClient({})`: offline the same code talks to in-process stand-ins (kinesalite,
 * dynalite, the local Firehose endpoint). Those speak HTTP/1.1 only (the Kinesis client defaults to
 * HTTP/2 and fails with ERR_HTTP2_ERROR against kinesalite) and need no real credentials. The SDK
 * already honours AWS_ENDPOINT_URL_<SERVICE>; we read it too so that we can pick the HTTP/1.1 handler
 * and dummy credentials whenever an endpoint override is in force.
 *
 * This file imports no client package: each client has its own small factory module (clients/*.ts) so
 * that a Lambda bundle only pulls in the clients it uses.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface AwsClientOptions {
  /** Explicit endpoint (wins over the environment). */
  endpoint?: string;
  region?: string;
  /** Injected handler, e.g. `new NodeHttpHandler()` for kinesalite/dynalite. */
  requestHandler?: NodeHttpHandler;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK-level attempts. Callers that run their own partial-failure retry loop pass 1 or 2. */
  maxAttempts?: number;
}

export interface ResolvedClientConfig {
  endpoint?: string;
  region: string;
  requestHandler?: NodeHttpHandler;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
}

/**
 * Resolve client config for one service. `serviceEnvId` is the SDK's env suffix: KINESIS, SSM,
 * FIREHOSE, DYNAMODB (AWS_ENDPOINT_URL_KINESIS, ...), with AWS_ENDPOINT_URL as the global fallback.
 */
export function resolveClientConfig(
  serviceEnvId: string,
  opts: AwsClientOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedClientConfig {
  const endpoint = opts.endpoint ?? env[`AWS_ENDPOINT_URL_${serviceEnvId}`] ?? env.AWS_ENDPOINT_URL;
  const region = opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const config: ResolvedClientConfig = { region };
  if (opts.maxAttempts !== undefined) config.maxAttempts = opts.maxAttempts;
  if (endpoint) {
    config.endpoint = endpoint;
    // Local stand-ins speak HTTP/1.1 only.
    config.requestHandler = opts.requestHandler ?? new NodeHttpHandler();
    // Stand-ins do not check signatures, but the SDK insists on signing: give it something when the
    // environment has no credentials and the endpoint is loopback (never for a remote endpoint).
    if (!opts.credentials && !env.AWS_ACCESS_KEY_ID && isLoopback(endpoint)) {
      config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    }
  } else if (opts.requestHandler) {
    config.requestHandler = opts.requestHandler;
  }
  if (opts.credentials) config.credentials = opts.credentials;
  return config;
}

export function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host === '::1';
  } catch {
    return false;
  }
}
