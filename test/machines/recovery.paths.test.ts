// Paths generated from the chart with @xstate/graph: every state and every transition (each event and
// guard branch on each state) must be exercised by some path that starts at the beginning of a conversation.
//
// Invocations: we traverse the real recoveryMachine, not a copy without invokes. The graph walks the pure
// `transition` function with a mock actor scope, so invoked services are spawned but never run; their
// results are supplied the way real actors deliver them, as `xstate.done.actor.<id>` / `xstate.error.actor.<id>`
// events in the events list (ids read from the chart, one event per output variant). A hand-made variant
// without invokes could drift from the chart it is meant to check.
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths, type AdjacencyMap } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import {
  initialTransition,
  transition,
  type AnyActorLogic,
  type AnyEventObject,
  type AnyStateNode,
  type AnyTransitionDefinition,
  type SnapshotFrom,
} from 'xstate';
import { catalogs } from '../../dialogs/catalog.js';
import { recoveryMachine } from '../../machines/recovery.machine.js';
import {
  faqTopics,
  type IssueLinkOutput,
  type LookupOutput,
  type OwnerCheckOutput,
  type PrepareOwnerCheckOutput,
  type RecoveryEvent,
  type RecoveryEventType,
  type RecoveryInput,
  type SayEvent,
  type SendCodeOutput,
  type VerifyCodeOutput,
  type VerifySecondFactorOutput,
} from '../../machines/recovery.types.js';

type RecoverySnapshot = SnapshotFrom<typeof recoveryMachine>;

const IDLE_LIMIT_MS = 15 * 60_000;
const START = 1_700_000_000_000;
const input: RecoveryInput = {
  conversationId: 'conv-paths',
  locale: 'en',
  now: START,
  idleLimitMs: IDLE_LIMIT_MS,
  repromptLimit: 3,
};

const secrets = { email: 'x@y.com', phone: '+34600111222', code: '123456', recoveryCode: 'ABCD-EFGH-2345' };

