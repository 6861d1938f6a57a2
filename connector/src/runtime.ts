import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp, type AppDeps } from './app';
import type { ConnectorConfig } from './config';
import { createForgeChannel, type ForgeChannel } from './forge-channel';
import { createStore } from './storage';
import type { Store } from './storage/store';
import { loadMasterKey, type MasterKey } from './vault/master-key';
import { Vault } from './vault/vault';

export interface Runtime {
  config: ConnectorConfig;
  store: Store;
  vault: Vault;
  masterKey: MasterKey;
  close(): Promise<void>;
}

/**
 * Opens what every command needs: the store (migrated), the master key and the vault. The server
 * and the CLI share this so that both see the same data the same way.
 */
export async function openRuntime(config: ConnectorConfig, logger: Logger): Promise<Runtime> {
  const store = createStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await store.migrate();
    // Which master key wrapped the data keys decides what may be written to the key files (see loadMasterKey).
    const wrappedBy = new Set((await store.vaultKeys.list()).map((row) => row.masterKeyId));
    const masterKey = await loadMasterKey({
      fromEnvironment: config.masterKey,
      dataDir: config.dataDir,
      wrappedBy,
      onNotice: (message) => logger.warn({ dataDir: config.dataDir }, message),
    });
    if (masterKey.source === 'key-file-created') {
      logger.warn({ dataDir: config.dataDir }, 'created a new master key file (master.key, mode 0600) in the data directory: back it up, or set CONNECTOR_MASTER_KEY');
    }
    const vault = new Vault({ store, masterKey });
    await vault.init();
    return { config, store, vault, masterKey, close: () => store.close() };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

export async function openApp(config: ConnectorConfig, logger: Logger, extra: Pick<AppDeps, 'monitoring'> = {}): Promise<{ runtime: Runtime; app: FastifyInstance }> {
  const runtime = await openRuntime(config, logger);
  let forge: ForgeChannel | undefined;
  try {
    forge = createForgeChannel({ config, store: runtime.store, logger });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const app = await buildApp({ config, store: runtime.store, vault: runtime.vault, logger, authenticators: { forge: forge?.authenticator }, extraRoutes: forge?.routes, ...extra });
  app.addHook('onClose', async () => runtime.close());
  return { runtime, app };
}
