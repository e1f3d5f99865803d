// The desk's hours: parsed from HANDOFF_HOURS, read in HANDOFF_TIMEZONE (daylight saving included), and
// described to the person in their language.
import { describe, expect, it } from 'vitest';
import { describeHours, isOpen, isValidTimeZone, parseHoursRules, type BusinessHours } from '../../src/handoff/business-hours.js';

const madrid = (spec: string): BusinessHours => ({ rules: parseHoursRules(spec), timeZone: 'Europe/Madrid' });

describe('business hours', () => {
  it('parses days, ranges and several rules', () => {
    expect(parseHoursRules('Mon-Fri 09:00-18:00; Sat 10:00-14:00')).toEqual([
      { firstDay: 0, lastDay: 4, from: 540, to: 1080 },
      { firstDay: 5, lastDay: 5, from: 600, to: 840 },
    ]);
    expect(parseHoursRules('fri-mon 8:30-24:00')).toEqual([{ firstDay: 4, lastDay: 0, from: 510, to: 1440 }]);
  });

  it.each(['', 'Mon-Fri', 'Mon-Fri 9-18', 'Lun 09:00-18:00', 'Mon 18:00-09:00', 'Mon 09:00-25:00', 'Mon 09:61-10:00'])(
    'refuses %j with a reason',
    (spec) => {
      expect(() => parseHoursRules(spec)).toThrow(/.+/);
    },
  );

  it('is always open without hours', () => {
    expect(isOpen(null, Date.UTC(2025, 0, 5, 3, 0))).toBe(true);
  });

  it('reads the local time of the time zone, daylight saving time included', () => {
    const hours = madrid('Mon-Fri 09:00-18:00');
    // Wednesday 15 January 2025 (CET, UTC+1): 08:30 UTC is 09:30 in Madrid.
    expect(isOpen(hours, Date.UTC(2025, 0, 15, 8, 30))).toBe(true);
    expect(isOpen(hours, Date.UTC(2025, 0, 15, 7, 30))).toBe(false);
    // Wednesday 16 July 2025 (CEST, UTC+2): 07:30 UTC is 09:30 in Madrid; 16:30 UTC is 18:30, closed.
    expect(isOpen(hours, Date.UTC(2025, 6, 16, 7, 30))).toBe(true);
    expect(isOpen(hours, Date.UTC(2025, 6, 16, 16, 30))).toBe(false);
    // Saturday is closed all day.
    expect(isOpen(hours, Date.UTC(2025, 0, 18, 11, 0))).toBe(false);
  });

  it('wraps day ranges past Sunday', () => {
    const hours = madrid('Sat-Sun 10:00-12:00');
    expect(isOpen(hours, Date.UTC(2025, 0, 19, 10, 0))).toBe(true); // Sunday 11:00 in Madrid
    expect(isOpen(hours, Date.UTC(2025, 0, 20, 10, 0))).toBe(false); // Monday
  });

  it('knows IANA time zones', () => {
    expect(isValidTimeZone('America/Mexico_City')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });

  it('describes the hours in the person’s language', () => {
    const hours = madrid('Mon-Fri 09:00-18:00, Sat 10:00-14:00');
    expect(describeHours(hours, 'en')).toBe('Mon–Fri 09:00–18:00, Sat 10:00–14:00 (Europe/Madrid)');
    expect(describeHours(hours, 'es')).toBe('lun–vie 09:00–18:00, sáb 10:00–14:00 (Europe/Madrid)');
  });
});
