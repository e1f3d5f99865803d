// English copy. Every key here must exist in es.ts too (the type and a test enforce it).
// Placeholders: {brand}, {minutes}, {url}, {digits}, and {seconds} in code_wait.
export const en = {
  // Journey
  welcome:
    "Hi! I'm the {brand} assistant. I can help you get back into your account if you forgot your password, and answer questions about codes and account security. What do you need?",
  ask_identifier:
    'Sure, let’s get you back in. What is the email address or phone number on your {brand} account?',
  ask_channel:
    'Where should I send a one-time code? Email is the safest choice; text messages (SMS) are the weaker channel, so use them only if you can’t get to your email.',
  code_sent_email:
    'If that belongs to a {brand} account, a {digits}-digit code is on its way to the account’s email. It is valid for {minutes} minutes.',
  code_sent_alt_email:
    'If that belongs to a {brand} account with an alternate email, a {digits}-digit code is on its way there. It is valid for {minutes} minutes.',
  code_sent_sms:
    'If that belongs to a {brand} account with a verified phone number, a {digits}-digit code is on its way by text message. It is valid for {minutes} minutes.',
  ask_code: 'Type the code here when it arrives. Never share it with anyone, not even with {brand} staff.',
  resending: 'OK, I’ve asked for a new code. Use the most recent code you receive.',
  code_not_received:
    'Codes usually arrive within a minute. Check your spam or junk folder and any other inbox you use. I can send a new code, try another channel, or connect you with a person.',
  nudge_code: 'Didn’t get the code? I can resend it, use another channel or get you a person.',
  delivery_trouble_email:
    'Emails seem to be delayed right now. If your code hasn’t arrived, you can get one another way, or talk to a person.',
  delivery_trouble_sms:
    'Text messages seem to be delayed right now. If your code hasn’t arrived, you can get one another way, or talk to a person.',
  code_verified: 'Thanks, that code is right.',
  code_wrong: 'That code doesn’t match. Check it and type it again, or ask for a new one.',
  code_expired: 'That code has expired. Ask me for a new one and use it within {minutes} minutes.',
  code_exhausted: 'That code has been tried too many times, so it no longer works. Ask me for a new one.',
  code_wait:
    'For your security, after several wrong codes I wait a little longer each time. Try again in {seconds} seconds; I didn’t check what you just typed.',
  ask_second_factor:
    'Your account has two-step verification. Type the 6-digit code from your authenticator app, or use one of your recovery codes.',
  ask_recovery_code: 'Type one of your recovery codes. Each one works only once.',
  second_factor_wrong: 'That code isn’t right. Try the current code from your authenticator app, or a recovery code.',
  lost_2fa:
    'If you can’t use your authenticator app, a recovery code works too (you got them when you turned on two-step verification). Without either, a person has to check it’s really you.',
  reset_link:
    'You’re verified. Open this private link to choose a new password. It works once and for {minutes} minutes: {url}',
  link_pending:
    'Your reset link is above. If it expired or doesn’t work, I can make a new one, or connect you with a person.',
  link_failed: 'I couldn’t create your reset link just now. Try again in a moment, or talk to a person.',
  reset_done:
    'Done: your password has been changed and every other session has been signed out. Sign in again with the new password. If you didn’t do this, contact us right away.',
  // Interrupts and repairs
  welcome_prompt: 'I can help you get back into your account, or put you in touch with a person. What do you need?',
  identifier_format_hint:
    'That doesn’t look like an email address or a phone number. Check it, and write phone numbers with their country code, like +34 600 111 222.',
  help:
    'I help you reset a forgotten {brand} password: I send a one-time code to your email or phone, check it (and your authenticator if you use one), then give you a private link to set a new password. I never ask for your password here. You can say “start over”, “cancel”, “talk to a person” or “español” at any time.',
  starting_over: 'Let’s start again.',
  cancelled: 'No problem, I’ve cancelled that. Write to me whenever you need help.',
  language_switched: 'Sure, I’ll continue in English.',
  not_understood: 'Sorry, I didn’t understand that.',
  password_in_chat:
    'Please don’t type passwords here: I never need your password and I didn’t keep what you typed. You will set a new one on a secure page.',
  service_error: 'Something went wrong on our side. Please try again in a moment.',
  send_failed: 'I couldn’t send the code just now. Please choose a channel again.',
  timed_out: 'It’s been a while since your last message, so for your security I started over.',
  locked_out:
    'For your security, self-service recovery is paused for this account for a while after too many attempts. Your normal sign-in is not affected. A person can help you now.',
  handoff_started:
    'I’m connecting you with a person from the {brand} support team. Please stay in this chat; they will see what we have done so far.',
  handoff_waiting: 'You’re still in line for a person. You can cancel to go back to the assistant.',
  handoff_cancelled: 'OK, you’re back with the assistant.',
  handoff_ended: 'The agent has closed the conversation. I’m here if you need anything else.',
  // Owner identification before a handoff: the agent only learns whether the answers match, never the answers.
  ask_card_last4:
    'Before I connect you with a person, a couple of quick questions help them see the account is yours. What are the last four digits of the card on file? Only the last four, never the whole number.',
  card_last4_hint: 'Just the last four digits of the card, like 1234, never the whole card number. Or choose Skip.',
  ask_postal_code: 'And the billing postal code for that card?',
  postal_code_hint: 'That doesn’t look like a postal code. Type it as it appears on your bill, like 28013 or SW1A 1AA, or choose Skip.',
  ask_security_question_first_pet:
    'What was the name of your first pet? Your answer only helps the person who takes over; on its own it never resets a password.',
  ask_security_question_birth_city:
    'In which city were you born? Your answer only helps the person who takes over; on its own it never resets a password.',
  ask_security_question_first_school:
    'What was the name of your first school? Your answer only helps the person who takes over; on its own it never resets a password.',
  owner_check_help:
    'These questions help the person who takes over see that the account is yours. I don’t keep your answers and nobody reads them: they only learn whether they match. You can skip any question, or choose Talk to a person to go straight there.',
  // Said by the handoff desk (src/handoff/): the queue, the agent's side of the chat, after hours.
  handoff_queue_estimate:
    'You’re number {position} in line. Recently, people waited about {wait} minutes for a person. You can cancel at any time to go back to the assistant.',
  handoff_queue_estimate_short:
    'You’re number {position} in line. Recently, people waited less than a minute for a person. You can cancel at any time to go back to the assistant.',
  handoff_queue_no_estimate:
    'You’re number {position} in line. I can’t estimate the wait yet. You can cancel at any time to go back to the assistant.',
  handoff_agent_joined: '{agent} from the {brand} support team has joined the chat.',
  handoff_agent_message: '{agent}: {text}',
  handoff_accepted: 'A person from the {brand} support team has joined the chat.',
  handoff_failed: 'Sorry, I couldn’t connect you with a person right now. Choose Cancel to go back to the assistant, or try again later.',
  handoff_after_hours: 'Our support team isn’t available right now. Its hours are {hours}.',
  handoff_ticket_filed:
    'I’ve filed a support ticket with what we did so far (never your codes or passwords). If the details you gave belong to a {brand} account, the team will contact you through the contact details on it.',
  conversation_restarted: 'We updated this assistant since your last message, so I had to start our conversation again. Sorry about that.',
  temporarily_unavailable: 'I’m temporarily unavailable. Please try again in a moment; nothing you did so far is lost.',
  turn_error: 'Sorry, something went wrong on my side. Please try again.',
  // Microsoft Teams: the pointer from a group chat or channel (SECURITY.md 23) and the app's store listing
  private_chat_only:
    'Hi! I can help with your {brand} account only in a private chat with me, so your details stay between us. Select my name and choose Chat to talk one-to-one. Please don’t post emails, phone numbers or codes here.',
  teams_app_name_full: '{brand} account help',
  teams_app_description_short: 'Forgot your {brand} password? Get back into your account.',
  teams_app_description_full:
    'The {brand} assistant gets you back into your account when you forget your password, in English or Spanish. It sends a one-time code to the email or phone on your account, checks it (and your authenticator app if you use one), then gives you a private link where you set a new password. It never asks for your password in the chat. For your privacy it helps only in a private chat; in a channel or group chat it points you to one.',
  // Answers that return to where the person was
  faq_code_validity: 'A code is valid for {minutes} minutes and works only once. Asking for a new one cancels the old one.',
  faq_code_not_received:
    'If a code doesn’t arrive within a couple of minutes: check spam or junk, make sure you gave the address or number on your account, then ask for a new code or try another channel.',
  faq_spam_folder:
    'Codes come from {brand}. If you don’t see the email, look in spam, junk or promotions, and search for “{brand}”.',
  faq_nothing_works:
    'If nothing works, a person from our support team can verify your identity another way. Just say “talk to a person”.',
  faq_forgot_login_email:
    'Not sure which email you used? Try the phone number on your account, or each email you use: I will answer the same way either way, and a code only arrives if it matches an account. If that fails, a person can help.',
  faq_account_compromised:
    'If someone got into your account, reset your password now: it signs out every other session. Then turn on two-step verification. If you can’t get in at all, a person can help you secure the account.',
  faq_device_verification:
    'If your TV or another device asks for a verification code, it was sent to the email or phone on your account by {brand}. Enter it only on the device you are setting up, never on a website or in a chat.',
  faq_phishing_report:
    '{brand} never asks for your password, card number or a code by email, text or chat. Don’t click links in suspicious messages; go to the app or site yourself. If you already typed your password somewhere, reset it now.',
  faq_security_tips:
    'To keep your account safe: 1) use a long, unique password; 2) turn on two-step verification; 3) keep your email and phone up to date; 4) never share codes; 5) sign out of devices you don’t use; 6) be wary of messages asking for your details.',
  faq_out_of_scope:
    'I can only help with getting into your {brand} account and keeping it safe. For anything else, our help center or a person can help.',
  faq_lost_2fa:
    'Lost the phone with your authenticator? Use one of your recovery codes. Without them, a person from support has to verify it’s you.',
  faq_thanks: 'You’re welcome!',
  // Notifications (email and SMS). SMS copy stays within one GSM-7 segment (160 characters).
  notify_code_subject: 'Your {brand} verification code',
  notify_code_email:
    'Your {brand} verification code is {code}. It is valid for {minutes} minutes and works once.\n\nNever share it: {brand} staff will never ask for it.\n\nIf you didn’t ask for this code, you can ignore this message; your password has not changed. If you think someone is trying to get into your account, tell us: {notMeUrl}',
  notify_code_sms: '{brand}: your code is {code}. Valid {minutes} min. Never share it. Not you? Ignore this text.',
  notify_reset_subject: 'Your {brand} password was changed',
  notify_reset_email:
    'The password of your {brand} account was changed and every session was signed out.\n\nIf this was you, there is nothing else to do. If it wasn’t you, secure your account now: {notMeUrl}',
  notify_reset_sms: '{brand}: your password was changed. Not you? {notMeUrl}',
  notify_lockout_subject: 'Recovery of your {brand} account was paused',
  notify_lockout_email:
    'We saw many wrong verification codes for your {brand} account, so self-service password recovery is paused for a while. Your password has not changed and you can still sign in normally.\n\nIf this wasn’t you, you don’t need to do anything; if you’re worried, contact us: {notMeUrl}',
  notify_lockout_sms: '{brand}: many wrong codes were tried on your account; recovery is paused. Your password is unchanged. Info: {notMeUrl}',
  not_me_page:
    'If you didn’t ask for a code or change your password, someone may be trying to get into your account. Change your password from the app, turn on two-step verification, and talk to our support team in the chat: they can lock the account and check recent activity.',
  // Button labels
  choice_recover: 'I forgot my password',
  choice_agent: 'Talk to a person',
  choice_channel_email: 'Email',
  choice_channel_alt_email: 'Alternate email',
  choice_channel_sms: 'Text message (SMS)',
  choice_resend: 'Send a new code',
  choice_switch_channel: 'Use another channel',
  choice_code_not_received: 'I didn’t get it',
  choice_use_recovery_code: 'Use a recovery code',
  choice_lost_2fa: 'I lost my phone',
  choice_new_link: 'Send a new link',
  choice_start_over: 'Start over',
  choice_cancel: 'Cancel',
  choice_skip: 'Skip',
  choice_language_es: 'Español',
  choice_language_en: 'English',
} as const;

export type MessageKey = keyof typeof en;
