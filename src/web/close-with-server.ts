// Held-open connections (WebSocket streams, Server-Sent Events) would keep server.close() waiting forever:
// Node only stops accepting and waits for every socket to end. This runs their cleanup when close() is
// called, so a graceful shutdown really ends. Each caller wraps close() once more; order does not matter.
import type { Server } from 'restify';

export function closeWithServer(server: Server, cleanup: () => void): void {
  const close = server.close.bind(server) as (...args: unknown[]) => unknown;
  (server as unknown as { close: (...args: unknown[]) => unknown }).close = (...args: unknown[]) => {
    try {
      cleanup();
    } catch {
      // A failed cleanup must not stop the server from closing.
    }
    return close(...args);
  };
}
