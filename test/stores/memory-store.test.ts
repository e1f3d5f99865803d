import { ManualClock } from '../../src/clock.js';
import { MemoryStore } from '../../src/stores/kv-store.js';
import { describeStoreContract } from './kv-store.contract.js';

describeStoreContract('in-memory', async () => {
  const clock = new ManualClock();
  return { store: new MemoryStore(clock), elapse: async (ms) => clock.advance(ms) };
});
