import type { Forecast } from '../../../contract';
import type { LinkRecord, Store } from '../storage/store';
import { computeForecasts } from './forecasts';
import type { ForecastSource } from './seams';

/** One link with its forecasts, as a bulk read yields them. */
export interface LinkForecasts {
  link: LinkRecord;
  forecasts: Forecast[];
}

/**
 * Forecasts from the store: one link's (the link view, the announcer) or every link's, a page at
 * a time in a fixed number of queries per page (a metrics scrape of 10,000 links).
 */
export class StoredForecasts implements ForecastSource {
  constructor(private readonly store: Store) {}

  async forecasts(linkId: string): Promise<Forecast[]> {
    const link = await this.store.links.get(linkId);
    if (link === undefined) return [];
    const [token, certificates] = await Promise.all([this.store.tokens.get(linkId, ''), this.store.monitoring.certificates([linkId])]);
    return computeForecasts({ link, token: token?.record ?? null, certificate: certificates.get(linkId) ?? null });
  }

  /** Every link with its forecasts, page by page. */
  async *all(pageSize = 1000): AsyncGenerator<LinkForecasts[]> {
    let cursor: string | undefined;
    do {
      const page = await this.store.links.list({ limit: pageSize, cursor });
      const ids = page.items.map((link) => link.id);
      const [tallies, certificates] = await Promise.all([this.store.tokens.tally(ids), this.store.monitoring.certificates(ids)]);
      yield page.items.map((link) => ({
        link,
        forecasts: computeForecasts({ link, token: tallies.get(link.id)?.own ?? null, certificate: certificates.get(link.id) ?? null }),
      }));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }
}
