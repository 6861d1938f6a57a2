import type { Logger } from 'pino';
import type { Forecast, LinkEvent } from '../../../contract';
import type { LinkRecord, Store } from '../storage/store';
import { daysLeft } from './forecasts';
import type { StoredForecasts } from './forecasts-source';
import type { LinkEventSink } from './seams';

/** "Breaks in N days" is announced when a forecast crosses these (issue 15 item 4). */
export const EXPIRY_THRESHOLDS_DAYS = [30, 14, 7, 1] as const;

/** The tightest threshold `days` has crossed, or null while it is further away than the widest. */
export function crossedThreshold(days: number): number | null {
  let crossed: number | null = null;
  for (const threshold of EXPIRY_THRESHOLDS_DAYS) if (days <= threshold) crossed = threshold;
  return crossed;
}

/**
 * Publishes `link.expiring` when a forecast crosses 30, 14, 7 and 1 days: once per threshold per
 * forecast (its kind and date: a renewed certificate is a new forecast), across replicas, because
 * the announcement is claimed in the database before it is published. A forecast first seen
 * inside a threshold is announced at the tightest one it crossed, not at every wider one.
 */
export class ExpiryAnnouncer {
  constructor(private readonly deps: { store: Store; forecasts: StoredForecasts; sink: LinkEventSink; logger: Logger; now: () => Date }) {}

  /** One pass over every link; returns how many events it published. */
  async scan(): Promise<number> {
    const now = this.deps.now();
    let published = 0;
    for await (const page of this.deps.forecasts.all()) {
      for (const { link, forecasts } of page) {
        for (const forecast of forecasts) if (await this.announce(link, forecast, now)) published += 1;
      }
    }
    return published;
  }

  private async announce(link: LinkRecord, forecast: Forecast, now: Date): Promise<boolean> {
    const days = daysLeft(forecast.expiresAt, now);
    const threshold = crossedThreshold(days);
    if (threshold === null) return false;
    const claimed = await this.deps.store.monitoring.claimAnnouncement({
      linkId: link.id,
      kind: forecast.kind,
      expiresAt: forecast.expiresAt,
      thresholdDays: threshold,
      announcedAt: now.toISOString(),
    });
    if (!claimed) return false;
    await this.deps.sink.publish(expiringEvent(link, forecast, days, now));
    this.deps.logger.info({ linkId: link.id, kind: forecast.kind, expiresAt: forecast.expiresAt, threshold }, 'announced an expiry');
    return true;
  }
}

export function expiringEvent(link: LinkRecord, forecast: Forecast, days: number, now: Date): LinkEvent {
  return {
    type: 'link.expiring',
    timestamp: now.toISOString(),
    data: {
      linkId: link.id,
      linkName: link.name,
      remoteKind: link.remoteKind,
      applicationUrl: link.applicationUrl,
      stage: null,
      code: null,
      hint: null,
      since: now.toISOString(),
      expiry: { ...forecast, daysLeft: days },
    },
  };
}
