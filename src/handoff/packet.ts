// The handoff packet: everything an agent needs to pick up a conversation, and nothing an attacker could use.
// Language, why the bot handed over, which factors were proven and which failed, the account id (never an
// address), recent sign-ins for the agent's eyes, time spent and the redacted transcript. Never a code, a
// token, an answer, a link or a card digit: the pieces it is built from never held them.
import { z } from 'zod';
import type { Channel, HandoffInput, HandoffReason, Locale, OwnerCheckResult } from '../../machines/recovery.types.js';
import { activitySchema, type Activity } from '../services/http-directory.js';
import type { TranscriptRecord, TranscriptTurn } from './transcript.js';

/** 2: ownerIdentification holds the results of the owner checks (was the literal 'not_checked'). */
export const PACKET_VERSION = 2;

export const factorNames = ['one_time_code', 'second_factor'] as const;
export type FactorName = (typeof factorNames)[number];

const handoffReasons = ['requested', 'locked_out', 'not_understood', 'lost_2fa', 'code_not_received', 'service_error'] as const satisfies readonly HandoffReason[];
const channels = ['email', 'sms', 'alt_email'] as const satisfies readonly Channel[];
export const ownerCheckResults = ['matched', 'not_matched', 'skipped', 'not_asked', 'off', 'not_offered', 'unavailable'] as const satisfies readonly OwnerCheckResult[];

const transcriptTurnSchema = z.object({
  at: z.number(),
  person: z
    .union([z.object({ text: z.string().max(600) }), z.object({ choice: z.string().max(40) }), z.object({ withheld: z.enum(['password', 'answer']) })])
    .nullable(),
  bot: z.array(z.string().regex(/^\w{1,64}$/)),
});

export const handoffPacketSchema = z.object({
  version: z.literal(PACKET_VERSION),
  conversationId: z.string(),
  channelId: z.string().nullable(),
  language: z.enum(['es', 'en']),
  reason: z.enum(handoffReasons),
  requestedAt: z.iso.datetime(),
  factors: z.object({
    verified: z.array(z.enum(factorNames)),
    failed: z.array(z.enum(factorNames)),
    failedAttempts: z.object({ one_time_code: z.number().int().min(0), second_factor: z.number().int().min(0) }),
    /** Where the last code was sent (email, SMS, alternate email), if the person got that far. */
    codeChannel: z.enum(channels).nullable(),
    /** Whether the account has a second factor: known only once a code was verified. */
    secondFactorRequired: z.boolean().nullable(),
    lockedOut: z.boolean(),
  }),
  /**
   * What the owner checks asked before the handoff found: matched or not, never an answer. A match only raises
   * the agent's confidence; it is never enough on its own (SECURITY.md 17).
   */
  ownerIdentification: z.object({ paymentDetails: z.enum(ownerCheckResults), securityQuestion: z.enum(ownerCheckResults) }),
  /** The directory's account id, when the identifier the person gave matched an account. Never the email. */
  accountId: z.string().nullable(),
  recentActivity: z.discriminatedUnion('status', [
    z.object({ status: z.literal('ok'), signIns: activitySchema.shape.signIns, devices: activitySchema.shape.devices }),
    /** No account, a directory that does not offer activity, or one that failed to answer. */
    z.object({ status: z.enum(['no_account', 'not_offered', 'unavailable']) }),
  ]),
  timeSpentSeconds: z.number().int().min(0),
  transcript: z.array(transcriptTurnSchema),
});

export type HandoffPacket = z.infer<typeof handoffPacketSchema>;
export type RecentActivity = HandoffPacket['recentActivity'];

export interface PacketSources {
  input: HandoffInput;
  /** The channel the conversation is on (webchat, msteams, …). */
  channelId: string | null;
  now: number;
  accountId: string | null;
  activity: RecentActivity;
  transcript: TranscriptRecord | null;
  /** From the verification record; null when no code was verified yet. */
  secondFactorRequired: boolean | null;
}

export function activityResult(accountId: string | null, activity: Activity | null | 'unavailable'): RecentActivity {
  if (!accountId) return { status: 'no_account' };
  if (activity === 'unavailable') return { status: 'unavailable' };
  if (!activity) return { status: 'not_offered' };
  return { status: 'ok', signIns: activity.signIns, devices: activity.devices };
}

export function buildPacket(sources: PacketSources): HandoffPacket {
  const { input, transcript, now } = sources;
  const verified: FactorName[] = [
    ...(input.codeVerified ? (['one_time_code'] as const) : []),
    ...(input.secondFactorVerified ? (['second_factor'] as const) : []),
  ];
  const failedAttempts = { one_time_code: transcript?.failures.code ?? 0, second_factor: transcript?.failures.secondFactor ?? 0 };
  const failed = factorNames.filter((f) => failedAttempts[f] > 0 && !verified.includes(f));
  const startedAt = transcript?.startedAt ?? now;
  return handoffPacketSchema.parse({
    version: PACKET_VERSION,
    conversationId: input.conversationId,
    channelId: sources.channelId,
    language: input.locale,
    reason: input.reason,
    requestedAt: new Date(now).toISOString(),
    factors: {
      verified,
      failed,
      failedAttempts,
      codeChannel: input.channel,
      secondFactorRequired: sources.secondFactorRequired,
      lockedOut: input.reason === 'locked_out' || (transcript?.lockedOut ?? false),
    },
    ownerIdentification: { paymentDetails: input.ownerIdentification.paymentDetails, securityQuestion: input.ownerIdentification.securityQuestion },
    accountId: sources.accountId,
    recentActivity: sources.activity,
    timeSpentSeconds: Math.max(0, Math.round((now - startedAt) / 1000)),
    transcript: (transcript?.turns ?? []) satisfies TranscriptTurn[],
  });
}

/** How a bot message key reads in the transcript an agent hub gets (the copy, with any link left out). */
export type KeyReader = (locale: Locale, key: string) => string;

/** The owner checks in one line of the agent hub's transcript: results only. */
export type OwnerLineReader = (locale: Locale, owner: HandoffPacket['ownerIdentification']) => string;

/**
 * The transcript as Bot Framework activities, for `EventFactory.createHandoffInitiation`'s `transcript`:
 * the owner checks' results first, then the person's redacted words and the bot's copy (with placeholders for
 * anything it filled in at run time).
 */
export function transcriptActivities(packet: HandoffPacket, read: KeyReader, ownerLine?: OwnerLineReader): { activities: Record<string, unknown>[] } {
  const activities: Record<string, unknown>[] = [];
  if (ownerLine) {
    activities.push({
      type: 'message',
      timestamp: packet.requestedAt,
      from: { role: 'bot' },
      text: ownerLine(packet.language, packet.ownerIdentification),
      value: { ownerIdentification: packet.ownerIdentification },
    });
  }
  for (const turn of packet.transcript) {
    const timestamp = new Date(turn.at).toISOString();
    const person = turn.person;
    if (person) {
      const text =
        'text' in person ? person.text : 'choice' in person ? read(packet.language, `choice_${person.choice}`) : `<withheld ${person.withheld}>`;
      activities.push({ type: 'message', timestamp, from: { role: 'user' }, text });
    }
    for (const key of turn.bot) {
      activities.push({ type: 'message', timestamp, from: { role: 'bot' }, text: read(packet.language, key), value: { key } });
    }
  }
  return { activities };
}
