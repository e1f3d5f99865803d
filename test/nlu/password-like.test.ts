// What counts as "looks like a password", shared by the parser (refuses it) and the redaction (removes it).
import { describe, expect, it } from 'vitest';
import { looksLikePassword } from '../../src/nlu/password-like.js';

describe('looksLikePassword', () => {
  it.each(['Hunter2!pass', 'Lighthouse-Paper-41', 'abc12345', 'Qu13t#Orchard', 'contraseña99', 'my password is hunter', 'mi clave es perro'])(
    'is true for %j',
    (text) => expect(looksLikePassword(text)).toBe(true),
  );

  it.each([
    'Contraseña',
    'Olvidé',
    'También',
    'Información',
    'hola',
    'Hello',
    'ana@example.com',
    'https://example.com/a1',
    '7HQK-2M9D-XW4P-LC3R',
    'abc123',
    'olvidé mi clave',
    'x'.repeat(200) + '1A!',
  ])('is false for %j', (text) => expect(looksLikePassword(text)).toBe(false));
});
