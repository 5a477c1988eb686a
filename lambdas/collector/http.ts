/** The collector's transport-neutral request/response (API Gateway v2 and the local server map onto it). */
import type { FailureReason } from '../../schemas/index.js';

export interface CollectorRequest {
  method: string;
  /** Path without query string, e.g. /v1/batch. */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  /** Client IP as seen by API Gateway / the local server. Never logged. */
  sourceIp?: string;
}

export interface CollectorResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Reasons in error responses: the typed failure reasons plus the two that are not the client's fault. */
export type ResponseReason = FailureReason | 'service_unavailable' | 'internal_error';

export interface RejectedItem {
  index: number;
  messageId?: string;
  reason: FailureReason;
  detail: string;
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): CollectorResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** `{ "error": { "reason": "...", "message": "..." } }` plus optional extra fields. */
export function errorResponse(
  statusCode: number,
  reason: ResponseReason,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): CollectorResponse {
  return json(statusCode, { success: false, error: { reason, message }, ...extra }, headers);
}
