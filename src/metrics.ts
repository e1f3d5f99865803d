// Prometheus metrics: turns by channel and path, turn latency, and the recovery funnel. Funnel stages
// come from the audit trail (one AuditSink) and from where turns start and end; every label value comes
// from a closed list, so no identifier, code or free text can ever reach a label.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Request, Response, Server } from 'restify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { TurnResult } from './conversation/engine.js';
import type { AuditEntry, AuditSink } from './services/audit-log.js';
import type { DeliveryChannel, DeliveryResult } from './services/delivery-health.js';
import type { SecurityEventOutcome } from './services/security-events.js';

export const METRICS_PATH = '/metrics';

export const funnelStages = [
  'started',
  'identified',
  'code_sent',
  'verified',
  'second_factor',
  'reset',
  'handoff',
  'abandoned',
] as const;
export type FunnelStage = (typeof funnelStages)[number];

/** How a queued email or SMS ended (`clave_deliveries_total`); `via` is the provider's channel, not the chat's. */
export const deliveryVias = ['email', 'sms'] as const satisfies readonly DeliveryChannel[];
export const deliveryOutcomeLabels = ['delivered', 'provider_failed', 'recipient_refused'] as const satisfies readonly DeliveryResult[];

/** Bot Framework channel ids worth a label of their own; anything else (a client can send any id) is "other". */
export const knownChannels = ['msteams', 'webchat', 'directline', 'emulator', 'test'] as const;

const stageOfAuditEvent: Partial<Record<AuditEntry['event'], FunnelStage>> = {
  identify: 'identified',
  code_sent: 'code_sent',
  code_verified: 'verified',
  second_factor_verified: 'second_factor',
  reset_completed: 'reset',
  handoff: 'handoff',
};

export function channelLabel(channelId: unknown): string {
  return (knownChannels as readonly unknown[]).includes(channelId) ? (channelId as string) : 'other';
}

/** Paths are named in code (fast, button, classifier, system, and later offline/llm); still, only a short word passes. */
export function pathLabel(path: string): string {
  return /^[a-z][a-z_]{0,19}$/.test(path) ? path : 'other';
}

const languageLabel = (locale: string): string => (locale === 'es' || locale === 'en' ? locale : 'other');

/** Where the conversation is inside a recovery: past the welcome, and not yet over. */
const inRecovery = (state: string) =>
  (state.startsWith('journey.') && state !== 'journey.welcome') || state === 'handoff' || state === 'lockedOut';

/** A journey starts when a turn takes a conversation that was not recovering into a recovery step. */
export function journeyStarted(turn: Pick<TurnResult, 'from' | 'state' | 'idledOut'>): boolean {
  const intoStep = turn.state.startsWith('journey.') && turn.state !== 'journey.welcome';
  return intoStep && (turn.idledOut || !inRecovery(turn.from));
}

/** A recovery under way ended without a reset: cancelled, or idle past the limit (seen when the person returns). */
export function journeyAbandoned(turn: Pick<TurnResult, 'from' | 'state' | 'idledOut'>): boolean {
  if (!inRecovery(turn.from)) return false;
  return turn.idledOut || turn.state === 'cancelled' || turn.state === 'timedOut';
}

const ENDED = new Set(['done', 'cancelled', 'timedOut']);

/** Conversations remembered for counting each stage once per journey; older ones are forgotten first. */
const MAX_TRACKED_CONVERSATIONS = 20_000;

interface Journey {
  /** Stages the audit trail reported during the current turn, labelled when the turn ends. */
  pending: FunnelStage[];
  counted: Set<FunnelStage>;
}

export interface ObservedTurn {
  /** The Bot Framework channel id of the activity (or of the stored reference, for system events). */
  channel: unknown;
  conversationId: string;
  result: Pick<TurnResult, 'from' | 'state' | 'idledOut' | 'path' | 'locale'>;
  seconds: number;
}

export class ClaveMetrics {
  private readonly turns: Counter<'channel' | 'path'>;
  private readonly turnDuration: Histogram<'channel' | 'path'>;
  private readonly funnel: Counter<'stage' | 'language' | 'channel'>;
  private readonly deliveries: Counter<'via' | 'outcome'>;
  private readonly securityEvents: Counter<'outcome'>;
  private readonly journeys = new Map<string, Journey>();

