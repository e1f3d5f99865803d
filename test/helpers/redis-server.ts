// Starts a real, throwaway redis-server for integration tests: its own free port and temp directory,
// no persistence unless asked for, and killed on the way out so no server outlives the test run.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RedisServerOptions {
  /** Turn on AOF persistence (fsync on every write, so even a kill -9 keeps what was acknowledged). */
  appendOnly?: boolean;
  /** e.g. 'noeviction', 'allkeys-lru'. Left to the server's default when absent. */
  maxmemoryPolicy?: string;
  /** The binary to run; by default `redis-server` from PATH or /usr/bin. */
  binary?: string;
}

export interface RedisServer {
  url: string;
  port: number;
  /** The server's working directory (where AOF files go); removed by stop(). */
  dir: string;
  /** Graceful shutdown (SIGTERM, which flushes AOF), then removes the temp directory. Final. */
  stop(): Promise<void>;
  /** Stops gracefully if running, then starts again on the same port and directory. */
  restart(): Promise<void>;
  /** SIGKILL, like a crash; the directory stays so restart() can bring the server back. */
  kill(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

// Servers still running in this process, killed synchronously if the process exits without afterAll.
const running = new Set<{ child: ChildProcess | null; dir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const server of running) {
      server.child?.kill('SIGKILL');
      rmSync(server.dir, { recursive: true, force: true });
    }
  });
}

function findBinary(explicit?: string): string {
  const candidates = explicit
    ? [explicit]
    : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'redis-server')), '/usr/bin/redis-server'];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `redis-server not found (${explicit ?? 'looked in PATH and /usr/bin'}). The Redis integration tests need it: apt-get install redis-server`,
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

/** One raw PING; true only on +PONG (a server still loading its AOF answers -LOADING). */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = findBinary(options.binary);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'clave-redis-'));
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--daemonize', 'no',
    '--logfile', '',
    ...(options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(options.maxmemoryPolicy ? ['--maxmemory-policy', options.maxmemoryPolicy] : []),
  ];
  const entry: { child: ChildProcess | null; dir: string } = { child: null, dir };
  let disposed = false;
  installExitHook();
  running.add(entry);

  const launch = async (): Promise<void> => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    entry.child = child;
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let spawnError: Error | null = null;
    child.on('error', (error) => (spawnError = error));

    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (spawnError) throw spawnError;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`redis-server exited during start-up (code ${child.exitCode}):\n${output}`);
      }
      if (await pingOnce(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server did not answer PING on port ${port} within ${STARTUP_TIMEOUT_MS} ms:\n${output}`);
  };

  const halt = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const child = entry.child;
    if (!child) return;
    entry.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, STOP_TIMEOUT_MS);
    }
  };

  const dispose = async (): Promise<void> => {
    disposed = true;
    running.delete(entry);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await launch();
  } catch (error) {
    await halt('SIGKILL');
    await dispose();
    throw error;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      if (disposed) return;
      await halt('SIGTERM');
      await dispose();
    },
    async restart() {
      if (disposed) throw new Error('this redis-server was stopped for good; start a new one');
      await halt('SIGTERM');
      await launch();
    },
    async kill() {
      await halt('SIGKILL');
    },
  };
}