/** Every event the chart accepts, with representative payloads (the compiler insists on every type). */
const userEvents: { [K in RecoveryEventType]: Array<Extract<RecoveryEvent, { type: K }>> } = {
  // One TICK within the idle limit, one past it from any earlier TICK: time stays a finite set of states.
  TICK: [
    { type: 'TICK', at: START + 1_000 },
    { type: 'TICK', at: START + 1_000 + IDLE_LIMIT_MS + 1 },
  ],
  GREET: [{ type: 'GREET' }],
  RECOVER: [{ type: 'RECOVER' }],
  EMAIL: [{ type: 'EMAIL', value: secrets.email }],
  PHONE: [{ type: 'PHONE', value: secrets.phone }],
  CHOOSE_CHANNEL: [
    { type: 'CHOOSE_CHANNEL', channel: 'email' },
    { type: 'CHOOSE_CHANNEL', channel: 'alt_email' },
    { type: 'CHOOSE_CHANNEL', channel: 'sms' },
  ],
  DIGITS: [{ type: 'DIGITS', value: secrets.code }],
  RECOVERY_CODE: [{ type: 'RECOVERY_CODE', value: secrets.recoveryCode }],
  RESEND: [{ type: 'RESEND' }],
  SWITCH_CHANNEL: [{ type: 'SWITCH_CHANNEL' }],
  CODE_NOT_RECEIVED: [{ type: 'CODE_NOT_RECEIVED' }],
  LOST_2FA: [{ type: 'LOST_2FA' }],
  USE_RECOVERY_CODE: [{ type: 'USE_RECOVERY_CODE' }],
  NEW_LINK: [{ type: 'NEW_LINK' }],
  AFFIRM: [{ type: 'AFFIRM' }],
  DENY: [{ type: 'DENY' }],
  PASSWORD_IN_CHAT: [{ type: 'PASSWORD_IN_CHAT' }],
  INVALID_IDENTIFIER: [{ type: 'INVALID_IDENTIFIER' }],
  UNRECOGNIZED: [{ type: 'UNRECOGNIZED' }],
  CANCEL: [{ type: 'CANCEL' }],
  START_OVER: [{ type: 'START_OVER' }],
  HELP: [{ type: 'HELP' }],
  AGENT: [{ type: 'AGENT' }],
  ADOPT_LANGUAGE: [{ type: 'ADOPT_LANGUAGE', locale: 'es' }],
  SET_LANGUAGE: [
    { type: 'SET_LANGUAGE', locale: 'es' },
    { type: 'SET_LANGUAGE', locale: 'en' },
  ],
  FAQ: faqTopics.map((topic) => ({ type: 'FAQ' as const, topic })),
  RESET_COMPLETED: [{ type: 'RESET_COMPLETED' }],
  HANDOFF_ENDED: [{ type: 'HANDOFF_ENDED' }],
  HANDOFF_FAILED: [{ type: 'HANDOFF_FAILED' }],
  HANDOFF_DEFERRED: [{ type: 'HANDOFF_DEFERRED' }],
  CODE_SENT_BY_AGENT: [
    { type: 'CODE_SENT_BY_AGENT', channel: 'email' },
    { type: 'CODE_SENT_BY_AGENT', channel: 'sms' },
  ],
  NUDGE: [{ type: 'NUDGE' }],
  DELIVERY_TROUBLE: [{ type: 'DELIVERY_TROUBLE' }],
  CARD_DIGITS: [{ type: 'CARD_DIGITS', value: '4242' }],
  POSTAL_CODE: [{ type: 'POSTAL_CODE', value: '28013' }],
  SECURITY_ANSWER: [{ type: 'SECURITY_ANSWER', value: 'Luna' }],
  OWNER_ANSWER_INVALID: [{ type: 'OWNER_ANSWER_INVALID' }],
  SKIP: [{ type: 'SKIP' }],
};

/** What each invoked service can answer: every branch its onDone distinguishes. */
const serviceOutputs: {
  lookupAccount: LookupOutput[];
  sendCode: SendCodeOutput[];
  verifyCode: VerifyCodeOutput[];
  verifySecondFactor: VerifySecondFactorOutput[];
  issueResetLink: IssueLinkOutput[];
  prepareOwnerCheck: PrepareOwnerCheckOutput[];
  holdCardDigits: undefined[];
  checkPaymentDetails: OwnerCheckOutput[];
  checkSecurityAnswer: OwnerCheckOutput[];
} = {
  lookupAccount: [{ subject: 'subject-1' }],
  sendCode: [{ locked: false }, { locked: true }],
  verifyCode: [
    { outcome: 'verified', secondFactors: [] },
    { outcome: 'verified', secondFactors: ['totp'] },
    { outcome: 'verified', secondFactors: ['totp', 'recovery'] },
    { outcome: 'wrong', secondFactors: [] },
    { outcome: 'expired', secondFactors: [] },
    { outcome: 'exhausted', secondFactors: [] },
    { outcome: 'locked', secondFactors: [] },
    { outcome: 'wait', secondFactors: [], waitSeconds: 30 },
  ],
  verifySecondFactor: [{ outcome: 'verified' }, { outcome: 'wrong' }, { outcome: 'locked' }, { outcome: 'wait', waitSeconds: 30 }],
  issueResetLink: [{ url: 'https://reset.example.test/r/paths', validMinutes: 15 }],
  prepareOwnerCheck: [
    { paymentDetails: 'ask', securityQuestion: 'ask', questionId: 'first_pet' },
    { paymentDetails: 'ask', securityQuestion: 'off', questionId: null },
    { paymentDetails: 'off', securityQuestion: 'ask', questionId: 'birth_city' },
    { paymentDetails: 'not_offered', securityQuestion: 'off', questionId: null },
  ],
  holdCardDigits: [undefined],
  checkPaymentDetails: [{ result: 'matched' }, { result: 'not_matched' }],
  checkSecurityAnswer: [{ result: 'matched' }, { result: 'not_matched' }],
};

