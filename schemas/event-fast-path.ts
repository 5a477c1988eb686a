/**
 * A fast, allocation-free check that an event certainly passes `eventSchema` (event.ts), so that
 * validateEvent can skip zod on the common case. zod costs ~5 us per event and copies every object
 * it validates (looseObject and record build new objects key by key); this walks the same rules
 * with plain comparisons.
 *
 * One-sided by design: `true` means zod would accept the value (and would return a deep copy of it,
 * as nothing in the schema transforms); `false` means "not sure" and the caller asks zod, which
 * stays the one judge of what is wrong and how to say it. Anything unusual (a prototype other than
 * Object.prototype, a non-finite number, an own `constructor` key) answers `false`. The property test
 * test/collector/event-fast-path.test.ts checks the one side against zod on generated events.
 *
 * Keep in step with event.ts: a field added there and not here is merely not checked here, which is
 * wrong only if the new rule can fail; so every rule of event.ts has its line below.
 */
import { TOUCHPOINT_CHANNELS } from './channels.js';
import { ISO_DATE_TIME_PATTERN } from './event.js';

type Obj = Record<string, unknown>;

const CHANNELS: ReadonlySet<unknown> = new Set(TOUCHPOINT_CHANNELS);
const HEX64 = /^[0-9a-f]{64}$/;

/** A JSON.parse-made object: the only kind taken here (zod's isPlainObject accepts these). */
function plain(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && !Object.hasOwn(v, 'constructor');
}

/** z.optional(str(max, min)): absent, or a string within the bounds. */
function optStr(v: unknown, max: number, min = 0): boolean {
  return v === undefined || (typeof v === 'string' && v.length <= max && v.length >= min);
}

/** z.optional(isoDateTime). */
function optIso(v: unknown): boolean {
  return v === undefined || (typeof v === 'string' && v.length <= 64 && ISO_DATE_TIME_PATTERN.test(v) && !Number.isNaN(Date.parse(v)));
}

/** z.optional(z.record(z.string(), z.unknown())): a plain object, any values. */
function optBag(v: unknown): boolean {
  return v === undefined || plain(v);
}

/** z.optional(z.looseObject({...})) with only optional string fields of one bound. */
function optStrings(v: unknown, keys: readonly string[], max: number): boolean {
  if (v === undefined) return true;
  if (!plain(v)) return false;
  for (const k of keys) if (!optStr(v[k], max)) return false;
  return true;
}

const SHORT = 1024;
const ID = 255;

function optContext(c: unknown): boolean {
  if (c === undefined) return true;
  if (!plain(c)) return false;
  if (!optStr(c.ip, 64) || !optStr(c.userAgent, 2048) || !optStr(c.locale, 64) || !optStr(c.timezone, 64)) return false;
  if (!optStrings(c.library, ['name', 'version'], SHORT)) return false;
  const page = c.page;
  if (page !== undefined) {
    if (!plain(page)) return false;
    if (!optStr(page.url, 8192) || !optStr(page.path, 8192) || !optStr(page.referrer, 8192) || !optStr(page.search, 8192)) return false;
    if (!optStr(page.title, SHORT)) return false;
  }
  if (!optStrings(c.campaign, ['name', 'source', 'medium', 'term', 'content'], SHORT)) return false;
  const device = c.device;
  if (device !== undefined) {
    if (!plain(device)) return false;
    if (!optStr(device.id, ID, 1) || !optStr(device.advertisingId, ID, 1)) return false;
    if (!optStr(device.type, SHORT) || !optStr(device.manufacturer, SHORT) || !optStr(device.model, SHORT)) return false;
  }
  if (!optStrings(c.os, ['name', 'version'], SHORT)) return false;
  const app = c.app;
  if (app !== undefined) {
    if (!plain(app) || !optStr(app.name, SHORT) || !optStr(app.version, SHORT)) return false;
    const build = app.build;
    if (build !== undefined && !(typeof build === 'string' ? build.length <= SHORT : typeof build === 'number' && Number.isFinite(build))) {
      return false;
    }
  }
  if (!optBag(c.traits)) return false;
  const consent = c.consent;
  if (consent !== undefined) {
    if (!plain(consent)) return false;
    const prefs = consent.categoryPreferences;
    if (prefs !== undefined) {
      if (!plain(prefs)) return false;
      for (const k in prefs) if (typeof prefs[k] !== 'boolean') return false;
    }
  }
  const touchpoint = c.touchpoint;
  if (touchpoint !== undefined) {
    if (!plain(touchpoint)) return false;
    if (touchpoint.channel !== undefined && !CHANNELS.has(touchpoint.channel)) return false;
    if (!optStr(touchpoint.location, SHORT) || !optStr(touchpoint.agent, SHORT)) return false;
  }
  const ids = c.identifiers;
  if (ids !== undefined) {
    if (!plain(ids)) return false;
    if (!optStr(ids.deviceId, ID, 1) || !optStr(ids.email, 320) || !optStr(ids.phone, 64)) return false;
    if (ids.emailSha256 !== undefined && !(typeof ids.emailSha256 === 'string' && HEX64.test(ids.emailSha256))) return false;
    if (!optStr(ids.loyaltyId, ID, 1) || !optStr(ids.crmId, ID, 1)) return false;
  }
  return true;
}

/** True only if eventSchema.safeParse(raw) succeeds; false when not sure (ask zod). */
export function certainlyValidEvent(raw: unknown): boolean {
  if (!plain(raw)) return false;
  const e = raw;
  // common fields
  if (!optStr(e.messageId, 100, 1) || !optStr(e.anonymousId, ID, 1) || !optStr(e.channel, 64)) return false;
  if (!optIso(e.timestamp) || !optIso(e.originalTimestamp) || !optIso(e.sentAt) || !optIso(e.receivedAt)) return false;
  if (!optContext(e.context) || !optBag(e.integrations)) return false;
  switch (e.type) {
    case 'track':
      return optStr(e.userId, ID, 1) && typeof e.event === 'string' && e.event.length >= 1 && e.event.length <= 512 && optBag(e.properties);
    case 'identify':
      return optStr(e.userId, ID, 1) && optBag(e.traits);
    case 'page':
    case 'screen':
      return optStr(e.userId, ID, 1) && optStr(e.name, SHORT) && optStr(e.category, SHORT) && optBag(e.properties);
    case 'group':
      return (
        optStr(e.userId, ID, 1) && typeof e.groupId === 'string' && e.groupId.length >= 1 && e.groupId.length <= ID && optBag(e.traits)
      );
    case 'alias':
      return (
        typeof e.userId === 'string' &&
        e.userId.length >= 1 &&
        e.userId.length <= ID &&
        typeof e.previousId === 'string' &&
        e.previousId.length >= 1 &&
        e.previousId.length <= ID
      );
    default:
      return false;
  }
}
