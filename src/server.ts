import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config.js';
import { createApp } from './app.js';
import { createMetrics } from './operations/metrics.js';
import { createLogger, createServices } from './services.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const logger = createLogger(config);
const { services, close } = await createServices(config, { logger, metrics: createMetrics({ processMetrics: true }) });
const app = createApp(services);
const server = createServer(app);

server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  const where = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/graphql`;
  logger.info({ url: where, database: config.databaseUrl ? 'postgresql' : 'pglite' }, 'Suward account security is listening');
});

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping: finishing requests in flight');
  server.close(async () => {
    await close();
    logger.info('stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => process.exit(1), 10_000).unref();
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
