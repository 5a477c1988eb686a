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
 * Channels that are marketing touches by default (used by the touchpoints view and attribution).
 * `web` and `mobile_app` are owned properties a person is already on, not a way they were brought in,
 * unless the processor classified the visit by its campaign/referrer into one of the channels below.
 */
export const DEFAULT_MARKETING_CHANNELS: readonly TouchpointChannel[] = [
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
];

export function isTouchpointChannel(value: unknown): value is TouchpointChannel {
  return typeof value === 'string' && (TOUCHPOINT_CHANNELS as readonly string[]).includes(value);
}
