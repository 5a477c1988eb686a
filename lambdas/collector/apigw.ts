/** API Gateway HTTP API (payload format 2.0) <-> collector request/response. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { CollectorRequest, CollectorResponse } from './http.js';

export function fromApiGatewayV2(event: APIGatewayProxyEventV2): CollectorRequest {
  const headers: Record<string, string | undefined> = {};
  // HTTP API lower-cases header names already; be defensive for hand-made test events.
  for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
  const req: CollectorRequest = {
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath ?? event.requestContext?.http?.path ?? '/',
    headers,
    isBase64Encoded: Boolean(event.isBase64Encoded),
  };
  if (event.body !== undefined) req.body = event.body;
  const ip = event.requestContext?.http?.sourceIp;
  if (ip) req.sourceIp = ip;
  return req;
}

export function toApiGatewayV2(res: CollectorResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: res.statusCode, headers: res.headers, body: res.body, isBase64Encoded: false };
}
