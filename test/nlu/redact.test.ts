// Redaction before text leaves for a language model (SECURITY.md 25), checked on thousands of generated
// messages: whatever address, number, code, link or password is in them, none of it comes out.
import { describe, expect, it } from 'vitest';
import { looksLikePassword } from '../../src/nlu/password-like.js';
import { PLACEHOLDERS, redact } from '../../src/nlu/redact.js';

// A seeded generator, so a failure names a case that can be replayed.
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, min: number, max: number) => min + Math.floor(r() * (max - min + 1));
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const chars = (r: Rand, alphabet: string, min: number, max: number) =>
  Array.from({ length: int(r, min, max) }, () => pick(r, [...alphabet])).join('');
const digits = (r: Rand, n: number) => Array.from({ length: n }, () => String(int(r, 0, 9))).join('');

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';

const generate = {
  email(r: Rand): string {
    const local = chars(r, `${LOWER}${DIGITS}._+-`, 1, 12).replace(/^[._+-]+/, 'x');
    const host = chars(r, `${LOWER}${DIGITS}-`, 1, 10).replace(/^-+/, 'h');
    const tld = pick(r, ['com', 'es', 'org', 'co.uk', 'com.mx', 'net', 'io', 'museum', 'xyz', 'example']);
    const address = `${local}@${pick(r, ['', 'mail.', 'correo.'])}${host}.${tld}`;
    return r() < 0.3 ? address.toUpperCase() : address;
  },
  phone(r: Rand): string {
    switch (int(r, 0, 5)) {
      case 0:
        return `+${int(r, 1, 99)} ${digits(r, 3)} ${digits(r, 3)} ${digits(r, 3)}`;
      case 1:
        return `(${digits(r, 3)}) ${digits(r, 3)}-${digits(r, 4)}`;
      case 2:
        return `${digits(r, 3)}.${digits(r, 3)}.${digits(r, 4)}`;
      case 3:
        return `+${digits(r, int(r, 8, 14))}`;
      case 4:
        return `${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`;
      default:
        return `${digits(r, 3)}-${digits(r, 4)}`;
    }
  },
  code(r: Rand): string {
    switch (int(r, 0, 3)) {
      case 0:
        return digits(r, int(r, 4, 10));
      case 1:
        return `${digits(r, 3)} ${digits(r, 3)}`;
      case 2:
        return `${digits(r, 3)}-${digits(r, 3)}`;
      default:
        // Digits glued to letters: "codigo123456".
        return `${pick(r, ['code', 'codigo', 'pin', 'ref'])}${digits(r, int(r, 4, 8))}`;
    }
  },
  url(r: Rand): string {
    const host = `${chars(r, LOWER, 2, 10)}.${pick(r, ['com', 'ly', 'io', 'es', 'net', 'example', 'test'])}`;
    const path = `/${chars(r, `${LOWER}${UPPER}${DIGITS}-_`, 1, 12)}${r() < 0.5 ? `?t=${chars(r, LOWER + DIGITS, 1, 8)}` : ''}`;
    switch (int(r, 0, 3)) {
      case 0:
        return `https://${host}${path}`;
      case 1:
        return `http://${pick(r, ['', 'www.', 'login.'])}${host}${path}`;
      case 2:
        return `www.${host}${r() < 0.5 ? path : ''}`;
      default:
        return `${host}${path}`;
    }
  },
  password(r: Rand): string {
    // Passwords as people make them: a word, a number, a symbol, in some order and case.
    for (;;) {
      const parts = [
        pick(r, ['Sol', 'luna', 'Harbor', 'gato', 'Kettle', 'perro', 'Lamp', 'verano']),
        digits(r, int(r, 1, 3)),
        pick(r, ['!', '#', '$', '*', '-', '_', '.', '?', '%', '&']),
        chars(r, LOWER + UPPER, 0, 5),
      ];
      const shuffled = parts.sort(() => r() - 0.5).join('');
      if (looksLikePassword(shuffled) && shuffled.length >= 8) return shuffled;
    }
  },
};

type Kind = keyof typeof generate;
const KINDS = Object.keys(generate) as Kind[];

const TEMPLATES = [
  'mi correo es {x} y no me llega nada',
  'my email is {x}, pls help',
  'llámame al {x} porfa',
  'call me at {x} tomorrow',
  'el código era {x} pero ya no sirve',
  'the code {x} did not work',
  'me llegó esto: {x} es de ustedes?',
  'got a text with {x} is that legit',
  'probé con {x}. nada',
  'tried ({x}) and nothing',
  '{x}',
  '¿{x}?',
  '"{x}"',
  'ok so {x}, then {y} and also {z}',
  'hola {x} {y}',
];

