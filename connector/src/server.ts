import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import type { ConnectorConfig } from './config';
import { RefreshScheduler } from './credentials/scheduler';
import { openApp } from './runtime';

/** How long in-flight requests get to finish on SIGTERM before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Starts the connector: opens the store and vault, listens, and shuts down gracefully on SIGINT
 * or SIGTERM (stop accepting, finish in-flight requests, close the database).
 */
export async function serve(config: ConnectorConfig, logger: Logger): Promise<{ url: string; close: () => Promise<void> }> {
  const { app, runtime } = await openApp(config, logger);
  const closer = closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await app.close();
  });
  app.addHook('onClose', async () => closer.uninstall());
  const scheduler = new RefreshScheduler({ store: runtime.store, credentials: app.connector.credentials, logger });
  // Registered before the store closes (hooks run in order), so a running scan can finish first.
  app.addHook('preClose', async () => scheduler.stop());
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    throw error;
  }
  scheduler.start();
  logger.info(
    { address, store: runtime.store.dialect, dataDir: runtime.store.dialect === 'sqlite' ? config.dataDir : undefined, operatorApi: config.adminToken !== undefined },
    `connector listening on ${address}`,
  );
  return { url: address, close: () => app.close() };
}
