/** Mobile app sessions (screens, identify by e-mail, product screens) and in-app orders. */
import { type Order, productPages } from './catalog.js';
import { appContext, appIds } from './envelopes.js';
import { handOverSharedApp, identifyInApp } from './identity.js';
import { lateSessionDelay } from './noise.js';
import type { Person } from './people.js';
import { emit, type GeneratorState } from './state.js';

/** An app session; the whole session may be buffered offline and delivered hours late. Returns when it ended. */
export function appSession(state: GeneratorState, person: Person, t: number, purpose: 'browse' | 'identify' | 'buy'): { t: number } {
  const { rng } = state;
  const app = person.app!;
  handOverSharedApp(state, person, app);
  const lateBy = lateSessionDelay(state);
  let tt = t;
  const identifyNow = purpose === 'identify' || ((purpose === 'buy' || app.shared) && app.loggedInAs !== person.userId);
  emit(
    state,
    'app',
    person.id,
    tt,
    { type: 'screen', name: 'Home', ...appIds(state, person, app), context: appContext(state, person, app) },
    { lateBy },
  );
  if (identifyNow) {
    tt += 30_000;
    identifyInApp(state, person, app, tt, lateBy);
  }
  for (const prod of productPages(rng, rng.int(1, 2))) {
    tt += rng.int(15, 120) * 1000;
    emit(
      state,
      'app',
      person.id,
      tt,
      {
        type: 'screen',
        name: 'Product',
        ...appIds(state, person, app),
        properties: { product_id: prod.sku, name: prod.name, price: prod.price },
        context: appContext(state, person, app),
      },
      { lateBy },
    );
  }
  return { t: tt };
}

/** A purchase in the app: a buying session (logged in on the way), then the order. */
export function appPurchase(state: GeneratorState, person: Person, t: number, order: Order): void {
  const { t: tt } = appSession(state, person, t, 'buy');
  const app = person.app!;
  emit(state, 'app', person.id, tt + 60_000, {
    type: 'track',
    event: 'Order Completed',
    ...appIds(state, person, app),
    properties: order,
    context: appContext(state, person, app),
  });
}