  /** `registry` is the app's own (not prom-client's global one), so several apps in one process never collide. */
  constructor(readonly registry: Registry) {
    collectDefaultMetrics({ register: this.registry });
    this.turns = new Counter({
      name: 'clave_turns_total',
      help: 'Turns the conversation engine ran, by channel and by how the input was understood (path).',
      labelNames: ['channel', 'path'],
      registers: [this.registry],
    });
    this.turnDuration = new Histogram({
      name: 'clave_turn_duration_seconds',
      help: 'Time from receiving an activity to having sent the replies, by channel and path.',
      labelNames: ['channel', 'path'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.funnel = new Counter({
      name: 'clave_funnel_total',
      help: 'Recovery journeys reaching each stage (each stage counted at most once per journey and instance).',
      labelNames: ['stage', 'language', 'channel'],
      registers: [this.registry],
    });
    this.deliveries = new Counter({
      name: 'clave_deliveries_total',
      help: 'Queued emails and SMS by how they ended: delivered, provider_failed (every try failed at the provider), recipient_refused.',
      labelNames: ['via', 'outcome'],
      registers: [this.registry],
    });
    this.securityEvents = new Counter({
      name: 'clave_security_events_total',
      help: "Security events forwarded to the directory's log by outcome: sent, dropped (queue full while it was unreachable), refused (not taken, not retried).",
      labelNames: ['outcome'],
      registers: [this.registry],
    });
  }

  /** A queued message's end (src/services/delivery-health.ts); both labels come from closed lists. */
  observeDelivery(via: DeliveryChannel, outcome: DeliveryResult): void {
    this.deliveries.inc({ via, outcome });
  }

  /** A security event's end in the forwarder (src/services/security-events.ts); the label comes from a closed list. */
  observeSecurityEvent(outcome: SecurityEventOutcome): void {
    this.securityEvents.inc({ outcome });
  }

  /** Feeds the funnel from the audit trail; give it to the AuditLog beside the real sinks. */
  readonly auditSink: AuditSink = {
    write: (line) => {
      let entry: Partial<AuditEntry>;
      try {
        entry = JSON.parse(line) as Partial<AuditEntry>;
      } catch {
        return;
      }
      const stage = entry.event ? stageOfAuditEvent[entry.event] : undefined;
      if (!stage || typeof entry.conversationId !== 'string') return;
      this.journey(entry.conversationId).pending.push(stage);
    },
  };

  /**
   * Called once a turn (or a system event such as a completed reset) has finished. The stages the audit
   * trail reported during it are counted now, labelled with the conversation's language and channel.
   */
  observeTurn({ channel, conversationId, result, seconds }: ObservedTurn): void {
    const labels = { channel: channelLabel(channel), path: pathLabel(result.path) };
    this.turns.inc(labels);
    this.turnDuration.observe(labels, seconds);

    const journey = this.journey(conversationId);
    const count = (stage: FunnelStage) => {
      if (journey.counted.has(stage)) return;
      journey.counted.add(stage);
      this.funnel.inc({ stage, language: languageLabel(result.locale), channel: labels.channel });
    };
    // The previous journey's end comes before this turn's new start.
    if (journeyAbandoned(result)) count('abandoned');
    if (journeyStarted(result)) {
      journey.counted.clear();
      count('started');
    }
    for (const stage of journey.pending.splice(0)) count(stage);
    if (ENDED.has(result.state)) this.journeys.delete(conversationId);
  }

  private journey(conversationId: string): Journey {
    let journey = this.journeys.get(conversationId);
    if (journey) {
      // Most recently used last, so the oldest conversation is the first one forgotten.
      this.journeys.delete(conversationId);
    } else {
      journey = { pending: [], counted: new Set() };
      if (this.journeys.size >= MAX_TRACKED_CONVERSATIONS) {
        this.journeys.delete(this.journeys.keys().next().value!);
      }
    }
    this.journeys.set(conversationId, journey);
    return journey;
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Serves the registry at /metrics. With a token, only `Authorization: Bearer <token>` gets it; without
 * one it is open in development and absent (404) in production, where nothing should be open by accident.
 */
export function registerMetricsRoute(
  server: Server,
  options: { registry: Registry; token: string | undefined; production: boolean },
): void {
  const { registry, token, production } = options;
  if (production && !token) return;
  const expected = token ? digest(`Bearer ${token}`) : null;
  server.get(METRICS_PATH, async (req: Request, res: Response) => {
    res.header('Cache-Control', 'no-store');
    // Digests have one length, so the comparison takes the same time whatever was sent.
    if (expected && !timingSafeEqual(digest(String(req.header('authorization') ?? '')), expected)) {
      res.header('WWW-Authenticate', 'Bearer');
      res.send(401, { error: 'Unauthorized' });
      return;
    }
    res.header('Content-Type', registry.contentType);
    res.sendRaw(200, await registry.metrics());
  });
}
