// The owner-check service on its own, over the real app's store and demo directory: what it keeps of card digits
// (sealed, never in clear), how it picks a catalog question for a stranger, and that known and unknown subjects
// get plans of the same shape. The chart's and the bot's side are in test/transcripts/handoff/ and SECURITY 17.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityQuestionIds } from '../../machines/recovery.types.js';
import { AuditLog } from '../../src/services/audit-log.js';
import { OwnerCheckService, ownerCheckKeys } from '../../src/services/owner-check.js';
import { Secrets } from '../../src/services/secrets.js';
import { SECRET_KEY, servicesOf, startApp, type Harness } from '../security/helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startApp();
});
afterAll(() => h.close());

function service(options = { paymentDetails: true, securityQuestion: true }) {
  const { verification, secrets } = servicesOf(h);
  return {
    verification,
    owner: new OwnerCheckService({ store: h.app.store, directory: h.app.directory, verification, secrets, audit: new AuditLog([h.audit], h.clock), options }),
  };
}

describe('sealing', () => {
  it('opens only under the same key and purpose, and refuses anything tampered with', () => {
    const secrets = new Secrets(SECRET_KEY);
    const sealed = secrets.seal('owner-card|c1', '4242');
    expect(sealed).not.toContain('4242');
    expect(secrets.seal('owner-card|c1', '4242')).not.toBe(sealed);
    expect(secrets.open('owner-card|c1', sealed)).toBe('4242');
    expect(secrets.open('owner-card|c2', sealed)).toBeNull();
    expect(new Secrets('another-key-that-is-long-enough-0123456789').open('owner-card|c1', sealed)).toBeNull();
    const [iv, tag, body] = sealed.split('.');
    expect(secrets.open('owner-card|c1', [iv, tag, `${body}A`].join('.'))).toBeNull();
    expect(secrets.open('owner-card|c1', 'not sealed')).toBeNull();
  });
});

describe('the owner-check service', () => {
  it('keeps card digits sealed for one check only, and never in clear', async () => {
    const { owner, verification } = service();
    const { subject } = await verification.lookup({ conversationId: 'oc-1', kind: 'email', value: 'ana@example.com' });
    await owner.holdCardDigits({ conversationId: 'oc-1', cardLast4: '4242' });
    const stored = await h.app.store.get(ownerCheckKeys.cardHold('oc-1'));
    expect(stored).not.toBeNull();
    expect(stored).not.toContain('4242');
    expect(await owner.checkPaymentDetails({ conversationId: 'oc-1', subject, postalCode: '28013' })).toEqual({ result: 'matched' });
    expect(await h.app.store.get(ownerCheckKeys.cardHold('oc-1'))).toBeNull();
    // Taken by the first check: a second postal code has no digits to go with.
    expect(await owner.checkPaymentDetails({ conversationId: 'oc-1', subject, postalCode: '28013' })).toEqual({ result: 'skipped' });
  });

  it('plans the same for a known and an unknown subject, and gives a stranger a fixed catalog question', async () => {
    const { owner, verification } = service();
    const known = await verification.lookup({ conversationId: 'oc-2', kind: 'email', value: 'ana@example.com' });
    const unknown = await verification.lookup({ conversationId: 'oc-3', kind: 'email', value: 'stranger@example.com' });
    const plan = await owner.prepare({ conversationId: 'oc-2', subject: known.subject });
    const strangerPlan = await owner.prepare({ conversationId: 'oc-3', subject: unknown.subject });
    expect(plan).toEqual({ paymentDetails: 'ask', securityQuestion: 'ask', questionId: 'first_pet' });
    expect({ ...strangerPlan, questionId: 'x' }).toEqual({ ...plan, questionId: 'x' });
    expect(securityQuestionIds).toContain(strangerPlan.questionId);
    expect(owner.questionFor(unknown.subject)).toBe(strangerPlan.questionId);
    // Spread over the catalog, not always the same question.
    const asked = new Set(Array.from({ length: 30 }, (_, i) => owner.questionFor(`subject-${i}`)));
    expect(asked.size).toBe(securityQuestionIds.length);
  });

  it('says "off" for what is turned off, and asks nothing of a locked subject', async () => {
    const { owner, verification } = service({ paymentDetails: false, securityQuestion: false });
    const { subject } = await verification.lookup({ conversationId: 'oc-4', kind: 'email', value: 'ben@example.com' });
    expect(await owner.prepare({ conversationId: 'oc-4', subject })).toEqual({ paymentDetails: 'off', securityQuestion: 'off', questionId: null });
    const on = service().owner;
    await h.app.store.set(`lock:{${subject}}`, '1', 60_000);
    expect(await on.prepare({ conversationId: 'oc-4', subject })).toEqual({ paymentDetails: 'not_asked', securityQuestion: 'not_asked', questionId: null });
  });

  it('a right answer to a question the account does not have is not a match', async () => {
    const { owner, verification } = service();
    const { subject } = await verification.lookup({ conversationId: 'oc-5', kind: 'email', value: 'ana@example.com' });
    expect(await owner.checkSecurityAnswer({ conversationId: 'oc-5', subject, questionId: 'first_pet', answer: ' LÚNA ' })).toEqual({ result: 'matched' });
    expect(await owner.checkSecurityAnswer({ conversationId: 'oc-5', subject, questionId: 'birth_city', answer: 'Luna' })).toEqual({ result: 'not_matched' });
    await owner.settled();
  });
});
