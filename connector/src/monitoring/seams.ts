import type { Forecast, LinkEvent, TestConnectionResult } from '../../../contract';

/**
 * The seams between scheduled checks (which decide that a link is failing, recovered or needs
 * re-authorization), forecasts (what expires when) and alert delivery (webhooks, metrics). Each
 * side is built against these and wired together in `app.ts`.
 */

/** Receives the events the connector announces; delivery (webhooks) implements it. */
export interface LinkEventSink {
  /** Must not throw for a delivery failure: it records and retries on its own. */
  publish(event: LinkEvent): Promise<void>;
}

/** Told of every test-connection result, scheduled or asked for by a person. */
export interface CheckObserver {
  observed(linkId: string, result: TestConnectionResult, at: Date): Promise<void>;
}

/** What will expire on a link, soonest first. */
export interface ForecastSource {
  forecasts(linkId: string): Promise<Forecast[]>;
}
