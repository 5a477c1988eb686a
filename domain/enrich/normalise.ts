/**
 * Envelope + validated event -> the lake's EventRecord (person_id filled in later by identity) and
 * the identifiers that identity stitching links. Pure and deterministic except for `processedAt`,
 * which is passed in.
 */

import type { CountryCode } from 'libphonenumber-js';
import type { CollectedEnvelope, Identifier, ThreadlineEvent } from '../../schemas/index.js';
import { type EventRecord, eventDateOf, LAKE_SCHEMA_VERSION, toLakeTimestamp } from '../../schemas/index.js';
import { CLICK_ID_ORDER, type ClickIdType, classifyChannel } from './channel.js';
import { type ConsentDecision, type ConsentPolicy, consentDecision } from './consent.js';

/** The per-deployment settings enrichment needs. */
export interface EnrichOptions {
  /** HMAC key for email/phone hashing (per deployment). */
  hashKey: string;
  defaultPhoneRegion: CountryCode;
  consent: ConsentPolicy;
  /**
   * Track event names that are conversions: their order_id, revenue and currency are kept. The same
   * list the views count as conversions (one deployment setting), so no conversion has revenue null.
   */
  conversionEvents: readonly string[];
}

import { truncateIp } from './ip.js';
import { emailHash, emailHashFromSha256, phoneHash, scrubPii } from './pii.js';
import { hostOf, parseUrl, queryParams } from './url.js';
import { deviceTypeFromContext, parseUserAgent } from './user-agent.js';

export interface NormalisedEvent {
  record: EventRecord;
  /** Identifiers to stitch (empty when consent stripped them). */
  identifiers: Identifier[];
  /** For alias calls: the two identifiers the call declares to be one person ('unknown': see below). */
  alias?: { previous: Identifier; user: Identifier; previousType?: 'unknown' };
  consent: ConsentDecision;
}

type Ctx = NonNullable<ThreadlineEvent['context']>;

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : null);
const ts = (v: string | undefined): string | null => (v && !Number.isNaN(Date.parse(v)) ? toLakeTimestamp(v) : null);

function campaignOf(ctx: Ctx | undefined, params: URLSearchParams) {
  const c = ctx?.campaign ?? {};
  const pick = (field: 'name' | 'source' | 'medium' | 'term' | 'content', utm: string) => str(c[field]) ?? str(params.get(utm)) ?? null;
  return {
    name: pick('name', 'utm_campaign'),
    source: pick('source', 'utm_source'),
    medium: pick('medium', 'utm_medium'),
    term: pick('term', 'utm_term'),
    content: pick('content', 'utm_content'),
  };
}

function clickIdOf(params: URLSearchParams): { type: ClickIdType; value: string } | undefined {
  for (const t of CLICK_ID_ORDER) {
    const v = params.get(t);
    if (v) return { type: t, value: v.slice(0, 512) };
  }
  return undefined;
}

function revenueOf(props: Record<string, unknown>): number | null {
  if (typeof props.revenue === 'number' && Number.isFinite(props.revenue)) return props.revenue;
  if (typeof props.total === 'number' && Number.isFinite(props.total)) return props.total;
  if (Array.isArray(props.products)) {
    let sum = 0;
    let any = false;
    for (const p of props.products) {
      const price = (p as Record<string, unknown>)?.price;
      const qty = (p as Record<string, unknown>)?.quantity;
      if (typeof price === 'number') {
        sum += price * (typeof qty === 'number' ? qty : 1);
        any = true;
      }
    }
    if (any) return Math.round(sum * 100) / 100;
  }
  return null;
}

const jsonOrNull = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

type PageInfo = { url?: string; path?: string; referrer?: string; search?: string; title?: string };

/**
 * The page an event happened on: context.page, completed from a page call's own properties. Server-side
 * Segment SDKs (analytics-node, rudder-sdk-node) send page URL and referrer only in properties, as the
 * Segment spec's page properties url / path / referrer / search / title; analytics.js sends both.
 */
