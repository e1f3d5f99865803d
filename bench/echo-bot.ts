// The bare framework, for the benchmarks to measure Clave against: the same stack (botbuilder's CloudAdapter
// on restify 12, the same plugins and body limit, unauthenticated like local development) with a bot that
// only echoes the text. Run as a process of its own; tells the parent its port over IPC once listening.
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  type TurnContext,
} from 'botbuilder';
import type { AddressInfo } from 'node:net';
import restify, { type Request, type Response } from 'restify';
import { MAX_BODY_BYTES } from '../src/server.js';

// As src/adapter.ts builds it without credentials: the SDK runs unauthenticated only as "MultiTenant".
const settings = { MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: '' };
const adapter = new CloudAdapter(
  new ConfigurationBotFrameworkAuthentication(settings, new ConfigurationServiceClientCredentialFactory(settings)),
);

async function echo(context: TurnContext): Promise<void> {
  if (context.activity.type === 'message') await context.sendActivity({ type: 'message', text: `echo: ${context.activity.text ?? ''}` });
}

const server = restify.createServer({ name: 'echo', handleUncaughtExceptions: false });
server.use(restify.plugins.queryParser({ mapParams: false }));
server.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: MAX_BODY_BYTES, rejectUnknown: true }));
server.post('/api/messages', async (req: Request, res: Response) => {
  await adapter.process(req, res, echo);
});
server.get('/healthz', async (_req: Request, res: Response) => {
  res.send(200, { status: 'ok' });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
});

// Exits normally (so --cpu-prof writes its profile) when told to, or when the bench that started it is gone.
const stop = () => {
  server.server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
