// When a person can take the chat: HANDOFF_HOURS ("Mon-Fri 09:00-18:00; Sat 10:00-14:00") read in
// HANDOFF_TIMEZONE. No hours means always open. Local time comes from Intl, so daylight saving time follows
// the IANA database and never needs code here.
import type { Locale } from '../../machines/recovery.types.js';

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** One line of the schedule: from `firstDay` through `lastDay` (wrapping past Sunday), `from`..`to` minutes after midnight. */
export interface HoursRule {
  firstDay: number;
  lastDay: number;
  from: number;
  to: number;
}

export interface BusinessHours {
  rules: HoursRule[];
  timeZone: string;
}

const RULE = /^([a-z]{3})(?:\s*-\s*([a-z]{3}))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/i;

function dayIndex(name: string): number {
  return DAY_NAMES.indexOf(name.toLowerCase() as (typeof DAY_NAMES)[number]);
}

/** Parses "Mon-Fri 09:00-18:00; Sat 10:00-14:00" (rules split by ";" or ","); throws with what is wrong. */
export function parseHoursRules(spec: string): HoursRule[] {
  const parts = spec
    .split(/[;,]/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (!parts.length) throw new Error('must list at least one rule like "Mon-Fri 09:00-18:00"');
  return parts.map((part) => {
    const m = RULE.exec(part);
    if (!m) throw new Error(`"${part}" is not like "Mon-Fri 09:00-18:00" (days Mon..Sun, 24-hour times)`);
    const [, first = '', last, fh = '', fm = '', th = '', tm = ''] = m;
    const firstDay = dayIndex(first);
    const lastDay = last ? dayIndex(last) : firstDay;
    if (firstDay < 0 || lastDay < 0) throw new Error(`"${part}": days are Mon, Tue, Wed, Thu, Fri, Sat, Sun`);
    const from = Number(fh) * 60 + Number(fm);
    const to = Number(th) * 60 + Number(tm);
    if (Number(fm) > 59 || Number(tm) > 59 || from > 24 * 60 || to > 24 * 60) throw new Error(`"${part}": times run from 00:00 to 24:00`);
    if (from >= to) throw new Error(`"${part}": the closing time must come after the opening time (use two rules past midnight)`);
    return { firstDay, lastDay, from, to };
  });
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function coversDay(rule: HoursRule, day: number): boolean {
  return rule.firstDay <= rule.lastDay ? day >= rule.firstDay && day <= rule.lastDay : day >= rule.firstDay || day <= rule.lastDay;
}

/** Weekday (0 = Monday) and minutes after midnight at `nowMs` in the time zone. */
export function localTime(nowMs: number, timeZone: string): { day: number; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(nowMs));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: dayIndex(get('weekday')), minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** Open when no hours are configured, or when some rule covers this local day and time. */
export function isOpen(hours: BusinessHours | null, nowMs: number): boolean {
  if (!hours) return true;
  const { day, minutes } = localTime(nowMs, hours.timeZone);
  return hours.rules.some((rule) => coversDay(rule, day) && minutes >= rule.from && minutes < rule.to);
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** The schedule in the person's language, e.g. "lun–vie 09:00–18:00 (Europe/Madrid)". */
export function describeHours(hours: BusinessHours, locale: Locale): string {
  // 2024-01-01 was a Monday: day i is that date plus i days.
  const dayName = (i: number) =>
    new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1 + i))).replace(/\.$/, '');
  const rules = hours.rules.map((r) => {
    const days = r.firstDay === r.lastDay ? dayName(r.firstDay) : `${dayName(r.firstDay)}–${dayName(r.lastDay)}`;
    return `${days} ${hhmm(r.from)}–${hhmm(r.to)}`;
  });
  return `${rules.join(', ')} (${hours.timeZone})`;
}
