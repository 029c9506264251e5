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
let stopping = false;
const app = createApp(services, { draining: () => stopping });
const server = createServer((req, res) => {
  // While stopping, each response asks its client to close the connection instead of reusing it.
  if (stopping) res.setHeader('connection', 'close');
  void app(req, res);
});

if (config.databaseUrl && !config.redisUrl && config.session.cacheMs > 0) {
  // Other instances on the same database could end a session without this one hearing of it.
  logger.warn(
    { sessionCacheSeconds: config.session.cacheMs / 1000 },
    'PostgreSQL without REDIS_URL: if other instances share this database, a session they end stays usable here until its cached copy expires; set REDIS_URL, or SESSION_CACHE_SECONDS=0',
  );
}

server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  const where = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/graphql`;
  logger.info(
    { url: where, database: config.databaseUrl ? 'postgresql' : 'pglite' },
    'Suward account security is listening',
  );
});

// How long a stopping server keeps accepting requests after the signal, while /ready answers 503
// so that a load balancer stops sending new ones.
const DRAIN_GRACE_MS = 1000;

async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping: finishing requests in flight');
  setTimeout(() => {
    logger.error('stopping: requests still running after 10 s; exiting anyway');
    process.exit(1);
  }, 10_000).unref();
  // Closing the listening socket at once would reset connections still waiting in the accept
  // queue, and Node's http close() also drops connections whose request has arrived but not been
  // read yet (they count as idle): clients that sent a request before the signal would see a
  // reset. So the server keeps accepting for a grace period first.
  await new Promise((resolve) => setTimeout(resolve, DRAIN_GRACE_MS));
  server.close(() => {
    void close().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  });
  // Keep-alive connections whose last request was still running become idle later.
  setInterval(() => server.closeIdleConnections(), 100).unref();
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
