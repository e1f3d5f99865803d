// Turns what the chart says (keys, parameters, choices) into Bot Framework activities for a channel.
import { ActivityTypes, type Activity, type Attachment, type CardAction } from 'botbuilder';
import type { Choice, Locale, SayEvent } from '../machines/recovery.types.js';
import { text } from './catalog.js';

/** Values every message may use: the brand and the policy numbers, so copy never hard-codes them. */
export interface RenderDefaults {
  brand: string;
  minutes: number;
  digits: number;
}

/** Button payloads carry only the choice name; the input parser maps it back to a chart event. */
export interface ChoicePayload {
  choice: Choice;
}

export function choiceAction(locale: Locale, choice: Choice): CardAction {
  const title = text(locale, `choice_${choice}`);
  return { type: 'messageBack', title, displayText: title, text: title, value: { choice } satisfies ChoicePayload };
}

/**
 * Teams shows suggested actions only in a few cases, so there the choices are an Adaptive Card's buttons.
 * Each is an Action.Submit whose data Teams sends back as `activity.value` (so `value.choice` reaches the
 * parser); the msteams messageBack part makes the click show in the chat as the person's own message.
 */
export function choiceCard(locale: Locale, choices: readonly Choice[]): Attachment {
  return {
    contentType: 'application/vnd.microsoft.card.adaptive',
    content: {
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: '1.5',
      body: [],
      actions: choices.map((choice) => {
        const title = text(locale, `choice_${choice}`);
        return {
          type: 'Action.Submit',
          title,
          data: { choice, msteams: { type: 'messageBack', displayText: title, text: title } },
        };
      }),
    },
  };
}

/** The one place that decides how a message looks on a channel (`channelId` of the conversation). */
export function renderSay(say: SayEvent, locale: Locale, defaults: RenderDefaults, channelId?: string): Partial<Activity> {
  const params = { ...defaults, brand: defaults.brand, ...say.params };
  const activity: Partial<Activity> = {
    type: ActivityTypes.Message,
    text: text(locale, say.key, params),
    locale: locale === 'es' ? 'es-ES' : 'en-US',
  };
  if (say.choices?.length && channelId === 'msteams') {
    activity.attachments = [choiceCard(locale, say.choices)];
  } else if (say.choices?.length) {
    activity.suggestedActions = { to: [], actions: say.choices.map((c) => choiceAction(locale, c)) };
  }
  return activity;
}
