// Who may sign in to the agent console: AGENT_USERS = "name:scrypt$salt$hash,..." (from
// `npm run agent:hash -- <password>`), or "name:password" in development only. Production never has a
// default password: without hashed entries there the console is off.
import { createHash, timingSafeEqual } from 'node:crypto';
import { verifyPassword } from '../services/passwords.js';

export interface AgentUser {
  name: string;
  /** scrypt$salt$hash; null for a development entry with a plain password. */
  passwordHash: string | null;
  /** Development only. */
  plainPassword: string | null;
}

/** The built-in development agent (README, "Talking to a person"); never used in production. */
export const DEV_AGENT = { name: 'agent', password: 'clave-dev-agent' } as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/;
const HASH = /^scrypt\$[\w-]{16,}\$[\w-]{32,}$/;

/** Parses AGENT_USERS; throws with a message that names the bad entry by its user name, never its secret. */
export function parseAgentUsers(spec: string): AgentUser[] {
  const users: AgentUser[] = [];
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const colon = raw.indexOf(':');
    const name = colon > 0 ? raw.slice(0, colon) : '';
    const secret = colon > 0 ? raw.slice(colon + 1) : '';
    if (!NAME.test(name)) throw new Error('each entry must be name:secret, the name in letters, digits, ".", "_" or "-"');
    if (users.some((u) => u.name.toLowerCase() === name.toLowerCase())) throw new Error(`"${name}" is listed twice`);
    if (secret.startsWith('scrypt$')) {
      if (!HASH.test(secret)) throw new Error(`the hash for "${name}" is not scrypt$salt$hash; make one with npm run agent:hash -- <password>`);
      users.push({ name, passwordHash: secret, plainPassword: null });
    } else {
      if (secret.length < 8) throw new Error(`the password for "${name}" must have at least 8 characters`);
      users.push({ name, passwordHash: null, plainPassword: secret });
    }
  }
  if (!users.length) throw new Error('must list at least one agent as name:secret');
  return users;
}

/** A real scrypt hash to check against when the name is unknown, so timing does not tell names apart. */
const DECOY_HASH = 'scrypt$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

const digest = (value: string) => createHash('sha256').update(value.normalize('NFKC')).digest();

/** The user when name and password match; null otherwise, after the same amount of work. */
export async function checkAgentCredentials(users: AgentUser[], name: string, password: string): Promise<AgentUser | null> {
  const user = users.find((u) => u.name.toLowerCase() === name.trim().toLowerCase());
  if (!user || user.passwordHash) {
    const ok = await verifyPassword(password, user?.passwordHash ?? DECOY_HASH);
    return user && ok ? user : null;
  }
  await verifyPassword(password, DECOY_HASH);
  return timingSafeEqual(digest(password), digest(user.plainPassword ?? '')) ? user : null;
}
