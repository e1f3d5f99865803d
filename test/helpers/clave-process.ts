// Runs Clave as a process of its own, the way the container runs it (see Dockerfile's CMD), on a free port
// with a clean environment, and keeps what it prints. Killed if the test process exits first.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The Dockerfile's CMD after `node`; test/deployment/dockerfile.test.ts holds the Dockerfile to it. */
export const START_ARGS = ['--import', 'tsx', 'src/index.ts'] as const;

export interface ClaveProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** stdout and stderr so far. */
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Starts the process on the Node running the tests and resolves once /healthz answers. */
export async function startClaveProcess(env: Record<string, string>, startupTimeoutMs = 30_000): Promise<ClaveProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...START_ARGS], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? projectRoot, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startupTimeoutMs;
  let up = false;
  while (!up) {
    if (child.exitCode !== null) throw new Error(`Clave exited with ${child.exitCode} while starting:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Clave did not answer /healthz within ${startupTimeoutMs} ms:\n${output}`);
    }
    up = await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false);
    if (!up) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    child,
    port,
    baseUrl,
    output: () => output,
    waitForOutput(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} in the output within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    exited,
  };
}
