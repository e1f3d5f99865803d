// The servers under test, each in a process of its own (so the load generator never shares their event loop),
// started with `node --import tsx` as the Dockerfile runs Clave, and the demo accounts they serve.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchAccount } from './conversations.js';
import { CodeBook } from './conversations.js';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export const SECRET_KEY = 'bench-secret-key-0123456789abcdef-0123456789abcdef';
export const PUBLIC_BASE_URL = 'https://clave.bench';

/**
 * Production-like, except for what a load test must change: no logs or audit lines on stdout, a fixed key,
 * no resend cooldown and the highest send limits the schema allows (each account is used a few times only).
 */
export const CLAVE_ENV: Record<string, string> = {
  NODE_ENV: 'development',
  LOG_LEVEL: 'silent',
  AUDIT_LOG: 'off',
  SECRET_KEY,
  PUBLIC_BASE_URL,
  RESEND_COOLDOWN_SECONDS: '0',
  SENDS_PER_15_MINUTES: '10',
  SENDS_PER_DAY: '50',
  ACCOUNT_FAILURES_PER_HOUR: '100',
  DIRECT_LINE_ENABLED: 'false',
};

/** Accounts without 2FA and with email only, written to `dir`; every recovery can reach its reset link. */
export function writeBenchAccounts(dir: string, count: number): { file: string; accounts: BenchAccount[] } {
  const demo = JSON.parse(readFileSync(join(projectRoot, 'data/demo-accounts.json'), 'utf8')) as { accounts: { passwordHash: string }[] };
  const passwordHash = demo.accounts[0]!.passwordHash;
  const accounts: BenchAccount[] = Array.from({ length: count }, (_, i) => ({
    id: `bench-${String(i).padStart(5, '0')}`,
    email: `bench-${String(i).padStart(5, '0')}@example.com`,
    locale: i % 2 === 0 ? 'es' : 'en',
  }));
  const file = join(dir, 'bench-accounts.json');
  writeFileSync(
    file,
    JSON.stringify({ accounts: accounts.map((a) => ({ id: a.id, name: `Bench ${a.id}`, email: a.email, locale: a.locale, passwordHash })) }),
  );
  return { file, accounts };
}

export interface ServerProcess {
  name: string;
  port: number;
  pid: number;
  codes: CodeBook;
  /** CPU seconds the process has used so far (user + system), from /proc. */
  cpuSeconds(): number;
  /** Asks it to exit normally (a --cpu-prof profile is written then) and waits; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const CLOCK_TICKS = 100;
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** utime + stime of a process in seconds, or 0 once it is gone. */
export function cpuSecondsOfPid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

export interface StartOptions {
  name: string;
  /** The tree to run the script from (another checkout, for before/after comparisons); this one by default. */
  root?: string;
  script: 'bench/echo-bot.ts' | 'bench/clave-server.ts';
  env?: Record<string, string>;
  /** Writes a V8 CPU profile into this directory when the process exits. */
  cpuProfileDir?: string;
  startupTimeoutMs?: number;
}

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const args = [
    '--import',
    'tsx',
    ...(options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : []),
    options.script,
  ];
  const child = spawn(process.execPath, args, {
    cwd: options.root ?? projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? projectRoot, PORT: '0', HOST: '127.0.0.1', ...options.env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  live.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const codes = new CodeBook();
  let lastCpu = 0;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name} did not start within ${options.startupTimeoutMs ?? 60_000} ms:\n${stderr}`)), options.startupTimeoutMs ?? 60_000);
    child.on('message', (message: { type: string; port?: number; codes?: { to: string; code: string }[] }) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.port!);
      } else if (message.type === 'codes') {
        for (const { to, code } of message.codes ?? []) codes.deliver(to, code);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with ${code} while starting:\n${stderr}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} could not start: ${error.message}`));
    });
  });

  const cpuSeconds = () => {
    const now = cpuSecondsOfPid(child.pid!);
    if (now > 0) lastCpu = now;
    return lastCpu;
  };
  return {
    name: options.name,
    port,
    pid: child.pid!,
    codes,
    cpuSeconds,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      cpuSeconds();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
