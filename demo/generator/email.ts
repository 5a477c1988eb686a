/** Newsletter e-mails as reported by the e-mail service provider's webhook: opens and link clicks. */

import type { Person } from './people.js';
import { emit, type GeneratorState, MINUTE, own } from './state.js';

/** A newsletter open and, often, a click; returns the time after it, whether it was clicked and the campaign. */
export function emailTouch(state: GeneratorState, person: Person, t: number): { t: number; clicked: boolean; campaign: string } {
  const { rng } = state;
  own(state, 'email', person.email, person.id);
  own(state, 'user_id', person.userId, person.id);
  const campaign = `newsletter_${new Date(t).toISOString().slice(0, 10)}`;
  const base = {
    userId: person.userId,
    context: {
      library: { name: 'esp-webhook', version: '1.0' },
      identifiers: { email: person.email, crmId: person.userId },
      touchpoint: { channel: 'email' },
      campaign: { name: campaign, source: 'newsletter', medium: 'email' },
    },
  };
  emit(state, 'email', person.id, t, { type: 'track', event: 'Email Opened', ...base, properties: { campaign_name: campaign } });
  const clicked = rng.chance(0.55);
  if (clicked) {
    const at = t + rng.int(5, 60) * 1000;
    emit(state, 'email', person.id, at, { type: 'track', event: 'Email Link Clicked', ...base, properties: { campaign_name: campaign } });
  }
  return { t: t + MINUTE, clicked, campaign };
}
