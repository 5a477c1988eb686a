/**
 * The event contract: the Segment Spec calls (track, identify, page, screen, group, alias) with their
 * common fields, plus what omnichannel needs and Segment lacks:
 *   - context.touchpoint.channel: the touchpoint channel taxonomy (see channels.ts);
 *   - context.identifiers: typed identifiers beyond anonymousId/userId (device, e-mail, phone,
 *     loyalty, CRM);
 *   - conversions following the Segment ecommerce spec ('Order Completed' with order_id, revenue,
 *     currency).
 *
 * This zod definition is the single source of truth: TypeScript types are inferred from it, the
 * collector and processor validate with it, and schemas/generated/threadline-event.schema.json is
 * rendered from it (a test fails when that file is stale).
 *
 * Unknown fields are kept (`z.looseObject`), as Segment does: emitters add their own context and the
 * properties/traits bags are free-form.
 *
 * Written with `zod/mini` (functional API) rather than classic zod: the collector and processor
 * Lambdas bundle this file, and mini tree-shakes to a few tens of KB where classic pulls in ~450 KB
 * (every method and the English error messages) and slows cold starts. Same core, same checks, same
 * issues and JSON Schema; validate.ts builds its details from issue codes, never from messages.
 * Import it as a namespace (`import * as z from 'zod/mini'`): the named `{ z }` export is one object
 * holding everything (locales included), which esbuild cannot tree-shake (~420 KB instead of ~28 KB).
 */
import * as z from 'zod/mini';
import { TOUCHPOINT_CHANNELS } from './channels.js';

/** ISO-8601 date-time with an offset or Z, as Segment SDKs send (shared with event-fast-path.ts). */
export const ISO_DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** ISO-8601 date-time with an offset or Z, as Segment SDKs send. */
export const isoDateTime = z.string().check(
  z.maxLength(64),
  z.regex(ISO_DATE_TIME_PATTERN, 'expected an ISO-8601 date-time'),
  z.refine((s: string) => !Number.isNaN(Date.parse(s)), 'not a real date-time'),
);

/** A string of at most `max` characters (and at least `min` when given). */
const str = (max: number, min?: number) =>
  min === undefined ? z.string().check(z.maxLength(max)) : z.string().check(z.minLength(min), z.maxLength(max));
const shortString = str(1024);
const idString = str(255, 1);
const freeBag = z.record(z.string(), z.unknown());

export const touchpointSchema = z.looseObject({
  /** Where the business met the customer; see TOUCHPOINT_CHANNELS. */
  channel: z.optional(z.enum(TOUCHPOINT_CHANNELS)),
  /** Store id, call-centre queue, chat widget...: where inside the channel. */
  location: z.optional(shortString),
  /** Staff or agent id for assisted channels (store, call centre, chat). */
  agent: z.optional(shortString),
});

export const identifiersSchema = z.looseObject({
  deviceId: z.optional(idString),
  /** Raw e-mail: normalised and keyed-hashed by the processor, never stored raw. */
  email: z.optional(str(320)),
  /** Raw phone: normalised to E.164 and keyed-hashed by the processor, never stored raw. */
  phone: z.optional(str(64)),
  /** Pre-hashed e-mail (hex SHA-256 of the trimmed lower-cased address), from systems that never see it raw. */
  emailSha256: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/))),
  loyaltyId: z.optional(idString),
  crmId: z.optional(idString),
});

export const campaignSchema = z.looseObject({
  name: z.optional(shortString),
  source: z.optional(shortString),
  medium: z.optional(shortString),
  term: z.optional(shortString),
  content: z.optional(shortString),
});

