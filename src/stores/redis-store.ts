// The KeyValueStore on Redis, for running several Clave instances behind one load balancer. Every operation
// is one atomic command or one Lua script, so concurrent turns on different instances cannot interleave.
//
// Operating requirements:
// - Redis >= 6.2 (GETDEL).
// - `maxmemory-policy noeviction`. Some keys have no TTL on purpose (used recovery codes, TOTP steps), and
//   an evicting policy would silently drop them, which lets a spent code work again. Under noeviction a full
//   Redis refuses writes instead (an OOM reply, reported here as StoreUnavailableError). The composition root
//   can check the setting at start-up with `checkEvictionPolicy()`.
// - Versioned keys (`getVersioned`/`compareAndSet`) are hashes `{ v, ver }`; sorted sets (`zadd`/`claimDue`)
//   are sorted sets; plain keys are strings. A key is used through one family only (`del` works on any).
// - Every command and script touches one key, or keys of one hash tag (`redeem`), so keys work unchanged on
//   Redis Cluster; docs/redis-keys.md lists them all.
import { createClient, defineScript, ErrorReply, type CommandParser } from 'redis';
import { longestWindow, StoreUnavailableError, type KeyValueStore, type Proof, type TryLimit, type WindowLimit } from './kv-store.js';

export { StoreUnavailableError };

export interface RedisStoreOptions {
  /** Prefixed to every key (default `clave:`). Must not contain braces: it would become the hash tag. */
  keyPrefix?: string;
  /** Called for every connection error (refused, reset, reconnect failures). The process never crashes on them. */
  onError?: (error: Error) => void;
  /** Reconnect backoff: min(minDelayMs * 2^attempt, maxDelayMs) plus up to 10% jitter, forever. */
  reconnect?: { minDelayMs?: number; maxDelayMs?: number };
  /** How long `connect` waits for the first connection before giving up (default 10 s). */
  connectTimeoutMs?: number;
  /** A command with no reply after this long is reported unavailable, e.g. on a half-open socket (default 2 s). */
  commandTimeoutMs?: number;
}

// Counters: INCR, and give the key its TTL only when this call created it, so the window never slides.
const incrWithTtl = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    local n = redis.call('INCR', KEYS[1])
    local ttl = tonumber(ARGV[1])
    if n == 1 and ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
    return n`,
  parseCommand(parser: CommandParser, key: string, ttlMs: number) {
    parser.pushKey(key);
    parser.push(String(ttlMs));
  },
  transformReply: (reply: unknown) => Number(reply),
});

// Compare-and-set on the hash { v, ver }: write only when `ver` (0 when absent or expired) is the expected one.
// A write without TTL clears any previous one, as `set` does.
const compareAndSetVersioned = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    local current = tonumber(redis.call('HGET', KEYS[1], 'ver') or '0')
    if current ~= tonumber(ARGV[1]) then return 0 end
    redis.call('HSET', KEYS[1], 'v', ARGV[2], 'ver', tostring(current + 1))
    local ttl = tonumber(ARGV[3])
    if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
    return 1`,
  parseCommand(parser: CommandParser, key: string, expectedVersion: number, value: string, ttlMs: number) {
    parser.pushKey(key);
    parser.push(String(expectedVersion), value, String(ttlMs));
  },
  transformReply: (reply: unknown) => Number(reply),
});

// Delete only while the key holds the caller's value (a lock's token): one round trip instead of GET then DEL.
const deleteIfEqual = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0`,
  parseCommand(parser: CommandParser, key: string, value: string) {
    parser.pushKey(key);
    parser.push(value);
  },
  transformReply: (reply: unknown) => Number(reply),
});

// Claim due members: read the lowest-scored members up to the limit and move them to the lease's end in the
// same script, so two instances polling at once can never both get one. Redis runs a script alone, start to end.
const claimDueMembers = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
    for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[3], member) end
    return due`,
  parseCommand(parser: CommandParser, key: string, maxScore: number, limit: number, leaseScore: number) {
    parser.pushKey(key);
    parser.push(String(maxScore), String(limit), String(leaseScore));
  },
  transformReply: (reply: unknown) => (reply as unknown[]).map(String),
});

// Let go of a lease: remove the member only while it still has the lease's score (nobody moved it since).
const zremIfScored = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
    if score and tonumber(score) == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
    return 0`,
  parseCommand(parser: CommandParser, key: string, member: string, score: number) {
    parser.pushKey(key);
    parser.push(member, String(score));
  },
  transformReply: (reply: unknown) => Number(reply),
});

// A sliding-window log: forget what is older than the longest window (ARGV[3]), refuse when any window
// (ARGV[4], ARGV[6], ... with their maxima after each) already holds its maximum, else add the member. One
// script, so instances racing for the last slot cannot both get it; a refusal writes nothing.
const addWithinWindowLimits = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    local now = tonumber(ARGV[1])
    local longest = tonumber(ARGV[3])
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
    for i = 4, #ARGV, 2 do
      local window = tonumber(ARGV[i])
      if redis.call('ZCOUNT', KEYS[1], '(' .. (now - window), '+inf') >= tonumber(ARGV[i + 1]) then return 0 end
    end
    redis.call('ZADD', KEYS[1], now, ARGV[2])
    redis.call('PEXPIRE', KEYS[1], longest)
    return 1`,
  parseCommand(parser: CommandParser, key: string, member: string, nowMs: number, longestMs: number, limits: readonly WindowLimit[]) {
    parser.pushKey(key);
    parser.push(String(nowMs), member, String(longestMs), ...limits.flatMap((l) => [String(l.windowMs), String(l.max)]));
  },
  transformReply: (reply: unknown) => Number(reply),
});

