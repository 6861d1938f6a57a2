import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { CertificateRecorder } from '../monitoring/forecasts-certificates';
import { ExpiryAnnouncer } from '../monitoring/forecasts-announcer';
import { StoredForecasts } from '../monitoring/forecasts-source';
import type { CheckObserver, ForecastSource, LinkEventSink } from '../monitoring/seams';
import type { SafeHttp } from '../outbound/safe-http';
import type { Store } from '../storage/store';
import type { Vault } from '../vault/vault';
import { registerLinkMetrics } from './link-metrics';
import { Periodic } from './periodic';
import { WebhookDispatcher, type WebhookDispatcherOptions } from './webhook-dispatcher';
import { WebhookSink } from './webhook-sink';
import { WebhookService } from './webhooks';

/** Tuning for tests and operators: how often deliveries and expiry thresholds are looked at. */
export interface AlertsOptions {
  webhooks?: WebhookDispatcherOptions & { pollMs?: number };
  /** How often forecasts are compared with the 30/14/7/1-day thresholds. Default hourly. */
  announceEveryMs?: number;
  /** The outbound client for deliveries (tests pass one that trusts their CA or resolves their names). */
  http?: SafeHttp;
}

/** Forecasts and alerts as the rest of the connector sees them: the seams, the service, the loops. */
export interface Alerts {
  /** Where scheduled checks publish transitions (`link.failing`...); queues webhooks. */
  sink: LinkEventSink;
  /** Told of every test-connection result; records the certificate's expiry. */
  observer: CheckObserver;
  forecasts: ForecastSource & StoredForecasts;
  webhooks: WebhookService;
  dispatcher: WebhookDispatcher;
  announcer: ExpiryAnnouncer;
  /** Starts the delivery and announcement loops (the server does; tests drive `runOnce`/`scan`). */
  start(): void;
  stop(): Promise<void>;
}

export function createAlerts(deps: { store: Store; vault: Vault; http: SafeHttp; logger: Logger; now: () => Date; registry: Registry; options?: AlertsOptions }): Alerts {
  const { store, logger, now } = deps;
  const options = deps.options ?? {};
  const http = options.http ?? deps.http;
  const forecasts = new StoredForecasts(store);
  const dispatcher = new WebhookDispatcher({ store, vault: deps.vault, http, logger, now, ...options.webhooks });
  const deliveries = new Periodic({ name: 'webhook deliveries', intervalMs: options.webhooks?.pollMs ?? 2_000, work: () => dispatcher.runOnce(), logger });
  const sink = new WebhookSink({ store, logger, now, onQueued: () => deliveries.nudge() });
  const announcer = new ExpiryAnnouncer({ store, forecasts, sink, logger, now });
  const announcements = new Periodic({ name: 'expiry announcements', intervalMs: options.announceEveryMs ?? 3_600_000, work: () => announcer.scan(), logger });
  registerLinkMetrics(deps.registry, { forecasts });
  return {
    sink,
    observer: new CertificateRecorder({ store, logger }),
    forecasts,
    webhooks: new WebhookService({ store, vault: deps.vault, http, now }),
    dispatcher,
    announcer,
    start() {
      deliveries.start();
      announcements.start();
    },
    async stop() {
      await Promise.all([deliveries.stop(), announcements.stop()]);
    },
  };
}
