// Outside business hours nobody can take the chat, so instead of an empty wait the packet goes to the support
// inbox as a ticket, over real SMTP, and the person is told it was filed and is back with the assistant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeHours, parseHoursRules } from '../../src/handoff/business-hours.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import {
  ANA,
  CHANNEL_CHOICES,
  CODE_CHOICES,
  conversation,
  copy,
  line,
  play,
  press,
  proactiveLines,
  startStory,
  type Harness,
} from '../transcripts/story.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
// Open only on a day that is neither today nor tomorrow (in UTC), so the test never runs inside the hours.
const openDay = DAYS[(new Date().getUTCDay() + 3) % 7]!;
const HOURS = `${openDay} 09:00-17:00`;

let smtp: SmtpSink;
let h: Harness;
beforeAll(async () => {
  smtp = await startSmtpSink();
  h = await startStory({
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    SUPPORT_INBOX: 'support@example.com',
    HANDOFF_HOURS: HOURS,
    HANDOFF_TIMEZONE: 'UTC',
  });
});
afterAll(async () => {
  await h?.close();
  await smtp?.close();
});

describe('after hours', () => {
  it('files a ticket with the packet to the support inbox, tells the person, and takes them back', async () => {
    const { bot } = copy('es');
    const conv = conversation('after-hours', 'es');
    await play(h, conv, 'es', [
      ['olvidé mi clave', [bot('ask_identifier', ['agent'])]],
      [ANA.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
      ['hablar con una persona', [bot('ask_card_last4', ['skip', 'agent'])]],
      ['4242', [bot('ask_postal_code', ['skip', 'agent'])]],
      // Connecting… then why nobody can come now, the ticket, and the step the person was at.
      [
        '28013',
        [
          bot('handoff_started', ['cancel']),
          line('es', 'handoff_after_hours', [], { hours: describeHours({ rules: parseHoursRules(HOURS), timeZone: 'UTC' }, 'es') }),
          line('es', 'handoff_ticket_filed'),
          bot('ask_code', CODE_CHOICES),
        ],
      ],
    ]);
    expect(proactiveLines(h, conv)).toEqual([]);
    // Nobody is left waiting in a line no agent will look at.
    expect((await h.app.handoff.view('anyone')).queue).toEqual([]);

    await h.app.delivery.drain();
    const code = /\b(\d{6})\b/.exec(smtp.received.find((m) => m.envelope.to.includes(ANA.email))?.parsed.text ?? '')?.[1];
    expect(code, 'the code went out by email too').toBeDefined();
    const tickets = smtp.received.filter((m) => m.envelope.to.includes('support@example.com'));
    expect(tickets).toHaveLength(1);
    const ticket = tickets[0]!.parsed;
    expect(ticket.subject).toBe('[StreamFlix Demo] Ticket de soporte: No le llegó el código');
    expect(ticket.text).toContain(conv);
    expect(ticket.text).toContain('acct-ana');
    expect(ticket.text).toContain('Persona: <email>');
    // The owner checks' results, never the answers (Ana's card and postal code are right).
    expect(ticket.text).toContain('Coincide');
    for (const answer of ['4242', '28013']) expect(ticket.text).not.toContain(answer);
    for (const secret of [ANA.email, code!, ANA.password]) expect(ticket.text).not.toContain(secret);
    expect(h.audit.entries().filter((e) => e.conversationId === conv && e.event === 'handoff_ticket_filed')).toEqual([
      expect.objectContaining({ accountId: 'acct-ana', outcome: 'queued' }),
    ]);

    // Back with the assistant: the code still works.
    await play(h, conv, 'es', [[code!, [bot('code_verified'), expect.objectContaining({ text: expect.stringContaining('/reset/') }) as never]]]);
  });

  it('inside the hours the same request joins the line instead', async () => {
    const open = await startStory({ HANDOFF_HOURS: 'Mon-Sun 00:00-24:00', SUPPORT_INBOX: 'support@example.com', HANDOFF_TIMEZONE: 'UTC' });
    try {
      const { bot } = copy('en');
      const conv = conversation('inside-hours', 'en');
      await play(open, conv, 'en', [['talk to a person', [bot('handoff_started', ['cancel']), line('en', 'handoff_queue_no_estimate', ['cancel'], { position: 1 })]]]);
      expect((await open.app.handoff.view('anyone')).queue.map((q) => q.conversationId)).toEqual([conv]);
    } finally {
      await open.close();
    }
  });
});