/** Pieces of text that must not survive in any form that identifies them. */
function leaks(output: string): string[] {
  const found: string[] = [];
  if (/\p{Nd}{4,}/u.test(output)) found.push('a run of 4+ digits');
  // Digits split by separators that still add up to a code or a phone number.
  for (const group of output.match(/\+?\p{Nd}(?:[\p{Nd}\s().\-–]*\p{Nd})?/gu) ?? []) {
    if ((group.match(/\p{Nd}/gu) ?? []).length >= 4) found.push(`digits "${group}"`);
  }
  if (/[^\s<>@]@[^\s<>@]/.test(output)) found.push('an email address');
  if (/:\/\/|\bwww\./i.test(output)) found.push('a link');
  return found;
}

describe('redact', () => {
  it.each([
    ['mi correo es ana.perez@example.com', 'mi correo es <email>'],
    ['llámame al +34 612 345 678', 'llámame al <phone>'],
    ['(415) 555-0101', '<phone>'],
    ['el código es 123456', 'el código es <number>'],
    ['code 123 456 pls', 'code <number> pls'],
    ['see https://evil.example/reset?x=1 now', 'see <url> now'],
    ['bit.ly/abc', '<url>'],
    ['go to www.example.com', 'go to <url>'],
    ['my password is hunter2 ok', 'my password is <secret> ok'],
    ['mi clave es perro', 'mi clave es <secret>'],
    ['try (Abc123xyz), thanks', 'try <secret> thanks'],
    ['Blue-Harbor-Kettle-7', '<secret>'],
    ['hace 10 minutos y 2 veces', 'hace 10 minutos y 2 veces'],
    ['Hola!! olvidé mi clave', 'Hola!! olvidé mi clave'],
    ['１２３４５６', '<number>'],
  ])('turns %j into %j', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('leaves nothing of 5,000 generated emails, phones, codes, links and passwords', () => {
    const r = random(20_260_101);
    const failures: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const secrets = [pick(r, KINDS), pick(r, KINDS), pick(r, KINDS)].map((kind) => ({ kind, value: generate[kind](r) }));
      const [x, y, z] = secrets.map((s) => s.value);
      const input = pick(r, TEMPLATES).replace('{x}', x!).replace('{y}', y!).replace('{z}', z!);
      const output = redact(input);
      const problems = leaks(output);
      for (const s of secrets) {
        // Every secret is gone as a whole; the short ones (4-digit codes) are also checked by `leaks`.
        if (output.includes(s.value)) problems.push(`the ${s.kind} "${s.value}"`);
      }
      if (!secrets.some((s) => input.includes(s.value))) continue;
      if (!/<(email|phone|number|url|secret)>/.test(output)) problems.push('no placeholder');
      if (problems.length > 0) failures.push(`${JSON.stringify(input)} → ${JSON.stringify(output)}: ${problems.join(', ')}`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it('uses the placeholder of the kind it removed', () => {
    const r = random(7);
    const expected: Record<Kind, RegExp> = {
      email: /^<email>$/,
      phone: /^<phone>$/,
      code: /^(\w*)<(number|phone)>$/,
      url: /^<url>$/,
      password: /^<secret>$/,
    };
    for (let i = 0; i < 1000; i++) {
      const kind = pick(r, KINDS);
      const value = generate[kind](r);
      expect(redact(value), `${kind} ${JSON.stringify(value)}`).toMatch(expected[kind]);
    }
  });

  it('is idempotent: redacting twice changes nothing more', () => {
    const r = random(99);
    for (let i = 0; i < 2000; i++) {
      const input = pick(r, TEMPLATES)
        .replace('{x}', generate[pick(r, KINDS)](r))
        .replace('{y}', generate[pick(r, KINDS)](r))
        .replace('{z}', generate[pick(r, KINDS)](r));
      const once = redact(input);
      expect(redact(once), JSON.stringify(input)).toBe(once);
    }
  });

  it('leaves ordinary chat untouched, short numbers, accents and punctuation included', () => {
    const r = random(123);
    const words = [
      'olvidé', 'mi', 'clave', 'contraseña', 'no', 'me', 'llega', 'el', 'código', 'ayuda', 'porfa', 'hola', 'Hola!',
      'gracias.', 'I', 'forgot', 'my', 'password', "can't", 'log', 'in', 'please?', 'the', 'code', 'never', 'came',
      'e-mail', 'SMS', '2FA', 'tv', 'Netflix!', '¿qué', 'pasa?', 'ya', 'probé', 'todo', 'wi-fi', 'ok', '👍', 'jajaja',
      'Olvidé', 'Contraseña', 'También', 'Según', 'ÑANDÚ', 'Información.',
    ];
    for (let i = 0; i < 2000; i++) {
      const parts = Array.from({ length: int(r, 1, 14) }, () => pick(r, words));
      // Numbers under 4 digits, never two side by side (they would read as one longer number).
      if (r() < 0.5) parts.splice(int(r, 0, parts.length), 0, String(int(r, 0, 999)), pick(r, ['minutos', 'times', 'veces']));
      const input = parts.join(' ');
      expect(redact(input), JSON.stringify(input)).toBe(input);
    }
  });

  it('names only the placeholders it documents', () => {
    expect(Object.values(PLACEHOLDERS).sort()).toEqual(['<email>', '<number>', '<phone>', '<secret>', '<url>']);
  });
});
