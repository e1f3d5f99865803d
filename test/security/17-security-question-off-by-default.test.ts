// SECURITY.md 17: a legacy security question is never enough on its own and is off by default. The feature is
// not built yet, so this proves what holds today: there is no switch that turns it on, no step of the chart,
// no copy and no service that asks for or accepts an answer, the directory keeps none, and a person who types
// a "security answer" at any step gets no further than before — no code is verified, no link is made.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogs } from '../../dialogs/catalog.js';
import { recoveryMachine } from '../../machines/recovery.machine.js';
import { configSchema, loadConfig } from '../../src/config.js';
import { demoAccountSchema } from '../../src/services/demo-directory.js';
import { VerificationService } from '../../src/services/verification-service.js';
import { ResetService } from '../../src/services/reset-service.js';
import { BEN, DANI } from '../transcripts/story.js';
import { stateOf, startApp, type Harness } from './helpers.js';

const QUESTION = /question|answer|pregunta|respuesta|maiden|kba|knowledge/i;

const ANSWERS = [
  "my mother's maiden name is Smith",
  'the answer to my security question is Fluffy',
  'Fluffy',
  'mi primera mascota se llamaba Toby',
  'security answer: blue',
];

let h: Harness;
beforeAll(async () => {
  h = await startApp({ SENDS_PER_15_MINUTES: '10' });
});
afterAll(() => h.close());

describe('the legacy security question (SECURITY.md 17)', () => {
  it('has no configuration switch: nothing in the schema or the loaded configuration names one', () => {
    const variables = Object.keys(configSchema.shape);
    expect(variables.filter((name) => QUESTION.test(name))).toEqual([]);
    expect(JSON.stringify(loadConfig({}))).not.toMatch(/question|answer/i);
    // Setting one anyway changes nothing: unknown variables are not read.
    expect(loadConfig({ SECURITY_QUESTION_ENABLED: 'true' })).toEqual(loadConfig({}));
  });

  it('has no step, event, copy or service that asks for or accepts an answer', () => {
    const events = [...recoveryMachine.events];
    const states = Object.keys(recoveryMachine.states).concat(Object.keys(recoveryMachine.states.journey!.states));
    expect(events.filter((e) => QUESTION.test(e))).toEqual([]);
    expect(states.filter((s) => QUESTION.test(s))).toEqual([]);
    for (const locale of ['es', 'en'] as const) {
      const asking = Object.entries(catalogs[locale]).filter(([, copy]) => /security question|secret question|pregunta (de seguridad|secreta)|maiden name|apellido de soltera/i.test(copy));
      expect(asking, locale).toEqual([]);
    }
    const methods = [VerificationService, ResetService].flatMap((service) => Object.getOwnPropertyNames(service.prototype));
    expect(methods.filter((m) => QUESTION.test(m))).toEqual([]);
    // The directory keeps no answers.
    const fields = Object.keys(demoAccountSchema.shape);
    expect(fields).toContain('recoveryCodeHashes');
    expect(fields.filter((k) => QUESTION.test(k))).toEqual([]);
  });

  it.each(['identify', 'chooseChannel', 'awaitingCode', 'secondFactor'] as const)('gets no further with a "security answer" at %s', async (step) => {
    let n = 0;
    for (const answer of ANSWERS) {
      const conv = `answer-${step}-${++n}`;
      const account = step === 'secondFactor' ? BEN.email : DANI.email;
      await h.say(conv, 'I forgot my password');
      if (step !== 'identify') await h.say(conv, account);
      if (step === 'awaitingCode' || step === 'secondFactor') await h.press(conv, 'channel_email');
      if (step === 'secondFactor') await h.say(conv, (await h.codesFor(account))[0]!);
      const before = await stateOf(h, conv);
      const replies = await h.say(conv, answer);
      const after = await stateOf(h, conv);
      expect(replies.join(' '), `${answer}: no reset link`).not.toMatch(/\/reset\//);
      expect(replies.join(' ')).not.toMatch(/security question|pregunta de seguridad/i);
      // It stays where it was (or hands over, or starts again) — never a step further along the journey.
      expect(['journey.verifyingCode', 'journey.issuingLink', 'journey.linkIssued', 'done:done'], `${answer} at ${before}`).not.toContain(after);
      if (step !== 'secondFactor') expect(after, answer).not.toBe('journey.secondFactor');
    }
    const guarded = h.audit.entries().filter((e) => String(e.conversationId).startsWith(`answer-${step}`) && ['reset_link_issued', 'second_factor_verified'].includes(e.event));
    expect(guarded).toEqual([]);
  });
});
