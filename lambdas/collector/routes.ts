/** Route table of the Segment-compatible HTTP API. */
import type { EventType } from '../../schemas/index.js';

export type Route =
  | { kind: 'event'; type: EventType }
  | { kind: 'batch'; import: boolean }
  | { kind: 'health' }
  | { kind: 'sdk_metrics' }
  | { kind: 'preflight' }
  | { kind: 'not_found' }
  | { kind: 'method_not_allowed'; allow: string };

const EVENT_ROUTES: Record<string, EventType> = {
  '/v1/track': 'track',
  '/v1/identify': 'identify',
  '/v1/page': 'page',
  '/v1/screen': 'screen',
  '/v1/group': 'group',
  '/v1/alias': 'alias',
  // Analytics.js (@segment/analytics-next) posts to `${apiHost}/${type.charAt(0)}`, with the write key
  // in the body and content-type text/plain (no CORS preflight): apiHost = '<collector>/v1' just works.
  '/v1/t': 'track',
  '/v1/i': 'identify',
  '/v1/p': 'page',
  '/v1/s': 'screen',
  '/v1/g': 'group',
  '/v1/a': 'alias',
};

/** /v1/b is analytics.js's batching delivery strategy (`${apiHost}/b`). */
const BATCH_ROUTES = new Set(['/v1/batch', '/v1/b', '/v1/import']);

export function resolveRoute(method: string, rawPath: string): Route {
  const m = method.toUpperCase();
  // Tolerate a trailing slash and repeated slashes; routes are case-sensitive like Segment's.
  const path = rawPath.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
  if (m === 'OPTIONS') return { kind: 'preflight' };
  if (path === '/v1/m' && m === 'POST') return { kind: 'sdk_metrics' };
  if (path === '/health')
    return m === 'GET' || m === 'HEAD' ? { kind: 'health' } : { kind: 'method_not_allowed', allow: 'GET, HEAD, OPTIONS' };
  const type = Object.hasOwn(EVENT_ROUTES, path) ? EVENT_ROUTES[path] : undefined;
  const isBatch = BATCH_ROUTES.has(path);
  if (!type && !isBatch) return { kind: 'not_found' };
  if (m !== 'POST') return { kind: 'method_not_allowed', allow: 'POST, OPTIONS' };
  return type ? { kind: 'event', type } : { kind: 'batch', import: path === '/v1/import' };
}
