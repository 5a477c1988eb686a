/**
 * The golden dataset: small enough to work out every view by hand (the expectations are in
 * golden.test.ts, each with its reasoning). Times are UTC, May 2024.
 *
 * Persons
 *  A  ids pC (05-01), pB (05-03), pA (05-05); identity changes pB -> pA and pC -> pB (two hops).
 *     email touch (2 events, one session -> one touch), web page, paid_search, direct, order o1 (100)
 *     and the same order o1 sent again a minute later under another message id.
 *  D  paid_social, order o2 (50) 20 min later; email ten days after (unconverted journey 'email').
 *  E  direct 10:00, direct 10:30:00.000 (exactly 30 min: new session, so a second touch), order o3 (20).
 *  F  referral 04-15 11:59:59.999 (1 ms outside the window), display 04-15 12:00:00.000 (exactly 30 days
 *     before the conversion: inside), affiliate 05-14 12:00, conversion without order id or revenue.
 *  G  chat 05-02 10:00, web 10:29:59.999 (same session), store 05-03 15:00; never converts.
 *  H  web only, order o4 (30): a conversion without touches.
 *  S  order o5 (200) in a store (the purchase is the store touch).
 *  K  order o6 (10) in a store.
 */
import { type EventInput, eventRecord, identityChange } from './fixtures.js';

const ev: EventInput[] = [
  // A
  { id: 'a-email-1', person: 'pC', time: '2024-05-01 10:00:00.000', channel: 'email', campaign: 'spring', pagePath: '/spring' },
  { id: 'a-email-2', person: 'pC', time: '2024-05-01 10:05:00.000', channel: 'email', campaign: 'spring', pagePath: '/p/1' },
  { id: 'a-web-1', person: 'pC', time: '2024-05-01 10:10:00.000', channel: 'web', pagePath: '/p/2' },
  { id: 'a-identify', person: 'pB', time: '2024-05-03 08:59:00.000', type: 'identify', name: 'identify', channel: 'web' },
  { id: 'a-search', person: 'pB', time: '2024-05-03 09:00:00.000', channel: 'paid_search', campaign: 'brand' },
  { id: 'a-direct', person: 'pA', time: '2024-05-05 12:00:00.000', channel: 'direct' },
  { id: 'a-order', person: 'pA', time: '2024-05-05 12:10:00.000', type: 'track', name: 'Order Completed', orderId: 'o1', revenue: 100 },
  {
    id: 'a-order-again',
    person: 'pA',
    time: '2024-05-05 12:11:00.000',
    type: 'track',
    name: 'Order Completed',
    orderId: 'o1',
    revenue: 100,
  },
  // D
  { id: 'd-social', person: 'pD', time: '2024-05-10 08:00:00.000', channel: 'paid_social', campaign: 'may' },
  { id: 'd-order', person: 'pD', time: '2024-05-10 08:20:00.000', type: 'track', name: 'Order Completed', orderId: 'o2', revenue: 50 },
  { id: 'd-email', person: 'pD', time: '2024-05-20 09:00:00.000', channel: 'email', campaign: 'newsletter' },
  // E
  { id: 'e-direct-1', person: 'pE', time: '2024-05-12 10:00:00.000', channel: 'direct' },
  { id: 'e-direct-2', person: 'pE', time: '2024-05-12 10:30:00.000', channel: 'direct' },
  { id: 'e-order', person: 'pE', time: '2024-05-12 10:31:00.000', type: 'track', name: 'Order Completed', orderId: 'o3', revenue: 20 },
  // F
  { id: 'f-referral', person: 'pF', time: '2024-04-15 11:59:59.999', channel: 'referral' },
  { id: 'f-display', person: 'pF', time: '2024-04-15 12:00:00.000', channel: 'display' },
  { id: 'f-affiliate', person: 'pF', time: '2024-05-14 12:00:00.000', channel: 'affiliate' },
  { id: 'f-conv', person: 'pF', time: '2024-05-15 12:00:00.000', type: 'track', name: 'Order Completed' },
  // G
  { id: 'g-chat', person: 'pG', time: '2024-05-02 10:00:00.000', channel: 'chat' },
  { id: 'g-web', person: 'pG', time: '2024-05-02 10:29:59.999', channel: 'web' },
  { id: 'g-store', person: 'pG', time: '2024-05-03 15:00:00.000', channel: 'store' },
  // H
  { id: 'h-web', person: 'pH', time: '2024-05-06 10:00:00.000', channel: 'web' },
  { id: 'h-order', person: 'pH', time: '2024-05-06 10:05:00.000', type: 'track', name: 'Order Completed', orderId: 'o4', revenue: 30 },
  // S, K
  {
    id: 's-order',
    person: 'pS',
    time: '2024-05-07 14:00:00.000',
    type: 'track',
    name: 'Order Completed',
    orderId: 'o5',
    revenue: 200,
    channel: 'store',
  },
  {
    id: 'k-order',
    person: 'pK',
    time: '2024-05-08 16:00:00.000',
    type: 'track',
    name: 'Order Completed',
    orderId: 'o6',
    revenue: 10,
    channel: 'store',
  },
];

export const GOLDEN_EVENTS = [
  ...ev.map(eventRecord),
  // At-least-once duplicates: the same message delivered twice. The later copy (received 5 s later,
  // with a different page_path so a wrong pick would show) must lose.
  eventRecord({ ...ev[0]!, receivedAt: '2024-05-01 10:00:05.000', pagePath: '/WRONG-COPY' }),
  eventRecord({ ...ev[9]!, receivedAt: '2024-05-10 08:20:02.000' }),
];

export const GOLDEN_IDENTITY_CHANGES = [
  identityChange('pB', 'pA', '2024-05-05 12:00:01.000'),
  identityChange('pC', 'pB', '2024-05-05 12:00:02.000'),
  // A replayed merge: same change, written twice.
  identityChange('pC', 'pB', '2024-05-05 12:00:02.000'),
];
