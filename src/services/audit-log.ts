// Append-only audit trail of security events (SECURITY.md §I): who (account id, never an address),
// where (conversation, channel), what and how it ended. Never a code, token, answer or password.
import { appendFileSync } from 'node:fs';
import type { Clock } from '../clock.js';

export type AuditEventName =
  | 'identify'
  | 'code_sent'
  | 'code_send_held'
  | 'code_verified'
  | 'code_failed'
  | 'second_factor_verified'
  | 'second_factor_failed'
  // Owner identification for agents: the outcome only (matched or wrong), never an answer.
  | 'owner_check'
  | 'security_answer'
  | 'locked'
  | 'reset_link_issued'
  | 'reset_completed'
  // A fresh recovery code replaced the one a recovery used (the code itself is never written).
  | 'recovery_code_reissued'
  | 'handoff'
  // A queued email or SMS that never got through: the channel and whose fault (src/services/delivery-health.ts).
  | 'delivery_failed'
  // The handoff desk (src/handoff/): an agent took the chat, vouched for the person, the handoff ended, a ticket.
  | 'handoff_accepted'
  | 'agent_verified'
  | 'handoff_ended'
  | 'handoff_ticket_filed'
  | 'agent_signed_in'
  | 'agent_sign_in_failed';

export interface AuditEntry {
  event: AuditEventName;
  conversationId?: string | undefined;
  accountId?: string | null | undefined;
  channel?: string | undefined;
  /** The support agent who acted, for events an agent causes (their console name, never a password). */
  agent?: string | undefined;
  outcome: string;
}

/** An entry as written: with the time the audit log stamped on it. */
export type TimedAuditEntry = AuditEntry & { time: string };

export interface AuditSink {
  /** `entry` is the line's own content, so a sink that reads fields need not parse the line back. */
  write(line: string, entry?: TimedAuditEntry): void;
}

export const stdoutSink: AuditSink = { write: (line) => process.stdout.write(line + '\n') };
export const fileSink = (path: string): AuditSink => ({ write: (line) => appendFileSync(path, line + '\n') });

/** Keeps lines in memory; used by tests and the development routes. */
export class MemorySink implements AuditSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  entries(): TimedAuditEntry[] {
    return this.lines.map((l) => JSON.parse(l));
  }
}

export class AuditLog {
  constructor(
    private readonly sinks: AuditSink[],
    private readonly clock: Clock,
  ) {}

  record(entry: AuditEntry): void {
    const timed: TimedAuditEntry = { time: new Date(this.clock.now()).toISOString(), ...entry };
    const line = JSON.stringify({ time: timed.time, audit: true, ...entry });
    for (const sink of this.sinks) sink.write(line, timed);
  }
}
