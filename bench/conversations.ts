// What the load generator says to a bot: an echo conversation for the bare framework, and a whole password
// recovery for Clave (opener → email → channel button → the code read from the outbox → the reset link),
// each turn an activity with deliveryMode "expectReplies", so the replies come back in the HTTP response.
import { text } from '../dialogs/catalog.js';
import type { Locale } from '../machines/recovery.types.js';

/** One conversation as the drivers see it: the next turn's body, then a verdict on the reply. */
export interface Conversation {
  /** The body of the next turn, once it can be sent (the code step waits for the code to arrive). */
  next(): string | Promise<string>;
  /** Checks the reply to the turn just sent: null when it is what the journey expects, else why not. */
  accept(status: number, body: string): string | null;
  /** Index of the turn last prepared by next(), for per-step statistics. */
  readonly step: number;
  /** True once the last turn's reply was accepted. */
  readonly finished: boolean;
}

export interface BenchAccount {
  id: string;
  email: string;
  locale: Locale;
}

const CHANNEL_URL = 'http://127.0.0.1:9';

function activityBody(conversationId: string, sequence: number, locale: string, content: { text: string } | { value: unknown }): string {
  return JSON.stringify({
    type: 'message',
    id: `in-${sequence}`,
    timestamp: new Date().toISOString(),
    channelId: 'webchat',
    // Proactive messages (none in these journeys) would go here: a closed port on this machine.
    serviceUrl: CHANNEL_URL,
    deliveryMode: 'expectReplies',
    conversation: { id: conversationId },
    from: { id: `user-${conversationId}`, name: 'Bench' },
    recipient: { id: 'clave', name: 'Clave' },
    locale,
    ...content,
  });
}

interface Reply {
  type: string;
  text?: string;
}

function messagesOf(body: string): Reply[] | null {
  try {
    const activities = (JSON.parse(body) as { activities?: Reply[] }).activities;
    return Array.isArray(activities) ? activities.filter((a) => a.type === 'message') : null;
  } catch {
    return null;
  }
}

/** The bare framework's conversation: four lines of text, each echoed. */
export class EchoConversation implements Conversation {
  private sent = 0;
  private accepted = 0;
  static readonly TURNS = 4;

  constructor(private readonly id: string) {}

  get step(): number {
    return this.sent - 1;
  }

  get finished(): boolean {
    return this.accepted >= EchoConversation.TURNS;
  }

  next(): string {
    this.sent++;
    return activityBody(this.id, this.sent, 'es-ES', { text: `hola, mensaje ${this.sent}` });
  }

  accept(status: number, body: string): string | null {
    if (status !== 200) return `HTTP ${status}`;
    if (!body.includes('"echo: hola')) return 'no echo in the reply';
    this.accepted++;
    return null;
  }
}

/** Codes the server under test put in its development outbox, by destination, as they arrive over IPC. */
export class CodeBook {
  private readonly codes = new Map<string, string>();
  private readonly waiters = new Map<string, (code: string) => void>();

  deliver(to: string, code: string): void {
    const waiter = this.waiters.get(to);
    if (waiter) {
      this.waiters.delete(to);
      waiter(code);
    } else {
      this.codes.set(to, code);
    }
  }

  /** Drops a code not yet read (a conversation abandoned between the send and the code). */
  forget(to: string): void {
    this.codes.delete(to);
  }

  /** The next code for `to`, waiting at most `timeoutMs` for it. */
  take(to: string, timeoutMs: number): Promise<string> {
    const code = this.codes.get(to);
    if (code !== undefined) {
      this.codes.delete(to);
      return Promise.resolve(code);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(to);
        reject(new Error('code never arrived'));
      }, timeoutMs);
      this.waiters.set(to, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  }
}

/**
 * Accounts handed out first in, first out: a conversation has its account to itself (so the code for an
 * address is its code), and uses spread evenly, which keeps every account under the send limits.
 */
export class AccountPool {
  private readonly free: BenchAccount[];
  private readonly uses = new Map<string, number>();

  constructor(accounts: readonly BenchAccount[]) {
    this.free = [...accounts];
  }

  take(): BenchAccount {
    const account = this.free.shift();
    if (!account) throw new Error('every bench account is in use; generate more');
    this.uses.set(account.id, (this.uses.get(account.id) ?? 0) + 1);
    return account;
  }

  give(account: BenchAccount): void {
    this.free.push(account);
  }

  /** Most recoveries any one account started since the pool was made. */
  maxUses(): number {
    return Math.max(0, ...this.uses.values());
  }
}

export type Opener = { text: string; locale: Locale } | { button: true; locale: Locale };

export interface RecoveryOptions {
  id: string;
  account: BenchAccount;
  opener: Opener;
  codes: CodeBook;
  /** Reset links start with this (PUBLIC_BASE_URL). */
  publicBaseUrl: string;
  codeWaitMs?: number;
  /** Told when the link arrived: the account is free again. */
  onDone?: (account: BenchAccount) => void;
}

const apologies = new Set((['es', 'en'] as const).flatMap((l) => [text(l, 'turn_error'), text(l, 'temporarily_unavailable')]));

/** A whole recovery on an account without 2FA: four turns, the last answered with a reset link. */
export class RecoveryConversation implements Conversation {
  static readonly TURNS = 4;
  static readonly STEP_NAMES = ['opener', 'email', 'channel button', 'code → link'] as const;
  private sent = 0;
  private accepted = 0;

  constructor(private readonly options: RecoveryOptions) {}

  get id(): string {
    return this.options.id;
  }

  get account(): BenchAccount {
    return this.options.account;
  }

  get step(): number {
    return this.sent - 1;
  }

  get finished(): boolean {
    return this.accepted >= RecoveryConversation.TURNS;
  }

  next(): string | Promise<string> {
    const { id, account, opener, codes } = this.options;
    const locale = opener.locale === 'es' ? 'es-ES' : 'en-US';
    const body = (content: { text: string } | { value: unknown }) => activityBody(id, ++this.sent, locale, content);
    switch (this.sent) {
      case 0:
        return body('button' in opener ? { value: { choice: 'recover' } } : { text: opener.text });
      case 1:
        return body({ text: account.email });
      case 2:
        codes.forget(account.email);
        return body({ value: { choice: 'channel_email' } });
      default:
        return codes.take(account.email, this.options.codeWaitMs ?? 5_000).then((code) => body({ text: code }));
    }
  }

  accept(status: number, body: string): string | null {
    if (status !== 200) return `HTTP ${status}`;
    const messages = messagesOf(body);
    if (!messages || messages.length === 0) return 'no message in the reply';
    if (messages.some((m) => m.text !== undefined && apologies.has(m.text))) return 'the bot apologised (turn error)';
    if (this.step === RecoveryConversation.TURNS - 1) {
      const link = `${this.options.publicBaseUrl}/reset/`;
      if (!messages.some((m) => m.text?.includes(link))) return 'no reset link after the code';
      this.options.onDone?.(this.options.account);
    }
    this.accepted++;
    return null;
  }
}