// Redeem a single-use value: count the try (TTL when the counter is created), past the limit delete the value,
// else delete it only while it is the one the caller read and write the proof (ARGV[5] = 1) beside it. KEYS
// share one hash tag; without a proof KEYS[3] is KEYS[1] again and goes unused.
const redeemOnce = defineScript({
  NUMBER_OF_KEYS: 3,
  SCRIPT: `
    local tries = redis.call('INCR', KEYS[2])
    if tries == 1 and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
    if tries > tonumber(ARGV[3]) then
      redis.call('DEL', KEYS[1])
      return {tries, 0}
    end
    if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {tries, 0} end
    redis.call('DEL', KEYS[1])
    if ARGV[5] == '1' then redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[6]) end
    return {tries, 1}`,
  parseCommand(parser: CommandParser, key: string, expected: string, tries: TryLimit, triesPx: number, proof: Proof | null, proofPx: number) {
    parser.pushKey(key);
    parser.pushKey(tries.key);
    parser.pushKey(proof?.key ?? key);
    parser.push(expected, String(triesPx), String(tries.max), proof?.value ?? '', proof ? '1' : '0', String(proofPx));
  },
  transformReply: (reply: unknown) => {
    const [tries, redeemed] = reply as [unknown, unknown];
    return { tries: Number(tries), redeemed: Number(redeemed) === 1 };
  },
});

function buildClient(url: string, options: RedisStoreOptions) {
  const minDelayMs = options.reconnect?.minDelayMs ?? 50;
  const maxDelayMs = options.reconnect?.maxDelayMs ?? 2_000;
  return createClient({
    url,
    // Fail fast while disconnected: a turn answers "temporarily unavailable" instead of waiting for Redis.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5_000,
      reconnectStrategy: (retries: number) => {
        const delay = Math.min(minDelayMs * 2 ** Math.min(retries, 20), maxDelayMs);
        return Math.round(delay + Math.random() * delay * 0.1);
      },
    },
    // Sent as EVALSHA; node-redis falls back to EVAL (which caches the script) on NOSCRIPT, e.g. after a restart.
    scripts: { incrWithTtl, compareAndSetVersioned, claimDueMembers, zremIfScored, deleteIfEqual, addWithinWindowLimits, redeemOnce },
  });
}

type Client = ReturnType<typeof buildClient>;

// Replies that mean "Redis is there but cannot serve this now" rather than "this command is wrong".
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|OOM)\b/;

function isUnavailability(error: unknown): boolean {
  if (error instanceof ErrorReply) return TRANSIENT_REPLY.test(error.message);
  return true;
}

/** Redis wants a positive whole number of milliseconds; a TTL of 0 or less expires (almost) at once, as in memory. */
function toPx(ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (!Number.isFinite(ttlMs)) throw new RangeError(`TTL must be a finite number of milliseconds, got ${ttlMs}`);
  return Math.max(1, Math.ceil(ttlMs));
}

