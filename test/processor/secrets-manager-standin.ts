/**
 * A minimal Secrets Manager endpoint for tests: speaks the AWS JSON 1.1 protocol
 * (X-Amz-Target: secretsmanager.<Operation>) that the real @aws-sdk/client-secrets-manager sends, for
 * the one operation the processor uses, GetSecretValue. No Secrets Manager emulator runs offline; this
 * keeps the real client, its serialisation and its error parsing in the loop. A missing secret
 * answers the service's ResourceNotFoundException. Counts calls so that tests can check the cache.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsManagerStandIn {
  endpoint: string;
  calls: Record<string, number>;
  /** SecretId (name or ARN) -> SecretString. */
  secrets: Map<string, string>;
  /** Requests that did not carry the JSON 1.1 content type (should stay 0). */
  unexpectedContentTypes: string[];
  close(): Promise<void>;
}

export async function startSecretsManagerStandIn(): Promise<SecretsManagerStandIn> {
  const secrets = new Map<string, string>();
  const calls: Record<string, number> = {};
  const unexpectedContentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').replace('secretsmanager.', '');
      calls[op] = (calls[op] ?? 0) + 1;
      const contentType = String(req.headers['content-type'] ?? '');
      if (contentType !== 'application/x-amz-json-1.1') unexpectedContentTypes.push(contentType);
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-1' });
        res.end(JSON.stringify(body));
      };
      const fail = (type: string, message: string) => reply(400, { __type: type, message });
      if (op !== 'GetSecretValue') return fail('InvalidRequestException', `unsupported ${op}`);
      const id = String(input.SecretId ?? '');
      const value = secrets.get(id);
      if (value === undefined) return fail('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      const name = id.startsWith('arn:') ? (id.split(':').pop() ?? id) : id;
      return reply(200, {
        ARN: id.startsWith('arn:') ? id : `arn:aws:secretsmanager:us-east-1:000000000000:secret:${id}-AbCdEf`,
        Name: name,
        VersionId: '00000000-0000-4000-8000-000000000001',
        SecretString: value,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1764374400,
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    secrets,
    unexpectedContentTypes,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
