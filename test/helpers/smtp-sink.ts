// A real SMTP server (smtp-server) on a free local port that keeps every message it accepts, parsed with
// mailparser. STARTTLS is offered with smtp-server's built-in self-signed certificate unless turned off.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  /** True when the message travelled over TLS (STARTTLS or implicit). */
  secure: boolean;
  /** The login the client used, if any. */
  user: string | undefined;
  parsed: ParsedMail;
}

export interface SmtpSinkOptions {
  starttls?: boolean;
  /** When set, AUTH is required with exactly these credentials. */
  login?: { user: string; pass: string };
  /** Decides each connection; return an error with responseCode (421: a server that is down) to refuse it and hang up. */
  onConnect?: () => (Error & { responseCode?: number }) | null;
  /** Decides each RCPT TO; return an error with responseCode to refuse it. */
  onRcptTo?: (address: SMTPServerAddress, attempt: number) => (Error & { responseCode?: number }) | null;
}

export interface SmtpSink {
  port: number;
  received: ReceivedMail[];
  rcptAttempts: number;
  close(): Promise<void>;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const sink = { rcptAttempts: 0 };
  const config: SMTPServerOptions = {
    logger: false,
    disabledCommands: options.starttls ? [] : ['STARTTLS'],
    authOptional: !options.login,
    // Tests without STARTTLS still exercise the login.
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      const ok = options.login && auth.username === options.login.user && auth.password === options.login.pass;
      if (ok) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
    },
    onConnect(_session, callback) {
      callback(options.onConnect?.() ?? null);
    },
    onRcptTo(address, _session, callback) {
      sink.rcptAttempts++;
      callback(options.onRcptTo?.(address, sink.rcptAttempts) ?? null);
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          received.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            secure: session.secure,
            user: typeof session.user === 'string' ? session.user : undefined,
            parsed,
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  };
  const server = new SMTPServer(config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    get rcptAttempts() {
      return sink.rcptAttempts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
