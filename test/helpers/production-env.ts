// One complete production environment for the tests that need one, so that a new production requirement is
// added in one place. Placeholders only: nothing here is ever connected to.
import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** Everything NODE_ENV=production requires, with the signed webhook for SMS. */
export const PRODUCTION_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  MICROSOFT_APP_ID: '00000000-0000-4000-8000-000000000001',
  MICROSOFT_APP_PASSWORD: 'app-password-that-must-never-be-printed',
  MICROSOFT_APP_TENANT_ID: '00000000-0000-4000-8000-0000000000aa',
  PUBLIC_BASE_URL: 'https://help.example.com',
  SECRET_KEY: 'production-secret-key-0123456789-abcdef',
  SMTP_URL: 'smtps://mailer:mail-password@smtp.example.com:465',
  SMS_WEBHOOK_URL: 'https://sms.example.com/send',
  SMS_WEBHOOK_SECRET: 'sms-webhook-secret-0123456789-abcdef-0123',
  REDIS_URL: 'rediss://:cache-key@cache.example.com:6380',
  // Without it the demo accounts file would quietly be the directory.
  DIRECTORY_URL: 'https://idp.example.com/clave/v1',
  DIRECTORY_TOKEN: 'directory-token-0123456789',
};

/** `env` without the named settings. */
export const withoutSettings = (env: Readonly<Record<string, string>>, ...names: string[]): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));

/** The problems loadConfig names for `env`; none when it loads. */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}
