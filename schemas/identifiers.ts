/**
 * Identifier types that the identity store links into persons.
 *
 * Raw e-mail addresses and phone numbers never travel past the processor: they are normalised and
 * keyed-hashed (HMAC-SHA256) into `email_hash` / `phone_hash` first.
 */
export const IDENTIFIER_TYPES = ['user_id', 'anonymous_id', 'device_id', 'email_hash', 'phone_hash', 'loyalty_id', 'crm_id'] as const;

export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

export interface Identifier {
  type: IdentifierType;
  value: string;
}
