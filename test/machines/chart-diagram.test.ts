// The README's diagram is generated from the chart; this fails as soon as the two disagree.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { recoveryMachine } from '../../machines/recovery.machine.js';
import {
  CHART_END,
  CHART_START,
  chartBlock,
  chartToMermaid,
  readChartBlock,
  replaceChartBlock,
} from '../../scripts/chart-to-mermaid.js';

const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));
const HOW_TO_FIX = 'run `npm run chart` (tsx scripts/chart-to-mermaid.ts --write README.md)';

describe('README chart', () => {
  it('matches the chart in machines/recovery.machine.ts', () => {
    const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : null;
    const missing = `README.md is missing: create it with ${CHART_START} and ${CHART_END} markers, then ${HOW_TO_FIX}`;
    expect(readme, missing).not.toBeNull();
    const block = readChartBlock(readme ?? '');
    expect(block, `README.md has no ${CHART_START} … ${CHART_END} markers: add them, then ${HOW_TO_FIX}`).not.toBeNull();
    expect(block, `README.md's chart is out of date: ${HOW_TO_FIX}`).toBe(chartBlock(chartToMermaid(recoveryMachine)));
  });
});

describe('chartToMermaid', () => {
  const diagram = chartToMermaid(recoveryMachine);
  const lines = diagram.split('\n');

  it('is deterministic', () => {
    expect(chartToMermaid(recoveryMachine)).toBe(diagram);
  });

  it('draws a stateDiagram-v2 with the journey as a composite state and its deep history', () => {
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(diagram).toContain('  [*] --> journey\n');
    expect(diagram).toContain('  state journey {\n    [*] --> welcome\n');
    expect(diagram).toContain('    state "H*" as history\n');
    expect(diagram).toContain('    verifyingCode : invoke verifyCode\n');
  });

  it('labels transitions with their event and guard, and service results as done/error', () => {
    expect(lines).toContain('  recovery_any --> timedOut : TICK [isIdleTooLong]');
    expect(lines).toContain('    verifyingCode --> secondFactor : done [isCodeVerifiedWithSecondFactor]');
    expect(lines).toContain('    verifyingCode --> awaitingCode : done [isCodeDelayed], done [isCodeExpired], done [isCodeExhausted], done, error');
    expect(lines).toContain('  sendingCode --> lockedOut : done [isLockedForSends]');
    expect(lines).toContain('    issuingLink --> linkUnavailable : error');
    expect(lines).toContain('    journey_any --> history : HELP, GREET, FAQ, SET_LANGUAGE, PASSWORD_IN_CHAT, UNRECOGNIZED');
    expect(lines).toContain('  journey --> confirmingOwner : AGENT, UNRECOGNIZED [hasRepromptedTooOften]');
    expect(lines).toContain('  timedOut --> [*]');
  });

  it('leaves out the clock-only TICK self-transition', () => {
    expect(lines.filter((line) => line.includes('TICK'))).toEqual(['  recovery_any --> timedOut : TICK [isIdleTooLong]']);
  });

  it('draws every state of the chart', () => {
    const keys = (node: typeof recoveryMachine.root): string[] =>
      Object.values(node.states).flatMap((child) => [child.key, ...keys(child)]);
    for (const key of keys(recoveryMachine.root)) expect(diagram).toMatch(new RegExp(`(^|\\s)${key}(\\s|$)`, 'm'));
  });

  it('writes labels Mermaid can parse: no ":" or ";" after the label separator', () => {
    for (const line of lines.filter((l) => l.includes(' --> '))) {
      const label = line.split(' : ').slice(1).join(' : ');
      expect(label, line).not.toMatch(/[:;]/);
    }
  });

  it('handles other charts: nested ids, inline guards, after and targetless transitions', () => {
    const machine = setup({ guards: { isReady: () => true } }).createMachine({
      id: 'demo',
      initial: 'a',
      states: {
        a: {
          initial: 'inner',
          on: { GO: { target: 'b', guard: 'isReady' }, PING: {} },
          states: { inner: { after: { 1000: 'other' } }, other: { on: { BACK: '#demo.a.inner' } } },
        },
        b: { initial: 'inner', states: { inner: { type: 'final' } } },
      },
    });
    const text = chartToMermaid(machine);
    expect(text).toContain('state "inner" as a_inner');
    expect(text).toContain('state "inner" as b_inner');
    expect(text).toContain('a --> b : GO [isReady]');
    expect(text).toContain('a_inner --> other : after 1000');
    expect(text).toContain('a_any --> a_any : PING');
    expect(text).toContain('b_inner --> [*]');
  });
});

describe('README block editing', () => {
  it('replaces only what is between the markers, and finds it again', () => {
    const readme = `# Clave\n\n${CHART_START}\nold\n${CHART_END}\n\nMore text.\n`;
    const updated = replaceChartBlock(readme, 'stateDiagram-v2\n  [*] --> a\n');
    expect(updated.startsWith(`# Clave\n\n${CHART_START}\n\`\`\`mermaid\n`)).toBe(true);
    expect(updated.endsWith(`\`\`\`\n${CHART_END}\n\nMore text.\n`)).toBe(true);
    expect(readChartBlock(updated)).toBe(chartBlock('stateDiagram-v2\n  [*] --> a\n'));
    expect(replaceChartBlock(updated, 'stateDiagram-v2\n  [*] --> a\n')).toBe(updated);
  });

  it('refuses a README without markers', () => {
    expect(readChartBlock('# Clave\n')).toBeNull();
    expect(() => replaceChartBlock('# Clave\n', 'stateDiagram-v2\n')).toThrow(/markers/);
  });
});
