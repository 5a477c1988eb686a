/**
 * Identity events: web login (with an alias at sign-up), logout resetting the anonymous id, the
 * hand-over of a shared tablet, and identify by e-mail in the app.
 */
import { SITE } from './catalog.js';
import { appContext, appIds, webContext } from './envelopes.js';
import type { AppInstall, Browser, Person } from './people.js';
import { emit, type GeneratorState, own } from './state.js';

/** Logs the person in on the browser: `alias` first when signing up, then `identify` a second later. */
export function login(state: GeneratorState, person: Person, browser: Browser, t: number, viaAlias: boolean): void {
  own(state, 'anonymous_id', browser.anonymousId, person.id);
  own(state, 'user_id', person.userId, person.id);
  own(state, 'email', person.email, person.id);
  if (viaAlias) {
    // sign-up flow: alias the anonymous visitor to the new user id, then identify
    emit(state, 'web', person.id, t, {
      type: 'alias',
      previousId: browser.anonymousId,
      userId: person.userId,
      context: webContext(person, browser, `${SITE}/account/signup`),
    });
  }
  browser.loggedIn = true;
  emit(state, 'web', person.id, t + 1000, {
    type: 'identify',
    anonymousId: browser.anonymousId,
    userId: person.userId,
    traits: { email: person.email, plan: 'member' },
    context: { ...webContext(person, browser, `${SITE}/account`), identifiers: { email: person.email } },
  });
  person.hasAccount = true;
}

/** Logout or "reset()": a new anonymous id that must not be merged with anyone by itself. */
export function logout(state: GeneratorState, browser: Browser): void {
  browser.loggedIn = false;
  browser.anonymousId = state.rng.uuid();
  state.truth.stats.resets++;
}

/** Shared tablet: whoever was logged in last is logged out, giving the next person a fresh anonymous id. */
export function handOverSharedApp(state: GeneratorState, person: Person, app: AppInstall): void {
  if (app.shared && app.loggedInAs && app.loggedInAs !== person.userId) {
    app.loggedInAs = undefined;
    app.anonymousId = state.rng.uuid();
    state.truth.stats.resets++;
  }
}

/**
 * "Identify by e-mail in the app": the person logs in on the install, and the app sends the account's
 * e-mail and, when linked, the loyalty card.
 */
export function identifyInApp(state: GeneratorState, person: Person, app: AppInstall, t: number, lateBy: number | undefined): void {
  app.loggedInAs = person.userId;
  own(state, 'email', person.email, person.id);
  own(state, 'loyalty_id', person.loyaltyId, person.id);
  const identifiers: Record<string, string> = { deviceId: app.deviceId, email: person.email };
  if (person.loyaltyId && state.rng.chance(0.7)) identifiers.loyaltyId = person.loyaltyId;
  emit(
    state,
    'app',
    person.id,
    t,
    {
      type: 'identify',
      ...appIds(state, person, app),
      traits: { email: person.email },
      context: { ...appContext(state, person, app), identifiers },
    },
    { lateBy },
  );
  person.hasAccount = true;
}