export function pageOf(event: ThreadlineEvent): PageInfo | undefined {
  const ctxPage = event.context?.page as PageInfo | undefined;
  if (event.type !== 'page') return ctxPage;
  const props = (event.properties ?? {}) as Record<string, unknown>;
  const pick = (k: keyof PageInfo): string | undefined => {
    const fromCtx = ctxPage?.[k];
    if (typeof fromCtx === 'string' && fromCtx !== '') return fromCtx;
    const fromProps = props[k];
    return typeof fromProps === 'string' && fromProps !== '' ? fromProps : undefined;
  };
  const merged: PageInfo = {
    url: pick('url'),
    path: pick('path'),
    referrer: pick('referrer'),
    search: pick('search'),
    title: pick('title'),
  };
  return Object.values(merged).some((v) => v !== undefined) ? merged : undefined;
}

export function normaliseEvent(
  envelope: CollectedEnvelope,
  event: ThreadlineEvent,
  eventTimeMs: number,
  config: EnrichOptions,
  processedAt: Date,
): NormalisedEvent {
  const ctx = event.context;
  const page = pageOf(event);
  const params = queryParams(page?.url, page?.search);
  const campaign = campaignOf(ctx, params);
  const click = clickIdOf(params);
  const pageHost = hostOf(page?.url);
  const referrerHost = hostOf(page?.referrer);
  const webOrApp = event.type === 'page' || event.type === 'screen' || Boolean(page?.url) || Boolean(ctx?.app);
  const channel = classifyChannel({
    explicit: ctx?.touchpoint?.channel,
    sourceDefault: envelope.source.defaultChannel,
    clickIdType: click?.type,
    utmMedium: campaign.medium ?? undefined,
    utmSource: campaign.source ?? undefined,
    referrerHost,
    pageHost,
    webOrApp,
  });
  const ua = parseUserAgent(ctx?.userAgent);

  // Personal data: collect every e-mail/phone wherever it sits, hash, and drop the raw values.
  const props = 'properties' in event ? (event.properties ?? {}) : {};
  const traits = 'traits' in event ? (event.traits ?? {}) : {};
  const scrubbedProps = scrubPii(props);
  const scrubbedTraits = scrubPii(traits);
  const scrubbedContextTraits = scrubPii(ctx?.traits ?? {});
  const ids = ctx?.identifiers;
  const key = config.hashKey;
  const emailCandidates = [ids?.email, ...scrubbedTraits.emails, ...scrubbedContextTraits.emails, ...scrubbedProps.emails].filter(
    (e): e is string => typeof e === 'string',
  );
  const phoneCandidates = [ids?.phone, ...scrubbedTraits.phones, ...scrubbedContextTraits.phones, ...scrubbedProps.phones].filter(
    (p): p is string => typeof p === 'string',
  );
  let eHash: string | undefined = ids?.emailSha256 ? emailHashFromSha256(key, ids.emailSha256) : undefined;
  for (const e of emailCandidates) eHash ??= emailHash(key, e);
  let pHash: string | undefined;
  for (const p of phoneCandidates) pHash ??= phoneHash(key, p, config.defaultPhoneRegion);

  const consent = consentDecision(ctx?.consent?.categoryPreferences, config.consent);
  const strip = consent === 'strip';

  const deviceId = str(ctx?.device?.id) ?? str(ids?.deviceId);
  const isOrder = event.type === 'track' && config.conversionEvents.includes(event.event);
  const eventName = event.type === 'track' ? event.event : event.type === 'page' || event.type === 'screen' ? (event.name ?? null) : null;
  const scrubbedPropsObj = scrubbedProps.value as Record<string, unknown>;
  const eventTime = toLakeTimestamp(eventTimeMs);

  const record: EventRecord = {
    message_id: event.messageId ?? envelope.event.messageId,
    event_type: event.type,
    event_name: eventName,
    event_time: eventTime,
    original_timestamp: ts(event.originalTimestamp),
    sent_at: ts(event.sentAt),
    received_at: ts(envelope.receivedAt) ?? ts(event.receivedAt),
    processed_at: toLakeTimestamp(processedAt),
    source_id: envelope.source.id,
    source_name: envelope.source.name,
    anonymous_id: strip ? null : (event.anonymousId ?? null),
    user_id: strip ? null : (event.userId ?? null),
    person_id: null,
    touchpoint_channel: channel.channel,
    channel_rule: channel.rule,
    sending_platform: event.channel ?? null,
    touchpoint_location: str(ctx?.touchpoint?.location),
    touchpoint_agent: str(ctx?.touchpoint?.agent),
    campaign_name: campaign.name,
    campaign_source: campaign.source,
    campaign_medium: campaign.medium,
    campaign_term: campaign.term,
    campaign_content: campaign.content,
    click_id_type: click?.type ?? null,
    click_id: click?.value ?? null,
    page_url: page?.url ? redactUrl(page.url) : null,
    page_path: str(page?.path) ?? parseUrl(page?.url)?.pathname ?? null,
    page_title: str(page?.title),
    referrer: page?.referrer ? redactUrl(page.referrer) : null,
    referrer_host: referrerHost ?? null,
    device_id: strip ? null : deviceId,
    device_type:
      deviceTypeFromContext(ctx?.device?.type) ??
      ua.deviceType ??
      (channel.channel === 'store' || channel.channel === 'kiosk' ? 'pos' : null),
    os_name: str(ctx?.os?.name) ?? ua.osName ?? null,
    os_version: str(ctx?.os?.version) ?? ua.osVersion ?? null,
    browser_name: ua.browserName ?? null,
    browser_version: ua.browserVersion ?? null,
    app_name: str(ctx?.app?.name),
    app_version: str(ctx?.app?.version),
    library_name: str(ctx?.library?.name),
    library_version: str(ctx?.library?.version),
    ip_truncated: strip ? null : (truncateIp(ctx?.ip ?? envelope.clientIp) ?? null),
    email_hash: strip ? null : (eHash ?? null),
    phone_hash: strip ? null : (pHash ?? null),
    loyalty_id: strip ? null : str(ids?.loyaltyId),
    crm_id: strip ? null : str(ids?.crmId),
    group_id: event.type === 'group' ? event.groupId : null,
    previous_id: event.type === 'alias' && !strip ? event.previousId : null,
    order_id: isOrder ? str(scrubbedPropsObj.order_id) : null,
    revenue: isOrder ? revenueOf(scrubbedPropsObj) : null,
    currency: isOrder ? (str(scrubbedPropsObj.currency)?.toUpperCase() ?? null) : null,
    consent: jsonOrNull(ctx?.consent?.categoryPreferences),
    identifiers_stripped: strip,
    properties: event.type === 'track' || event.type === 'page' || event.type === 'screen' ? jsonOrNull(scrubbedProps.value) : null,
    traits: event.type === 'identify' || event.type === 'group' ? jsonOrNull(scrubbedTraits.value) : null,
    schema_version: LAKE_SCHEMA_VERSION,
    event_date: eventDateOf(eventTime),
  };

  if (strip) return { record, identifiers: [], consent };

  const identifiers: Identifier[] = [];
  const add = (type: Identifier['type'], value: string | null | undefined) => {
    if (value && !identifiers.some((i) => i.type === type && i.value === value)) identifiers.push({ type, value });
  };
  add('user_id', event.userId);
  add('anonymous_id', event.anonymousId);
  add('device_id', str(ctx?.device?.id));
  add('device_id', str(ids?.deviceId));
  add('email_hash', eHash);
  add('phone_hash', pHash);
  add('loyalty_id', str(ids?.loyaltyId));
  add('crm_id', str(ids?.crmId));

  let alias: NormalisedEvent['alias'];
  if (event.type === 'alias') {
    const user: Identifier = { type: 'user_id', value: event.userId };
    if (event.anonymousId === undefined) {
      // A server-side alias says nothing about previousId (an anonymous id or an earlier user id):
      // identity decides it from what the graph has seen.
      alias = { previous: { type: 'user_id', value: event.previousId }, user, previousType: 'unknown' };
    } else {
      // analytics.js sends previousId = the current userId, or the anonymousId when not logged in.
      const previous: Identifier =
        event.previousId === event.anonymousId
          ? { type: 'anonymous_id', value: event.previousId }
          : { type: 'user_id', value: event.previousId };
      add(previous.type, previous.value);
      alias = { previous, user };
    }
  }
  return alias ? { record, identifiers, alias, consent } : { record, identifiers, consent };
}

/** Drop e-mail addresses and phone-like query values from URLs (newsletter links carry them). */
function redactUrl(url: string): string {
  const parsed = parseUrl(url);
  if (!parsed?.search) return url.replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]');
  let changed = false;
  for (const [k, v] of [...parsed.searchParams.entries()]) {
    if (/e-?mail|phone|mobile|tel/i.test(k) || /@/.test(v)) {
      parsed.searchParams.set(k, '[redacted]');
      changed = true;
    }
  }
  return changed ? `${url.split('?')[0]}?${parsed.searchParams.toString()}${parsed.hash ?? ''}` : url;
}
