/**
 * Synthetic omnichannel generator with ground truth, deterministic from a seed.
 *
 * Each simulated customer has a persona, a few devices and identifiers, and lives through buying
 * cycles: pre-purchase marketing touches (ads landing on the website with utm parameters and click ids,
 * e-mails, store visits, sales calls, chats), a purchase decided by the TRUE conversion model in
 * personas.ts (web, app or store), then support contacts. Along the way: anonymous visitors becoming
 * known (login, identify by e-mail in the app, alias at sign-up), a family tablet shared by two people,
 * logouts that reset the anonymous id, app sessions buffered offline and sent hours late, client retries
 * that send the same messageId twice, and a few invalid events.
 *
 * Output: Segment messages grouped per emitting source (web, app, pos, callcenter, email) plus the truth
 * (identifier -> person, message -> person, person -> persona, true channel effects).
 */
import { createRng, type Rng } from './rng.js';
import {
  PERSONAS,
  PERSONA_SPECS,
  TOUCH_CHANNELS,
  TRUE_CHANNEL_LIFT,
  conversionProbability,
  trueShapleyCredit,
  type Persona,
  type TouchChannel,
} from './personas.js';
import {
  SOURCE_NAMES,
  type CycleTruth,
  type Dataset,
  type DatasetTruth,
  type GenerateOptions,
  type GeneratedEvent,
  type SourceName,
} from './types.js';

export * from './types.js';
export { PERSONAS, PERSONA_SPECS, TOUCH_CHANNELS, TRUE_CHANNEL_LIFT, conversionProbability, trueShapleyCredit } from './personas.js';
export type { Persona, TouchChannel } from './personas.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;

const FIRST_NAMES = ['ana', 'ben', 'chloe', 'dev', 'emma', 'farid', 'grace', 'hugo', 'ines', 'jon', 'kai', 'lena', 'milo', 'nora', 'omar', 'priya', 'quinn', 'rosa', 'sam', 'tara'];
const LAST_NAMES = ['lopez', 'smith', 'nguyen', 'okafor', 'muller', 'rossi', 'kim', 'patel', 'dubois', 'silva', 'novak', 'berg'];
const PRODUCTS = [
  { sku: 'SKU-TENT-2P', name: 'Trail tent 2P', category: 'camping', price: 189 },
  { sku: 'SKU-BOOT-W', name: 'Hiking boots', category: 'footwear', price: 129 },
  { sku: 'SKU-JKT-RAIN', name: 'Rain jacket', category: 'apparel', price: 99 },
  { sku: 'SKU-PACK-30', name: 'Daypack 30L', category: 'bags', price: 69 },
  { sku: 'SKU-MUG-TI', name: 'Titanium mug', category: 'camping', price: 25 },
  { sku: 'SKU-LAMP-H', name: 'Head lamp', category: 'camping', price: 39 },
];
const STORES = ['store-london-01', 'store-leeds-02', 'store-bristol-03'];
const UA = {
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  mac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  android: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
};
const SITE = 'https://shop.example.com';

interface Browser {
  anonymousId: string;
  userAgent: string;
  loggedIn: boolean;
}

interface AppInstall {
  deviceId: string;
  anonymousId: string;
  os: 'iOS' | 'Android';
  model: string;
  /** userId currently logged in on the install (a shared tablet switches between people). */
  loggedInAs?: string;
  shared: boolean;
}

interface Person {
  id: string;
  index: number;
  persona: Persona;
  userId: string;
  email: string;
  phone: string;
  loyaltyId?: string;
  hasAccount: boolean;
  browsers: Browser[];
  app?: AppInstall;
  household?: string;
  ip: string;
}

interface Pending {
  source: SourceName;
  event: GeneratedEvent;
  /** When the collector receives it (late events arrive hours after they happened). */
  arrival: number;
  personId: string;
}

