// Owner identification against a company's directory over HTTP: the whole bot on the harness, the HTTP
// adapter against the reference server (test/helpers/directory-server.ts). The checks go in JSON bodies, never
// in a URL; an unknown identifier costs the directory the same requests as a known one; and a directory
// without the optional endpoints means the bot does not ask at all ("not_offered" for the agent).
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { startDirectoryServer, type DirectoryServer, type DirectoryServerOptions } from '../helpers/directory-server.js';
import { keysOf } from '../security/helpers.js';
import { ANA, OWNER_ANSWERS } from '../transcripts/story.js';

const running: { h: Harness; server: DirectoryServer }[] = [];
afterEach(async () => {
  for (const { h, server } of running.splice(0)) {
    await h.close();
    await server.close();
  }
});

async function botOn(options: DirectoryServerOptions, env: Record<string, string> = {}) {
  const server = await startDirectoryServer(options);
  const h = await startHarness({ DIRECTORY_URL: server.url, DIRECTORY_TOKEN: server.token, LOG_LEVEL: 'error', ...env });
  running.push({ h, server });
  return { h, server };
}

let n = 0;
async function handOver(h: Harness, identifier: string, answers: string[]): Promise<{ conv: string; keys: string[][] }> {
  const conv = `owner-http-${++n}`;
  const keys: string[][] = [];
  for (const text of ['I forgot my password', identifier, 'talk to a person', ...answers]) {
    keys.push(keysOf('en', await h.send(conv, { text, locale: 'en' })));
  }
  return { conv, keys };
}

const packetOf = async (h: Harness, conv: string) => (await h.app.handoff.caseFor(conv, 'http-agent'))!.packet;
const { ana } = OWNER_ANSWERS;

describe('owner identification with the HTTP directory', () => {
  it('checks card digits, postal code and the security answer in JSON bodies, and tells the agent only the results', async () => {
    const { h, server } = await botOn({}, { SECURITY_QUESTION: 'on' });
    const { conv, keys } = await handOver(h, ANA.email, [ana.cardLast4, ana.postalCode.toLowerCase(), ' lúna ']);
    expect(keys.slice(2)).toEqual([
      ['ask_card_last4'],
      ['ask_postal_code'],
      ['ask_security_question_first_pet'],
      ['handoff_started', 'handoff_queue_no_estimate'],
    ]);
    expect((await packetOf(h, conv)).ownerIdentification).toEqual({ paymentDetails: 'matched', securityQuestion: 'matched' });
    const owner = server.requests.filter((r) => r.target.includes('owner-checks'));
    expect(owner.map((r) => `${r.method} ${r.target}`)).toEqual([
      'GET /owner-checks',
      'POST /accounts/acct-ana/owner-checks/security-question',
      'POST /accounts/acct-ana/owner-checks/payment-details',
      'POST /accounts/acct-ana/owner-checks/security-question',
      'POST /accounts/acct-ana/owner-checks/security-answer',
    ]);
    for (const request of server.requests) {
      expect(request.target).not.toMatch(/4242|28013|luna|\?/i);
      if (request.method === 'POST') expect(request.contentType).toBe('application/json');
    }
  });

  it('an unknown identifier costs the directory the same requests, for an id it does not hold, and never matches', async () => {
    const { h, server } = await botOn({}, { SECURITY_QUESTION: 'on' });
    const before = server.requests.length;
    const known = await handOver(h, ANA.email, [ana.cardLast4, ana.postalCode, 'Luna']);
    const knownRequests = server.requests.slice(before).map((r) => `${r.method} ${r.target.replace('acct-ana', '<id>')}`);
    const middle = server.requests.length;
    const unknown = await handOver(h, 'nobody@example.com', [ana.cardLast4, ana.postalCode, 'Luna']);
    const unknownRequests = server.requests.slice(middle).map((r) => `${r.method} ${r.target.replace(/stand-in-[0-9a-f]+/, '<id>')}`);
    // The lookup differs only in its answer; the owner checks, and the account reads before them, go out the
    // same way (the offer list is cached).
    console.log(`owner checks, known identifier → ${knownRequests.join('; ')}`);
    console.log(`owner checks, unknown identifier → ${unknownRequests.join('; ')}`);
    expect(unknownRequests.filter((r) => r.includes('owner-checks/'))).toEqual(knownRequests.filter((r) => r.includes('owner-checks/')));
    // From the account read before the first check to the last check; what follows is the agent's packet, which
    // reads a real account's activity and has nothing to read for nobody (the person cannot see that either).
    // The company's security log (POST …/events, sent in the background) only ever holds real accounts' events:
    // it is the company's own record, not a request the person's answers cause, so it is left out.
    const ownerCheckPart = (all: string[]) => {
      const requests = all.filter((r) => !r.endsWith('/events'));
      const checks = requests.flatMap((r, i) => (r.includes('owner-checks/') ? [i] : []));
      return requests.slice(checks[0]! - 1, checks.at(-1)! + 1);
    };
    expect(ownerCheckPart(unknownRequests)).toEqual(ownerCheckPart(knownRequests));
    expect(ownerCheckPart(knownRequests)[0], 'an account read comes before the first check').toBe('GET /accounts/<id>');
    // The same questions (the catalog question of a stranger comes from an HMAC of the identifier) and replies.
    expect(unknown.keys.slice(2, 4)).toEqual(known.keys.slice(2, 4));
    expect(unknown.keys[4]).toEqual([expect.stringMatching(/^ask_security_question_(first_pet|birth_city|first_school)$/)]);
    expect(unknown.keys[5]).toEqual(known.keys[5]);
    expect((await packetOf(h, unknown.conv)).ownerIdentification).toEqual({ paymentDetails: 'not_matched', securityQuestion: 'not_matched' });
  });

  it('a directory without the owner-check endpoints: nothing is asked, and the agent reads "not offered"', async () => {
    const { h, server } = await botOn({ ownerChecks: false }, { SECURITY_QUESTION: 'on' });
    const { conv, keys } = await handOver(h, ANA.email, []);
    expect(keys.at(-1)).toEqual(['handoff_started', 'handoff_queue_no_estimate']);
    expect((await packetOf(h, conv)).ownerIdentification).toEqual({ paymentDetails: 'not_offered', securityQuestion: 'not_offered' });
    expect(server.requests.filter((r) => r.target.includes('owner-checks')).map((r) => `${r.method} ${r.target}`)).toEqual(['GET /owner-checks']);
  });
});