function descendants(node: AnyStateNode): AnyStateNode[] {
  return (Object.values(node.states) as AnyStateNode[]).flatMap((child) => [child, ...descendants(child)]);
}
const allNodes = [recoveryMachine.root, ...descendants(recoveryMachine.root)];

const invokes = allNodes.flatMap((node) => node.invoke.map((invoke) => ({ node, invoke })));
const serviceEvents: AnyEventObject[] = invokes.flatMap(({ invoke }) => {
  const outputs = serviceOutputs[invoke.src as keyof typeof serviceOutputs] as unknown[] | undefined;
  if (!outputs) throw new Error(`no outputs listed for invoked service ${String(invoke.src)}`);
  return [
    ...outputs.map((output) => ({ type: `xstate.done.actor.${invoke.id}`, output })),
    { type: `xstate.error.actor.${invoke.id}`, error: { message: 'service unavailable' } },
  ];
});
const events = [...Object.values(userEvents).flat(), ...serviceEvents] as RecoveryEvent[];

/**
 * What makes two snapshots different for the chart: the state and the context guards read (reprompts,
 * and the handoff reason; time is kept finite by the TICK payloads above). Everything else would only
 * multiply equivalent states.
 */
const serializeState = (snapshot: RecoverySnapshot): string =>
  JSON.stringify({
    status: snapshot.status,
    value: snapshot.value,
    reprompts: snapshot.context.reprompts,
    fromLockout: snapshot.context.handoffReason === 'locked_out',
    // What the owner-identification guards read: whether there is anything to ask, and a question still to come.
    ownerCheckNeedless: snapshot.context.subject === null || snapshot.context.ownerAsked,
    questionToCome: snapshot.context.securityQuestionId !== null && snapshot.matches('confirmingOwner'),
  });

const traversal = {
  input,
  serializeState,
  // Only what the current snapshot accepts (done/error events only while their service runs).
  events: (snapshot: RecoverySnapshot) => events.filter((event) => snapshot.can(event)),
  limit: 20_000,
};

const describeTransition = (t: AnyTransitionDefinition): string => {
  const guard = t.guard === undefined ? '' : ` [${typeof t.guard === 'string' ? t.guard : JSON.stringify(t.guard)}]`;
  const target = t.target?.map((node) => node.id).join(',') ?? '(stays)';
  return `${t.source.id}: ${t.eventType}${guard} → ${target}`;
};

const leafName = (node: AnyStateNode): string => node.path.join('.');

