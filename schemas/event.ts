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
 * Unknown fields are kept (`.loose()`), as Segment does: emitters add their own context and the
 * properties/traits bags are free-form.
 */
import { z } from 'zod';
import { TOUCHPOINT_CHANNELS } from './channels.js';

/** ISO-8601 date-time with an offset or Z, as Segment SDKs send. */
export const isoDateTime = z
  .string()
  .max(64)
  .regex(
    /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/,
    'expected an ISO-8601 date-time',
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a real date-time');

const shortString = z.string().max(1024);
const idString = z.string().min(1).max(255);
const freeBag = z.record(z.string(), z.unknown());

export const touchpointSchema = z
  .object({
    /** Where the business met the customer; see TOUCHPOINT_CHANNELS. */
    channel: z.enum(TOUCHPOINT_CHANNELS).optional(),
    /** Store id, call-centre queue, chat widget...: where inside the channel. */
    location: shortString.optional(),
    /** Staff or agent id for assisted channels (store, call centre, chat). */
    agent: shortString.optional(),
  })
  .loose();

export const identifiersSchema = z
  .object({
    deviceId: idString.optional(),
    /** Raw e-mail: normalised and keyed-hashed by the processor, never stored raw. */
    email: z.string().max(320).optional(),
    /** Raw phone: normalised to E.164 and keyed-hashed by the processor, never stored raw. */
    phone: z.string().max(64).optional(),
    /** Pre-hashed e-mail (hex SHA-256 of the trimmed lower-cased address), from systems that never see it raw. */
    emailSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    loyaltyId: idString.optional(),
    crmId: idString.optional(),
  })
  .loose();

export const campaignSchema = z
  .object({
    name: shortString.optional(),
    source: shortString.optional(),
    medium: shortString.optional(),
    term: shortString.optional(),
    content: shortString.optional(),
  })
  .loose();

export const contextSchema = z
  .object({
    ip: z.string().max(64).optional(),
    userAgent: z.string().max(2048).optional(),
    locale: z.string().max(64).optional(),
    timezone: z.string().max(64).optional(),
    library: z.object({ name: shortString.optional(), version: shortString.optional() }).loose().optional(),
    page: z
      .object({
        url: z.string().max(8192).optional(),
        path: z.string().max(8192).optional(),
        referrer: z.string().max(8192).optional(),
        search: z.string().max(8192).optional(),
        title: shortString.optional(),
      })
      .loose()
      .optional(),
    campaign: campaignSchema.optional(),
    device: z
      .object({
        id: idString.optional(),
        advertisingId: idString.optional(),
        type: shortString.optional(),
        manufacturer: shortString.optional(),
        model: shortString.optional(),
      })
      .loose()
      .optional(),
    os: z.object({ name: shortString.optional(), version: shortString.optional() }).loose().optional(),
    app: z
      .object({ name: shortString.optional(), version: shortString.optional(), build: z.union([shortString, z.number()]).optional() })
      .loose()
      .optional(),
    traits: freeBag.optional(),
    consent: z
      .object({ categoryPreferences: z.record(z.string(), z.boolean()).optional() })
      .loose()
      .optional(),
    touchpoint: touchpointSchema.optional(),
    identifiers: identifiersSchema.optional(),
  })
  .loose();

/** Fields every call shares (segment spec: common fields). */
const common = {
  messageId: z.string().min(1).max(100).optional(),
  anonymousId: idString.optional(),
  userId: idString.optional(),
  timestamp: isoDateTime.optional(),
  originalTimestamp: isoDateTime.optional(),
  sentAt: isoDateTime.optional(),
  /** Set by the collector; a client-sent value is overwritten. */
  receivedAt: isoDateTime.optional(),
  /** Sending platform (server/web/mobile) as Segment and RudderStack SDKs set it. NOT the touchpoint channel. */
  channel: z.string().max(64).optional(),
  context: contextSchema.optional(),
  integrations: freeBag.optional(),
};

export const trackSchema = z
  .object({ ...common, type: z.literal('track'), event: z.string().min(1).max(512), properties: freeBag.optional() })
  .loose();
export const identifySchema = z.object({ ...common, type: z.literal('identify'), traits: freeBag.optional() }).loose();
export const pageSchema = z
  .object({
    ...common,
    type: z.literal('page'),
    name: shortString.optional(),
    category: shortString.optional(),
    properties: freeBag.optional(),
  })
  .loose();
export const screenSchema = z
  .object({
    ...common,
    type: z.literal('screen'),
    name: shortString.optional(),
    category: shortString.optional(),
    properties: freeBag.optional(),
  })
  .loose();
export const groupSchema = z
  .object({ ...common, type: z.literal('group'), groupId: idString, traits: freeBag.optional() })
  .loose();
export const aliasSchema = z
  .object({ ...common, type: z.literal('alias'), previousId: idString, userId: idString })
  .loose();

export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One event of any type. */
export const eventSchema = z.discriminatedUnion('type', [
  trackSchema,
  identifySchema,
  pageSchema,
  screenSchema,
  groupSchema,
  aliasSchema,
]);

/** The /v1/batch (and /v1/import) body. */
export const batchSchema = z
  .object({
    batch: z.array(z.unknown()),
    writeKey: z.string().optional(),
    sentAt: isoDateTime.optional(),
    context: contextSchema.optional(),
    integrations: freeBag.optional(),
  })
  .loose();

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
export const DEFAULT_CONVERSION_EVENTS = ['Order Completed'] as const;

/**
 * Ecommerce 'Order Completed' properties (segment spec v2). Validated leniently by the processor:
 * revenue falls back to total, then to the sum of products' price * quantity.
 */
export const orderCompletedPropertiesSchema = z
  .object({
    order_id: z.union([z.string(), z.number()]).optional(),
    revenue: z.number().optional(),
    total: z.number().optional(),
    currency: z.string().length(3).optional(),
    products: z.array(freeBag).optional(),
  })
  .loose();
