// HttpDirectory against a real local HTTP server that implements docs/directory-api.openapi.yaml
// (test/helpers/directory-server.ts): the shared directory contract, the failure modes a network brings,
// the agreement between the adapter's schemas and the OpenAPI file, and the wiring from configuration.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { generate } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { Account } from '../../src/services/account-directory.js';
import {
  accountSchema,
  activitySchema,
  codeCheckResultSchema,
  DirectoryError,
  errorBodySchema,
  HttpDirectory,
  issuedRecoveryCodeSchema,
  ownerCheckResultSchema,
  ownerChecksOfferedSchema,
  securityQuestionSchema,
  revokedSchema,
  securityEventSchema,
  sessionSchema,
  signInResultSchema,
  type DirectoryErrorKind,
} from '../../src/services/http-directory.js';
import { demoCredentials, startDirectoryServer, type DirectoryServer, type DirectoryServerOptions } from '../helpers/directory-server.js';
import { parseYamlSubset } from '../helpers/yaml-subset.js';
import { CONTRACT_START, describeDirectoryContract } from './account-directory.contract.js';

describeDirectoryContract('HTTP (reference server)', async () => {
  const clock = new ManualClock(CONTRACT_START);
  const server = await startDirectoryServer({ clock });
  return {
    directory: new HttpDirectory({ url: server.url, token: server.token }),
    clock,
    // The bodies as they arrived over HTTP.
    eventsOf: (accountId) => server.events.filter((e) => e.accountId === accountId).map((e) => e.event),
    close: () => server.close(),
  };
});

// ---- Helpers ----

const servers: DirectoryServer[] = [];
const others: { close(cb: () => void): void; closeAllConnections(): void }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(
    others.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise<void>((r) => s.close(() => r()));
    }),
  );
});

async function setup(options: DirectoryServerOptions & { timeoutMs?: number } = {}) {
  const clock = new ManualClock(CONTRACT_START);
  const server = await startDirectoryServer({ clock, ...options });
  servers.push(server);
  const directory = new HttpDirectory({ url: server.url, token: server.token, timeoutMs: options.timeoutMs ?? 2000 });
  return { clock, server, directory };
}

/** The DirectoryError a call ends in (fails the test if it resolves or throws something else). */
async function failure(call: Promise<unknown>): Promise<DirectoryError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DirectoryError);
  return error as DirectoryError;
}

const json = (body: unknown) => JSON.stringify(body);
const benAccount = {
  id: 'acct-ben',
  name: 'Ben',
  email: 'ben@example.com',
  phone: '+14155550101',
  phoneVerified: true,
  locale: 'en',
  hasTotp: true,
  hasRecoveryCodes: true,
};

// ---- The adapter against the reference server ----

