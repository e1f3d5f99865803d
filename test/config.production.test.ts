// SECURITY.md 22: in production the bot refuses to start on development stand-ins, and says which
// settings are missing, all of them at once. Checked on loadConfig and on the real start-up command.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { PRODUCTION_ENV, problemsOf, withoutSettings } from './helpers/production-env.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Everything production needs, with Twilio for SMS. Values are placeholders; nothing connects here. */
const complete: Record<string, string> = {
  ...withoutSettings(PRODUCTION_ENV, 'SMS_WEBHOOK_URL', 'SMS_WEBHOOK_SECRET'),
  MICROSOFT_APP_TYPE: 'SingleTenant',
  TWILIO_ACCOUNT_SID: `AC${'0a'.repeat(16)}`,
  TWILIO_AUTH_TOKEN: 'twilio-auth-token-0123456789',
  TWILIO_FROM: '+15005550006',
};

const without = (...names: string[]) => withoutSettings(complete, ...names);


/** The lines that name a variable first, as `NAME: why`. */
const named = (problems: string[], name: string) => problems.filter((p) => p.startsWith(`${name}:`) || p.startsWith(`${name},`));

describe('production configuration (SECURITY.md 22)', () => {
  it('starts with a complete production environment, development routes off', () => {
    const config = loadConfig(complete);
    expect(config.env).toBe('production');
    expect(config.devRoutes).toBe(false);
  });

  it('accepts the SMS webhook instead of Twilio, and a managed identity without a password', () => {
    const webhook = {
      ...without('TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'),
      SMS_WEBHOOK_URL: 'https://sms-gateway.example.com/send',
      SMS_WEBHOOK_SECRET: 'webhook-secret-0123456789-0123456789',
    };
    expect(problemsOf(webhook)).toEqual([]);
    expect(problemsOf({ ...without('MICROSOFT_APP_PASSWORD'), MICROSOFT_APP_TYPE: 'UserAssignedMSI' })).toEqual([]);
  });

  it.each([
    'MICROSOFT_APP_ID',
    'MICROSOFT_APP_PASSWORD',
    'MICROSOFT_APP_TENANT_ID',
    'PUBLIC_BASE_URL',
    'SECRET_KEY',
    'SMTP_URL',
    'TWILIO_ACCOUNT_SID',
    'TWILIO_AUTH_TOKEN',
    'TWILIO_FROM',
    'REDIS_URL',
  ])('refuses to start without %s and names it', (name) => {
    const problems = problemsOf(without(name));
    expect(named(problems, name), problems.join('\n')).toHaveLength(1);
    expect(problems, 'only the missing setting is reported').toHaveLength(1);
  });

  it('names both SMS providers when neither is configured, and a half-configured webhook', () => {
    const none = problemsOf(without('TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'));
    expect(none).toHaveLength(1);
    for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'SMS_WEBHOOK_URL', 'SMS_WEBHOOK_SECRET']) {
      expect(none[0]).toContain(name);
    }
    const halfWebhook = problemsOf({
      ...without('TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'),
      SMS_WEBHOOK_URL: 'https://sms-gateway.example.com/send',
    });
    expect(named(halfWebhook, 'SMS_WEBHOOK_SECRET')).toHaveLength(1);
  });

  it('needs the tenant for a managed identity, and no password or tenant for a multi-tenant bot', () => {
    const msi = problemsOf({ ...without('MICROSOFT_APP_PASSWORD', 'MICROSOFT_APP_TENANT_ID'), MICROSOFT_APP_TYPE: 'UserAssignedMSI' });
    expect(msi.map((p) => p.split(':')[0])).toEqual(['MICROSOFT_APP_TENANT_ID']);
    const multi = problemsOf({ ...without('MICROSOFT_APP_TENANT_ID'), MICROSOFT_APP_TYPE: 'MultiTenant' });
    expect(multi).toEqual([]);
    // Unset means SingleTenant (src/adapter.ts), which needs both.
    const unset = problemsOf(without('MICROSOFT_APP_TYPE', 'MICROSOFT_APP_PASSWORD', 'MICROSOFT_APP_TENANT_ID'));
    expect(unset.map((p) => p.split(':')[0]).sort()).toEqual(['MICROSOFT_APP_PASSWORD', 'MICROSOFT_APP_TENANT_ID']);
  });

  it.each([
    ['http://help.example.com', /https/],
    ['https://localhost:3978', /public/],
    ['https://127.0.0.1', /public/],
    ['https://10.1.2.3', /public/],
    ['https://192.168.0.10', /public/],
    ['https://[::1]:8443', /public/],
    ['https://clave', /public/],
    ['https://bot.internal', /public/],
  ])('wants a public https PUBLIC_BASE_URL, not %s', (url, why) => {
    const problems = named(problemsOf({ ...complete, PUBLIC_BASE_URL: url }), 'PUBLIC_BASE_URL');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(why);
  });

  it('lists every missing setting at once, together with any bad value', () => {
    const problems = problemsOf({ NODE_ENV: 'production', PORT: 'eighty' });
    for (const name of ['PORT', 'MICROSOFT_APP_ID', 'MICROSOFT_APP_PASSWORD', 'MICROSOFT_APP_TENANT_ID', 'PUBLIC_BASE_URL', 'SECRET_KEY', 'SMTP_URL', 'REDIS_URL']) {
      expect(named(problems, name), name).toHaveLength(1);
    }
    expect(problems.some((p) => p.includes('SMS_WEBHOOK_URL'))).toBe(true);
  });

  it('refuses to skip verifying the SMTP server certificate', () => {
    expect(named(problemsOf({ ...complete, SMTP_TLS_REJECT_UNAUTHORIZED: 'false' }), 'SMTP_TLS_REJECT_UNAUTHORIZED')).toHaveLength(1);
  });

  it('requires none of it outside production', () => {
    expect(() => loadConfig({ NODE_ENV: 'development' })).not.toThrow();
    expect(() => loadConfig({ NODE_ENV: 'test' })).not.toThrow();
  });

  it('the real start-up command exits 1 and names the missing setting, without printing secrets', async () => {
    // What `npm start` runs (tsx src/index.ts), on the Node that runs this test.
    const child = spawn(process.execPath, [fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url)), 'src/index.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? root, ...without('SECRET_KEY'), PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(timer);

    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/^\s*- SECRET_KEY: required in production/m);
    expect(stderr).not.toMatch(/REDIS_URL|SMTP_URL|MICROSOFT_APP_ID/);
    expect(stdout, 'nothing started listening').not.toMatch(/listening/);
    for (const secret of [complete.MICROSOFT_APP_PASSWORD!, complete.TWILIO_AUTH_TOKEN!, 'mail-password', 'cache-key']) {
      expect(stderr + stdout).not.toContain(secret);
    }
  }, 30_000);
});
