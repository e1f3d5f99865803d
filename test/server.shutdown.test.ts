// Graceful shutdown of the real process: on SIGTERM it stops taking connections, reports not ready, lets
// every turn already received finish with its replies, and exits 0. The turns are held in flight by an
// account directory that answers only when the test says so.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startClaveProcess, type ClaveProcess } from './helpers/clave-process.js';

/** A directory (docs/directory-api.openapi.yaml) that holds every lookup until released, then knows nobody. */
async function startHeldDirectory() {
  const held: ServerResponse[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if (req.url?.startsWith('/accounts/lookup')) {
      held.push(res);
      for (const wake of waiters.splice(0)) wake();
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async waitForHeld(count: number) {
      while (held.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    release() {
      for (const res of held.splice(0)) res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found' }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function turn(baseUrl: string, conversationId: string, text: string) {
  return fetch(`${baseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message',
      channelId: 'test',
      serviceUrl: 'http://127.0.0.1:9',
      deliveryMode: 'expectReplies',
      conversation: { id: conversationId },
      from: { id: `user-${conversationId}` },
      recipient: { id: 'clave' },
      locale: 'en-US',
      text,
    }),
  });
}

/** A connection that has sent part of a readiness request; `finish` sends the rest and reads the answer. */
async function halfSentReadinessProbe(port: number) {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let answer = '';
  socket.on('data', (chunk) => (answer += chunk));
  socket.write('GET /readyz HTTP/1.1\r\nHost: clave\r\n');
  return {
    finish: () =>
      new Promise<string>((resolve) => {
        socket.on('close', () => resolve(answer));
        socket.write('\r\n');
      }),
  };
}

describe('graceful shutdown of the real process', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(() => Promise.all(cleanups.map((c) => c())));

  it('finishes every turn in flight, refuses new connections, reports not ready, and exits 0', async () => {
    const directory = await startHeldDirectory();
    cleanups.push(directory.close);
    const clave: ClaveProcess = await startClaveProcess({
      DIRECTORY_URL: directory.url,
      DIRECTORY_TOKEN: 'directory-token-0123456789',
      DIRECTORY_TIMEOUT_MS: '20000',
      SECRET_KEY: 'shutdown-test-secret-key-0123456789-abcdef',
      LOG_LEVEL: 'info',
      AUDIT_LOG: 'off',
    });
    cleanups.push(async () => clave.child.kill('SIGKILL'));

    expect((await fetch(`${clave.baseUrl}/readyz`)).status).toBe(200);
    const conversations = Array.from({ length: 24 }, (_, i) => `shutdown-${i}`);
    const inFlight = conversations.map((id) => turn(clave.baseUrl, id, 'ben@example.com'));
    await directory.waitForHeld(conversations.length);
    const probe = await halfSentReadinessProbe(clave.port);

    clave.child.kill('SIGTERM');
    await clave.waitForOutput(/waiting for turns in flight/);
    expect(clave.output()).toMatch(/"inFlight":24/);

    await expect(fetch(`${clave.baseUrl}/healthz`), 'no new connections').rejects.toThrow();
    const readiness = await probe.finish();
    expect(readiness).toMatch(/^HTTP\/1\.1 503 /);
    expect(readiness).toMatch(/^connection: close\r$/im);
    expect(clave.child.exitCode, 'still running while turns are in flight').toBeNull();

    directory.release();
    const responses = await Promise.all(inFlight);
    expect(responses.map((r) => r.status)).toEqual(conversations.map(() => 200));
    for (const response of responses) {
      const body = (await response.json()) as { activities: { type: string; text?: string }[] };
      // The turn really ran: the bot asks how to send the code.
      expect(body.activities.filter((a) => a.type === 'message').length).toBeGreaterThan(0);
    }
    expect(await clave.exited).toBe(0);
    expect(clave.output()).not.toMatch(/still in flight/);
  }, 60_000);
});
