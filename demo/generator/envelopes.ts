/**
 * The identity fields and `context` blocks that web and app events carry, shared by every module that
 * emits on those sources. The id builders record each identifier they put on an event in the truth.
 */
import type { AppInstall, Browser, Person } from './people.js';
import { type GeneratorState, own } from './state.js';

/** Page title derived from a URL path. */
export function titleOf(path: string): string {
  if (path === '/' || path === '') return 'Home';
  const seg = path.split('/').filter(Boolean);
  return seg.map((s) => s.replace(/[-_]/g, ' ')).join(' / ');
}

/**
 * Only a session's landing page is left for the processor to classify (utm, click id, referrer).
 * Later events of the visit are marked `web` (owned property, not a marketing touch), as a tracking plan
 * would: otherwise every in-site page view (internal referrer, no utm) would read as a new `direct` visit.
 */
export function webContext(person: Person, browser: Browser, url: string, referrer?: string, landing = false): Record<string, unknown> {
  const u = new URL(url);
  return {
    ...(landing ? {} : { touchpoint: { channel: 'web' } }),
    ip: person.ip,
    userAgent: browser.userAgent,
    library: { name: 'analytics.js', version: '5.2.0' },
    page: { url, path: u.pathname, referrer: referrer ?? '', search: u.search, title: titleOf(u.pathname) },
    locale: 'en-GB',
  };
}

/** anonymousId of the browser, plus the userId while the person is logged in on it. */
export function webIds(state: GeneratorState, person: Person, browser: Browser): Record<string, unknown> {
  own(state, 'anonymous_id', browser.anonymousId, person.id);
  if (browser.loggedIn) {
    own(state, 'user_id', person.userId, person.id);
    return { anonymousId: browser.anonymousId, userId: person.userId };
  }
  return { anonymousId: browser.anonymousId };
}

export function appContext(state: GeneratorState, person: Person, app: AppInstall): Record<string, unknown> {
  own(state, 'device_id', app.deviceId, person.id);
  const manufacturer = app.os === 'iOS' ? 'Apple' : app.model.startsWith('Galaxy') ? 'Samsung' : 'Google';
  return {
    ip: person.ip,
    library: { name: app.os === 'iOS' ? 'analytics-ios' : 'analytics-android', version: '4.1.0' },
    app: { name: 'Threadline Outdoor', version: '3.4.1', build: 341 },
    device: { id: app.deviceId, type: app.os.toLowerCase(), manufacturer, model: app.model },
    os: { name: app.os, version: app.os === 'iOS' ? '17.4' : '14' },
    identifiers: { deviceId: app.deviceId },
    touchpoint: { channel: 'mobile_app' },
  };
}

/** anonymousId of the install, plus the userId while this person is the one logged in on it. */
export function appIds(state: GeneratorState, person: Person, app: AppInstall): Record<string, unknown> {
  own(state, 'anonymous_id', app.anonymousId, person.id);
  if (app.loggedInAs === person.userId) {
    own(state, 'user_id', person.userId, person.id);
    return { anonymousId: app.anonymousId, userId: person.userId };
  }
  return { anonymousId: app.anonymousId };
}
