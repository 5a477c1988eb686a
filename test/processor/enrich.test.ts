/** Pure normalisation/enrichment modules, with hand-computed expectations. */

import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelFromReferrer, channelFromUtm, classifyChannel } from '../../domain/enrich/channel.js';
import { consentDecision } from '../../domain/enrich/consent.js';
import { truncateIp } from '../../domain/enrich/ip.js';
import { normaliseEvent } from '../../domain/enrich/normalise.js';
import { emailHash, emailHashFromSha256, normalisePhone, phoneHash, redactRaw, scrubPii } from '../../domain/enrich/pii.js';
import { parseUserAgent } from '../../domain/enrich/user-agent.js';
import { localConfig } from '../../lambdas/processor/config.js';
import { eventSchema } from '../../schemas/event.js';
import { envelope } from './helpers.js';

describe('touchpoint channel rules', () => {
  const base = { webOrApp: true };
  it.each([
    // [case, input, channel, rule]
    [
      'explicit wins over everything',
      { explicit: 'store', sourceDefault: 'call_center', clickIdType: 'gclid' as const },
      'store',
      'explicit',
    ],
    ['source default before URL rules', { sourceDefault: 'call_center', utmMedium: 'email' }, 'call_center', 'source_default'],
    ['gclid -> paid search', { clickIdType: 'gclid' as const, utmMedium: 'email' }, 'paid_search', 'click_id'],
    ['wbraid -> paid search', { clickIdType: 'wbraid' as const }, 'paid_search', 'click_id'],
    ['dclid -> display', { clickIdType: 'dclid' as const }, 'display', 'click_id'],
    ['msclkid -> paid search', { clickIdType: 'msclkid' as const }, 'paid_search', 'click_id'],
    ['ttclid -> paid social', { clickIdType: 'ttclid' as const }, 'paid_social', 'click_id'],
    ['fbclid -> paid social', { clickIdType: 'fbclid' as const }, 'paid_social', 'click_id'],
    [
      'fbclid on an organic social post stays organic',
      { clickIdType: 'fbclid' as const, utmMedium: 'social', utmSource: 'facebook' },
      'organic_social',
      'utm',
    ],
    ['cpc + google -> paid search', { utmMedium: 'cpc', utmSource: 'google' }, 'paid_search', 'utm'],
    ['cpc + facebook -> paid social', { utmMedium: 'cpc', utmSource: 'facebook' }, 'paid_social', 'utm'],
    ['paid_social medium', { utmMedium: 'paid_social', utmSource: 'newsletter' }, 'paid_social', 'utm'],
    ['banner -> display', { utmMedium: 'banner' }, 'display', 'utm'],
    ['cpm -> display', { utmMedium: 'CPM', utmSource: 'dv360' }, 'display', 'utm'],
    ['email medium', { utmMedium: 'email', utmSource: 'spring_sale' }, 'email', 'utm'],
    ['newsletter source', { utmSource: 'newsletter' }, 'email', 'utm'],
    ['sms', { utmMedium: 'sms' }, 'sms', 'utm'],
    ['push', { utmMedium: 'web_push' }, 'push', 'utm'],
    ['affiliate', { utmMedium: 'affiliate', utmSource: 'awin' }, 'affiliate', 'utm'],
    ['referral medium', { utmMedium: 'referral', utmSource: 'blog' }, 'referral', 'utm'],
    ['organic medium', { utmMedium: 'organic', utmSource: 'bing' }, 'organic_search', 'utm'],
    ['social medium', { utmMedium: 'social', utmSource: 'linkedin' }, 'organic_social', 'utm'],
    ['search engine source only', { utmSource: 'duckduckgo' }, 'organic_search', 'utm'],
    ['google referrer', { referrerHost: 'google.co.uk', pageHost: 'shop.example' }, 'organic_search', 'referrer'],
    ['facebook referrer', { referrerHost: 'l.facebook.com', pageHost: 'shop.example' }, 'organic_social', 'referrer'],
    ['t.co referrer', { referrerHost: 't.co', pageHost: 'shop.example' }, 'organic_social', 'referrer'],
    ['webmail referrer', { referrerHost: 'mail.google.com', pageHost: 'shop.example' }, 'email', 'referrer'],
    ['other site referrer', { referrerHost: 'news.example.org', pageHost: 'shop.example' }, 'referral', 'referrer'],
    ['internal referrer is direct', { referrerHost: 'shop.example', pageHost: 'shop.example' }, 'direct', 'default'],
    ['subdomain referrer is internal', { referrerHost: 'blog.shop.example', pageHost: 'shop.example' }, 'direct', 'default'],
    ['nothing, web -> direct', {}, 'direct', 'default'],
  ])('%s', (_name, input, channel, rule) => {
    expect(classifyChannel({ ...base, ...input })).toEqual({ channel, rule });
  });

  it('server-side event without any web/app hint -> other', () => {
    expect(classifyChannel({ webOrApp: false })).toEqual({ channel: 'other', rule: 'default' });
  });
  it('unknown medium and source -> no utm match', () => {
    expect(channelFromUtm('qr', 'poster')).toBeUndefined();
    expect(channelFromReferrer(undefined, 'x')).toBeUndefined();
  });
  it('an invalid explicit channel is ignored, not trusted', () => {
    expect(classifyChannel({ explicit: 'telepathy', webOrApp: true })).toEqual({ channel: 'direct', rule: 'default' });
  });
});

