// Starts the whole app the way `npm start` does, on a free port with the real clock, and with
// PUBLIC_BASE_URL set to where it listens, so links the bot gives (reset links) work in a browser.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createApp, type App, type AppOverrides } from '../../src/app.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';

export interface WebApp {
  app: App;
  baseUrl: string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export async function startWebApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<WebApp> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: baseUrl,
    LOG_LEVEL: 'silent',
    AUDIT_LOG: 'off',
    SECRET_KEY: 'browser-test-secret-key-that-is-long-enough-0123',
    ...env,
  });
  const app = await createApp(config, { clock: systemClock, ...overrides });
  await new Promise<void>((resolve) => app.server.listen(port, '127.0.0.1', () => resolve()));
  return { app, baseUrl, close: () => app.close() };
}