/** Phone numbers from ranges reserved for fiction (Ofcom), then plausible mobiles beyond 4,000 people. */
function phoneFor(i: number): string {
  const blocks = ['+44 20 7946 0', '+44 161 496 0', '+44 117 496 0', '+44 113 496 0'];
  if (i < 4000) return `${blocks[Math.floor(i / 1000)]}${String(i % 1000).padStart(3, '0')}`;
  return `+44 7400 ${String(100000 + (i % 900000)).padStart(6, '0')}`;
}

export function generateDataset(options: GenerateOptions): Dataset {
  const customers = Math.max(1, Math.floor(options.customers));
  const seed = Math.floor(options.seed) >>> 0;
  const days = options.days ?? 21;
  const now = options.now ? new Date(options.now).getTime() : Date.now();
  const start = options.start
    ? new Date(options.start).getTime()
    : Math.floor((now - days * DAY) / DAY) * DAY;
  const end = Math.min(start + days * DAY, now);
  const duplicateRate = options.duplicateRate ?? 0.02;
  const lateSessionRate = options.lateSessionRate ?? 0.08;
  const invalidRate = options.invalidRate ?? 0.004;
  const rng = createRng(seed);

  let msgCounter = 0;
  let orderCounter = 0;
  const seedTag = seed.toString(36);
  const pending: Pending[] = [];
  const truth: DatasetTruth = {
    seed,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    persons: {},
    eventPerson: {},
    identifierOwners: {},
    cycles: [],
    channelLift: { ...TRUE_CHANNEL_LIFT },
    personaBase: Object.fromEntries(PERSONAS.map((p) => [p, PERSONA_SPECS[p].base])) as Record<Persona, number>,
    trueIncrementalConversions: Object.fromEntries([...TOUCH_CHANNELS, 'baseline'].map((c) => [c, 0])) as DatasetTruth['trueIncrementalConversions'],
    stats: {
      events: 0,
      uniqueEvents: 0,
      duplicates: 0,
      lateEvents: 0,
      invalidEvents: 0,
      conversions: 0,
      revenue: 0,
      sharedDevices: 0,
      resets: 0,
      bySource: Object.fromEntries(SOURCE_NAMES.map((s) => [s, 0])) as Record<SourceName, number>,
    },
    duplicateIds: [],
    lateIds: [],
    invalidIds: [],
  };

  const own = (type: string, value: string | undefined, personId: string): void => {
    if (!value) return;
    const key = `${type}:${value}`;
    const owners = (truth.identifierOwners[key] ??= []);
    if (!owners.includes(personId)) owners.push(personId);
  };

  // ---------- people ----------
  const personaWeights = Object.fromEntries(PERSONAS.map((p) => [p, PERSONA_SPECS[p].share])) as Record<Persona, number>;
  const persons: Person[] = [];
  for (let i = 0; i < customers; i++) {
    const persona = rng.weighted(personaWeights);
    const spec = PERSONA_SPECS[persona];
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    // Mixed case and stray spaces on purpose: the processor must normalise before hashing.
    const rawEmail = `${first}.${last}${i}@example.com`;
    const email = rng.chance(0.15) ? ` ${rawEmail[0]!.toUpperCase()}${rawEmail.slice(1)} ` : rawEmail;
    const browsers: Browser[] = [
      { anonymousId: rng.uuid(), userAgent: rng.chance(0.5) ? UA.desktop : UA.mac, loggedIn: false },
    ];
    if (persona === 'researcher' || rng.chance(0.3)) {
      browsers.push({ anonymousId: rng.uuid(), userAgent: rng.chance(0.5) ? UA.iphone : UA.android, loggedIn: false });
    }
    const p: Person = {
      id: `person-${String(i + 1).padStart(5, '0')}`,
      index: i,
      persona,
      userId: `C${String(100000 + i)}`,
      email,
      phone: phoneFor(i),
      loyaltyId: rng.chance(spec.loyaltyCard) ? `L${seedTag}${String(i).padStart(6, '0')}` : undefined,
      hasAccount: rng.chance(0.45),
      browsers,
      ip: `203.0.113.${rng.int(1, 254)}`,
    };
    if (rng.chance(spec.appUser)) {
      const ios = rng.chance(0.55);
      p.app = {
        deviceId: rng.uuid().toUpperCase(),
        anonymousId: rng.uuid(),
        os: ios ? 'iOS' : 'Android',
        model: ios ? 'iPhone15,2' : 'Pixel 8',
        shared: false,
      };
    }
    persons.push(p);
    truth.persons[p.id] = { persona, cycles: 0, conversions: 0, revenue: 0 };
  }
  // Households: ~12% of people share a family tablet with the next person. Each logs in with their own
  // account; the device id is the same, so a naive stitcher would merge them.
  for (let i = 0; i + 1 < persons.length; i += 2) {
    if (!rng.chance(0.12)) continue;
    const a = persons[i]!;
    const b = persons[i + 1]!;
    const tablet: AppInstall = {
      deviceId: `TABLET-${rng.hex(12).toUpperCase()}`,
      anonymousId: rng.uuid(),
      os: 'Android',
      model: 'Galaxy Tab S9',
      shared: true,
    };
    a.app = tablet;
    b.app = tablet;
    const household = `household-${a.index + 1}`;
    a.household = household;
    b.household = household;
    truth.persons[a.id]!.household = household;
    truth.persons[b.id]!.household = household;
  }

  // ---------- event builders ----------
  const iso = (t: number): string => new Date(t).toISOString();

  const emit = (
    source: SourceName,
    person: Person,
    t: number,
    event: Record<string, unknown> & { type: string },
    opts: { lateBy?: number } = {},
  ): GeneratedEvent => {
    const time = Math.min(t, end - 1000);
    const messageId = `tl-${seedTag}-${(++msgCounter).toString(36).padStart(6, '0')}`;
    const e = { ...event, messageId, timestamp: iso(time) } as GeneratedEvent;
    // a small network delay; late events arrive hours after they happened
    const arrival = Math.min(time + (opts.lateBy ?? rng.int(200, 5000)), now);
    // sentAt is when the emitter flushed it: hours after the event for an app buffering offline
    e.sentAt = iso(arrival);
    pending.push({ source, event: e, arrival, personId: person.id });
    truth.eventPerson[messageId] = person.id;
    if (arrival - time >= HOUR) truth.lateIds.push(messageId);
    return e;
  };

  /**
   * Only a session's landing page is left for the processor to classify (utm, click id, referrer).
   * Later events of the visit are marked `web` (owned property, not a marketing touch), as a tracking plan
   * would: otherwise every in-site page view (internal referrer, no utm) would read as a new `direct` visit.
   */
  const webContext = (person: Person, browser: Browser, url: string, referrer?: string, landing = false): Record<string, unknown> => {
    const u = new URL(url);
    return {
      ...(landing ? {} : { touchpoint: { channel: 'web' } }),
      ip: person.ip,
      userAgent: browser.userAgent,
      library: { name: 'analytics.js', version: '5.2.0' },
      page: { url, path: u.pathname, referrer: referrer ?? '', search: u.search, title: titleOf(u.pathname) },
      locale: 'en-GB',
    };
  };

  const webIds = (person: Person, browser: Browser): Record<string, unknown> => {
    own('anonymous_id', browser.anonymousId, person.id);
    if (browser.loggedIn) {
      own('user_id', person.userId, person.id);
      return { anonymousId: browser.anonymousId, userId: person.userId };
    }
    return { anonymousId: browser.anonymousId };
  };

  const appContext = (person: Person, app: AppInstall): Record<string, unknown> => {
    own('device_id', app.deviceId, person.id);
    return {
      ip: person.ip,
      library: { name: app.os === 'iOS' ? 'analytics-ios' : 'analytics-android', version: '4.1.0' },
      app: { name: 'Threadline Outdoor', version: '3.4.1', build: 341 },
      device: { id: app.deviceId, type: app.os.toLowerCase(), manufacturer: app.os === 'iOS' ? 'Apple' : app.model.startsWith('Galaxy') ? 'Samsung' : 'Google', model: app.model },
      os: { name: app.os, version: app.os === 'iOS' ? '17.4' : '14' },
      identifiers: { deviceId: app.deviceId },
      touchpoint: { channel: 'mobile_app' },
    };
  };

  const appIds = (person: Person, app: AppInstall): Record<string, unknown> => {
    own('anonymous_id', app.anonymousId, person.id);
    if (app.loggedInAs === person.userId) {
      own('user_id', person.userId, person.id);
      return { anonymousId: app.anonymousId, userId: person.userId };
    }
    return { anonymousId: app.anonymousId };
  };

  /** Logout or "reset()": a new anonymous id that must not be merged with anyone by itself. */
  const resetBrowser = (browser: Browser): void => {
    browser.loggedIn = false;
    browser.anonymousId = rng.uuid();
    truth.stats.resets++;
  };

  const login = (person: Person, browser: Browser, t: number, viaAlias: boolean): void => {
    own('anonymous_id', browser.anonymousId, person.id);
    own('user_id', person.userId, person.id);
    own('email', person.email, person.id);
    if (viaAlias) {
      // sign-up flow: alias the anonymous visitor to the new user id, then identify
      emit('web', person, t, { type: 'alias', previousId: browser.anonymousId, userId: person.userId, context: webContext(person, browser, `${SITE}/account/signup`) });
    }
    browser.loggedIn = true;
    emit('web', person, t + 1000, {
      type: 'identify',
      anonymousId: browser.anonymousId,
      userId: person.userId,
      traits: { email: person.email, plan: 'member' },
      context: { ...webContext(person, browser, `${SITE}/account`), identifiers: { email: person.email } },
    });
    person.hasAccount = true;
  };

  const productPages = (n: number): typeof PRODUCTS => {
    const out: typeof PRODUCTS = [];
    for (let i = 0; i < n; i++) out.push(rng.pick(PRODUCTS));
    return out;
  };

  /** A web visit landing from `channel` (or a plain visit); returns the time it ended and the browser used. */
  const webSession = (person: Person, t: number, channel: TouchChannel, intent: 'browse' | 'buy', emailCampaign?: string): { t: number; browser: Browser } => {
    const browser = rng.pick(person.browsers);
    const campaign = emailCampaign ?? `${rng.pick(['spring', 'summer', 'autumn'])}_${rng.pick(['sale', 'launch', 'outdoor'])}`;
    let url = `${SITE}/`;
    let referrer: string | undefined;
    switch (channel) {
      case 'paid_search':
        url = `${SITE}/c/camping?utm_source=google&utm_medium=cpc&utm_campaign=${campaign}&gclid=${rng.hex(20)}`;
        referrer = 'https://www.google.com/';
        break;
      case 'paid_social': {
        const fb = rng.chance(0.6);
        url = `${SITE}/p/${rng.pick(PRODUCTS).sku.toLowerCase()}?utm_source=${fb ? 'facebook' : 'instagram'}&utm_medium=paid_social&utm_campaign=${campaign}${fb ? `&fbclid=${rng.hex(24)}` : ''}`;
        referrer = fb ? 'https://m.facebook.com/' : 'https://l.instagram.com/';
        break;
      }
      case 'display':
        url = `${SITE}/c/apparel?utm_source=dv360&utm_medium=display&utm_campaign=${campaign}`;
        referrer = 'https://news.example.net/';
        break;
      case 'email':
        url = `${SITE}/c/new?utm_source=newsletter&utm_medium=email&utm_campaign=${campaign}`;
        break;
      case 'organic_search':
        url = `${SITE}/guides/${rng.pick(['choosing-a-tent', 'boot-sizing', 'layering'])}`;
        referrer = rng.chance(0.8) ? 'https://www.google.com/' : 'https://www.bing.com/';
        break;
      default:
        url = `${SITE}/`;
    }
    // Log back in sometimes when the person has an account
    let tt = t;
    if (person.hasAccount && !browser.loggedIn && rng.chance(0.35)) login(person, browser, tt - 2000, false);
    emit('web', person, tt, { type: 'page', name: titleOf(new URL(url).pathname), ...webIds(person, browser), properties: {}, context: webContext(person, browser, url, referrer, true) });
    const views = intent === 'buy' ? rng.int(1, 2) : rng.int(0, 2);
    for (const prod of productPages(views)) {
      tt += rng.int(20, 240) * 1000;
      const purl = `${SITE}/p/${prod.sku.toLowerCase()}`;
      emit('web', person, tt, { type: 'track', event: 'Product Viewed', ...webIds(person, browser), properties: { product_id: prod.sku, name: prod.name, category: prod.category, price: prod.price }, context: webContext(person, browser, purl, url) });
      if (rng.chance(intent === 'buy' ? 0.8 : 0.2)) {
        tt += rng.int(10, 90) * 1000;
        emit('web', person, tt, { type: 'track', event: 'Product Added', ...webIds(person, browser), properties: { product_id: prod.sku, price: prod.price, quantity: 1 }, context: webContext(person, browser, purl, url) });
      }
    }
    return { t: tt, browser };
  };

  const appSession = (person: Person, t: number, purpose: 'browse' | 'identify' | 'buy'): { t: number } => {
    const app = person.app!;
    // Shared tablet: whoever was logged in last is logged out, giving the next person a fresh anonymous id
    if (app.shared && app.loggedInAs && app.loggedInAs !== person.userId) {
      app.loggedInAs = undefined;
      app.anonymousId = rng.uuid();
      truth.stats.resets++;
    }
    const late = rng.chance(lateSessionRate) ? rng.int(2, 9) * HOUR : undefined;
    let tt = t;
    const identifyNow = purpose === 'identify' || ((purpose === 'buy' || app.shared) && app.loggedInAs !== person.userId);
    emit('app', person, tt, { type: 'screen', name: 'Home', ...appIds(person, app), context: appContext(person, app) }, { lateBy: late });
    if (identifyNow) {
      // "identify by e-mail in the app": the app knows the account's e-mail and, when linked, the loyalty card
      tt += 30_000;
      app.loggedInAs = person.userId;
      own('email', person.email, person.id);
      own('loyalty_id', person.loyaltyId, person.id);
      const identifiers: Record<string, string> = { deviceId: app.deviceId, email: person.email };
      if (person.loyaltyId && rng.chance(0.7)) identifiers.loyaltyId = person.loyaltyId;
      emit('app', person, tt, { type: 'identify', ...appIds(person, app), traits: { email: person.email }, context: { ...appContext(person, app), identifiers } }, { lateBy: late });
      person.hasAccount = true;
    }
    for (const prod of productPages(rng.int(1, 2))) {
      tt += rng.int(15, 120) * 1000;
      emit('app', person, tt, { type: 'screen', name: 'Product', ...appIds(person, app), properties: { product_id: prod.sku, name: prod.name, price: prod.price }, context: appContext(person, app) }, { lateBy: late });
    }
    return { t: tt };
  };

  const emailTouch = (person: Person, t: number): { t: number; clicked: boolean; campaign: string } => {
    own('email', person.email, person.id);
    own('user_id', person.userId, person.id);
    const campaign = `newsletter_${new Date(t).toISOString().slice(0, 10)}`;
    const base = { userId: person.userId, context: { library: { name: 'esp-webhook', version: '1.0' }, identifiers: { email: person.email, crmId: person.userId }, touchpoint: { channel: 'email' }, campaign: { name: campaign, source: 'newsletter', medium: 'email' } } };
    emit('email', person, t, { type: 'track', event: 'Email Opened', ...base, properties: { campaign_name: campaign } });
    const clicked = rng.chance(0.55);
    if (clicked) emit('email', person, t + rng.int(5, 60) * 1000, { type: 'track', event: 'Email Link Clicked', ...base, properties: { campaign_name: campaign } });
    return { t: t + MINUTE, clicked, campaign };
  };

  const callTouch = (person: Person, t: number, purpose: 'sales' | 'support'): void => {
    own('phone', person.phone, person.id);
    const known = person.hasAccount;
    if (known) own('user_id', person.userId, person.id);
    const identifiers: Record<string, string> = { phone: person.phone };
    if (known) identifiers.crmId = person.userId;
    emit('callcenter', person, t, {
      type: 'track',
      event: purpose === 'sales' ? 'Sales Call Completed' : 'Support Call Completed',
      ...(known ? { userId: person.userId } : {}),
      properties: { duration_s: rng.int(60, 900), queue: purpose, resolved: rng.chance(0.8) },
      context: { library: { name: 'contact-centre', version: '2.3' }, identifiers, touchpoint: { channel: 'call_center', location: `queue-${purpose}`, agent: `agent-${rng.int(1, 40)}` } },
    });
  };

  const chatTouch = (person: Person, t: number, purpose: 'sales' | 'support'): void => {
    // the chat widget runs on the website and passes the site's anonymous id (and user id when logged in)
    const browser = rng.pick(person.browsers);
    emit('callcenter', person, t, {
      type: 'track',
      event: purpose === 'sales' ? 'Chat Completed' : 'Support Chat Completed',
      ...webIds(person, browser),
      properties: { messages: rng.int(3, 30), topic: purpose },
      context: { library: { name: 'chat-widget', version: '1.8' }, userAgent: browser.userAgent, touchpoint: { channel: 'chat', location: 'web-widget', agent: `agent-${rng.int(1, 40)}` } },
    });
  };

  const storeVisit = (person: Person, t: number): void => {
    own('loyalty_id', person.loyaltyId, person.id);
    // clienteling app scans the loyalty card
    emit('pos', person, t, {
      type: 'track',
      event: 'Store Visit',
      anonymousId: `loyalty-${person.loyaltyId}`,
      properties: { store_id: rng.pick(STORES) },
      context: { library: { name: 'pos-connector', version: '1.2' }, identifiers: { loyaltyId: person.loyaltyId }, touchpoint: { channel: 'store', location: rng.pick(STORES), agent: `staff-${rng.int(1, 25)}` } },
    });
    own('anonymous_id', `loyalty-${person.loyaltyId}`, person.id);
  };

  const purchase = (person: Person, t: number, via: 'web' | 'app' | 'store', revenue: number, orderId: string, lastTouch?: TouchChannel): void => {
    const products = [{ product_id: rng.pick(PRODUCTS).sku, quantity: 1, price: revenue }];
    const props = { order_id: orderId, revenue, currency: 'GBP', products };
    if (via === 'web') {
      // The buying visit: typed-in (direct, which truly causes nothing) or a re-click on the last ad/e-mail
      const landable: TouchChannel[] = ['paid_search', 'paid_social', 'display', 'email', 'organic_search'];
      const landing = lastTouch && landable.includes(lastTouch) && rng.chance(0.5) ? lastTouch : 'direct';
      const { t: tt, browser } = webSession(person, t, landing, 'buy');
      emit('web', person, tt + 30_000, { type: 'track', event: 'Checkout Started', ...webIds(person, browser), properties: { order_id: orderId, value: revenue, currency: 'GBP' }, context: webContext(person, browser, `${SITE}/checkout`) });
      if (!browser.loggedIn) {
        if (rng.chance(0.7)) login(person, browser, tt + 60_000, !person.hasAccount && rng.chance(0.5));
      }
      const ctx = webContext(person, browser, `${SITE}/checkout/complete`);
      own('email', person.email, person.id);
      emit('web', person, tt + 120_000, { type: 'track', event: 'Order Completed', ...webIds(person, browser), properties: props, context: { ...ctx, identifiers: { email: person.email } } });
      if (rng.chance(0.15)) resetBrowser(browser); // logout after buying on a shared computer
    } else if (via === 'app') {
      const { t: tt } = appSession(person, t, 'buy');
      emit('app', person, tt + 60_000, { type: 'track', event: 'Order Completed', ...appIds(person, person.app!), properties: props, context: appContext(person, person.app!) });
    } else {
      const store = rng.pick(STORES);
      const identifiers: Record<string, string> = {};
      let anonymousId: string;
      if (person.loyaltyId) {
        identifiers.loyaltyId = person.loyaltyId;
        anonymousId = `loyalty-${person.loyaltyId}`;
        own('loyalty_id', person.loyaltyId, person.id);
      } else {
        // no card: an e-receipt by e-mail links it; otherwise the sale stays anonymous (and unattributable)
        anonymousId = `receipt-${orderId}`;
        if (rng.chance(0.6)) {
          identifiers.email = person.email;
          own('email', person.email, person.id);
        }
      }
      own('anonymous_id', anonymousId, person.id);
      emit('pos', person, t, { type: 'track', event: 'Order Completed', anonymousId, properties: props, context: { library: { name: 'pos-connector', version: '1.2' }, identifiers, touchpoint: { channel: 'store', location: store, agent: `staff-${rng.int(1, 25)}` } } });
    }
  };

  // ---------- lives ----------
  for (const person of persons) {
    const spec = PERSONA_SPECS[person.persona];
    const pt = truth.persons[person.id]!;
    let t = start + rng.next() * days * 0.4 * DAY + rng.int(8, 21) * HOUR;
    const cycles = rng.int(spec.cycles[0], spec.cycles[1]);
    for (let c = 0; c < cycles && t < end - DAY; c++) {
      pt.cycles++;
      const touched: TouchChannel[] = [];
      const nTouches = rng.int(spec.touches[0], spec.touches[1]);
      // An app user opens the app now and then: owned channel, not a marketing touch
      if (person.app && rng.chance(0.7)) {
        appSession(person, t, rng.chance(0.5) ? 'identify' : 'browse');
        t += rng.exp(0.8 * DAY);
      }
      let lastTouched: TouchChannel | undefined;
      for (let k = 0; k < nTouches && t < end - HOUR; k++) {
        let ch = rng.weighted(spec.channelMix);
        if (ch === 'store' && !person.loyaltyId) ch = 'email'; // an unobservable store visit is redrawn
        lastTouched = ch;
        if (!touched.includes(ch)) touched.push(ch);
        switch (ch) {
          case 'email': {
            const { clicked, campaign } = emailTouch(person, t);
            if (clicked) webSession(person, t + rng.int(1, 5) * MINUTE, 'email', 'browse', campaign);
            break;
          }
          case 'store':
            storeVisit(person, t);
            break;
          case 'call_center':
            callTouch(person, t, 'sales');
            break;
          case 'chat':
            webSession(person, t, 'direct', 'browse');
            chatTouch(person, t + 5 * MINUTE, 'sales');
            break;
          default:
            webSession(person, t, ch, 'browse');
        }
        t += rng.exp(1.5 * DAY) + rng.int(1, 6) * HOUR;
      }
      if (t >= end - HOUR) break;
      const probability = conversionProbability(spec.base, touched);
      const credit = trueShapleyCredit(spec.base, touched);
      for (const [ch, v] of credit) truth.trueIncrementalConversions[ch] += v;
      truth.trueIncrementalConversions.baseline += spec.base;
      const converted = rng.chance(probability);
      const cycle: CycleTruth = { personId: person.id, persona: person.persona, channels: touched, probability, converted };
      if (converted) {
        t += rng.int(1, 20) * HOUR;
        if (t >= end) t = end - HOUR;
        let via = rng.weighted(spec.purchaseVia);
        if (via === 'app' && !person.app) via = 'web';
        const revenue = Math.round(spec.revenue.median * Math.exp(spec.revenue.sigma * gaussian(rng)) * 100) / 100;
        const orderId = `ORD-${seedTag}-${String(++orderCounter).padStart(6, '0')}`;
        purchase(person, t, via, revenue, orderId, lastTouched);
        cycle.orderId = orderId;
        cycle.revenue = revenue;
        pt.conversions++;
        pt.revenue = Math.round((pt.revenue + revenue) * 100) / 100;
        truth.stats.conversions++;
        truth.stats.revenue = Math.round((truth.stats.revenue + revenue) * 100) / 100;
        // after-sales support
        const contacts = rng.int(spec.supportContacts[0], spec.supportContacts[1]);
        let st = t;
        for (let s = 0; s < contacts; s++) {
          st += rng.exp(2 * DAY) + HOUR;
          if (st >= end) break;
          if (rng.chance(0.5)) callTouch(person, st, 'support');
          else chatTouch(person, st, 'support');
        }
      }
      truth.cycles.push(cycle);
      t += rng.exp(4 * DAY) + DAY;
    }
  }

  // ---------- delivery quirks: invalid events, duplicates, ordering ----------
  const originals = pending.slice();
  for (const p of originals) {
    if (rng.chance(invalidRate)) {
      // e.g. a POS firmware bug: event name missing, or a timestamp that is not a date
      if (rng.chance(0.5) && p.event.type === 'track') delete p.event.event;
      else p.event.timestamp = 'yesterday at noon';
      truth.invalidIds.push(p.event.messageId);
    } else if (rng.chance(duplicateRate)) {
      pending.push({ ...p, event: structuredClone(p.event), arrival: p.arrival + rng.int(1, 30) * 1000 });
      truth.duplicateIds.push(p.event.messageId);
    }
  }
  pending.sort((a, b) => a.arrival - b.arrival || (a.event.messageId < b.event.messageId ? -1 : 1));
  const sources = Object.fromEntries(SOURCE_NAMES.map((s) => [s, [] as GeneratedEvent[]])) as Record<SourceName, GeneratedEvent[]>;
  for (const p of pending) {
    sources[p.source].push(p.event);
    truth.stats.bySource[p.source]++;
  }
  // identifiers never used by any event are not part of the observable truth
  truth.lateIds = truth.lateIds.filter((id) => !truth.invalidIds.includes(id));
  // a tablet counts as shared once two people have actually used it
  truth.stats.sharedDevices = Object.entries(truth.identifierOwners).filter(([k, o]) => k.startsWith('device_id:') && o.length > 1).length;
  truth.stats.events = pending.length;
  truth.stats.uniqueEvents = originals.length;
  truth.stats.duplicates = truth.duplicateIds.length;
  truth.stats.lateEvents = truth.lateIds.length;
  truth.stats.invalidEvents = truth.invalidIds.length;
  for (const k of Object.keys(truth.trueIncrementalConversions) as (keyof DatasetTruth['trueIncrementalConversions'])[]) {
    truth.trueIncrementalConversions[k] = Math.round(truth.trueIncrementalConversions[k] * 1000) / 1000;
  }
  return { sources, truth };
}

function titleOf(path: string): string {
  if (path === '/' || path === '') return 'Home';
  const seg = path.split('/').filter(Boolean);
  return seg.map((s) => s.replace(/[-_]/g, ' ')).join(' / ');
}

function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Every event of a dataset as NDJSON lines per source (for `threadline send`). */
export function toNdjson(events: readonly GeneratedEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '');
}
