// Turns what the chart says (keys, parameters, choices) into Bot Framework activities for a channel.
import { ActivityTypes, type Activity, type CardAction } from 'botbuilder';
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

export function renderSay(say: SayEvent, locale: Locale, defaults: RenderDefaults): Partial<Activity> {
  const params = { ...defaults, brand: defaults.brand, ...say.params };
  const activity: Partial<Activity> = {
    type: ActivityTypes.Message,
    text: text(locale, say.key, params),
    locale: locale === 'es' ? 'es-ES' : 'en-US',
  };
  if (say.choices?.length) {
    activity.suggestedActions = { to: [], actions: say.choices.map((c) => choiceAction(locale, c)) };
  }
  return activity;
}
