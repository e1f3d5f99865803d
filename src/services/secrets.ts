// Randomness and keyed hashing for codes, tokens and identifiers. Only HMACs are ever stored.
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export class Secrets {
  private readonly key: Buffer;

  constructor(secretKey: string | undefined) {
    // Without a configured key (development), a per-process key: nothing hashed survives a restart.
    this.key = secretKey ? Buffer.from(secretKey, 'utf8') : randomBytes(32);
  }

  /** HMAC-SHA-256 of a value under a purpose label, so one hash can never stand in for another kind. */
  hash(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(purpose).update('\0').update(value).digest('hex');
  }

  matches(purpose: string, value: string, expectedHash: string): boolean {
    const actual = Buffer.from(this.hash(purpose, value), 'hex');
    const expected = Buffer.from(expectedHash, 'hex');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}

/** A uniformly random numeric code (crypto.randomInt has no modulo bias). */
export function randomDigits(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String(randomInt(0, 10));
  return out;
}

/** 128 bits or more of randomness, URL-safe. */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}
