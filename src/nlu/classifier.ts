// The one interface every intent classifier implements: text in, a label from a closed list out.
// A classifier never decides anything; the chart does (SECURITY.md 24).
import type { Locale } from '../../machines/recovery.types.js';

export const intents = [
  'recover_password',
  'forgot_login_email',
  'code_not_received',
  'switch_channel',
  'lost_2fa',
  'account_compromised',
  'device_verification',
  'talk_to_agent',
  'cancel',
  'greeting',
  'thanks_bye',
  'security_tips',
  'phishing_report',
  'out_of_scope',
  'help',
  'affirm',
  'deny',
  // Beyond the required seventeen: the FAQ and repairs people ask for in their own words.
  'resend_code',
  'start_over',
  'code_validity',
  'spam_folder',
  'nothing_works',
] as const;

export type Intent = (typeof intents)[number];

export interface Classification {
  intent: Intent;
  language: Locale;
  /** 0..1; below the configured threshold the bot asks again instead of guessing. */
  confidence: number;
}

export interface IntentClassifier {
  classify(text: string): Promise<Classification>;
}
