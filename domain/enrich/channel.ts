/**
 * Touchpoint channel classification, modelled on GA4's default channel grouping and mapped onto the
 * Threadline taxonomy (schemas/channels.ts). Pure: the rule table lives in CHANNEL_RULES.md.
 *
 * Precedence (first match wins; `channel_rule` records which step decided):
 *   explicit > source_default > click_id > utm > referrer > default.
 * Explicit and source defaults come first because assisted channels (store, call centre, chat) and
 * owned channels know where they met the customer better than any URL heuristic.
 */
import type { TouchpointChannel } from '../../schemas/index.js';
import { isTouchpointChannel } from '../../schemas/index.js';

export type ChannelRule = 'explicit' | 'source_default' | 'click_id' | 'utm' | 'referrer' | 'default';

export const CLICK_ID_CHANNELS = {
  gclid: 'paid_search',
  wbraid: 'paid_search',
  gbraid: 'paid_search',
  msclkid: 'paid_search',
  dclid: 'display',
  fbclid: 'paid_social',
  ttclid: 'paid_social',
  li_fat_id: 'paid_social',
} as const satisfies Record<string, TouchpointChannel>;

export type ClickIdType = keyof typeof CLICK_ID_CHANNELS;
/** Order matters when a URL carries several: Google's ids first (auto-tagging is the strongest signal). */
export const CLICK_ID_ORDER: ClickIdType[] = ['gclid', 'wbraid', 'gbraid', 'dclid', 'msclkid', 'fbclid', 'ttclid', 'li_fat_id'];

/** Search engines (GA4 "search sites" list, abridged): matched on the host's labels. */
const SEARCH_ENGINES = [
  'google',
  'bing',
  'yahoo',
  'duckduckgo',
  'baidu',
  'yandex',
  'ecosia',
  'naver',
  'ask',
  'seznam',
  'qwant',
  'startpage',
  'search.brave',
  'aol',
];
/** Social sites (GA4 "social sites" list, abridged). */
const SOCIAL_SITES = [
  'facebook',
  'fb',
  'instagram',
  'twitter',
  'x',
  't.co',
  'linkedin',
  'lnkd.in',
  'pinterest',
  'reddit',
  'tiktok',
  'youtube',
  'snapchat',
  'whatsapp',
  'threads',
  'tumblr',
  'vk',
  'weibo',
  'quora',
  'discord',
  'telegram',
  'mastodon',
];
const SOCIAL_SOURCE_NAMES = new Set([...SOCIAL_SITES.filter((s) => !s.includes('.')), 'ig', 'meta', 'tw', 'li', 'yt']);
const SEARCH_SOURCE_NAMES = new Set(SEARCH_ENGINES.filter((s) => !s.includes('.')));

function hostMatches(host: string, names: string[]): boolean {
  const labels = host.split('.');
  return names.some((n) => (n.includes('.') ? host === n || host.endsWith(`.${n}`) || host.startsWith(`${n}.`) : labels.includes(n)));
}

export function isSearchHost(host: string): boolean {
  return hostMatches(host, SEARCH_ENGINES);
}
export function isSocialHost(host: string): boolean {
  return hostMatches(host, SOCIAL_SITES);
}

function sourceIsSearch(source: string): boolean {
  return SEARCH_SOURCE_NAMES.has(source) || (source.includes('.') && isSearchHost(source));
}
function sourceIsSocial(source: string): boolean {
  return SOCIAL_SOURCE_NAMES.has(source) || (source.includes('.') && isSocialHost(source));
}

const PAID_MEDIUM = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const DISPLAY_MEDIUM = new Set(['display', 'banner', 'expandable', 'interstitial', 'cpm', 'programmatic', 'video']);
const SOCIAL_MEDIUM = new Set(['social', 'social-network', 'social-media', 'sm', 'social network', 'social media', 'organic_social']);
const EMAIL_NAMES = new Set(['email', 'e-mail', 'e_mail', 'e mail', 'newsletter']);

/** utm_medium / utm_source -> channel (lower-cased inputs), or undefined when nothing matches. */
export function channelFromUtm(mediumIn?: string, sourceIn?: string): TouchpointChannel | undefined {
  const medium = mediumIn?.trim().toLowerCase() ?? '';
  const source = sourceIn?.trim().toLowerCase() ?? '';
  if (!medium && !source) return undefined;
  if (medium === 'paid_social' || medium === 'paidsocial' || (PAID_MEDIUM.test(medium) && sourceIsSocial(source))) return 'paid_social';
  if (DISPLAY_MEDIUM.has(medium)) return 'display';
  if (PAID_MEDIUM.test(medium)) return 'paid_search';
  if (EMAIL_NAMES.has(medium) || EMAIL_NAMES.has(source)) return 'email';
  if (medium === 'sms' || source === 'sms') return 'sms';
  if (medium.endsWith('push') || medium.includes('mobile') || medium.includes('notification') || source === 'firebase') return 'push';
  if (medium === 'affiliate' || medium === 'affiliates') return 'affiliate';
  if (medium === 'partner') return 'partner';
  if (medium === 'referral') return 'referral';
  if (medium === 'organic' || (!medium && sourceIsSearch(source))) return 'organic_search';
  if (SOCIAL_MEDIUM.has(medium) || (!medium && sourceIsSocial(source))) return 'organic_social';
  if (sourceIsSearch(source)) return 'organic_search';
  if (sourceIsSocial(source)) return 'organic_social';
  return undefined;
}

/** Referrer host -> channel; undefined for internal referrers (same site) or none. */
export function channelFromReferrer(referrerHost: string | undefined, pageHost: string | undefined): TouchpointChannel | undefined {
  if (!referrerHost) return undefined;
  if (pageHost && (referrerHost === pageHost || referrerHost.endsWith(`.${pageHost}`) || pageHost.endsWith(`.${referrerHost}`)))
    return undefined;
  // Webmail before search: mail.google.com is not a search.
  if (/^(mail\.|outlook\.|webmail\.)/.test(referrerHost) || referrerHost.startsWith('outlook.')) return 'email';
  if (isSearchHost(referrerHost)) return 'organic_search';
  if (isSocialHost(referrerHost)) return 'organic_social';
  return 'referral';
}

export interface ChannelInput {
  explicit?: string;
  sourceDefault?: string;
  clickIdType?: ClickIdType;
  utmMedium?: string;
  utmSource?: string;
  referrerHost?: string;
  pageHost?: string;
  /** Web or app traffic (page/screen events, or a page/app context): falls back to direct. */
  webOrApp: boolean;
}

export function classifyChannel(input: ChannelInput): { channel: TouchpointChannel; rule: ChannelRule } {
  if (isTouchpointChannel(input.explicit)) return { channel: input.explicit, rule: 'explicit' };
  if (isTouchpointChannel(input.sourceDefault)) return { channel: input.sourceDefault, rule: 'source_default' };
  if (input.clickIdType) {
    // utm says organic social while fbclid is present: Meta appends fbclid to organic links too.
    const utm = channelFromUtm(input.utmMedium, input.utmSource);
    if (input.clickIdType === 'fbclid' && utm === 'organic_social') return { channel: utm, rule: 'utm' };
    return { channel: CLICK_ID_CHANNELS[input.clickIdType], rule: 'click_id' };
  }
  const utm = channelFromUtm(input.utmMedium, input.utmSource);
  if (utm) return { channel: utm, rule: 'utm' };
  const ref = channelFromReferrer(input.referrerHost, input.pageHost);
  if (ref) return { channel: ref, rule: 'referrer' };
  return { channel: input.webOrApp ? 'direct' : 'other', rule: 'default' };
}
