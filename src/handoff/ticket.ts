// The after-hours ticket: the handoff packet as a plain-text email to SUPPORT_INBOX, in the person's language,
// sent through the same notifier as every other email. It carries what the packet carries and nothing more.
import { consoleText, type AgentConsoleKey } from '../../dialogs/pages/agent-console.js';
import type { Locale } from '../../machines/recovery.types.js';
import type { OutgoingMessage } from '../services/notifier.js';
import type { HandoffPacket, KeyReader } from './packet.js';

export function ticketMessage(packet: HandoffPacket, options: { to: string; brand: string; read: KeyReader }): OutgoingMessage {
  const locale = packet.language;
  const t = (key: AgentConsoleKey, params: Record<string, string | number> = {}) => consoleText(locale, key, { brand: options.brand, ...params });
  const reason = t(`reason_${packet.reason}`);
  const factor = (f: 'one_time_code' | 'second_factor') => t(`factor_${f}`);
  const list = (items: string[]) => (items.length ? items.join(', ') : t('none'));
  const minutes = Math.floor(packet.timeSpentSeconds / 60);
  const seconds = String(packet.timeSpentSeconds % 60).padStart(2, '0');

  const lines = [
    t('ticket_intro'),
    '',
    `${t('ticket_conversation')}: ${packet.conversationId}`,
    `${t('ticket_requested_at')}: ${packet.requestedAt}`,
    `${t('field_language')}: ${t(`language_${packet.language}`)}`,
    `${t('field_reason')}: ${reason}`,
    `${t('field_channel')}: ${packet.channelId ?? '-'}`,
    `${t('field_time_spent')}: ${minutes}:${seconds}`,
    `${t('field_account')}: ${packet.accountId ?? t('no_account')}`,
    `${t('field_owner_id')}:`,
    `  ${t('field_owner_payment')}: ${t(`owner_${packet.ownerIdentification.paymentDetails}`)}`,
    `  ${t('field_owner_question')}: ${t(`owner_${packet.ownerIdentification.securityQuestion}`)}`,
    `  ${t('owner_note')}`,
    `${t('field_verified')}: ${list(packet.factors.verified.map(factor))}`,
    `${t('field_failed')}: ${list(packet.factors.failed.map((f) => `${factor(f)} (${t('failed_attempts', { count: packet.factors.failedAttempts[f] })})`))}`,
    `${t('field_code_channel')}: ${packet.factors.codeChannel ? t(`channel_${packet.factors.codeChannel}`) : t('none')}`,
    ...(packet.factors.lockedOut ? [t('locked_out_note')] : []),
    '',
    `${t('activity_heading')}:`,
    ...activityLines(packet, t),
    '',
    `${t('transcript_heading')}:`,
    ...transcriptLines(packet, t, options.read),
    '',
    t('ticket_contact'),
  ];
  return {
    channel: 'email',
    to: options.to,
    purpose: 'support_ticket',
    subject: t('ticket_subject', { reason }),
    text: lines.join('\n'),
  };
}

type Translate = (key: AgentConsoleKey, params?: Record<string, string | number>) => string;

function activityLines(packet: HandoffPacket, t: Translate): string[] {
  const activity = packet.recentActivity;
  if (activity.status !== 'ok') return [`  ${t(`activity_${activity.status}`)}`];
  return [
    ...activity.signIns.map((s) => `  ${s.at}  ${s.success ? t('activity_success') : t('activity_failed')}  ${[s.device, s.location].filter(Boolean).join(', ')}`),
    `${t('devices_heading')}:`,
    ...activity.devices.map((d) => `  ${d.name}${d.lastSeenAt ? `  ${t('last_seen', { time: d.lastSeenAt })}` : ''}`),
  ];
}

function transcriptLines(packet: HandoffPacket, t: Translate, read: KeyReader): string[] {
  if (!packet.transcript.length) return [`  ${t('transcript_empty')}`];
  const lines: string[] = [];
  for (const turn of packet.transcript) {
    const person = turn.person;
    if (person) {
      const said =
        'text' in person
          ? person.text
          : 'choice' in person
            ? `[${read(packet.language, `choice_${person.choice}`)}]`
            : t(person.withheld === 'answer' ? 'transcript_withheld_answer' : 'transcript_withheld');
      lines.push(`  ${t('transcript_person')}: ${said}`);
    }
    for (const key of turn.bot) lines.push(`  ${t('transcript_bot')}: ${read(packet.language, key)}`);
  }
  return lines;
}

/** The owner checks in one sentence of the console's copy, for the agent hub's transcript: results only. */
export function ownerIdentificationLine(locale: Locale, owner: HandoffPacket['ownerIdentification']): string {
  return consoleText(locale, 'owner_line', {
    payment: consoleText(locale, `owner_${owner.paymentDetails}`).toLowerCase(),
    question: consoleText(locale, `owner_${owner.securityQuestion}`).toLowerCase(),
  });
}
