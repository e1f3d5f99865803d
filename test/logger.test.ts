// The structured logger never writes a secret or personal data it is handed, wherever it sits in the
// logged object (SECURITY.md 7): every sensitive field name, at every depth, in objects and arrays.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, sensitiveFields, sensitiveHeaders } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  let buffer = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      buffer += String(chunk);
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
      callback();
    },
  });
  return { logger: createLogger('debug', stream), lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Puts `leaf` at `depth` levels below the top: depth 0 is the object itself. */
function nest(depth: number, leaf: Record<string, unknown>): Record<string, unknown> {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { [`level${depth - i}`]: value };
  return value;
}

const secretFor = (what: string, depth: number) => `SENSITIVE-${what}-at-${depth}`;

describe('logger redaction', () => {
  it('names the fields the brief and SECURITY.md list', () => {
    for (const field of ['text', 'code', 'token', 'password', 'email', 'phone', 'to', 'url']) {
      expect(sensitiveFields).toContain(field);
    }
    for (const header of ['authorization', 'cookie']) expect(sensitiveHeaders).toContain(header);
  });

  it.each([0, 1, 2, 3])('never writes a sensitive value %i levels deep', (depth) => {
    const { logger, lines, records } = capture();
    const leaf: Record<string, unknown> = { conversation: `conv-${depth}` };
    for (const field of sensitiveFields) leaf[field] = secretFor(field, depth);
    logger.info(nest(depth, leaf), 'fields');

    const headers: Record<string, unknown> = {};
    for (const header of sensitiveHeaders) headers[header] = secretFor(header, depth);
    logger.info(nest(depth, { headers, route: '/api/messages' }), 'headers');

    expect(lines).toHaveLength(2);
    const written = lines.join('\n');
    for (const name of [...sensitiveFields, ...sensitiveHeaders]) expect(written).not.toContain(secretFor(name, depth));
    // What is not sensitive still gets through, so the test is not passing on an empty log.
    expect(written).toContain(`conv-${depth}`);
    expect(written).toContain('/api/messages');
    expect(written.match(/\[redacted\]/g)).toHaveLength(sensitiveFields.length + sensitiveHeaders.length);
    expect(records().every((r) => r.service === 'clave')).toBe(true);
  });

  it('redacts inside arrays and the request shape a server logs', () => {
    const { logger, lines } = capture();
    logger.warn(
      {
        messages: [{ to: 'ana@example.com', text: 'Your code is 483920.' }, { to: '+14155550101', code: '771204' }],
        req: {
          method: 'POST',
          url: '/reset/Jx8k2mQv9rT4wY7zA1bC3d',
          headers: { authorization: 'Bearer eyJhbGciOi.token.sig', cookie: 'csrf=abc123secret', host: 'clave.test' },
        },
        res: { statusCode: 200, headers: { 'set-cookie': 'csrf=def456secret; HttpOnly' } },
        event: { type: 'DIGITS', value: '483920' },
        smtp: { url: 'smtps://mailer:mail-password@smtp.example.com:465' },
      },
      'shapes',
    );
    const written = lines.join('\n');
    for (const secret of [
      'ana@example.com',
      '483920',
      '+14155550101',
      '771204',
      'Jx8k2mQv9rT4wY7zA1bC3d',
      'eyJhbGciOi',
      'abc123secret',
      'def456secret',
      'mail-password',
    ]) {
      expect(written).not.toContain(secret);
    }
    expect(written).toContain('clave.test');
    expect(written).toContain('DIGITS');
  });
});
