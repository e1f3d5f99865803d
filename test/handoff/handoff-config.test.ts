// The handoff's configuration: the mode, who may sign in to the console (never a default password in
// production), the desk's hours and the support inbox; `npm run agent:hash` makes entries that sign in.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { checkAgentCredentials, DEV_AGENT, parseAgentUsers } from '../../src/handoff/agent-users.js';
import { signInAgent } from '../helpers/agent-console.js';
import { PRODUCTION_ENV as production, problemsOf } from '../helpers/production-env.js';
import { startStory } from '../transcripts/story.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const HASH = 'scrypt$qSKEQ3klFbTUDwrArY7skg$Onh3ZXV4fctqvkSFdhvRlF8p3DmM21qq0RXuft2J0G8';


describe('handoff configuration', () => {
  it('defaults to the console, always open, with the development agent in development', () => {
    const { handoff } = loadConfig({});
    expect(handoff).toMatchObject({ mode: 'console', hours: null, supportInbox: undefined });
    expect(handoff.agents.map((a) => a.name)).toEqual([DEV_AGENT.name]);
  });

  it('has no console in production without hashed agents, and never the development password', () => {
    expect(loadConfig(production).handoff.agents).toEqual([]);
    expect(loadConfig({ DEV_ROUTES: 'false' }).handoff.agents).toEqual([]);
    expect(problemsOf({ ...production, AGENT_USERS: 'maria:a-plain-password' })).toEqual([
      expect.stringMatching(/^AGENT_USERS: plain passwords are for development only/),
    ]);
    const agents = loadConfig({ ...production, AGENT_USERS: `maria:${HASH}` }).handoff.agents;
    expect(agents).toEqual([{ name: 'maria', passwordHash: HASH, plainPassword: null }]);
  });

  it('has no console in protocol mode', () => {
    expect(loadConfig({ HANDOFF_MODE: 'protocol', AGENT_USERS: `maria:${HASH}` }).handoff.agents).toEqual([]);
    expect(problemsOf({ HANDOFF_MODE: 'hub' })).toEqual([expect.stringMatching(/^HANDOFF_MODE: /)]);
  });

  it('names the variable of each bad value, never the password', () => {
    const problems = problemsOf({
      AGENT_USERS: 'maria:short',
      HANDOFF_HOURS: 'weekdays',
      HANDOFF_TIMEZONE: 'Europe/Atlantis',
      SUPPORT_INBOX: 'not an address',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['AGENT_USERS', 'HANDOFF_HOURS', 'HANDOFF_TIMEZONE', 'SUPPORT_INBOX']);
    expect(problems.join('\n')).not.toContain('short');
  });

  it('needs a support inbox when there are business hours', () => {
    expect(problemsOf({ HANDOFF_HOURS: 'Mon-Fri 09:00-18:00' })).toEqual([expect.stringMatching(/^SUPPORT_INBOX: required when HANDOFF_HOURS is set/)]);
    const { handoff } = loadConfig({ HANDOFF_HOURS: 'Mon-Fri 09:00-18:00', HANDOFF_TIMEZONE: 'America/Mexico_City', SUPPORT_INBOX: 'help@example.com' });
    expect(handoff.hours).toEqual({ rules: [{ firstDay: 0, lastDay: 4, from: 540, to: 1080 }], timeZone: 'America/Mexico_City' });
  });

  it('refuses duplicate or malformed agent entries', () => {
    expect(() => parseAgentUsers('maria:one-password,Maria:two-password')).toThrow(/listed twice/);
    expect(() => parseAgentUsers('no-colon-here')).toThrow(/name:secret/);
    expect(() => parseAgentUsers('maria:scrypt$bad')).toThrow(/scrypt\$salt\$hash/);
  });

  it('npm run agent:hash makes a hash that signs in, and refuses short passwords', async () => {
    const run = (args: string[], input?: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/agent-hash.ts', ...args], { cwd: root, input, encoding: 'utf8' });
    const made = run(['a long agent passphrase']);
    expect(made.status).toBe(0);
    const hash = made.stdout.trim();
    const users = parseAgentUsers(`maria:${hash}`);
    expect(await checkAgentCredentials(users, 'maria', 'a long agent passphrase')).toMatchObject({ name: 'maria' });
    expect(await checkAgentCredentials(users, 'maria', 'a long agent passphras')).toBeNull();
    const piped = run([], 'another long passphrase\n');
    expect(await checkAgentCredentials(parseAgentUsers(`li:${piped.stdout.trim()}`), 'li', 'another long passphrase')).not.toBeNull();
    expect(run(['short']).status).toBe(2);
  });

  it('lets the development agent sign in on the embedded default', async () => {
    const h = await startStory();
    try {
      const page = await fetch(`${h.baseUrl}/agent`);
      expect(page.status).toBe(200);
      const agent = await signInAgent(h.baseUrl, DEV_AGENT.name, DEV_AGENT.password);
      expect((await agent.desk()).queue).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