describe('paths generated from the chart', () => {
  // Shortest path to every distinct state, then one more step along every edge out of it: a transition
  // cover (every edge of the state graph is the last step of some path).
  const shortest = getShortestPaths(recoveryMachine, traversal);
  // getAdjacencyMap's ActorLogic parameter has no slot for emitted events, so the chart is passed untyped.
  const adjacency = getAdjacencyMap(recoveryMachine as AnyActorLogic, traversal) as AdjacencyMap<
    RecoverySnapshot,
    RecoveryEvent
  >;
  const pathTo = new Map(shortest.map((path) => [serializeState(path.state), path]));
  const paths: RecoveryEvent[][] = adjacencyMapToArray(adjacency).map(({ state, event }) => {
    const head = pathTo.get(serializeState(state));
    if (!head) throw new Error(`no shortest path to ${serializeState(state)}`);
    // Steps as produced by getShortestPaths begin with xstate.init; the rest are the events to send.
    return [...head.steps.slice(1).map((s) => s.event), event];
  });

  // Replay every path from the start with the pure transition function and record what it exercised.
  const takenTransitions = new Set<AnyTransitionDefinition>();
  const reachedLeaves = new Set<string>();
  const saidKeys = new Set<string>();
  const choices = new Set<string>();
  const contexts = new Set<string>();
  // Eventless (`always`) transitions run right after the event, on the context it left: follow them from every
  // transient state the event's transitions entered, asking the chart's own guards which branch is taken.
  const guards = recoveryMachine.implementations.guards as Record<string, (args: { context: unknown; event: unknown }) => boolean>;
  const followEventless = (targets: readonly AnyStateNode[], context: unknown, event: RecoveryEvent): void => {
    for (let node of targets) {
      while (node.type === 'compound' && node.initial?.target[0]) node = node.initial.target[0];
      for (const t of node.always ?? []) {
        if (t.guard !== undefined && !guards[t.guard as string]!({ context, event })) continue;
        takenTransitions.add(t);
        followEventless(t.target ?? [], context, event);
        break;
      }
    }
  };
  for (const path of paths) {
    let [snapshot] = initialTransition(recoveryMachine, input);
    for (const event of path) {
      const taken = recoveryMachine.getTransitionData(snapshot, event);
      for (const t of taken) takenTransitions.add(t);
      const [next, actions] = transition(recoveryMachine, snapshot, event);
      for (const t of taken) followEventless(t.target ?? [], next.context, event);
      snapshot = next;
      for (const node of snapshot._nodes) {
        if (node.type === 'atomic' || node.type === 'final') reachedLeaves.add(leafName(node));
      }
      for (const action of actions) {
        const emitted = (action.params as { event?: SayEvent } | undefined)?.event;
        // Built-in actions are typed as the chart's named ones; `emit` resolves to 'xstate.emit'.
        if ((action.type as string) !== 'xstate.emit' || emitted?.type !== 'say') continue;
        saidKeys.add(emitted.key);
        for (const choice of emitted.choices ?? []) choices.add(`choice_${choice}`);
      }
      contexts.add(JSON.stringify(snapshot.context));
    }
  }

  it('generates a bounded number of paths', () => {
    expect(shortest.length).toBeGreaterThan(0);
    expect(paths.length).toBeGreaterThan(shortest.length);
    // The questions before a handoff are reached from every step that can ask for a person.
    expect(paths.length).toBeLessThan(8_000);
  });

  it('reaches every leaf state of the chart', () => {
    // A transient state (only `always` out of it) is passed through, never rested in.
    const leaves = allNodes.filter((node) => (node.type === 'atomic' || node.type === 'final') && !node.always?.length).map(leafName);
    const missing = leaves.filter((leaf) => !reachedLeaves.has(leaf));
    expect(missing, `states no path reaches:\n${missing.join('\n')}`).toEqual([]);
  });

  it('takes every transition: each event and guard branch on each state', () => {
    const all = allNodes.flatMap((node) => [...[...node.transitions.values()].flat(), ...(node.always ?? [])]);
    expect(all.length).toBeGreaterThan(50);
    const missing = all.filter((t) => !takenTransitions.has(t)).map(describeTransition);
    expect(missing, `transitions no path takes:\n${missing.join('\n')}`).toEqual([]);
  });

  it('lists an output for every done/error event of every invoked service', () => {
    const withEvents = new Set(serviceEvents.map((event) => event.type));
    for (const { invoke } of invokes) {
      expect(withEvents).toContain(`xstate.done.actor.${invoke.id}`);
      expect(withEvents).toContain(`xstate.error.actor.${invoke.id}`);
    }
  });

  it('says only keys (and offers only choices) that both catalogs have', () => {
    const unknown = [...saidKeys, ...choices].filter((key) => !(key in catalogs.en) || !(key in catalogs.es));
    expect(unknown).toEqual([]);
  });

  it('never keeps an identifier or a code in context on any path', () => {
    for (const json of contexts) {
      for (const secret of Object.values(secrets)) expect(json).not.toContain(secret);
    }
  });
});
