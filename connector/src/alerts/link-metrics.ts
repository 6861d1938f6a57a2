import { Gauge, type Registry } from 'prom-client';
import type { LinkStatus } from '../../../contract';
import type { LinkForecasts, StoredForecasts } from '../monitoring/forecasts-source';

const LINK_LABELS = ['link_id', 'link_name', 'remote_kind'] as const;

/** Statuses in which a link works (outgoing-only links have nothing to authenticate). */
const UP: ReadonlySet<LinkStatus> = new Set(['connected', 'outgoing-only']);

/**
 * Per-link gauges for Prometheus, computed when `/metrics` is scraped from the store (a page of
 * links, their credentials and certificates in three queries per thousand links), so they never
 * lag the database and cost nothing between scrapes. The alert rules in
 * `deploy/prometheus/applinks-rules.yml` read them.
 */
export function registerLinkMetrics(registry: Registry, deps: { forecasts: StoredForecasts }): void {
  const up = new Gauge({ name: 'applinks_link_up', help: 'Whether the link works (status connected or outgoing-only): 1 or 0.', labelNames: LINK_LABELS, registers: [registry], collect: () => refresh() });
  const failing = new Gauge({ name: 'applinks_link_failing', help: 'Whether the link is failing (its checks fail): 1 or 0.', labelNames: LINK_LABELS, registers: [registry], collect: () => refresh() });
  const reauth = new Gauge({
    name: 'applinks_link_needs_reauthorization',
    help: 'Whether the link needs to be authorized again (the remote refused its refresh token): 1 or 0.',
    labelNames: LINK_LABELS,
    registers: [registry],
    collect: () => refresh(),
  });
  const expiry = new Gauge({
    name: 'applinks_link_expiry_timestamp_seconds',
    help: 'When something the link depends on expires (Unix time), per kind: tls-certificate, client-secret, service-account, refresh-token.',
    labelNames: [...LINK_LABELS, 'kind'],
    registers: [registry],
    collect: () => refresh(),
  });
  const took = new Gauge({ name: 'applinks_link_metrics_collect_seconds', help: 'How long the last computation of the per-link metrics took.', registers: [registry] });

  // prom-client collects every metric of a scrape concurrently: the first one reads the store and
  // the others share that read, so a scrape costs one pass over the links.
  let pending: { at: number; done: Promise<void> } | undefined;
  function refresh(): Promise<void> {
    if (pending !== undefined && Date.now() - pending.at < 1_000) return pending.done;
    const started = performance.now();
    const done = (async () => {
      const pages: LinkForecasts[][] = [];
      for await (const page of deps.forecasts.all()) pages.push(page);
      // Reset only once the read succeeded: deleted links drop out, and a failed read keeps the last values.
      for (const gauge of [up, failing, reauth, expiry]) gauge.reset();
      for (const page of pages) {
        for (const { link, forecasts } of page) {
          const labels = { link_id: link.id, link_name: link.name, remote_kind: link.remoteKind };
          up.set(labels, UP.has(link.status) ? 1 : 0);
          failing.set(labels, link.status === 'failing' ? 1 : 0);
          reauth.set(labels, link.status === 'needs-reauthorization' ? 1 : 0);
          for (const forecast of forecasts) expiry.set({ ...labels, kind: forecast.kind }, Math.floor(Date.parse(forecast.expiresAt) / 1000));
        }
      }
      took.set((performance.now() - started) / 1000);
    })();
    pending = { at: Date.now(), done };
    return done;
  }
}
