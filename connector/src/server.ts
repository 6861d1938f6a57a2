import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import type { ConnectorConfig } from './config';
import { RefreshScheduler } from './credentials/scheduler';
import { openApp } from './runtime';
import { acquireServerLock, describeHolder, type ServerLock } from './storage';

/** How long in-flight requests get to finish on SIGTERM before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Starts the connector: opens the store and vault, listens, and shuts down gracefully on SIGINT
 * or SIGTERM (stop accepting, finish in-flight requests, close the database).
 */
export async function serve(config: ConnectorConfig, logger: Logger): Promise<{ url: string; close: () => Promise<void> }> {
  const lock = config.databaseUrl === undefined ? await lockDataDir(config, logger) : undefined;
  let opened: Awaited<ReturnType<typeof openApp>>;
  try {
    opened = await openApp(config, logger);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const { app, runtime } = opened;
  // After the store's own onClose hook (registered by openApp): the next server starts on a closed database.
  app.addHook('onClose', async () => lock?.release());
  const closer = closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await app.close();
  });
  app.addHook('onClose', async () => closer.uninstall());
  const scheduler = new RefreshScheduler({ store: runtime.store, credentials: app.connector.credentials, logger });
  // Registered before the store closes (hooks run in order), so a running scan can finish first.
  app.addHook('preClose', async () => scheduler.stop());
  // Webhook deliveries and expiry announcements; stopped by the app's own preClose hook.
  const checks = app.connector.monitoring.scheduler;
  app.addHook('preClose', async () => checks.stop());
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    throw error;
  }
  scheduler.start();
  app.connector.alerts.start();
  checks.start();
  logger.info(
    { address, store: runtime.store.dialect, dataDir: runtime.store.dialect === 'sqlite' ? config.dataDir : undefined, operatorApi: config.adminToken !== undefined },
    `connector listening on ${address}`,
  );
  return { url: address, close: () => app.close() };
}

/**
 * SQLite serves one process: its credential locks are in memory, so a second server on the same
 * folder would refresh the same tokens at once and burn single-use refresh tokens. Held until
 * the server closes; the operating system drops it if the process dies.
 */
async function lockDataDir(config: ConnectorConfig, logger: Logger): Promise<ServerLock> {
  return acquireServerLock({
    dataDir: config.dataDir,
    waitMs: config.serveLockWaitMs,
    onWait: (holder, waitMs) =>
      logger.warn(
        { dataDir: config.dataDir, holder, waitMs },
        `another connector serves from this data directory (${describeHolder(holder)}); waiting up to ${Math.round(waitMs / 1000)} s for it to stop`,
      ),
  });
}
