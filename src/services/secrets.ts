// Randomness and keyed hashing for codes, tokens and identifiers. Only HMACs are ever stored.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

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

  /**
   * AES-256-GCM under a key derived for the purpose: for the rare value that must be read back a turn later
   * (card digits waiting for their postal code). Never kept longer than that, never in clear.
   */
  seal(purpose: string, value: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey(purpose), iv);
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
  }

  /** The sealed value, or null when it was not sealed under this key and purpose (or was tampered with). */
  open(purpose: string, sealed: string): string | null {
    const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
    if (!iv || !tag || !body || iv.length !== 12 || tag.length !== 16) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey(purpose), iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  private sealKey(purpose: string): Buffer {
    return createHmac('sha256', this.key).update('seal').update('\0').update(purpose).digest();
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
