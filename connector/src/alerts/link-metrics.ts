import { Gauge, type Registry } from 'prom-client';
import type { LinkStatus } from '../../../contract';
import type { StoredForecasts } from '../monitoring/forecasts-source';

type LinkLabels = { link_id: string; link_name: string; remote_kind: string };
type Value<L> = { labels: L; value: number };
type Snapshot = {
  up: Value<LinkLabels>[];
  failing: Value<LinkLabels>[];
  reauth: Value<LinkLabels>[];
  expiry: Value<LinkLabels & { kind: string }>[];
};

const LINK_LABELS = ['link_id', 'link_name', 'remote_kind'] as const;

/** Statuses in which a link works (outgoing-only links have nothing to authenticate). */
const UP: ReadonlySet<LinkStatus> = new Set(['connected', 'outgoing-only']);

/**
 * A gauge whose series come from a snapshot read at scrape time. Setting 50,000 labelled children
 * one by one costs a label hash each (measured as a third of a 10,000-link scrape), so `get`
 * hands prom-client the values directly.
 */
class SnapshotGauge<L extends LinkLabels> extends Gauge<string> {
  constructor(
    config: { name: string; help: string; labelNames: readonly string[]; registers: Registry[] },
    private readonly values: () => Promise<Value<L>[]>,
  ) {
    super(config);
  }

  override async get(): ReturnType<Gauge<string>['get']> {
    const [base, values] = await Promise.all([super.get(), this.values()]);
    return { ...base, values };
  }
}

/**
 * Per-link gauges for Prometheus, computed when `/metrics` is scraped from the store (a page of
 * links, their credentials and certificates in three queries per thousand links), so they never
 * lag the database and cost nothing between scrapes. The alert rules in
 * `deploy/prometheus/applinks-rules.yml` read them.
 */
export function registerLinkMetrics(registry: Registry, deps: { forecasts: StoredForecasts }): void {
  const took = new Gauge({ name: 'applinks_link_metrics_collect_seconds', help: 'How long the last read of the per-link metrics from the store took.', registers: [registry] });

  // prom-client reads every metric of a scrape concurrently: the first one reads the store and the
  // others share that read while it is in flight, so a scrape costs one pass over the links and the
  // next scrape reads afresh (a status that changed just before it is never hidden by a cache).
  let pending: Promise<Snapshot> | undefined;
  const snapshot = (): Promise<Snapshot> => {
    if (pending !== undefined) return pending;
    const read = (async (): Promise<Snapshot> => {
      const started = performance.now();
      const s: Snapshot = { up: [], failing: [], reauth: [], expiry: [] };
      for await (const page of deps.forecasts.all()) {
        for (const { link, forecasts } of page) {
          const labels = { link_id: link.id, link_name: link.name, remote_kind: link.remoteKind };
          s.up.push({ labels, value: UP.has(link.status) ? 1 : 0 });
          s.failing.push({ labels, value: link.status === 'failing' ? 1 : 0 });
          s.reauth.push({ labels, value: link.status === 'needs-reauthorization' ? 1 : 0 });
          for (const forecast of forecasts) s.expiry.push({ labels: { ...labels, kind: forecast.kind }, value: Math.floor(Date.parse(forecast.expiresAt) / 1000) });
        }
      }
      took.set((performance.now() - started) / 1000);
      return s;
    })();
    pending = read;
    const done = () => {
      if (pending === read) pending = undefined;
    };
    read.then(done, done);
    return read;
  };

  const gauge = <L extends LinkLabels>(name: string, help: string, labelNames: readonly string[], pick: (s: Snapshot) => Value<L>[]): void => {
    new SnapshotGauge<L>({ name, help, labelNames, registers: [registry] }, async () => pick(await snapshot()));
  };
  gauge('applinks_link_up', 'Whether the link works (status connected or outgoing-only): 1 or 0.', LINK_LABELS, (s) => s.up);
  gauge('applinks_link_failing', 'Whether the link is failing (its checks fail): 1 or 0.', LINK_LABELS, (s) => s.failing);
  gauge('applinks_link_needs_reauthorization', 'Whether the link needs to be authorized again (the remote refused its refresh token): 1 or 0.', LINK_LABELS, (s) => s.reauth);
  gauge(
    'applinks_link_expiry_timestamp_seconds',
    'When something the link depends on expires (Unix time), per kind: tls-certificate, client-secret, service-account, refresh-token.',
    [...LINK_LABELS, 'kind'],
    (s) => s.expiry,
  );
}
