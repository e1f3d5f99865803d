// Prints the scrypt hash of an agent console password, for AGENT_USERS=name:<hash>:
// `npm run agent:hash -- '<password>'`, or without an argument it reads the password from standard input
// (`printf %s '<password>' | npm run agent:hash`), which keeps it out of the shell history.
import { hashPassword } from '../src/services/passwords.js';

const MIN_LENGTH = 12;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  let data = '';
  for await (const chunk of process.stdin) data += String(chunk);
  return data.replace(/\r?\n$/, '');
}

const password = process.argv[2] ?? (await readStdin());
if (password.length < MIN_LENGTH) {
  process.stderr.write(`usage: npm run agent:hash -- '<password of at least ${MIN_LENGTH} characters>'\n`);
  process.exit(2);
}
process.stdout.write(`${await hashPassword(password)}\n`);
