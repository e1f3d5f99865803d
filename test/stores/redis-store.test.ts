// The Redis store against a real redis-server: the shared contract, then what only Redis has (key layout,
// eviction policy, outages and reconnection, persistence across restarts).
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisStore, StoreUnavailableError, type RedisStoreOptions } from '../../src/stores/redis-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { describeStoreContract } from './kv-store.contract.js';

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let server: RedisServer;
const servers: RedisServer[] = [];
const stores: RedisStore[] = [];

async function serverWith(options: Parameters<typeof startRedisServer>[0] = {}): Promise<RedisServer> {
  const started = await startRedisServer(options);
  servers.push(started);
  return started;
}

async function storeOn(target: RedisServer, options: RedisStoreOptions = {}): Promise<RedisStore> {
  const store = await RedisStore.connect(target.url, { reconnect: { maxDelayMs: 200 }, ...options });
  stores.push(store);
  return store;
}

/** A plain client to look at what the store wrote, as an operator would. */
async function inspect<T>(target: RedisServer, look: (raw: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const raw = createClient({ url: target.url });
  raw.on('error', () => {});
  await raw.connect();
  try {
    return await look(raw);
  } finally {
    raw.destroy();
  }
}

/** Runs an operation that should fail and says how long the failure took. */
async function timeRejection(operation: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await operation();
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error('expected the operation to fail');
}

beforeAll(async () => {
  server = await serverWith({ maxmemoryPolicy: 'noeviction' });
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await Promise.all(servers.map((started) => started.stop()));
});

describeStoreContract('Redis', async () => ({ store: await storeOn(server), elapse: wait }));

describe('RedisStore on a real redis-server', () => {
  it('prefixes every key and keeps the hash-tag braces intact', async () => {
    const store = await storeOn(server);
    await store.set('code:{conv-1}', 'hash', 60_000);
    await store.incr('code-tries:{conv-1}', 60_000);
    await store.compareAndSet('conv:{conv-1}', 0, '{"snapshot":1}');

    const keys = await inspect(server, (raw) => raw.keys('clave:*{conv-1}*'));
    expect(keys.sort()).toEqual(['clave:code-tries:{conv-1}', 'clave:code:{conv-1}', 'clave:conv:{conv-1}']);
    expect(await store.get('code:{conv-1}')).toBe('hash');
  });

  it('keeps sorted sets as Redis sorted sets under the prefix, without a TTL', async () => {
    const store = await storeOn(server);
    await store.zadd('due:{z}', 'conv-1', 1_700_000_000_123);
    const [type, score, ttl] = await inspect(server, (raw) =>
      Promise.all([raw.type('clave:due:{z}'), raw.zScore('clave:due:{z}', 'conv-1'), raw.pTTL('clave:due:{z}')]),
    );
    expect({ type, score, ttl }).toEqual({ type: 'zset', score: 1_700_000_000_123, ttl: -1 });
    expect(await store.claimDue('due:{z}', 1_700_000_000_123, 5, 1_700_000_060_123)).toEqual(['conv-1']);
    expect(await inspect(server, (raw) => raw.zScore('clave:due:{z}', 'conv-1')), 'leased: moved to the lease end').toBe(1_700_000_060_123);
    expect(await store.zremIfScore('due:{z}', 'conv-1', 1_700_000_060_123)).toBe(true);
    expect(await inspect(server, (raw) => raw.exists('clave:due:{z}')), 'an empty sorted set is gone').toBe(0);
  });

  it('uses a custom prefix and refuses one with braces, which would become the hash tag', async () => {
    const store = await storeOn(server, { keyPrefix: 'tenant-a:' });
    await store.set('lock:{subject-1}', '1');
    expect(await inspect(server, (raw) => raw.exists('tenant-a:lock:{subject-1}'))).toBe(1);
    await expect(RedisStore.connect(server.url, { keyPrefix: '{clave}:' })).rejects.toThrow(/braces/);
  });

  it('puts TTLs on the Redis keys: on set, on counter creation only, and on versioned writes', async () => {
    const store = await storeOn(server);
    await store.set('ttl:{a}', 'v', 60_000);
    await store.set('no-ttl:{a}', 'v');
    await store.incr('counter:{a}', 60_000);
    const [withTtl, withoutTtl, counterFirst] = await inspect(server, (raw) =>
      Promise.all([raw.pTTL('clave:ttl:{a}'), raw.pTTL('clave:no-ttl:{a}'), raw.pTTL('clave:counter:{a}')]),
    );
    expect(withTtl).toBeGreaterThan(59_000);
    expect(withoutTtl).toBe(-1);

    await wait(30);
    await store.incr('counter:{a}', 60_000);
    const counterLater = await inspect(server, (raw) => raw.pTTL('clave:counter:{a}'));
    expect(counterLater).toBeLessThan(counterFirst);

    await store.compareAndSet('conv:{a}', 0, 'one', 60_000);
    expect(await inspect(server, (raw) => raw.pTTL('clave:conv:{a}'))).toBeGreaterThan(59_000);
    await store.compareAndSet('conv:{a}', 1, 'two');
    expect(await inspect(server, (raw) => raw.pTTL('clave:conv:{a}'))).toBe(-1);
    expect(await inspect(server, (raw) => raw.hGetAll('clave:conv:{a}'))).toEqual({ v: 'two', ver: '2' });
  });

  it('reports the eviction policy the server runs with', async () => {
    const store = await storeOn(server);
    expect(await store.checkEvictionPolicy()).toBe('noeviction');

    const evicting = await serverWith({ maxmemoryPolicy: 'allkeys-lru' });
    expect(await (await storeOn(evicting)).checkEvictionPolicy()).toBe('allkeys-lru');
  });

  it("reports 'unknown' where CONFIG is forbidden, as on managed Redis", async () => {
    await inspect(server, (raw) => raw.aclSetUser('clave-app', ['on', '>app-secret', '~*', '+@all', '-config']));
    const url = server.url.replace('redis://', 'redis://clave-app:app-secret@');
    const store = await RedisStore.connect(url);
    stores.push(store);
    expect(await store.checkEvictionPolicy()).toBe('unknown');
    expect(await store.ping()).toBe('PONG');
  });

  it('gives up connecting after connectTimeoutMs when nothing listens', async () => {
    const gone = await serverWith();
    const url = gone.url;
    await gone.kill();
    const errors: Error[] = [];
    const { error, ms } = await timeRejection(() =>
      RedisStore.connect(url, { connectTimeoutMs: 500, onError: (e) => errors.push(e) }),
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(ms).toBeLessThan(2_000);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('fails fast while the server is down, then reconnects by itself after a restart', async () => {
    const flaky = await serverWith();
    const errors: Error[] = [];
    // A long command timeout, so failing fast can only come from the disabled offline queue.
    const store = await storeOn(flaky, { onError: (e) => errors.push(e), commandTimeoutMs: 10_000 });
    await store.set('before:{x}', 'v');
    expect(store.isReady()).toBe(true);

    await flaky.kill();
    const operations: (() => Promise<unknown>)[] = [
      () => store.get('before:{x}'),
      () => store.set('k:{x}', 'v', 1_000),
      () => store.setIfAbsent('k:{x}', 'v'),
      () => store.take('k:{x}'),
      () => store.incr('n:{x}', 1_000),
      () => store.compareAndSet('c:{x}', 0, 'v'),
      () => store.getVersioned('c:{x}'),
      () => store.redeem('r:{x}', 'v', { key: 'r-tries:{x}', ttlMs: 1_000, max: 5 }, { key: 'r-proof:{x}', value: 'p', ttlMs: 1_000 }),
      () => store.ping(),
    ];
    for (const operation of operations) {
      const { error, ms } = await timeRejection(operation);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      // Generous: this is about not hanging until Redis returns, not about speed.
      expect(ms).toBeLessThan(2_000);
    }
    await vi.waitFor(() => expect(store.isReady()).toBe(false), { timeout: 2_000 });
    expect(errors.length).toBeGreaterThan(0);

    await flaky.restart();
    await vi.waitFor(() => expect(store.isReady()).toBe(true), { timeout: 10_000, interval: 50 });
    await store.set('after:{x}', 'back');
    expect(await store.get('after:{x}')).toBe('back');
    // Without persistence the restart lost everything, and the script cache with it (EVALSHA falls back to EVAL).
    expect(await store.get('before:{x}')).toBeNull();
    expect(await store.incr('n:{x}', 1_000)).toBe(1);
  });

  it('closes promptly even while the server is down, and rejects work afterwards', async () => {
    const doomed = await serverWith();
    const store = await storeOn(doomed);
    await doomed.kill();
    const started = performance.now();
    await store.close();
    await store.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect(store.get('k:{x}')).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('reports a stalled server as unavailable after commandTimeoutMs instead of hanging', async () => {
    const store = await storeOn(server, { commandTimeoutMs: 300 });
    await store.set('stall:{x}', 'v');
    await inspect(server, (raw) => raw.clientPause(1_000));
    const { error, ms } = await timeRejection(() => store.get('stall:{x}'));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(ms).toBeLessThan(1_000);
    // Once Redis answers again, the late reply is discarded and the connection stays in step.
    await vi.waitFor(async () => expect(await store.get('stall:{x}')).toBe('v'), { timeout: 5_000, interval: 100 });
    expect(await store.take('stall:{x}')).toBe('v');
  });

  describe('with AOF persistence', () => {
    let durable: RedisServer;
    let store: RedisStore;

    beforeAll(async () => {
      durable = await serverWith({ appendOnly: true, maxmemoryPolicy: 'noeviction' });
      store = await storeOn(durable);
    });

    async function writeState(tag: string): Promise<void> {
      await store.incr(`failures:{${tag}}`, 3_600_000);
      await store.incr(`failures:{${tag}}`, 3_600_000);
      await store.setIfAbsent(`dir:recovery-used:{${tag}}:h1`, '1');
      await store.compareAndSet(`conv:{${tag}}`, 0, 'snapshot');
    }

    async function expectState(tag: string): Promise<void> {
      await vi.waitFor(() => expect(store.isReady()).toBe(true), { timeout: 10_000, interval: 50 });
      expect(await store.incr(`failures:{${tag}}`, 3_600_000)).toBe(3);
      expect(await store.setIfAbsent(`dir:recovery-used:{${tag}}:h1`, '1')).toBe(false);
      expect(await store.getVersioned(`conv:{${tag}}`)).toEqual({ value: 'snapshot', version: 1 });
    }

    it('keeps counters, no-TTL keys and versioned records across a restart', async () => {
      await writeState('graceful');
      await durable.restart();
      await expectState('graceful');
    });

    it('keeps them across a crash too (appendfsync always)', async () => {
      await writeState('crash');
      await durable.kill();
      await durable.restart();
      await expectState('crash');
    });
  });
});
