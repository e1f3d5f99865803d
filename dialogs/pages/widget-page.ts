// Copy for the chat widget page and the development outbox page, Spanish and English side by side.
// The widget page ships both languages to the browser so its language toggle needs no reload.
// Placeholders: {brand}.
import type { Locale } from '../../machines/recovery.types.js';

const en = {
  page_title: '{brand} · Account help',
  heading: '{brand} account help',
  intro:
    'The {brand} assistant helps you get back into your account if you forgot your password. It never asks for your password.',
  // On a phone the intro above would push the chat down; this one line (its key sentence) stands in for it.
  intro_short: 'The assistant never asks for your password.',
  language_label: 'Language',
  chat_label: 'Chat with the {brand} assistant',
  connecting: 'Connecting to the assistant…',
  connect_failed: 'The chat could not connect. Check your connection and reload the page.',
  noscript: 'This chat needs JavaScript. Turn it on and reload the page.',
  outbox_link: 'Development outbox: codes and notices the bot sent',
  new_tab: '(opens in a new tab)',
  // The embed snippet's launcher button (GET /embed.js, data-mode="launcher").
  embed_open: 'Chat with {brand}',
  embed_close: 'Close the {brand} chat',
  // The development outbox page.
  outbox_title: 'Development outbox · {brand}',
  outbox_heading: 'Development outbox',
  outbox_intro:
    'What {brand} would have sent by email and text message, newest first. This page exists only in development; in production, messages go to real inboxes.',
  outbox_empty: 'Nothing has been sent yet. Ask the assistant for a code and it appears here at once.',
  outbox_live: 'Updating live',
  outbox_reconnecting: 'Reconnecting…',
  outbox_channel_email: 'Email',
  outbox_channel_sms: 'Text message',
  outbox_to: 'To',
  outbox_sent_at: 'Sent',
  outbox_subject: 'Subject',
  outbox_open_chat: 'Open the chat (a new conversation)',
};

export type WidgetPageKey = keyof typeof en;

// Record<WidgetPageKey, string>: a key missing here, or one that en does not have, is a compile error.
const es: Record<WidgetPageKey, string> = {
  page_title: '{brand} · Ayuda con tu cuenta',
  heading: 'Ayuda con tu cuenta de {brand}',
  intro:
    'El asistente de {brand} te ayuda a volver a entrar en tu cuenta si olvidaste tu contraseña. Nunca te pedirá tu contraseña.',
  intro_short: 'El asistente nunca te pedirá tu contraseña.',
  language_label: 'Idioma',
  chat_label: 'Chat con el asistente de {brand}',
  connecting: 'Conectando con el asistente…',
  connect_failed: 'No se pudo conectar el chat. Revisa tu conexión y vuelve a cargar la página.',
  noscript: 'Este chat necesita JavaScript. Actívalo y vuelve a cargar la página.',
  outbox_link: 'Bandeja de salida de desarrollo: códigos y avisos que envió el bot',
  new_tab: '(se abre en una pestaña nueva)',
  embed_open: 'Chatea con {brand}',
  embed_close: 'Cerrar el chat de {brand}',
  outbox_title: 'Bandeja de salida de desarrollo · {brand}',
  outbox_heading: 'Bandeja de salida de desarrollo',
  outbox_intro:
    'Lo que {brand} habría enviado por correo y por SMS, lo más reciente primero. Esta página solo existe en desarrollo; en producción, los mensajes llegan a buzones reales.',
  outbox_empty: 'Todavía no se ha enviado nada. Pide un código al asistente y aparecerá aquí al momento.',
  outbox_live: 'Se actualiza en directo',
  outbox_reconnecting: 'Reconectando…',
  outbox_channel_email: 'Correo',
  outbox_channel_sms: 'SMS',
  outbox_to: 'Para',
  outbox_sent_at: 'Enviado',
  outbox_subject: 'Asunto',
  outbox_open_chat: 'Abrir el chat (una conversación nueva)',
};

export const widgetPageCopy: Record<Locale, Record<WidgetPageKey, string>> = { es, en };

/** Fills {placeholders}; the result is plain text and still has to be escaped by the page. */
export function widgetText(locale: Locale, key: WidgetPageKey, params: Record<string, string | number> = {}): string {
  return widgetPageCopy[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Every key filled in for one locale: what the widget page sends to the browser. */
export function widgetCopyFor(locale: Locale, params: Record<string, string | number>): Record<WidgetPageKey, string> {
  const keys = Object.keys(en) as WidgetPageKey[];
  return Object.fromEntries(keys.map((key) => [key, widgetText(locale, key, params)])) as Record<WidgetPageKey, string>;
}
