/**
 * A minimal SSM Parameter Store endpoint for tests: speaks the AWS JSON 1.1 protocol
 * (X-Amz-Target: AmazonSSM.<Operation>) that the real @aws-sdk/client-ssm sends, for the four
 * operations the key store uses: PutParameter, GetParametersByPath, DeleteParameter, GetParameter.
 * No SSM emulator runs offline (no LocalStack here); this keeps the real client and its
 * serialisation in the loop. Errors use the service's real codes (ParameterAlreadyExists,
 * ParameterNotFound). Counts calls per operation so that tests can check the cache.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Param {
  Name: string;
  Type: string;
  Value: string;
  Version: number;
  LastModifiedDate: number;
}

export interface SsmStandIn {
  endpoint: string;
  calls: Record<string, number>;
  params: Map<string, Param>;
  close(): Promise<void>;
}

export async function startSsmStandIn(): Promise<SsmStandIn> {
  const params = new Map<string, Param>();
  const calls: Record<string, number> = {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').replace('AmazonSSM.', '');
      calls[op] = (calls[op] ?? 0) + 1;
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-1' });
        res.end(JSON.stringify(body));
      };
      const fail = (type: string, message: string) => reply(400, { __type: type, message });
      switch (op) {
        case 'PutParameter': {
          const existing = params.get(input.Name);
          if (existing && !input.Overwrite) return fail('ParameterAlreadyExists', 'The parameter already exists.');
          const p = {
            Name: input.Name,
            Type: input.Type ?? 'String',
            Value: input.Value,
            Version: (existing?.Version ?? 0) + 1,
            LastModifiedDate: Date.now() / 1000,
          };
          params.set(input.Name, p);
          return reply(200, { Version: p.Version, Tier: 'Standard' });
        }
        case 'GetParameter': {
          const p = params.get(input.Name);
          return p ? reply(200, { Parameter: p }) : fail('ParameterNotFound', '');
        }
        case 'DeleteParameter':
          return params.delete(input.Name) ? reply(200, {}) : fail('ParameterNotFound', '');
        case 'GetParametersByPath': {
          const path = `${String(input.Path).replace(/\/$/, '')}/`;
          const all = [...params.values()]
            .filter((p) => p.Name.startsWith(path) && (input.Recursive || !p.Name.slice(path.length).includes('/')))
            .sort((a, b) => a.Name.localeCompare(b.Name));
          const start = input.NextToken ? Number(input.NextToken) : 0;
          const size = input.MaxResults ?? 10;
          const page = all.slice(start, start + size);
          return reply(200, { Parameters: page, ...(start + size < all.length ? { NextToken: String(start + size) } : {}) });
        }
        default:
          return fail('InvalidAction', `unsupported ${op}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    params,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
