// Clave for the benchmarks: the app exactly as src/app.ts assembles it, on the environment it is given, in a
// process of its own. Over IPC it tells the parent its port once listening and every code that reaches the
// development outbox (the bench-only hook that stands in for reading an inbox), so no HTTP request but the
// turns themselves reaches the server under test.
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const CODE = /\b(\d{6,10})\b/;

const app = await createApp(loadConfig());
// Codes go out in one message per turn of the event loop, not one each: every IPC write is a system call,
// which costs the server under test real time on a busy machine, and the hook should cost it as little as it can.
let codes: { to: string; code: string }[] = [];
app.outbox?.subscribe((entry) => {
  if (entry.purpose !== 'code') return;
  if (codes.length === 0) {
    setImmediate(() => {
      process.send?.({ type: 'codes', codes });
      codes = [];
    });
  }
  codes.push({ to: entry.to, code: CODE.exec(entry.text)?.[1] ?? '' });
});
app.server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (app.server.address() as AddressInfo).port });
});

// A normal exit (so --cpu-prof writes its profile) when told to, or when the bench that started it is gone.
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 5_000).unref();
  void app.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
