/**
 * The touchpoint channel taxonomy: WHERE the business met the customer.
 *
 * Not to be confused with Segment's/RudderStack's top-level `channel` (the sending platform:
 * server, web, mobile), which SDKs set on their own. Threadline carries the touchpoint channel in
 * `context.touchpoint.channel` and in the lake column `touchpoint_channel`; the sending platform lands
 * in `sending_platform`.
 */
export const TOUCHPOINT_CHANNELS = [
  'web',
  'mobile_app',
  'email',
  'sms',
  'push',
  'paid_search',
  'paid_social',
  'display',
  'affiliate',
  'organic_search',
  'organic_social',
  'referral',
  'direct',
  'store',
  'call_center',
  'chat',
  'kiosk',
  'partner',
  'other',
] as const;

export type TouchpointChannel = (typeof TOUCHPOINT_CHANNELS)[number];

/**
 * `web`, `mobile_app` (and `other`) are owned properties a person is already on: where a visit happens,
 * not what brought it about, unless the processor classified the visit by its campaign/referrer into
 * one of the marketing channels.
 */
export const NON_MARKETING_CHANNELS: readonly TouchpointChannel[] = ['web', 'mobile_app', 'other'];

/** Channels that are marketing touches by default (the touchpoints view and attribution). */
export const DEFAULT_MARKETING_CHANNELS: readonly TouchpointChannel[] = TOUCHPOINT_CHANNELS.filter(
  (c) => !NON_MARKETING_CHANNELS.includes(c),
);

export function isTouchpointChannel(value: unknown): value is TouchpointChannel {
  return typeof value === 'string' && (TOUCHPOINT_CHANNELS as readonly string[]).includes(value);
}