export const contextSchema = z.looseObject({
  ip: z.optional(str(64)),
  userAgent: z.optional(str(2048)),
  locale: z.optional(str(64)),
  timezone: z.optional(str(64)),
  library: z.optional(z.looseObject({ name: z.optional(shortString), version: z.optional(shortString) })),
  page: z.optional(
    z.looseObject({
      url: z.optional(str(8192)),
      path: z.optional(str(8192)),
      referrer: z.optional(str(8192)),
      search: z.optional(str(8192)),
      title: z.optional(shortString),
    }),
  ),
  campaign: z.optional(campaignSchema),
  device: z.optional(
    z.looseObject({
      id: z.optional(idString),
      advertisingId: z.optional(idString),
      type: z.optional(shortString),
      manufacturer: z.optional(shortString),
      model: z.optional(shortString),
    }),
  ),
  os: z.optional(z.looseObject({ name: z.optional(shortString), version: z.optional(shortString) })),
  app: z.optional(
    z.looseObject({
      name: z.optional(shortString),
      version: z.optional(shortString),
      build: z.optional(z.union([shortString, z.number()])),
    }),
  ),
  traits: z.optional(freeBag),
  consent: z.optional(z.looseObject({ categoryPreferences: z.optional(z.record(z.string(), z.boolean())) })),
  touchpoint: z.optional(touchpointSchema),
  identifiers: z.optional(identifiersSchema),
});

/** Fields every call shares (segment spec: common fields). */
const common = {
  messageId: z.optional(str(100, 1)),
  anonymousId: z.optional(idString),
  userId: z.optional(idString),
  timestamp: z.optional(isoDateTime),
  originalTimestamp: z.optional(isoDateTime),
  sentAt: z.optional(isoDateTime),
  /** Set by the collector; a client-sent value is overwritten. */
  receivedAt: z.optional(isoDateTime),
  /** Sending platform (server/web/mobile) as Segment and RudderStack SDKs set it. NOT the touchpoint channel. */
  channel: z.optional(str(64)),
  context: z.optional(contextSchema),
  integrations: z.optional(freeBag),
};

export const trackSchema = z.looseObject({
  ...common,
  type: z.literal('track'),
  event: str(512, 1),
  properties: z.optional(freeBag),
});
export const identifySchema = z.looseObject({ ...common, type: z.literal('identify'), traits: z.optional(freeBag) });
export const pageSchema = z.looseObject({
  ...common,
  type: z.literal('page'),
  name: z.optional(shortString),
  category: z.optional(shortString),
  properties: z.optional(freeBag),
});
export const screenSchema = z.looseObject({
  ...common,
  type: z.literal('screen'),
  name: z.optional(shortString),
  category: z.optional(shortString),
  properties: z.optional(freeBag),
});
export const groupSchema = z.looseObject({ ...common, type: z.literal('group'), groupId: idString, traits: z.optional(freeBag) });
export const aliasSchema = z.looseObject({ ...common, type: z.literal('alias'), previousId: idString, userId: idString });

export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One event of any type. */
export const eventSchema = z.discriminatedUnion('type', [trackSchema, identifySchema, pageSchema, screenSchema, groupSchema, aliasSchema]);

/** The /v1/batch (and /v1/import) body. */
export const batchSchema = z.looseObject({
  batch: z.array(z.unknown()),
  writeKey: z.optional(z.string()),
  sentAt: z.optional(isoDateTime),
  context: z.optional(contextSchema),
  integrations: z.optional(freeBag),
});

export type TrackEvent = z.infer<typeof trackSchema>;
export type IdentifyEvent = z.infer<typeof identifySchema>;
export type PageEvent = z.infer<typeof pageSchema>;
export type ScreenEvent = z.infer<typeof screenSchema>;
export type GroupEvent = z.infer<typeof groupSchema>;
export type AliasEvent = z.infer<typeof aliasSchema>;
export type ThreadlineEvent = z.infer<typeof eventSchema>;
export type EventContext = z.infer<typeof contextSchema>;
export type BatchBody = z.infer<typeof batchSchema>;

/** Segment ecommerce spec: the conversion event names recognised by default. */
/** The Segment ecommerce spec's purchase event. */
export const ORDER_COMPLETED = 'Order Completed';
export const DEFAULT_CONVERSION_EVENTS = [ORDER_COMPLETED] as const;

/**
 * Ecommerce 'Order Completed' properties (segment spec v2). Validated leniently by the processor:
 * revenue falls back to total, then to the sum of products' price * quantity.
 */
export const orderCompletedPropertiesSchema = z.looseObject({
  order_id: z.optional(z.union([z.string(), z.number()])),
  revenue: z.optional(z.number()),
  total: z.optional(z.number()),
  currency: z.optional(z.string().check(z.length(3))),
  products: z.optional(z.array(freeBag)),
});