export class RedisStore implements KeyValueStore {
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    private readonly client: Client,
    private readonly keyPrefix: string,
    private readonly commandTimeoutMs: number,
  ) {}

  /** Connects (retrying with backoff until connectTimeoutMs) and returns a store that reconnects by itself. */
  static async connect(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    const keyPrefix = options.keyPrefix ?? 'clave:';
    if (/[{}]/.test(keyPrefix)) throw new Error(`keyPrefix must not contain braces, got "${keyPrefix}"`);
    const client = buildClient(url, options);
    // Without a listener an 'error' event would throw and end the process; connection errors are expected.
    client.on('error', (error: Error) => options.onError?.(error));

    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(`could not connect to Redis within ${connectTimeoutMs} ms`)),
        connectTimeoutMs,
      );
    });
    try {
      await Promise.race([client.connect(), timedOut]);
    } catch (error) {
      // Stops the reconnect loop too, so a failed start-up leaves no timers or sockets behind.
      if (client.isOpen) client.destroy();
      throw error instanceof StoreUnavailableError
        ? error
        : new StoreUnavailableError('could not connect to Redis', { cause: error });
    } finally {
      clearTimeout(timer);
    }
    return new RedisStore(client, keyPrefix, options.commandTimeoutMs ?? 2_000);
  }

  /** The prefix goes in front, so a hash tag like `{conversationId}` stays intact and still picks the slot. */
  private k(key: string): string {
    return this.keyPrefix + key;
  }

  /** Runs one command with a deadline and turns connection trouble into StoreUnavailableError. */
  private async run<T>(command: string, send: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(`Redis ${command} got no reply within ${this.commandTimeoutMs} ms`)),
        this.commandTimeoutMs,
      );
    });
    const reply = Promise.race([Promise.resolve().then(send), deadline]);
    this.inFlight.add(reply);
    try {
      return await reply;
    } catch (error) {
      if (error instanceof StoreUnavailableError || !isUnavailability(error)) throw error;
      throw new StoreUnavailableError(`Redis ${command} failed: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(reply);
    }
  }

  async get(key: string): Promise<string | null> {
    return this.run('GET', () => this.client.get(this.k(key)));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const px = toPx(ttlMs);
    await this.run('SET', () =>
      px === undefined ? this.client.set(this.k(key), value) : this.client.set(this.k(key), value, { expiration: { type: 'PX', value: px } }),
    );
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const px = toPx(ttlMs);
    const reply = await this.run('SET NX', () =>
      this.client.set(this.k(key), value, {
        condition: 'NX',
        ...(px === undefined ? {} : { expiration: { type: 'PX', value: px } as const }),
      }),
    );
    return reply !== null;
  }

  async del(key: string): Promise<void> {
    await this.run('DEL', () => this.client.del(this.k(key)));
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return (await this.run('delete-if-equal', () => this.client.deleteIfEqual(this.k(key), value))) === 1;
  }

  async take(key: string): Promise<string | null> {
    return this.run('GETDEL', () => this.client.getDel(this.k(key)));
  }

  async incr(key: string, ttlMs?: number): Promise<number> {
    const px = toPx(ttlMs) ?? 0;
    return this.run('INCR', () => this.client.incrWithTtl(this.k(key), px));
  }

  async compareAndSet(key: string, expectedVersion: number, value: string, ttlMs?: number): Promise<boolean> {
    const px = toPx(ttlMs) ?? 0;
    const written = await this.run('compare-and-set', () =>
      this.client.compareAndSetVersioned(this.k(key), expectedVersion, value, px),
    );
    return written === 1;
  }

  async getVersioned(key: string): Promise<{ value: string | null; version: number }> {
    const [value, version] = await this.run('HMGET', () => this.client.hmGet(this.k(key), ['v', 'ver']));
    return { value: value ?? null, version: version ? Number(version) : 0 };
  }

  async zadd(key: string, member: string, score: number): Promise<void> {
    if (!Number.isFinite(score)) throw new RangeError(`score must be a finite number, got ${score}`);
    await this.run('ZADD', () => this.client.zAdd(this.k(key), { score, value: member }));
  }

  async zrem(key: string, member: string): Promise<void> {
    await this.run('ZREM', () => this.client.zRem(this.k(key), member));
  }

  async zremIfScore(key: string, member: string, score: number): Promise<boolean> {
    return (await this.run('zrem-if-score', () => this.client.zremIfScored(this.k(key), member, score))) === 1;
  }

  async claimDue(key: string, maxScore: number, limit: number, leaseScore: number): Promise<string[]> {
    if (!Number.isFinite(leaseScore)) throw new RangeError(`lease score must be a finite number, got ${leaseScore}`);
    if (limit <= 0) return [];
    return this.run('claim-due', () => this.client.claimDueMembers(this.k(key), maxScore, Math.floor(limit), leaseScore));
  }

  async addWithinLimits(key: string, member: string, nowMs: number, limits: readonly WindowLimit[]): Promise<boolean> {
    const longest = longestWindow(nowMs, limits);
    const added = await this.run('add-within-limits', () => this.client.addWithinWindowLimits(this.k(key), member, nowMs, longest, limits));
    return added === 1;
  }

  async redeem(key: string, expected: string, tries: TryLimit, proof: Proof | null): Promise<{ tries: number; redeemed: boolean }> {
    const triesPx = toPx(tries.ttlMs) ?? 0;
    const proofPx = proof ? toPx(proof.ttlMs)! : 0;
    return this.run('redeem', () =>
      this.client.redeemOnce(this.k(key), expected, { ...tries, key: this.k(tries.key) }, triesPx, proof && { ...proof, key: this.k(proof.key) }, proofPx),
    );
  }

  /** The server's eviction policy; 'unknown' where CONFIG is not allowed (many managed services). */
  async checkEvictionPolicy(): Promise<string> {
    try {
      const config = await this.run('CONFIG GET', () => this.client.configGet('maxmemory-policy'));
      return config['maxmemory-policy'] ?? 'unknown';
    } catch (error) {
      if (error instanceof ErrorReply) return 'unknown';
      throw error;
    }
  }

  /** True while connected and usable; false during an outage and while reconnecting. */
  isReady(): boolean {
    return this.client.isReady;
  }

  async ping(): Promise<string> {
    return this.run('PING', () => this.client.ping());
  }

  /**
   * Lets commands already sent finish (each is bounded by commandTimeoutMs), then disconnects and stops
   * reconnecting. Safe to call twice. The client's own close() could wait forever on a lost reply.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.inFlight);
    if (this.client.isOpen) this.client.destroy();
  }
}
