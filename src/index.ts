// Runs Clave: reads the configuration, builds the app, listens, and closes gracefully on a signal.
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp(config);
  app.server.listen(config.port, config.host, () => {
    app.logger.info(
      { publicBaseUrl: config.publicBaseUrl, devRoutes: config.devRoutes, store: config.redisUrl ? 'redis' : 'memory' },
      `Clave is listening on port ${config.port}`,
    );
  });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 10_000).unref();
    await app.close();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: Error) => {
  process.stderr.write(`Clave could not start: ${error.message}\n`);
  process.exit(1);
});
