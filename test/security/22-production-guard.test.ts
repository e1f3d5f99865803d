// SECURITY.md 22: with NODE_ENV=production the bot refuses to start without channel authentication (app id and
// password), real notification providers, a secret key (and Redis, the company's account directory and a public
// https address); each missing setting stops start-up with a message naming it. Development routes (outbox, demo
// sign-in) are off there, and the Bot Framework endpoint refuses activities without the channel's credentials.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { HttpDirectory } from '../../src/services/http-directory.js';
import { DevOutbox } from '../../src/services/notifier.js';
import { MemoryStore } from '../../src/stores/kv-store.js';
import { PRODUCTION_ENV as PRODUCTION, problemsOf, withoutSettings } from '../helpers/production-env.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const REQUIRED = Object.keys(PRODUCTION).filter((name) => name !== 'NODE_ENV');
const without = (name: string) => withoutSettings(PRODUCTION, name);


describe('production start-up (SECURITY.md 22)', () => {
  it.each(REQUIRED)('stops without %s and names it', (name) => {
    const problems = problemsOf(without(name));
    expect(problems.length, `${name} missing`).toBeGreaterThan(0);
    expect(problems.every((p) => p.includes(name)), problems.join('\n')).toBe(true);
  });

  it('the README\'s Production settings name every one of them', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Production settings'), readme.indexOf('### Logs'));
    expect(section.length).toBeGreaterThan(100);
    for (const name of REQUIRED) expect(section, name).toContain(`\`${name}\``);
  });

  it('starts with all of them, and the development routes stay off even when asked for', () => {
    expect(problemsOf(PRODUCTION)).toEqual([]);
    expect(loadConfig({ ...PRODUCTION, DEV_ROUTES: 'true' }).devRoutes).toBe(false);
  });

  it('the real start-up command exits and names every missing setting, printing no secret', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? root, NODE_ENV: 'production', PORT: '0', MICROSOFT_APP_PASSWORD: PRODUCTION.MICROSOFT_APP_PASSWORD! };
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url)), 'src/index.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    console.log(`SECURITY 22 start-up with only NODE_ENV=production: exit ${code}, ${output.split('\n').filter((l) => /^\s+- /.test(l)).length} problems named`);
    expect(code).toBe(1);
    for (const name of REQUIRED.filter((n) => !n.startsWith('SMS_') && n !== 'MICROSOFT_APP_PASSWORD')) expect(output, name).toContain(name);
    expect(output).toMatch(/SMS_WEBHOOK_URL|TWILIO_ACCOUNT_SID/);
    expect(output).not.toContain(PRODUCTION.MICROSOFT_APP_PASSWORD);
  });

  it('serves no development routes and refuses unauthenticated activities when running in production', async () => {
    const clock = new ManualClock();
    const outbox = new DevOutbox(clock);
    // The stores and providers a production deployment would reach over the network are replaced by local ones.
    const app = await createApp(loadConfig({ ...PRODUCTION, LOG_LEVEL: 'silent', AUDIT_LOG: 'off' }), { clock, store: new MemoryStore(clock), notifier: outbox });
    await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      const statuses = {
        'GET /dev/outbox': (await fetch(`${base}/dev/outbox`)).status,
        'POST /dev/sign-in': (await fetch(`${base}/dev/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"identifier":"ana@example.com","password":"x"}' })).status,
        'POST /api/messages without credentials': (
          await fetch(`${base}/api/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ type: 'message', text: 'I forgot my password', channelId: 'webchat', serviceUrl: 'https://example.com', conversation: { id: 'prod' }, from: { id: 'u' }, recipient: { id: 'b' } }),
          })
        ).status,
      };
      console.log(`SECURITY 22 production app: ${Object.entries(statuses).map(([r, s]) => `${r} → ${s}`).join('; ')}`);
      expect(statuses['GET /dev/outbox']).toBe(404);
      expect(statuses['POST /dev/sign-in']).toBe(404);
      expect(statuses['POST /api/messages without credentials']).toBe(401);
      expect(app.outbox).toBeNull();
      // The company's directory, never the demo accounts file.
      expect(app.directory).toBeInstanceOf(HttpDirectory);
    } finally {
      await app.close();
    }
  });
});