describe('HttpDirectory requests', () => {
  it('sends the bearer token and JSON, and looks accounts up with a POST body, not a query string', async () => {
    const { server, directory } = await setup();
    expect((await directory.findByPhone('+14155550101'))?.id).toBe('acct-ben');
    expect((await directory.findByEmail('Ana@Example.com'))?.id).toBe('acct-ana');
    await directory.verifyTotp('acct-ben', '123456', Date.now());
    const [phone, email, totp] = server.requests;
    expect(phone).toMatchObject({ method: 'POST', target: '/accounts/lookup', contentType: 'application/json', authorization: `Bearer ${server.token}` });
    expect(email).toMatchObject({ method: 'POST', target: '/accounts/lookup', contentType: 'application/json' });
    expect(totp).toMatchObject({ method: 'POST', target: '/accounts/acct-ben/second-factor/totp/verify', contentType: 'application/json' });
  });

  it('never puts an address, number, code, password or session token in a URL, so access logs never hold one', async () => {
    const { server, clock, directory } = await setup();
    const email = 'Dani.Backup@example.org';
    const phone = '+34600111222';
    await directory.findByEmail(email);
    await directory.findByEmail('nobody@example.com');
    await directory.findByPhone(phone);
    await directory.verifyTotp('acct-ben', '654321', clock.now());
    await directory.consumeRecoveryCode('acct-ben', demoCredentials.ben.recoveryCodes[1]!);
    const signedIn = await directory.signIn(email, demoCredentials.passwords['acct-dani']!);
    await directory.isSessionValid(signedIn!.session);
    await directory.isSessionValid('not-a-session-0123');
    const fresh = await directory.issueRecoveryCode('acct-ben');
    const secrets = [email, 'nobody@example.com', phone, '654321', demoCredentials.ben.recoveryCodes[1]!, demoCredentials.passwords['acct-dani']!, signedIn!.session, 'not-a-session-0123', fresh];
    const targets = server.requests.map((r) => r.target);
    console.log(`directory URLs: ${[...new Set(targets)].join(', ')}`);
    for (const target of targets) {
      expect(target, 'no query string').not.toContain('?');
      const decoded = decodeURIComponent(target).toLowerCase();
      for (const secret of secrets) expect(decoded, target).not.toContain(secret.toLowerCase());
      for (const secret of secrets) expect(decoded).not.toContain(encodeURIComponent(secret).toLowerCase());
    }
  });

  it('keeps the path prefix of DIRECTORY_URL, with or without a trailing slash', async () => {
    const { server } = await setup({ basePath: '/identity/v1' });
    for (const url of [server.url, `${server.url}/`]) {
      const directory = new HttpDirectory({ url, token: server.token });
      expect((await directory.getById('acct-carla'))?.name).toBe('Carla');
    }
    expect(server.requests.map((r) => r.target)).toEqual(['/identity/v1/accounts/acct-carla', '/identity/v1/accounts/acct-carla']);
  });

  it('percent-encodes path segments and never sends "." or ".." as one', async () => {
    const { server, directory } = await setup();
    expect(await directory.getById('a/b?c#d%')).toBeNull();
    expect(await directory.isSessionValid('x/../../accounts')).toBe(false);
    expect(server.requests.map((r) => r.target)).toEqual(['/accounts/a%2Fb%3Fc%23d%25', '/sessions/check']);
    expect((await failure(directory.getById('..'))).kind).toBe('rejected');
    expect((await failure(directory.revokeSessions('.'))).kind).toBe('rejected');
    expect(server.requests).toHaveLength(2);
  });

  it('answers obviously malformed input itself, without a request', async () => {
    const { server, directory } = await setup();
    expect(await directory.findByEmail('not an address')).toBeNull();
    expect(await directory.findByPhone('4155550101')).toBeNull();
    expect(await directory.verifyTotp('acct-ben', '12345', Date.now())).toBe(false);
    expect(await directory.consumeRecoveryCode('acct-ben', '   ')).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('treats null in optional fields as absent, and keeps only the locales Clave speaks', async () => {
    const { server, directory } = await setup();
    server.intercept((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(json({ ...benAccount, email: null, altEmail: null, phone: null, locale: 'es-MX', extra: 'ignored' }));
      return true;
    });
    expect(await directory.getById('acct-ben')).toEqual({ ...benAccount, email: undefined, phone: undefined, locale: 'es' });
    server.intercept((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(json({ ...benAccount, locale: 'fr' }));
      return true;
    });
    expect((await directory.getById('acct-ben'))?.locale).toBeUndefined();
  });
});

describe('HttpDirectory failures', () => {
  it('a wrong token is unauthorized everywhere, sign-in included, and no message holds a token', async () => {
    const { server } = await setup();
    const wrong = 'wrong-token-0123456789abcdef';
    const directory = new HttpDirectory({ url: server.url, token: wrong });
    const errors = [
      await failure(directory.findByEmail('ana@example.com')),
      await failure(directory.getById('acct-ana')),
      // A 401 here is not "wrong password": that would hide a broken token behind failed sign-ins.
      await failure(directory.signIn('ana@example.com', demoCredentials.passwords['acct-ana']!)),
      await failure(directory.isSessionValid('some-session')),
    ];
    for (const error of errors) {
      expect(error.kind).toBe('unauthorized');
      expect(error.status).toBe(401);
      expect(error.message).not.toContain(wrong);
      expect(error.message).not.toContain(server.token);
    }
    expect(errors[0]!.message).toMatch(/^directory findByEmail: the directory refused DIRECTORY_TOKEN: HTTP 401 \(invalid_token\)$/);
  });

  it.each<[string, number, unknown, (d: HttpDirectory) => Promise<unknown>, RegExp]>([
    ['an account without a required field', 200, { ...benAccount, hasTotp: undefined }, (d) => d.getById('acct-ben'), /hasTotp: invalid_type/],
    ['a field of the wrong type', 200, { ...benAccount, phoneVerified: 'yes' }, (d) => d.getById('acct-ben'), /phoneVerified: invalid_type/],
    ['a phone that is not E.164', 200, { ...benAccount, phone: '(415) 555-0101' }, (d) => d.findByEmail('ben@example.com'), /phone: invalid_format/],
    ['a code check without "valid"', 200, { ok: true }, (d) => d.verifyTotp('acct-ben', '123456', 0), /valid: invalid_type/],
    ['a negative session count', 200, { revoked: -1 }, (d) => d.revokeSessions('acct-ben'), /revoked: too_small/],
    ['a body that is not JSON', 200, '<html>ok</html>', (d) => d.getById('acct-ben'), /body is not JSON/],
    ['someone else\'s account for a lookup', 200, benAccount, (d) => d.findByEmail('ana@example.com'), /does not match the lookup/],
    ['another id than asked for', 200, benAccount, (d) => d.getById('acct-ana'), /different id/],
    ['a 404 without the contract\'s body', 404, '<h1>Not Found</h1>', (d) => d.findByEmail('ana@example.com'), /is DIRECTORY_URL right\?/],
    ['a 404 with another error code', 404, { error: 'no_route' }, (d) => d.isSessionValid('s'), /is DIRECTORY_URL right\?/],
    ['an unexpected success status', 201, benAccount, (d) => d.getById('acct-ben'), /unexpected HTTP 201/],
  ])('%s is invalid_response', async (_label, status, body, call, detail) => {
    const { server, directory } = await setup();
    server.intercept((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : json(body));
      return true;
    });
    const error = await failure(call(directory));
    expect(error.kind).toBe('invalid_response');
    expect(error.message).toMatch(detail);
    // What the directory sent is not repeated.
    expect(error.message).not.toMatch(/ben@example\.com|4155550101|<html>|<h1>/);
  });

  it('does not follow redirects, so the token never reaches another address', async () => {
    const { server, directory } = await setup();
    const seen: IncomingMessage[] = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req);
      res.end('{}');
    });
    others.push(elsewhere);
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/accounts/acct-ben`;
    server.intercept((_req, res) => {
      res.writeHead(307, { location: target });
      res.end();
      return true;
    });
    const error = await failure(directory.getById('acct-ben'));
    expect(error.kind).toBe('invalid_response');
    expect(error.message).toMatch(/redirects are not followed/);
    expect(seen).toHaveLength(0);
  });

  it('a directory that never answers times out within DIRECTORY_TIMEOUT_MS', async () => {
    const { server } = await setup();
    server.intercept(() => true);
    const directory = new HttpDirectory({ url: server.url, token: server.token, timeoutMs: 250 });
    const started = performance.now();
    const error = await failure(directory.findByEmail('ana@example.com'));
    const elapsed = performance.now() - started;
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('directory findByEmail: no answer within 250 ms');
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(1000);
  });

  it('a directory that stalls halfway through its answer times out too', async () => {
    const { server } = await setup();
    server.intercept((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"acct-ben",');
      return true;
    });
    const directory = new HttpDirectory({ url: server.url, token: server.token, timeoutMs: 250 });
    const started = performance.now();
    expect((await failure(directory.getById('acct-ben'))).kind).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each<[number, DirectoryErrorKind]>([
    [500, 'unavailable'],
    [502, 'unavailable'],
    [503, 'unavailable'],
    [429, 'unavailable'],
    [408, 'unavailable'],
    [403, 'unauthorized'],
    [400, 'rejected'],
    [409, 'rejected'],
  ])('HTTP %i is %s', async (status, kind) => {
    const { server, directory } = await setup();
    server.intercept((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(json({ error: 'internal', message: 'ben@example.com said no' }));
      return true;
    });
    const error = await failure(directory.findByEmail('ben@example.com'));
    expect(error).toMatchObject({ kind, status, operation: 'findByEmail' });
    expect(error.message).not.toContain('ben@example.com');
  });

  it('a directory that is not listening is unavailable', async () => {
    const { server, directory } = await setup();
    await server.close();
    const error = await failure(directory.getById('acct-ben'));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toBe('directory getById: cannot reach the directory (ECONNREFUSED)');
  });

  it('writes the directory refuses are rejected: an unknown account, a password its own rules refuse', async () => {
    const { server, directory } = await setup();
    expect(await failure(directory.setPassword('acct-nobody', 'a long enough passphrase'))).toMatchObject({ kind: 'rejected', status: 404 });
    expect(await failure(directory.revokeSessions('acct-nobody'))).toMatchObject({ kind: 'rejected', status: 404 });
    server.intercept((_req, res) => {
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(json({ error: 'password_rejected' }));
      return true;
    });
    const error = await failure(directory.setPassword('acct-ben', 'Correct-Horse-Battery-9'));
    expect(error.kind).toBe('rejected');
    expect(error.message).toBe('directory setPassword: HTTP 422 (password_rejected)');
  });

  it('no error message or inspected object ever holds a password, code, token, address or session', async () => {
    const { server, directory } = await setup();
    const secrets = ['Correct-Horse-Battery-9', '123456', '7HQK-2M9D-XW4P-LC3R', 'ben@example.com', '+14155550101', 'session-abc-123'];
    for (const respond of [500, 400, 201]) {
      server.intercept((_req, res) => {
        res.writeHead(respond, { 'content-type': 'application/json' });
        res.end(respond === 201 ? '{"unexpected": ["Correct-Horse-Battery-9"]}' : json({ error: 'internal' }));
        return true;
      });
      const errors = await Promise.all([
        failure(directory.setPassword('acct-ben', secrets[0]!)),
        failure(directory.signIn(secrets[3]!, secrets[0]!)),
        failure(directory.verifyTotp('acct-ben', secrets[1]!, 0)),
        failure(directory.consumeRecoveryCode('acct-ben', secrets[2]!)),
        failure(directory.findByEmail(secrets[3]!)),
        failure(directory.findByPhone(secrets[4]!)),
        failure(directory.isSessionValid(secrets[5]!)),
      ]);
      for (const error of errors) for (const secret of secrets) expect(error.message).not.toContain(secret);
    }
    expect(inspect(directory, { showHidden: true, depth: 5 })).not.toContain(server.token);
    expect(JSON.stringify(directory)).not.toContain(server.token);
  });
});

describe('HttpDirectory against the reference server', () => {
  it('one TOTP code gets through once across two Clave instances; the server refuses the replay', async () => {
    const { server, clock } = await setup();
    const a = new HttpDirectory({ url: server.url, token: server.token });
    const b = new HttpDirectory({ url: server.url, token: server.token });
    const code = await generate({ secret: demoCredentials.ben.totpSecret, epoch: Math.floor(clock.now() / 1000) });
    const results = await Promise.all([a.verifyTotp('acct-ben', code, 0), b.verifyTotp('acct-ben', code, 0)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await a.verifyTotp('acct-ben', code, 0)).toBe(false);
  });

  it('uses recovery codes up, and the account says so once none are left', async () => {
    const { server, directory } = await setup();
    for (const code of demoCredentials.ben.recoveryCodes) expect(await directory.consumeRecoveryCode('acct-ben', code)).toBe(true);
    expect(server.recoveryCodesLeft('acct-ben')).toBe(0);
    expect(await directory.consumeRecoveryCode('acct-ben', demoCredentials.ben.recoveryCodes[0]!)).toBe(false);
    expect((await directory.getById('acct-ben'))?.hasRecoveryCodes).toBe(false);
  });

  it('issues a fresh recovery code that works once; the used one stays used', async () => {
    const { server, directory } = await setup();
    const [used] = demoCredentials.ben.recoveryCodes;
    expect(await directory.consumeRecoveryCode('acct-ben', used!)).toBe(true);
    const fresh = await directory.issueRecoveryCode('acct-ben');
    expect(fresh).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    expect(server.recoveryCodesLeft('acct-ben')).toBe(3);
    expect(await directory.consumeRecoveryCode('acct-ben', used!)).toBe(false);
    expect(await directory.consumeRecoveryCode('acct-ben', fresh)).toBe(true);
    expect(await directory.consumeRecoveryCode('acct-ben', fresh)).toBe(false);
    expect(await directory.issueRecoveryCode('acct-ben')).not.toBe(fresh);
    expect(await failure(directory.issueRecoveryCode('acct-nobody'))).toMatchObject({ kind: 'rejected', status: 404 });
  });

  it('a new password signs in, the old does not, and revoking ends the session signed in before', async () => {
    const { directory } = await setup();
    const before = await directory.signIn('ben@example.com', demoCredentials.passwords['acct-ben']!);
    await directory.setPassword('acct-ben', 'Tidal-Lantern-Orbit-22');
    expect(await directory.signIn('ben@example.com', demoCredentials.passwords['acct-ben']!)).toBeNull();
    expect((await directory.signIn('ben@example.com', 'Tidal-Lantern-Orbit-22'))?.accountId).toBe('acct-ben');
    expect(await directory.revokeSessions('acct-ben')).toBe(2);
    expect(await directory.isSessionValid(before!.session)).toBe(false);
  });

  it('reports recent activity and records security events', async () => {
    const { server, clock, directory } = await setup();
    await directory.signIn('dani@example.com', 'wrong password');
    clock.advance(1000);
    await directory.signIn('dani@example.com', demoCredentials.passwords['acct-dani']!);
    const activity = await directory.recentActivity('acct-dani');
    expect(activity?.signIns.map((s) => s.success)).toEqual([true, false]);
    expect(await directory.recentActivity('acct-nobody')).toBeNull();

    const event = { type: 'reset_completed', at: new Date(clock.now()).toISOString(), outcome: 'ok', reference: 'conv-1' } as const;
    await directory.recordEvent('acct-dani', event);
    expect(server.events).toEqual([{ accountId: 'acct-dani', event }]);
    await expect(directory.recordEvent('acct-dani', { ...event, type: 'password' as never })).rejects.toThrow();
    expect(server.events).toHaveLength(1);
  });

  it('a directory without the optional activity endpoint gives null', async () => {
    const { server, directory } = await setup();
    server.intercept((_req, res, route) => {
      if (!route.endsWith('/activity')) return false;
      res.writeHead(501, { 'content-type': 'application/json' });
      res.end(json({ error: 'not_implemented' }));
      return true;
    });
    expect(await directory.recentActivity('acct-ben')).toBeNull();
    expect((await directory.getById('acct-ben'))?.id).toBe('acct-ben');
  });
});

describe('HttpDirectory configuration', () => {
  const token = 'a-directory-token-0123456789';

  it.each([
    ['plain http to another host', { url: 'http://idp.example.com', token }, /DIRECTORY_URL must use https/],
    ['a URL that is not one', { url: 'not a url', token }, /DIRECTORY_URL is not a valid URL/],
    ['credentials in the URL', { url: 'https://user:pw@idp.example.com', token }, /DIRECTORY_URL must not hold credentials/],
    ['a query in the URL', { url: 'https://idp.example.com/?key=1', token }, /DIRECTORY_URL must not have a query/],
    ['no token', { url: 'https://idp.example.com', token: undefined }, /DIRECTORY_TOKEN is required/],
    ['a token with a line break', { url: 'https://idp.example.com', token: 'abc\r\nX-Evil: 1' }, /DIRECTORY_TOKEN must be printable ASCII/],
    ['a zero timeout', { url: 'https://idp.example.com', token, timeoutMs: 0 }, /DIRECTORY_TIMEOUT_MS/],
  ])('refuses %s, naming the variable', (_label, options, message) => {
    expect(() => new HttpDirectory(options)).toThrow(message);
    try {
      new HttpDirectory(options);
    } catch (error) {
      expect((error as Error).message).not.toContain(token);
    }
  });

  it('takes https anywhere and plain http on this machine', () => {
    for (const url of ['https://idp.example.com/clave/v1', 'http://localhost:8080', 'http://127.0.0.1:1', 'http://[::1]:9']) {
      expect(() => new HttpDirectory({ url, token })).not.toThrow();
    }
    expect(new HttpDirectory({ url: 'https://idp.example.com', token }).timeoutMs).toBe(3000);
  });

  it('reads DIRECTORY_URL, DIRECTORY_TOKEN and DIRECTORY_TIMEOUT_MS', () => {
    expect(loadConfig({}).directory).toBeNull();
    expect(loadConfig({ DIRECTORY_URL: 'https://idp.example.com/v1', DIRECTORY_TOKEN: token }).directory).toEqual({
      url: 'https://idp.example.com/v1',
      token,
      timeoutMs: 3000,
    });
    expect(loadConfig({ DIRECTORY_URL: 'https://idp.example.com', DIRECTORY_TIMEOUT_MS: '750' }).directory?.timeoutMs).toBe(750);
    for (const [name, value] of [
      ['DIRECTORY_URL', 'ftp://idp.example.com'],
      ['DIRECTORY_URL', 'idp.example.com'],
      ['DIRECTORY_TOKEN', 'short'],
      ['DIRECTORY_TIMEOUT_MS', '50'],
      ['DIRECTORY_TIMEOUT_MS', 'soon'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(new RegExp(`${name}: `));
    }
  });

  it('the app uses the HTTP directory when DIRECTORY_URL is set, the demo file otherwise', async () => {
    const { server } = await setup();
    const base = { LOG_LEVEL: 'silent', AUDIT_LOG: 'off' };
    const http = await createApp(loadConfig({ ...base, DIRECTORY_URL: server.url, DIRECTORY_TOKEN: server.token }));
    try {
      expect(http.directory).toBeInstanceOf(HttpDirectory);
      expect((await http.directory.findByEmail('carla@example.com'))).toBeNull();
      expect((await http.directory.findByPhone('+34600111222'))?.id).toBe('acct-carla');
      expect(server.requests).toHaveLength(2);
    } finally {
      await http.close();
    }
    const demo = await createApp(loadConfig(base));
    try {
      expect(demo.directory).not.toBeInstanceOf(HttpDirectory);
      expect((await demo.directory.findByEmail('ana@example.com'))?.id).toBe('acct-ana');
    } finally {
      await demo.close();
    }
    await expect(createApp(loadConfig({ ...base, DIRECTORY_URL: server.url }))).rejects.toThrow(/DIRECTORY_TOKEN is required/);
  });
});

// ---- The adapter's schemas and the OpenAPI file agree ----

type JsonObject = Record<string, unknown>;

const openapi = parseYamlSubset(readFileSync(new URL('../../docs/directory-api.openapi.yaml', import.meta.url), 'utf8')) as JsonObject;

function resolve(value: unknown): JsonObject {
  let node = value as JsonObject;
  while (typeof node.$ref === 'string') {
    const parts = node.$ref.replace(/^#\//, '').split('/');
    node = parts.reduce<JsonObject>((at, key) => at[key] as JsonObject, openapi);
    expect(node, String(value)).toBeDefined();
  }
  return node;
}

/** The parts of a JSON Schema both sides must agree on, in one comparable shape. */
function normalise(input: unknown): JsonObject {
  const schema = resolve(input);
  const branches = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (branches) {
    const merged: JsonObject = { type: [] };
    for (const branch of branches.map(normalise)) {
      const { type, ...rest } = branch;
      merged.type = [...(merged.type as string[]), ...(type as string[])].sort();
      Object.assign(merged, rest);
    }
    return merged;
  }
  const out: JsonObject = { type: [schema.type].flat().sort() };
  for (const key of ['format', 'minLength', 'maxLength', 'minimum', 'maxItems']) if (key in schema) out[key] = schema[key];
  // zod emits its own regex for formats; the format name is what the contract fixes.
  if (schema.pattern && !schema.format) out.pattern = schema.pattern;
  if (schema.maximum !== undefined && schema.maximum !== Number.MAX_SAFE_INTEGER) out.maximum = schema.maximum;
  if (Array.isArray(schema.enum)) out.enum = [...schema.enum].sort();
  if (schema.properties) {
    out.properties = Object.fromEntries(Object.entries(schema.properties as JsonObject).map(([k, v]) => [k, normalise(v)]));
    out.required = [...((schema.required as string[] | undefined) ?? [])].sort();
  }
  if (schema.items) out.items = normalise(schema.items);
  return out;
}

const components = () => (openapi.components as JsonObject).schemas as JsonObject;

describe('the adapter and docs/directory-api.openapi.yaml agree', () => {
  it('is an OpenAPI 3.1 document with bearer auth on every operation', () => {
    expect(openapi.openapi).toBe('3.1.0');
    expect(openapi.security).toEqual([{ bearerAuth: [] }]);
    expect((openapi.components as JsonObject).securitySchemes).toMatchObject({ bearerAuth: { type: 'http', scheme: 'bearer' } });
  });

  it.each<[string, z.ZodType]>([
    ['Account', accountSchema],
    ['Error', errorBodySchema],
    ['CodeCheckResult', codeCheckResultSchema],
    ['IssuedRecoveryCode', issuedRecoveryCodeSchema],
    ['Revoked', revokedSchema],
    ['SignInResult', signInResultSchema],
    ['Session', sessionSchema],
    ['Activity', activitySchema],
    ['SecurityEvent', securityEventSchema],
    ['OwnerChecksOffered', ownerChecksOfferedSchema],
    ['OwnerCheckResult', ownerCheckResultSchema],
    ['SecurityQuestion', securityQuestionSchema],
  ])('%s: same fields, required fields, types and limits', (name, schema) => {
    const fromZod = normalise(z.toJSONSchema(schema, { io: 'input' }));
    expect(fromZod).toEqual(normalise(components()[name]));
  });

  it('the Account schema covers every field of the Account interface, and no more', () => {
    // Compile time: the schema's output is an Account, and names every key of it.
    const asAccount: Account = accountSchema.parse(benAccount);
    type Missing = Exclude<keyof Account, keyof z.output<typeof accountSchema>>;
    const missing: [Missing] extends [never] ? true : false = true;
    expect(missing).toBe(true);
    expect(asAccount.id).toBe('acct-ben');
    expect(Object.keys(accountSchema.shape).sort()).toEqual(Object.keys((components().Account as JsonObject).properties as JsonObject).sort());
  });

  it('every 4xx and 5xx response has the Error body, and every operation documents 401 and 5XX', () => {
    for (const [path, item] of Object.entries(openapi.paths as JsonObject)) {
      for (const [method, operation] of Object.entries(item as JsonObject)) {
        const responses = (operation as JsonObject).responses as JsonObject;
        expect(Object.keys(responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '5XX']));
        for (const [status, response] of Object.entries(responses)) {
          if (!/^[45]/.test(status)) continue;
          const content = resolve(response).content as JsonObject | undefined;
          const schema = (content?.['application/json'] as JsonObject | undefined)?.schema as JsonObject | undefined;
          expect(schema?.$ref, `${method} ${path} ${status}`).toBe('#/components/schemas/Error');
        }
      }
    }
  });

  it('every request the adapter makes is a documented operation, and every operation is used', async () => {
    const { server, clock, directory } = await setup();
    await directory.findByEmail('ana@example.com');
    await directory.findByPhone('+14155550101');
    await directory.getById('acct-ben');
    await directory.verifyTotp('acct-ben', '000000', clock.now());
    await directory.consumeRecoveryCode('acct-ben', 'AAAA-BBBB');
    await directory.issueRecoveryCode('acct-ben');
    const signedIn = await directory.signIn('ana@example.com', demoCredentials.passwords['acct-ana']!);
    await directory.isSessionValid(signedIn!.session);
    await directory.setPassword('acct-ana', 'Another-Long-Passphrase-5');
    await directory.revokeSessions('acct-ana');
    await directory.recentActivity('acct-ana');
    await directory.recordEvent('acct-ana', { type: 'handoff', at: new Date(clock.now()).toISOString(), outcome: 'ok' });
    await directory.ownerChecksOffered();
    await directory.checkPaymentDetails('acct-ana', { cardLast4: '4242', postalCode: '28013' });
    await directory.securityQuestionOf('acct-ana');
    await directory.checkSecurityAnswer('acct-ana', 'luna');

    const operations = Object.entries(openapi.paths as JsonObject).flatMap(([path, item]) =>
      Object.keys(item as JsonObject).map((method) => ({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        // Literal segments before templated ones, as OpenAPI matches them (lookup is not an id).
        pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}(\\?.*)?$`),
        literal: !path.includes('{'),
      })),
    );
    const used = new Set<string>();
    for (const request of server.requests) {
      const candidates = operations.filter((o) => o.method === request.method && o.pattern.test(request.target));
      const match = candidates.find((o) => o.literal) ?? candidates[0];
      expect(match, `${request.method} ${request.target}`).toBeDefined();
      used.add(match!.key);
    }
    expect([...used].sort()).toEqual(operations.map((o) => o.key).sort());
  });
});
