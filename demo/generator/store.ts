/** Physical stores: loyalty-card scans by the clienteling app and point-of-sale orders. */
import { type Order, STORES } from './catalog.js';
import type { Person } from './people.js';
import { emit, type GeneratorState, own } from './state.js';

/** A store visit; only observable for a person with a loyalty card. */
export function storeVisit(state: GeneratorState, person: Person, t: number): void {
  const { rng } = state;
  own(state, 'loyalty_id', person.loyaltyId, person.id);
  // clienteling app scans the loyalty card
  emit(state, 'pos', person.id, t, {
    type: 'track',
    event: 'Store Visit',
    anonymousId: `loyalty-${person.loyaltyId}`,
    properties: { store_id: rng.pick(STORES) },
    context: {
      library: { name: 'pos-connector', version: '1.2' },
      identifiers: { loyaltyId: person.loyaltyId },
      touchpoint: { channel: 'store', location: rng.pick(STORES), agent: `staff-${rng.int(1, 25)}` },
    },
  });
  own(state, 'anonymous_id', `loyalty-${person.loyaltyId}`, person.id);
}

/** A till sale, identified by the loyalty card, else by an e-mailed receipt, else not at all. */
export function storePurchase(state: GeneratorState, person: Person, t: number, order: Order): void {
  const { rng } = state;
  const store = rng.pick(STORES);
  const identifiers: Record<string, string> = {};
  let anonymousId: string;
  if (person.loyaltyId) {
    identifiers.loyaltyId = person.loyaltyId;
    anonymousId = `loyalty-${person.loyaltyId}`;
    own(state, 'loyalty_id', person.loyaltyId, person.id);
  } else {
    // no card: an e-receipt by e-mail links it; otherwise the sale stays anonymous (and unattributable)
    anonymousId = `receipt-${order.order_id}`;
    if (rng.chance(0.6)) {
      identifiers.email = person.email;
      own(state, 'email', person.email, person.id);
    }
  }
  own(state, 'anonymous_id', anonymousId, person.id);
  emit(state, 'pos', person.id, t, {
    type: 'track',
    event: 'Order Completed',
    anonymousId,
    properties: order,
    context: {
      library: { name: 'pos-connector', version: '1.2' },
      identifiers,
      touchpoint: { channel: 'store', location: store, agent: `staff-${rng.int(1, 25)}` },
    },
  });
}
