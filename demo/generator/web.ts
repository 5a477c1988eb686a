/** Website visits: a landing page from a marketing channel, product views and adds to cart, and web checkout. */

import { type Order, PRODUCTS, productPages, SITE } from './catalog.js';
import { titleOf, webContext, webIds } from './envelopes.js';
import { login, logout } from './identity.js';
import type { Browser, Person } from './people.js';
import type { TouchChannel } from './personas.js';
import { emit, type GeneratorState, own } from './state.js';

/** Channels that can bring a visitor to the site through a link (utm parameters, click id or referrer). */
const LANDABLE: TouchChannel[] = ['paid_search', 'paid_social', 'display', 'email', 'organic_search'];

/** Landing URL and referrer of a visit arriving through `channel`. */
function landingPage(state: GeneratorState, channel: TouchChannel, campaign: string): { url: string; referrer?: string } {
  const { rng } = state;
  switch (channel) {
    case 'paid_search':
      return {
        url: `${SITE}/c/camping?utm_source=google&utm_medium=cpc&utm_campaign=${campaign}&gclid=${rng.hex(20)}`,
        referrer: 'https://www.google.com/',
      };
    case 'paid_social': {
      const fb = rng.chance(0.6);
      const sku = rng.pick(PRODUCTS).sku.toLowerCase();
      const utm = `utm_source=${fb ? 'facebook' : 'instagram'}&utm_medium=paid_social&utm_campaign=${campaign}`;
      return {
        url: `${SITE}/p/${sku}?${utm}${fb ? `&fbclid=${rng.hex(24)}` : ''}`,
        referrer: fb ? 'https://m.facebook.com/' : 'https://l.instagram.com/',
      };
    }
    case 'display':
      return {
        url: `${SITE}/c/apparel?utm_source=dv360&utm_medium=display&utm_campaign=${campaign}`,
        referrer: 'https://news.example.net/',
      };
    case 'email':
      return { url: `${SITE}/c/new?utm_source=newsletter&utm_medium=email&utm_campaign=${campaign}` };
    case 'organic_search': {
      const url = `${SITE}/guides/${rng.pick(['choosing-a-tent', 'boot-sizing', 'layering'])}`;
      return { url, referrer: rng.chance(0.8) ? 'https://www.google.com/' : 'https://www.bing.com/' };
    }
    default:
      return { url: `${SITE}/` };
  }
}

/** A web visit landing from `channel` (or a plain visit); returns the time it ended and the browser used. */
export function webSession(
  state: GeneratorState,
  person: Person,
  t: number,
  channel: TouchChannel,
  intent: 'browse' | 'buy',
  emailCampaign?: string,
): { t: number; browser: Browser } {
  const { rng } = state;
  const browser = rng.pick(person.browsers);
  const campaign = emailCampaign ?? `${rng.pick(['spring', 'summer', 'autumn'])}_${rng.pick(['sale', 'launch', 'outdoor'])}`;
  const { url, referrer } = landingPage(state, channel, campaign);
  // Log back in sometimes when the person has an account
  let tt = t;
  if (person.hasAccount && !browser.loggedIn && rng.chance(0.35)) login(state, person, browser, tt - 2000, false);
  emit(state, 'web', person.id, tt, {
    type: 'page',
    name: titleOf(new URL(url).pathname),
    ...webIds(state, person, browser),
    properties: {},
    context: webContext(person, browser, url, referrer, true),
  });
  const views = intent === 'buy' ? rng.int(1, 2) : rng.int(0, 2);
  for (const prod of productPages(rng, views)) {
    tt += rng.int(20, 240) * 1000;
    const purl = `${SITE}/p/${prod.sku.toLowerCase()}`;
    emit(state, 'web', person.id, tt, {
      type: 'track',
      event: 'Product Viewed',
      ...webIds(state, person, browser),
      properties: { product_id: prod.sku, name: prod.name, category: prod.category, price: prod.price },
      context: webContext(person, browser, purl, url),
    });
    if (rng.chance(intent === 'buy' ? 0.8 : 0.2)) {
      tt += rng.int(10, 90) * 1000;
      emit(state, 'web', person.id, tt, {
        type: 'track',
        event: 'Product Added',
        ...webIds(state, person, browser),
        properties: { product_id: prod.sku, price: prod.price, quantity: 1 },
        context: webContext(person, browser, purl, url),
      });
    }
  }
  return { t: tt, browser };
}

/**
 * The buying visit: typed-in (direct, which truly causes nothing) or a re-click on the last ad/e-mail,
 * then checkout, a login or sign-up on the way for most anonymous buyers, and the order.
 */
export function webPurchase(state: GeneratorState, person: Person, t: number, order: Order, lastTouch?: TouchChannel): void {
  const { rng } = state;
  const landing = lastTouch && LANDABLE.includes(lastTouch) && rng.chance(0.5) ? lastTouch : 'direct';
  const { t: tt, browser } = webSession(state, person, t, landing, 'buy');
  emit(state, 'web', person.id, tt + 30_000, {
    type: 'track',
    event: 'Checkout Started',
    ...webIds(state, person, browser),
    properties: { order_id: order.order_id, value: order.revenue, currency: 'GBP' },
    context: webContext(person, browser, `${SITE}/checkout`),
  });
  if (!browser.loggedIn) {
    if (rng.chance(0.7)) login(state, person, browser, tt + 60_000, !person.hasAccount && rng.chance(0.5));
  }
  const ctx = webContext(person, browser, `${SITE}/checkout/complete`);
  own(state, 'email', person.email, person.id);
  emit(state, 'web', person.id, tt + 120_000, {
    type: 'track',
    event: 'Order Completed',
    ...webIds(state, person, browser),
    properties: order,
    context: { ...ctx, identifiers: { email: person.email } },
  });
  if (rng.chance(0.15)) logout(state, browser); // logout after buying on a shared computer
}
