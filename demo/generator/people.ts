/** The simulated customers: persona, contact identifiers, browsers, app installs and shared family tablets. */

import { FIRST_NAMES, LAST_NAMES, UA } from './catalog.js';
import { PERSONA_SPECS, PERSONAS, type Persona } from './personas.js';
import type { GeneratorState } from './state.js';

export interface Browser {
  anonymousId: string;
  userAgent: string;
  loggedIn: boolean;
}

export interface AppInstall {
  deviceId: string;
  anonymousId: string;
  os: 'iOS' | 'Android';
  model: string;
  /** userId currently logged in on the install (a shared tablet switches between people). */
  loggedInAs?: string;
  shared: boolean;
}

export interface Person {
  id: string;
  index: number;
  persona: Persona;
  userId: string;
  email: string;
  phone: string;
  loyaltyId?: string;
  hasAccount: boolean;
  browsers: Browser[];
  app?: AppInstall;
  household?: string;
  ip: string;
}

/** Phone numbers from ranges reserved for fiction (Ofcom), then plausible mobiles beyond 4,000 people. */
function phoneFor(i: number): string {
  const blocks = ['+44 20 7946 0', '+44 161 496 0', '+44 117 496 0', '+44 113 496 0'];
  if (i < 4000) return `${blocks[Math.floor(i / 1000)]}${String(i % 1000).padStart(3, '0')}`;
  return `+44 7400 ${String(100000 + (i % 900000)).padStart(6, '0')}`;
}

/** Creates `state.customers` people, registers them in the truth, then pairs some into households. */
export function createPeople(state: GeneratorState): Person[] {
  const persons: Person[] = [];
  const personaWeights = Object.fromEntries(PERSONAS.map((p) => [p, PERSONA_SPECS[p].share])) as Record<Persona, number>;
  for (let i = 0; i < state.customers; i++) {
    const p = createPerson(state, i, personaWeights);
    persons.push(p);
    state.truth.persons[p.id] = { persona: p.persona, cycles: 0, conversions: 0, revenue: 0 };
  }
  shareFamilyTablets(state, persons);
  return persons;
}

function createPerson(state: GeneratorState, i: number, personaWeights: Record<Persona, number>): Person {
  const { rng } = state;
  const persona = rng.weighted(personaWeights);
  const spec = PERSONA_SPECS[persona];
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  // Mixed case and stray spaces on purpose: the processor must normalise before hashing.
  const rawEmail = `${first}.${last}${i}@example.com`;
  const email = rng.chance(0.15) ? ` ${rawEmail[0]!.toUpperCase()}${rawEmail.slice(1)} ` : rawEmail;
  const browsers: Browser[] = [{ anonymousId: rng.uuid(), userAgent: rng.chance(0.5) ? UA.desktop : UA.mac, loggedIn: false }];
  if (persona === 'researcher' || rng.chance(0.3)) {
    browsers.push({ anonymousId: rng.uuid(), userAgent: rng.chance(0.5) ? UA.iphone : UA.android, loggedIn: false });
  }
  const p: Person = {
    id: `person-${String(i + 1).padStart(5, '0')}`,
    index: i,
    persona,
    userId: `C${String(100000 + i)}`,
    email,
    phone: phoneFor(i),
    loyaltyId: rng.chance(spec.loyaltyCard) ? `L${state.seedTag}${String(i).padStart(6, '0')}` : undefined,
    hasAccount: rng.chance(0.45),
    browsers,
    ip: `203.0.113.${rng.int(1, 254)}`,
  };
  if (rng.chance(spec.appUser)) {
    const ios = rng.chance(0.55);
    p.app = {
      deviceId: rng.uuid().toUpperCase(),
      anonymousId: rng.uuid(),
      os: ios ? 'iOS' : 'Android',
      model: ios ? 'iPhone15,2' : 'Pixel 8',
      shared: false,
    };
  }
  return p;
}

/**
 * Households: ~12% of people share a family tablet with the next person. Each logs in with their own
 * account; the device id is the same, so a naive stitcher would merge them.
 */
function shareFamilyTablets(state: GeneratorState, persons: Person[]): void {
  const { rng, truth } = state;
  for (let i = 0; i + 1 < persons.length; i += 2) {
    if (!rng.chance(0.12)) continue;
    const a = persons[i]!;
    const b = persons[i + 1]!;
    const tablet: AppInstall = {
      deviceId: `TABLET-${rng.hex(12).toUpperCase()}`,
      anonymousId: rng.uuid(),
      os: 'Android',
      model: 'Galaxy Tab S9',
      shared: true,
    };
    a.app = tablet;
    b.app = tablet;
    const household = `household-${a.index + 1}`;
    a.household = household;
    b.household = household;
    truth.persons[a.id]!.household = household;
    truth.persons[b.id]!.household = household;
  }
}
