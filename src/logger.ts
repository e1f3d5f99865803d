// Structured logs. Anything that could carry a secret or personal data is redacted by path, and the
// code never logs message text at all.
import { pino, type Logger } from 'pino';

/**
 * Field names whose values can be a secret or personal data, wherever they sit (up to three levels deep):
 * what people type, codes and tokens, passwords, addresses and numbers, links (a reset link is a secret),
 * and the credentials of every integration.
 */
export const sensitiveFields = [
  'text',
  'value',
  'code',
  'codes',
  'token',
  'password',
  'secret',
  'answer',
  'email',
  'phone',
  'identifier',
  'destination',
  'to',
  'url',
  'link',
  'apiKey',
  'authToken',
] as const;

/** Headers that carry credentials, on requests and responses. */
export const sensitiveHeaders = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-clave-signature'] as const;

const atAnyDepth = (path: string) => [path, `*.${path}`, `*.*.${path}`, `*.*.*.${path}`];

export const redactPaths = [
  ...sensitiveFields.flatMap(atAnyDepth),
  ...sensitiveHeaders.flatMap((header) => atAnyDepth(`headers["${header}"]`)),
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'clave' } }, destination as never);
}

export type { Logger };
