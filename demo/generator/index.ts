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
 *
 * Modules: state.ts (random stream, clock, ids, event queue, truth), people.ts (customers and devices),
 * journey.ts (buying cycles), one module per channel (web.ts, app.ts, email.ts, store.ts,
 * contact-centre.ts), identity.ts (login, alias, logout, identify), envelopes.ts (shared event fields),
 * noise.ts (late, duplicate and invalid events) and delivery.ts (arrival order and statistics).
 */
import { deliver } from './delivery.js';
import { livePerson } from './journey.js';
import { injectDeliveryNoise } from './noise.js';
import { createPeople } from './people.js';
import { createState } from './state.js';
import type { Dataset, GenerateOptions } from './types.js';

export { toNdjson } from './delivery.js';
export type { Persona, TouchChannel } from './personas.js';
export { conversionProbability, PERSONA_SPECS, PERSONAS, TOUCH_CHANNELS, TRUE_CHANNEL_LIFT, trueShapleyCredit } from './personas.js';
export * from './types.js';

export function generateDataset(options: GenerateOptions): Dataset {
  const state = createState(options);
  const people = createPeople(state);
  for (const person of people) livePerson(state, person);
  const uniqueEvents = injectDeliveryNoise(state);
  return deliver(state, uniqueEvents);
}
