// Structured logs. Anything that could carry a secret or personal data is redacted by path, and the
// code never logs message text at all.
import { pino, type Logger } from 'pino';

export const redactPaths = [
  'text',
  '*.text',
  'code',
  '*.code',
  'token',
  '*.token',
  'password',
  '*.password',
  'to',
  '*.to',
  'email',
  '*.email',
  'phone',
  '*.phone',
  'url',
  '*.url',
  'req.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'clave' } }, destination as never);
}

export type { Logger };
