// SECURITY.md 6: a code belongs to the request that made it — its conversation and its account. A code from
// conversation A typed in conversation B (same account, same channel) is refused there, and still works in A;
// and in the service, a conversation's code checked against another account's subject is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANA, DANI } from '../transcripts/story.js';
import { contextOf, keysOf, servicesOf, startApp, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startApp({ SENDS_PER_15_MINUTES: '10' });
});
afterAll(() => h.close());

async function waitingForCode(conv: string, email: string): Promise<string> {
  await h.say(conv, 'I forgot my password');
  await h.say(conv, email);
  await h.press(conv, 'channel_email');
  const [code] = await h.codesFor(email);
  return code!;
}
const subjectOf = async (conv: string) => (await contextOf(h, conv)).subject;

describe('codes are bound to their conversation and account (SECURITY.md 6)', () => {
  it('refuses a code from conversation A in conversation B, and A can still use it', async () => {
    const codeA = await waitingForCode('bound-a', DANI.email);
    const codeB = await waitingForCode('bound-b', DANI.email);
    expect(codeB).not.toBe(codeA);

    const inB = keysOf('en', await h.send('bound-b', { text: codeA, locale: 'en-US' }));
    console.log(`SECURITY 6 code of A typed in B → ${inB.join(', ')}`);
    expect(inB).toEqual(['code_wrong', 'ask_code']);
    expect(h.audit.entries().filter((e) => e.conversationId === 'bound-b' && e.event === 'code_verified')).toEqual([]);

    expect(keysOf('en', await h.send('bound-a', { text: codeA, locale: 'en-US' }))).toEqual(['code_verified', 'reset_link']);
    expect(keysOf('en', await h.send('bound-b', { text: codeB, locale: 'en-US' }))).toEqual(['code_verified', 'reset_link']);
  });

  it('refuses a conversation\'s code for any account but the one it was sent for', async () => {
    const { verification } = servicesOf(h);
    const code = await waitingForCode('bound-account', ANA.email);
    await waitingForCode('bound-other', DANI.email);
    const ana = await subjectOf('bound-account');
    const dani = await subjectOf('bound-other');
    // The right code, the right conversation, but another account's subject: refused.
    expect((await verification.verifyCode({ conversationId: 'bound-account', subject: dani, code })).outcome).toBe('wrong');
    // The same code for the account it was sent for: accepted.
    expect((await verification.verifyCode({ conversationId: 'bound-account', subject: ana, code })).outcome).toBe('verified');
  });
});
