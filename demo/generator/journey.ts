/**
 * A person's life over the period: buying cycles of pre-purchase marketing touches, a purchase decided
 * by the true conversion model (personas.ts) through the web, the app or a store, then support contacts.
 */

import { appPurchase, appSession } from './app.js';
import { type Order, PRODUCTS } from './catalog.js';
import { callTouch, chatTouch } from './contact-centre.js';
import { emailTouch } from './email.js';
import type { Person } from './people.js';
import { conversionProbability, PERSONA_SPECS, type PersonaSpec, type TouchChannel, trueShapleyCredit } from './personas.js';
import type { Rng } from './rng.js';
import { DAY, type GeneratorState, HOUR, MINUTE, nextOrderId } from './state.js';
import { storePurchase, storeVisit } from './store.js';
import type { CycleTruth } from './types.js';
import { webPurchase, webSession } from './web.js';

export function livePerson(state: GeneratorState, person: Person): void {
  const { rng, clock, truth } = state;
  const spec = PERSONA_SPECS[person.persona];
  const pt = truth.persons[person.id]!;
  let t = clock.start + rng.next() * clock.days * 0.4 * DAY + rng.int(8, 21) * HOUR;
  const cycles = rng.int(spec.cycles[0], spec.cycles[1]);
  for (let c = 0; c < cycles && t < clock.end - DAY; c++) {
    pt.cycles++;
    const nTouches = rng.int(spec.touches[0], spec.touches[1]);
    // An app user opens the app now and then: owned channel, not a marketing touch
    if (person.app && rng.chance(0.7)) {
      appSession(state, person, t, rng.chance(0.5) ? 'identify' : 'browse');
      t += rng.exp(0.8 * DAY);
    }
    const touches = marketingTouches(state, person, spec, t, nTouches);
    t = touches.t;
    if (t >= clock.end - HOUR) break;
    const { touched } = touches;
    const probability = conversionProbability(spec.base, touched);
    for (const [ch, v] of trueShapleyCredit(spec.base, touched)) truth.trueIncrementalConversions[ch] += v;
    truth.trueIncrementalConversions.baseline += spec.base;
    const converted = rng.chance(probability);
    const cycle: CycleTruth = { personId: person.id, persona: person.persona, channels: touched, probability, converted };
    if (converted) {
      t += rng.int(1, 20) * HOUR;
      if (t >= clock.end) t = clock.end - HOUR;
      convert(state, person, spec, t, cycle, touches.last);
      afterSalesSupport(state, person, spec, t);
    }
    truth.cycles.push(cycle);
    t += rng.exp(4 * DAY) + DAY;
  }
}

/**
 * Up to `count` marketing touches, spaced out in time and stopping an hour before the period ends.
 * Returns the time after them, the distinct channels in order of first touch, and the last channel.
 */
function marketingTouches(
  state: GeneratorState,
  person: Person,
  spec: PersonaSpec,
  start: number,
  count: number,
): { t: number; touched: TouchChannel[]; last?: TouchChannel } {
  const { rng, clock } = state;
  const touched: TouchChannel[] = [];
  let last: TouchChannel | undefined;
  let t = start;
  for (let k = 0; k < count && t < clock.end - HOUR; k++) {
    let ch = rng.weighted(spec.channelMix);
    if (ch === 'store' && !person.loyaltyId) ch = 'email'; // an unobservable store visit is redrawn
    last = ch;
    if (!touched.includes(ch)) touched.push(ch);
    touch(state, person, ch, t);
    t += rng.exp(1.5 * DAY) + rng.int(1, 6) * HOUR;
  }
  return { t, touched, last };
}

/** The events one marketing touch leaves behind, on the source that observes that channel. */
function touch(state: GeneratorState, person: Person, ch: TouchChannel, t: number): void {
  const { rng } = state;
  switch (ch) {
    case 'email': {
      const { clicked, campaign } = emailTouch(state, person, t);
      if (clicked) webSession(state, person, t + rng.int(1, 5) * MINUTE, 'email', 'browse', campaign);
      break;
    }
    case 'store':
      storeVisit(state, person, t);
      break;
    case 'call_center':
      callTouch(state, person, t, 'sales');
      break;
    case 'chat':
      webSession(state, person, t, 'direct', 'browse');
      chatTouch(state, person, t + 5 * MINUTE, 'sales');
      break;
    default:
      webSession(state, person, t, ch, 'browse');
  }
}

/** The purchase of a converting cycle: draws the channel and order value, emits it, and records the truth. */
function convert(state: GeneratorState, person: Person, spec: PersonaSpec, t: number, cycle: CycleTruth, lastTouch?: TouchChannel): void {
  const { rng, truth } = state;
  let via = rng.weighted(spec.purchaseVia);
  if (via === 'app' && !person.app) via = 'web';
  const revenue = Math.round(spec.revenue.median * Math.exp(spec.revenue.sigma * gaussian(rng)) * 100) / 100;
  const orderId = nextOrderId(state);
  const order: Order = {
    order_id: orderId,
    revenue,
    currency: 'GBP',
    products: [{ product_id: rng.pick(PRODUCTS).sku, quantity: 1, price: revenue }],
  };
  if (via === 'web') webPurchase(state, person, t, order, lastTouch);
  else if (via === 'app') appPurchase(state, person, t, order);
  else storePurchase(state, person, t, order);
  cycle.orderId = orderId;
  cycle.revenue = revenue;
  const pt = truth.persons[person.id]!;
  pt.conversions++;
  pt.revenue = Math.round((pt.revenue + revenue) * 100) / 100;
  truth.stats.conversions++;
  truth.stats.revenue = Math.round((truth.stats.revenue + revenue) * 100) / 100;
}

/** Support calls and chats in the days after a purchase at `t`. */
function afterSalesSupport(state: GeneratorState, person: Person, spec: PersonaSpec, t: number): void {
  const { rng, clock } = state;
  const contacts = rng.int(spec.supportContacts[0], spec.supportContacts[1]);
  let st = t;
  for (let s = 0; s < contacts; s++) {
    st += rng.exp(2 * DAY) + HOUR;
    if (st >= clock.end) break;
    if (rng.chance(0.5)) callTouch(state, person, st, 'support');
    else chatTouch(state, person, st, 'support');
  }
}

/** Standard normal draw (Box-Muller). */
function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