describe('personal data', () => {
  const key = 'k';
  it('email: trimmed + lower-cased, HMAC over its SHA-256; a pre-hashed address gives the same hash', () => {
    const sha = createHash('sha256').update('ann@example.com').digest('hex');
    const expected = createHmac('sha256', key).update(sha).digest('hex');
    expect(emailHash(key, '  Ann@Example.COM ')).toBe(expected);
    expect(emailHashFromSha256(key, sha)).toBe(expected);
    expect(emailHash('other-key', 'ann@example.com')).not.toBe(expected);
    expect(emailHash(key, 'not an email')).toBeUndefined();
  });
  it('phone: E.164 with the default region, then HMAC', () => {
    expect(normalisePhone('020 7946 0018', 'GB')).toBe('+442079460018');
    expect(normalisePhone('+44 20 7946 0018', 'US')).toBe('+442079460018');
    expect(phoneHash(key, '(415) 555-2671', 'US')).toBe(createHmac('sha256', key).update('+14155552671').digest('hex'));
    expect(normalisePhone('123', 'US')).toBeUndefined();
  });
  it('scrubPii removes e-mail/phone keys at any depth and masks e-mail-looking strings', () => {
    const out = scrubPii({
      email: 'a@b.co',
      nested: { Phone_Number: '+1 415 555 2671', note: 'mail me at x@y.org' },
      list: [{ mobile: '07700900123' }],
    });
    expect(out.value).toEqual({ nested: { note: 'mail me at [email]' }, list: [{}] });
    expect(out.emails).toEqual(['a@b.co']);
    expect(out.phones).toEqual(['+1 415 555 2671', '07700900123']);
  });
  it('redactRaw masks JSON and non-JSON payloads', () => {
    expect(redactRaw('{"traits":{"email":"a@b.co","name":"A"}}')).toBe('{"traits":{"name":"A"}}');
    expect(redactRaw('{"phone": "+1 415", "x": "a@b.co" trailing')).toBe('{"phone": "[phone]", "x": "[email]" trailing');
  });
  it('property: no generated e-mail survives scrubbing', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.string(), (email, other) => {
        const out = JSON.stringify(scrubPii({ a: { email }, b: `${other} ${email}`, c: [email] }).value);
        expect(out.includes(email)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('ip, user agent, consent', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['::ffff:198.51.100.9', '198.51.100.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:db8::1', '2001:db8:0::'],
    ['not-an-ip', undefined],
  ])('truncateIp(%s) = %s', (ip, expected) => expect(truncateIp(ip)).toBe(expected));

  it('user agents', () => {
    expect(
      parseUserAgent(
        'Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1',
      ),
    ).toMatchObject({
      deviceType: 'tablet',
      osName: 'iOS',
      browserName: 'Mobile Safari',
    });
    expect(
      parseUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'),
    ).toMatchObject({
      deviceType: 'desktop',
      osName: 'Windows',
      browserName: 'Chrome',
      browserVersion: '124.0.0.0',
    });
    expect(
      parseUserAgent('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36')
        .deviceType,
    ).toBe('mobile');
    expect(parseUserAgent('Googlebot/2.1 (+http://www.google.com/bot.html)').deviceType).toBe('other');
  });

  it('consent policy', () => {
    const strip = { mode: 'strip' as const, categories: ['Analytics'] };
    expect(consentDecision(undefined, strip)).toBe('keep');
    expect(consentDecision({ analytics: true, advertising: false }, strip)).toBe('keep');
    expect(consentDecision({ Analytics: false }, strip)).toBe('strip');
    expect(consentDecision({ analytics: false }, { mode: 'drop', categories: ['analytics'] })).toBe('drop');
    expect(consentDecision({ analytics: false }, { mode: 'ignore', categories: ['analytics'] })).toBe('keep');
  });
});

describe('normaliseEvent', () => {
  const config = localConfig({ hashKey: 'test-key' });
  const norm = (raw: Record<string, unknown>, source = envelope({}).source) => {
    const env = envelope(raw, source);
    const event = eventSchema.parse(env.event);
    return normaliseEvent(env, event, Date.parse('2026-03-01T09:59:58.000Z'), config, new Date('2026-03-01T10:00:05.000Z'));
  };

  it('server-side page call (Segment node SDK): URL and referrer from the page properties', () => {
    // analytics-node sends page URL/referrer only as properties (Segment spec page properties).
    const { record } = norm({
      type: 'page',
      messageId: 'm-props',
      anonymousId: 'anon-2',
      name: 'Home',
      properties: {
        url: 'https://shop.example/p?utm_source=newsletter&utm_medium=email&utm_campaign=nov',
        referrer: 'https://mail.example.net/',
        title: 'Shop',
      },
    });
    expect(record).toMatchObject({
      touchpoint_channel: 'email',
      channel_rule: 'utm',
      campaign_name: 'nov',
      campaign_source: 'newsletter',
      campaign_medium: 'email',
      page_path: '/p',
      page_title: 'Shop',
      referrer_host: 'mail.example.net',
    });
  });

  it('context.page wins over page properties when both are given', () => {
    const { record } = norm({
      type: 'page',
      messageId: 'm-both',
      anonymousId: 'anon-3',
      properties: { url: 'https://shop.example/?gclid=zzz' },
      context: { page: { url: 'https://shop.example/?fbclid=abc' } },
    });
    expect(record).toMatchObject({ touchpoint_channel: 'paid_social', click_id_type: 'fbclid', click_id: 'abc' });
  });

  it('a track call does not read its properties as a page', () => {
    const { record } = norm({
      type: 'track',
      event: 'Clicked',
      messageId: 'm-track',
      anonymousId: 'a',
      properties: { url: 'https://x.example/?gclid=1' },
    });
    expect(record.click_id_type).toBeNull();
    expect(record.page_url).toBeNull();
  });

  it('web page with utm + gclid: campaign, click id, channel, UA, IP, timestamps, partition', () => {
    const { record } = norm({
      type: 'page',
      messageId: 'm-1',
      anonymousId: 'anon-1',
      name: 'Home',
      context: {
        page: {
          url: 'https://shop.example/landing?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=Cj0K',
          referrer: 'https://www.google.com/',
        },
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
        ip: '198.51.100.23',
      },
    });
    expect(record).toMatchObject({
      message_id: 'm-1',
      event_type: 'page',
      event_name: 'Home',
      event_time: '2026-03-01 09:59:58.000',
      processed_at: '2026-03-01 10:00:05.000',
      event_date: '2026-03-01',
      touchpoint_channel: 'paid_search',
      channel_rule: 'click_id',
      campaign_name: 'spring',
      campaign_source: 'google',
      campaign_medium: 'cpc',
      click_id_type: 'gclid',
      click_id: 'Cj0K',
      page_path: '/landing',
      referrer_host: 'google.com',
      device_type: 'desktop',
      browser_name: 'Chrome',
      ip_truncated: '198.51.100.0',
      person_id: null,
      identifiers_stripped: false,
    });
  });

  it('identify with e-mail and phone in traits: hashed into identifiers, raw values gone from the record', () => {
    const out = norm({
      type: 'identify',
      messageId: 'm-2',
      userId: 'u-9',
      anonymousId: 'anon-9',
      traits: { email: ' Ann@Example.com ', phone: '+1 (415) 555-2671', plan: 'gold' },
      context: { identifiers: { loyaltyId: 'L-1' }, traits: { email: 'ann@example.com' } },
    });
    const text = JSON.stringify(out.record);
    expect(text).not.toMatch(/ann@example\.com|555-2671|4155552671/i);
    expect(out.record.traits).toBe('{"plan":"gold"}');
    expect(out.record.email_hash).toBe(emailHash('test-key', 'ann@example.com'));
    expect(out.record.phone_hash).toBe(phoneHash('test-key', '+14155552671', 'US'));
    expect(out.identifiers).toEqual([
      { type: 'user_id', value: 'u-9' },
      { type: 'anonymous_id', value: 'anon-9' },
      { type: 'email_hash', value: out.record.email_hash },
      { type: 'phone_hash', value: out.record.phone_hash },
      { type: 'loyalty_id', value: 'L-1' },
    ]);
  });

  it('Order Completed: revenue falls back to products, currency upper-cased; store source default channel', () => {
    const { record } = norm(
      {
        type: 'track',
        event: 'Order Completed',
        messageId: 'm-3',
        userId: 'u-1',
        properties: { order_id: 'o-1', currency: 'eur', products: [{ price: 10, quantity: 2 }, { price: 5.5 }] },
      },
      { id: 'src_pos', name: 'pos', defaultChannel: 'store' },
    );
    expect(record).toMatchObject({
      order_id: 'o-1',
      revenue: 25.5,
      currency: 'EUR',
      touchpoint_channel: 'store',
      channel_rule: 'source_default',
      device_type: 'pos',
    });
  });

  it('consent denied (strip): no identifiers, no IP, no person', () => {
    const out = norm({
      type: 'track',
      event: 'X',
      messageId: 'm-4',
      userId: 'u-1',
      anonymousId: 'a-1',
      context: { consent: { categoryPreferences: { analytics: false } }, ip: '1.2.3.4' },
    });
    expect(out.consent).toBe('strip');
    expect(out.identifiers).toEqual([]);
    expect(out.record).toMatchObject({
      user_id: null,
      anonymous_id: null,
      ip_truncated: null,
      identifiers_stripped: true,
      consent: '{"analytics":false}',
    });
  });

  it('alias: previousId equal to anonymousId is an anonymous id, otherwise a user id', () => {
    expect(norm({ type: 'alias', messageId: 'm-5', previousId: 'a-1', anonymousId: 'a-1', userId: 'u-1' }).alias?.previous).toEqual({
      type: 'anonymous_id',
      value: 'a-1',
    });
    expect(norm({ type: 'alias', messageId: 'm-6', previousId: 'old-user', userId: 'u-1' }).alias?.previous).toEqual({
      type: 'user_id',
      value: 'old-user',
    });
  });

  it('e-mail in a page URL query is redacted', () => {
    const { record } = norm({
      type: 'page',
      messageId: 'm-7',
      anonymousId: 'a',
      context: { page: { url: 'https://shop.example/unsub?email=ann%40example.com&utm_medium=email' } },
    });
    expect(record.page_url).not.toContain('ann');
    expect(record.touchpoint_channel).toBe('email');
  });
});
