/** The contact centre: phone calls (identified by phone number) and the website chat widget. */
import { webIds } from './envelopes.js';
import type { Person } from './people.js';
import { emit, type GeneratorState, own } from './state.js';

export function callTouch(state: GeneratorState, person: Person, t: number, purpose: 'sales' | 'support'): void {
  const { rng } = state;
  own(state, 'phone', person.phone, person.id);
  const known = person.hasAccount;
  if (known) own(state, 'user_id', person.userId, person.id);
  const identifiers: Record<string, string> = { phone: person.phone };
  if (known) identifiers.crmId = person.userId;
  emit(state, 'callcenter', person.id, t, {
    type: 'track',
    event: purpose === 'sales' ? 'Sales Call Completed' : 'Support Call Completed',
    ...(known ? { userId: person.userId } : {}),
    properties: { duration_s: rng.int(60, 900), queue: purpose, resolved: rng.chance(0.8) },
    context: {
      library: { name: 'contact-centre', version: '2.3' },
      identifiers,
      touchpoint: { channel: 'call_center', location: `queue-${purpose}`, agent: `agent-${rng.int(1, 40)}` },
    },
  });
}

export function chatTouch(state: GeneratorState, person: Person, t: number, purpose: 'sales' | 'support'): void {
  const { rng } = state;
  // the chat widget runs on the website and passes the site's anonymous id (and user id when logged in)
  const browser = rng.pick(person.browsers);
  emit(state, 'callcenter', person.id, t, {
    type: 'track',
    event: purpose === 'sales' ? 'Chat Completed' : 'Support Chat Completed',
    ...webIds(state, person, browser),
    properties: { messages: rng.int(3, 30), topic: purpose },
    context: {
      library: { name: 'chat-widget', version: '1.8' },
      userAgent: browser.userAgent,
      touchpoint: { channel: 'chat', location: 'web-widget', agent: `agent-${rng.int(1, 40)}` },
    },
  });
}
